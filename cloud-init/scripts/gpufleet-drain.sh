#!/usr/bin/env bash
# shellcheck disable=SC2153 # GPUFLEET_* settings come from the sourced gpufleet.env and elastic.env.
# gpufleet-drain: takes this host out of service cleanly before EC2 or the auto scaling group takes it away.
# Polls IMDSv2 every GPUFLEET_DRAIN_POLL_SECONDS for the spot interruption notice (spot/instance-action), the
# auto scaling group's termination (autoscaling/target-lifecycle-state = Terminated, held by the group's lifecycle
# hook) and the rebalance recommendation (events/recommendations/rebalance; drains only with drainOnRebalance).
# Then: the proxy's drain switch (nginx answers 503 to /health, so the load balancer stops routing here, and to
# new /v1 requests) -> the watchdog stops -> in-flight requests finish, until every engine reports nothing running
# or waiting, bounded by the deadline -> the engines stop cleanly, GPUFLEET_ENGINE_STOP_SECONDS before it.
set -euo pipefail
export GPUFLEET_TOOL=gpufleet-drain
# shellcheck source=/dev/null
. "${GPUFLEET_ROOT:-}/opt/gpufleet/lib/gpufleet-lib.sh"
# shellcheck source=/dev/null
. "$GPUFLEET_ETC/elastic.env"
METRICS_TSV="$GPUFLEET_ETC/metrics.tsv"
DRAIN_DIR="$GPUFLEET_STATE/drain"
TOKEN=""
TOKEN_AT=0

now() { date +%s; }

refresh_token() {
  TOKEN="$(curl -sf -m 2 -X PUT "$GPUFLEET_IMDS_ENDPOINT/latest/api/token" \
    -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600')" || TOKEN=""
  TOKEN_AT="$(now)"
}

# imds PATH: the body on stdout and status 0 when IMDS answers 200; 1 when the path does not exist (404: no notice).
imds() {
  local out code
  if [ -z "$TOKEN" ] || [ $(($(now) - TOKEN_AT)) -gt 10800 ]; then refresh_token; fi
  out="$(mktemp)"
  code="$(curl -s -m 2 -o "$out" -w '%{http_code}' -H "X-aws-ec2-metadata-token: $TOKEN" \
    "$GPUFLEET_IMDS_ENDPOINT/latest/meta-data/$1" || true)"
  if [ "$code" = 401 ]; then
    refresh_token
    code="$(curl -s -m 2 -o "$out" -w '%{http_code}' -H "X-aws-ec2-metadata-token: $TOKEN" \
      "$GPUFLEET_IMDS_ENDPOINT/latest/meta-data/$1" || true)"
  fi
  if [ "$code" = 200 ]; then cat "$out"; fi
  rm -f "$out"
  [ "$code" = 200 ]
}

# put_count NAME: one datapoint of 1 in the stack's namespace (the alarms and the dashboard count these).
put_count() {
  aws cloudwatch put-metric-data --region "$GPUFLEET_REGION" --namespace "$GPUFLEET_METRICS_NAMESPACE" \
    --metric-data "[{\"MetricName\":\"$1\",\"Dimensions\":[{\"Name\":\"Stack\",\"Value\":\"$GPUFLEET_STACK\"},{\"Name\":\"Pool\",\"Value\":\"$GPUFLEET_POOL\"}],\"Value\":1,\"Unit\":\"Count\"}]" \
    >/dev/null 2>&1 || gf_log "could not publish $1 to CloudWatch"
}

# Requests the engines are running or queueing; "unknown" when an engine has no metrics or does not answer.
in_flight() {
  local total=0 name port path running waiting body n
  while IFS=$'\t' read -r name _unit port path running waiting _kv; do
    case "$name" in '#'* | '') continue ;; esac
    if [ "$path" = "-" ]; then
      echo unknown
      return
    fi
    body="$(curl -sf -m 2 "http://127.0.0.1:$port$path")" || continue # a stopped engine runs nothing
    n="$(awk -v a="$running" -v b="$waiting" '
      /^#/ { next }
      { split($1, f, "{") }
      f[1] == a || f[1] == b { s += $NF }
      END { printf "%d", s + 0.5 }' <<<"$body")"
    total=$((total + n))
  done <"$METRICS_TSV"
  echo "$total"
}

drain() {
  local reason="$1" deadline="$2" stop_at busy units
  stop_at=$((deadline - GPUFLEET_ENGINE_STOP_SECONDS))
  mkdir -p "$DRAIN_DIR"
  printf 'reason=%s\nstarted=%s\ndeadline=%s\n' "$reason" "$(now)" "$deadline" >"$DRAIN_DIR/draining"
  gf_log "draining ($reason): the proxy refuses new work; in-flight requests may run $((stop_at - $(now))) s, engines stop by $(date -u -d "@$stop_at" +%H:%M:%S)"
  case "$reason" in
    spot-interruption) put_count SpotInterruptions ;;
    rebalance-recommendation) put_count RebalanceDrains ;;
    *) put_count ScaleInDrains ;;
  esac
  systemctl stop gpufleet-watchdog.timer gpufleet-watchdog.service || true
  while :; do
    busy="$(in_flight)"
    if [ "$busy" = 0 ]; then
      gf_log "no request in flight"
      break
    fi
    if [ "$(now)" -ge "$stop_at" ]; then
      gf_log "deadline: $busy request(s) still in flight are cut off"
      break
    fi
    sleep 1
  done
  units="$(awk -F '\t' '!/^#/ && NF { printf "%s ", $2 }' "$METRICS_TSV")"
  # shellcheck disable=SC2086 # one word per unit
  systemctl stop $units || gf_log "stopping $units failed"
  printf 'stopped=%s\n' "$(now)" >>"$DRAIN_DIR/draining"
  gf_log "engines stopped ($units); $((deadline - $(now))) s before the deadline"
}

main() {
  local body t deadline rebalance_seen=0
  gf_log "watching IMDS at $GPUFLEET_IMDS_ENDPOINT every ${GPUFLEET_DRAIN_POLL_SECONDS} s (drain on rebalance: $GPUFLEET_DRAIN_ON_REBALANCE)"
  while :; do
    if body="$(imds spot/instance-action)"; then
      t="$(sed -n 's/.*"time" *: *"\([^"]*\)".*/\1/p' <<<"$body")"
      deadline="$(date -d "$t" +%s 2>/dev/null || echo $(($(now) + GPUFLEET_DRAIN_BUDGET_SECONDS)))"
      drain spot-interruption "$deadline"
      break
    fi
    if body="$(imds autoscaling/target-lifecycle-state)" && [ "$body" = Terminated ]; then
      drain scale-in $(($(now) + GPUFLEET_DRAIN_BUDGET_SECONDS))
      break
    fi
    if imds events/recommendations/rebalance >/dev/null; then
      if [ "$GPUFLEET_DRAIN_ON_REBALANCE" = 1 ]; then
        drain rebalance-recommendation $(($(now) + GPUFLEET_DRAIN_BUDGET_SECONDS))
        break
      fi
      if [ "$rebalance_seen" = 0 ]; then
        gf_log "EC2 recommends rebalancing this spot instance: the group launches a replacement; serving until it terminates this one"
        put_count RebalanceRecommendations
        rebalance_seen=1
      fi
    fi
    sleep "$GPUFLEET_DRAIN_POLL_SECONDS"
  done
  # Drained: stay up (a restart would poll again and find the same notice).
  while :; do sleep 3600; done
}

main "$@"
