#!/usr/bin/env bash
# shellcheck disable=SC2153 # GPUFLEET_* settings come from the sourced /etc/gpufleet/gpufleet.env.
# gpufleet-watchdog: run every 30 s by gpufleet-watchdog.timer. For every replica checks the health path and the
# model list (with the API key); a replica failing past its load grace is restarted, at most once per cooldown
# (5 minutes). Every decision is logged (journalctl -u gpufleet-watchdog); state for gpufleet-status lives in
# /var/lib/gpufleet/watchdog.
set -euo pipefail
export GPUFLEET_TOOL=gpufleet-watchdog
# shellcheck source=/dev/null
. "${GPUFLEET_ROOT:-}/opt/gpufleet/lib/gpufleet-lib.sh"

COOLDOWN="${GPUFLEET_RESTART_COOLDOWN_SECONDS:-300}"
WATCH="$GPUFLEET_STATE/watchdog"
AUTH_HEADER="$GPUFLEET_SECRETS/auth-header"

# probe <port> <path> [auth]
probe() {
  local url="http://127.0.0.1:$1$2"
  if [ "${3:-}" = auth ]; then
    curl -fsS -o /dev/null -m 10 -H "@$AUTH_HEADER" "$url"
  else
    curl -fsS -o /dev/null -m 5 "$url"
  fi
}

active_since() {
  local ts
  ts="$(systemctl show -p ActiveEnterTimestamp --value "$1" 2>/dev/null || true)"
  if [ -n "$ts" ] && [ "$ts" != "n/a" ]; then date -d "$ts" +%s 2>/dev/null || echo 0; else echo 0; fi
}

# check_replica <name> <port> <health path> <models path> <load grace seconds>
check_replica() {
  local name="$1" port="$2" health="$3" models="$4" grace="$5" unit state now up last restarts reason=""
  unit="$name.service"
  now="$(date +%s)"
  state="$(systemctl is-active "$unit" 2>/dev/null || true)"
  if ! probe "$port" "$health" 2>/dev/null; then
    reason="GET :$port$health failed"
  elif ! probe "$port" "$models" auth 2>/dev/null; then
    reason="GET :$port$models failed"
  fi
  if [ -z "$reason" ]; then
    echo healthy >"$WATCH/$name.state"
    gf_log "$name: healthy"
    return 0
  fi
  case "$state" in
    activating | reloading)
      echo loading >"$WATCH/$name.state"
      gf_log "$name: $reason while systemd is starting it: waiting"
      return 0
      ;;
    active)
      up=$((now - $(active_since "$unit")))
      if [ "$up" -lt "$grace" ]; then
        echo loading >"$WATCH/$name.state"
        gf_log "$name: $reason, up ${up}s of its ${grace}s load grace: waiting"
        return 0
      fi
      ;;
  esac
  echo failed >"$WATCH/$name.state"
  last="$(cat "$WATCH/$name.last-restart" 2>/dev/null || echo 0)"
  if [ $((now - last)) -lt "$COOLDOWN" ]; then
    gf_log "$name: $reason (unit $state); restarted $((now - last))s ago, cooldown ${COOLDOWN}s: not restarting"
    return 0
  fi
  restarts=$(($(cat "$WATCH/$name.restarts" 2>/dev/null || echo 0) + 1))
  echo "$now" >"$WATCH/$name.last-restart"
  echo "$restarts" >"$WATCH/$name.restarts"
  gf_log "$name: $reason (unit $state): restarting it (watchdog restart #$restarts)"
  systemctl restart --no-block "$unit" || gf_log "$name: systemctl restart failed"
}

main() {
  local download name port health models grace
  mkdir -p "$WATCH"
  if [ ! -s "$AUTH_HEADER" ]; then
    gf_log "gpufleet-bootstrap has not completed (no API key yet): nothing to check"
    return 0
  fi
  download="$(systemctl is-active gpufleet-download.service 2>/dev/null || true)"
  if [ "$download" != active ]; then
    gf_log "gpufleet-download is $download: replicas are not started yet, nothing to check"
    return 0
  fi
  while IFS=$'\t' read -r name _ port _ _ _ _ _ _ _ _ _ health models _ _ grace _; do
    case "$name" in "" | "#"*) continue ;; esac
    check_replica "$name" "$port" "$health" "$models" "$grace" </dev/null
  done <"$GPUFLEET_REPLICAS_TSV"
}

main "$@"
