#!/usr/bin/env bash
# shellcheck disable=SC2153 # GPUFLEET_* settings come from the sourced /etc/gpufleet/gpufleet.env.
# gpufleet-watchdog: run every 30 s by gpufleet-watchdog.timer. For every replica checks the health path and the
# model list (with the API key); a replica failing past its load grace is restarted, at most once per cooldown
# (5 minutes). A replica that still fails after GPUFLEET_WATCHDOG_MAX_RESTARTS restarts in a row (default 3), or that
# the service manager stopped restarting (systemd's start limit), is given up: marked failed, reported as an ALERT
# line and a node_exporter metric, and the host's proxy answers /health with 503 so the load balancer marks the host
# unhealthy and the Auto Scaling group replaces it. Each replica is checked on its own: an error in one check is
# logged and the next replica is still checked. Every decision is logged (journalctl -u gpufleet-watchdog); state
# for gpufleet-status lives in /var/lib/gpufleet/watchdog. Service actions go through the adapter in gpufleet-lib.sh.
set -euo pipefail
export GPUFLEET_TOOL=gpufleet-watchdog
# shellcheck source=/dev/null
. "${GPUFLEET_ROOT:-}/opt/gpufleet/lib/gpufleet-lib.sh"

COOLDOWN="${GPUFLEET_RESTART_COOLDOWN_SECONDS:-300}"
MAX_RESTARTS="${GPUFLEET_WATCHDOG_MAX_RESTARTS:-3}"
WATCH="$GPUFLEET_STATE/watchdog"
HEALTH_DIR="$GPUFLEET_STATE/health"
METRICS_DIR="$GPUFLEET_STATE/metrics"
AUTH_HEADER="$GPUFLEET_SECRETS/auth-header"

# probe <replica> <port> <path> [auth]: on the host (systemd), or by container name on the host's docker network
probe() {
  local url="http://127.0.0.1:$2$3"
  if [ "$GPUFLEET_SERVICE_MANAGER" = docker ]; then url="http://$1:$2$3"; fi
  if [ "${4:-}" = auth ]; then
    curl -fsS -o /dev/null -m 10 -H "@$AUTH_HEADER" "$url"
  else
    curl -fsS -o /dev/null -m 5 "$url"
  fi
}

# read_count <file> <what> <replica>: a non-negative integer from a state file; a missing file is 0, anything else
# (garbage, a torn write) is logged and read as 0.
read_count() {
  local v
  if [ ! -e "$1" ]; then
    echo 0
    return 0
  fi
  v="$(head -c 32 "$1" 2>/dev/null | tr -d '[:space:]')" || v=""
  if [[ "$v" =~ ^[0-9]{1,18}$ ]]; then
    echo "$((10#$v))"
  else
    gf_log "$3: $2 file holds \"$v\", not a number: read as 0" >&2
    echo 0
  fi
}

give_up() {
  local name="$1" why="$2"
  echo gave-up >"$WATCH/$name.state"
  if [ ! -e "$WATCH/$name.gave-up" ]; then
    printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$why" >"$WATCH/$name.gave-up"
  fi
  gf_log "ALERT: $name: $why: giving up on it; the proxy reports this host unhealthy so that it is replaced"
}

# This host's rank in a multi-node group (gpufleet-multinode writes it when the engine starts); 0 otherwise.
multinode_rank() {
  local f="$GPUFLEET_STATE/multinode.env"
  if [ -e "$f" ]; then sed -n 's/^GPUFLEET_NODE_RANK=\([0-9]\{1,3\}\)$/\1/p' "$f" | head -n 1 | grep . || echo 0; else echo 0; fi
}

# check_replica <name> <port> <health path> <models path> <load grace seconds>
check_replica() {
  local name="$1" port="$2" health="$3" models="$4" grace="$5" now state restarts up result last failures total
  local reason=""
  now="$(date +%s)"
  read -r state restarts up result < <(gf_svc_inspect "$name")
  if [ "$(multinode_rank)" -gt 0 ]; then
    # A worker rank of a multi-node group serves no HTTP (--headless): its unit is its health, systemd restarts it.
    if [ "$state" = active ]; then echo healthy; else echo "$state"; fi >"$WATCH/$name.state"
    gf_log "$name: worker rank $(multinode_rank) of a multi-node group (no HTTP): unit $state"
    return 0
  fi
  if ! probe "$name" "$port" "$health" 2>/dev/null; then
    reason="GET :$port$health failed"
  elif ! probe "$name" "$port" "$models" auth 2>/dev/null; then
    reason="GET :$port$models failed"
  fi
  if [ -z "$reason" ]; then
    echo healthy >"$WATCH/$name.state"
    rm -f "$WATCH/$name.failures" "$WATCH/$name.gave-up"
    gf_log "$name: healthy"
    return 0
  fi
  if [ -e "$WATCH/$name.gave-up" ]; then
    echo gave-up >"$WATCH/$name.state"
    gf_log "$name: $reason; given up since $(cat "$WATCH/$name.gave-up"): not restarting"
    return 0
  fi
  case "$state" in
    starting)
      echo loading >"$WATCH/$name.state"
      gf_log "$name: $reason while it is being started: waiting"
      return 0
      ;;
    crashloop)
      # Exited and waiting for the manager's own restart: not loading, and not the watchdog's to restart.
      echo restarting >"$WATCH/$name.state"
      gf_log "$name: $reason: it exited and is in the service manager's restart loop ($restarts restarts so far): waiting for its start limit"
      return 0
      ;;
    active)
      if [ "$up" != - ] && [ "$up" -lt "$grace" ]; then
        echo loading >"$WATCH/$name.state"
        gf_log "$name: $reason, up ${up}s of its ${grace}s load grace: waiting"
        return 0
      fi
      ;;
    failed)
      if [ "$result" = start-limit-hit ]; then
        give_up "$name" "$reason; the service manager hit its start limit after $restarts automatic restarts"
        return 0
      fi
      ;;
  esac
  echo failed >"$WATCH/$name.state"
  last="$(read_count "$WATCH/$name.last-restart" last-restart "$name")"
  if [ "$last" -gt "$now" ]; then
    gf_log "$name: its last restart is recorded $((last - now))s in the future (the clock stepped back): cooldown treated as over"
  elif [ $((now - last)) -lt "$COOLDOWN" ]; then
    gf_log "$name: $reason (unit $state); restarted $((now - last))s ago, cooldown ${COOLDOWN}s: not restarting"
    return 0
  fi
  failures="$(read_count "$WATCH/$name.failures" failures "$name")"
  if [ "$failures" -ge "$MAX_RESTARTS" ]; then
    give_up "$name" "$reason after $failures watchdog restarts in a row"
    return 0
  fi
  total=$(($(read_count "$WATCH/$name.restarts" restarts "$name") + 1))
  echo "$now" >"$WATCH/$name.last-restart"
  echo "$total" >"$WATCH/$name.restarts"
  echo $((failures + 1)) >"$WATCH/$name.failures"
  gf_log "$name: $reason (unit $state): restarting it (watchdog restart #$total, $((failures + 1)) of $MAX_RESTARTS in a row)"
  gf_svc_restart "$name" || gf_log "$name: the restart request failed"
}

