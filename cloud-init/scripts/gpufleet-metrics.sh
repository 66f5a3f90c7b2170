#!/usr/bin/env bash
# shellcheck disable=SC2153 # GPUFLEET_* settings come from the sourced gpufleet.env and elastic.env.
# gpufleet-metrics: publishes this host's queue to CloudWatch once a period, for the pool's target tracking:
# RequestsWaiting (summed over the host's engines: vllm:num_requests_waiting, sglang:num_queue_reqs, ...) and
# KvCacheUsage (the fullest engine's KV cache, percent), dimensions Stack and Pool. Each datapoint is stamped at the
# start of its period, so a period's Sum is the pool's whole queue (one datapoint per host). A draining host
# publishes nothing: its queue is leaving with it. `--once` publishes one period now and exits.
set -euo pipefail
export GPUFLEET_TOOL=gpufleet-metrics
# shellcheck source=/dev/null
. "${GPUFLEET_ROOT:-}/opt/gpufleet/lib/gpufleet-lib.sh"
# shellcheck source=/dev/null
. "$GPUFLEET_ETC/elastic.env"
METRICS_TSV="$GPUFLEET_ETC/metrics.tsv"
PERIOD="$GPUFLEET_METRICS_PERIOD_SECONDS"

# "<waiting> <kv percent or -> <engines answering>" over every engine of the host.
collect() {
  local name port path waiting kv body w k answered=0 wsum=0 kmax=-1
  while IFS=$'\t' read -r name _unit port path _running waiting kv; do
    case "$name" in '#'* | '') continue ;; esac
    [ "$path" = "-" ] && continue
    body="$(curl -sf -m 5 "http://127.0.0.1:$port$path")" || continue
    answered=$((answered + 1))
    read -r w k < <(awk -v a="$waiting" -v b="$kv" '
      /^#/ { next }
      { split($1, f, "{") }
      f[1] == a { w += $NF }
      f[1] == b { seen = 1; if ($NF > k) k = $NF }
      END { printf "%d %s\n", w + 0.5, seen ? sprintf("%.1f", k * 100) : "-" }' <<<"$body")
    wsum=$((wsum + w))
    if [ "$k" != "-" ]; then kmax="$(awk -v a="$kmax" -v b="$k" 'BEGIN { print (b > a) ? b : a }')"; fi
  done <"$METRICS_TSV"
  printf '%s %s %s\n' "$wsum" "$([ "$kmax" = -1 ] && echo - || echo "$kmax")" "$answered"
}

publish() {
  local stamp waiting kv answered dims data
  stamp="$(date -u -d "@$(($(date +%s) / PERIOD * PERIOD))" +%Y-%m-%dT%H:%M:%SZ)"
  if [ -e "$GPUFLEET_STATE/drain/draining" ]; then return 0; fi
  read -r waiting kv answered < <(collect)
  if [ "$answered" = 0 ]; then return 0; fi # nothing up yet (loading): no datapoint rather than a false 0
  dims="[{\"Name\":\"Stack\",\"Value\":\"$GPUFLEET_STACK\"},{\"Name\":\"Pool\",\"Value\":\"$GPUFLEET_POOL\"}]"
  data="{\"MetricName\":\"RequestsWaiting\",\"Dimensions\":$dims,\"Timestamp\":\"$stamp\",\"Value\":$waiting,\"Unit\":\"Count\"}"
  if [ "$kv" != "-" ]; then
    data="$data,{\"MetricName\":\"KvCacheUsage\",\"Dimensions\":$dims,\"Timestamp\":\"$stamp\",\"Value\":$kv,\"Unit\":\"Percent\"}"
  fi
  aws cloudwatch put-metric-data --region "$GPUFLEET_REGION" --namespace "$GPUFLEET_METRICS_NAMESPACE" \
    --metric-data "[$data]" || gf_log "put-metric-data failed (waiting $waiting, kv $kv)"
}

if [ "${1:-}" = "--once" ]; then
  publish
  exit 0
fi
while :; do
  sleep $((PERIOD - $(date +%s) % PERIOD))
  publish
done