# The host's verdict, from every replica's gave-up file: the proxy's /health answers 503 while the file
# $HEALTH_DIR/unhealthy exists. Also node_exporter's textfile metrics for the alert rules.
report_host() {
  local name f given=() metrics
  for f in "$WATCH"/*.gave-up; do
    if [ -e "$f" ]; then given+=("$(basename "$f" .gave-up)"); fi
  done
  mkdir -p "$HEALTH_DIR" "$METRICS_DIR"
  if [ "${#given[@]}" -gt 0 ]; then
    printf '%s\n' "${given[@]}" >"$HEALTH_DIR/unhealthy.tmp"
    mv -f "$HEALTH_DIR/unhealthy.tmp" "$HEALTH_DIR/unhealthy"
    gf_log "ALERT: host unhealthy: given up on ${given[*]}"
  else
    rm -f "$HEALTH_DIR/unhealthy"
  fi
  metrics="$METRICS_DIR/gpufleet-watchdog.prom"
  {
    echo "# HELP gpufleet_replica_given_up 1 when the watchdog gave up on the replica (the host is reported unhealthy)."
    echo "# TYPE gpufleet_replica_given_up gauge"
    while IFS=$'\t' read -r name _; do
      case "$name" in "" | "#"*) continue ;; esac
      printf 'gpufleet_replica_given_up{replica="%s"} %d\n' "$name" "$([ -e "$WATCH/$name.gave-up" ] && echo 1 || echo 0)"
    done <"$GPUFLEET_REPLICAS_TSV"
    echo "# HELP gpufleet_watchdog_restarts_total Restarts of the replica by the watchdog."
    echo "# TYPE gpufleet_watchdog_restarts_total counter"
    while IFS=$'\t' read -r name _; do
      case "$name" in "" | "#"*) continue ;; esac
      printf 'gpufleet_watchdog_restarts_total{replica="%s"} %d\n' "$name" "$(read_count "$WATCH/$name.restarts" restarts "$name" 2>/dev/null)"
    done <"$GPUFLEET_REPLICAS_TSV"
  } >"$metrics.tmp"
  mv -f "$metrics.tmp" "$metrics"
}

main() {
  local gate name port health models grace rc errors=0
  mkdir -p "$WATCH"
  if [ ! -s "$AUTH_HEADER" ]; then
    gf_log "gpufleet-bootstrap has not completed (no API key yet): nothing to check"
    return 0
  fi
  gate="$(gf_svc_gate)"
  if [ -n "$gate" ]; then
    gf_log "$gate: replicas are not started yet, nothing to check"
    return 0
  fi
  # A multi-node group member: restart the engine first when the group's members or leader changed.
  if [ -x "$GPUFLEET_ROOT/opt/gpufleet/bin/gpufleet-multinode" ]; then
    "$GPUFLEET_ROOT/opt/gpufleet/bin/gpufleet-multinode" check || gf_log "ERROR: gpufleet-multinode check failed"
  fi
  while IFS=$'\t' read -r name _ port _ _ _ _ _ _ _ _ _ health models _ _ grace _; do
    case "$name" in "" | "#"*) continue ;; esac
    # A subshell with errexit of its own: an error in one replica's check ends that check only.
    set +e
    (
      set -e
      check_replica "$name" "$port" "$health" "$models" "$grace"
    ) </dev/null
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
      errors=$((errors + 1))
      gf_log "ERROR: $name: the check stopped with exit $rc (see the line above); the other replicas are still checked"
    fi
  done <"$GPUFLEET_REPLICAS_TSV"
  set +e
  (
    set -e
    report_host
  )
  rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    gf_log "ERROR: cannot write the host health or metrics files under $GPUFLEET_STATE"
    errors=$((errors + 1))
  fi
  if [ "$errors" -gt 0 ]; then gf_log "$errors error(s) in this run"; fi
}

main "$@"
