#!/usr/bin/env bash
# shellcheck disable=SC2153 # GPUFLEET_* settings come from the sourced /etc/gpufleet/gpufleet.env.
# gpufleet-status: one line per replica — model, engine, port, GPUs, state (downloading / loading / healthy /
# failed), restarts (systemd + watchdog), GPU memory used. Run it as root (sudo) over SSM Session Manager; without
# root the model-list check that needs the API key is skipped.
set -euo pipefail
export GPUFLEET_TOOL=gpufleet-status
# shellcheck source=/dev/null
. "${GPUFLEET_ROOT:-}/opt/gpufleet/lib/gpufleet-lib.sh"

AUTH_HEADER="$GPUFLEET_SECRETS/auth-header"

probe() {
  local url="http://127.0.0.1:$1$2"
  if [ "${3:-}" = auth ]; then
    if [ ! -r "$AUTH_HEADER" ]; then return 0; fi
    curl -fsS -o /dev/null -m 5 -H "@$AUTH_HEADER" "$url" 2>/dev/null
  else
    curl -fsS -o /dev/null -m 5 "$url" 2>/dev/null
  fi
}

main() {
  local bootstrap=n/a download=n/a name engine port gpus health models slug served state unit restarts wd mem g
  local svc up result
  local -A used=()
  if [ "$GPUFLEET_SERVICE_MANAGER" = systemd ]; then
    bootstrap="$(systemctl is-active gpufleet-bootstrap.service 2>/dev/null || true)"
    download="$(systemctl is-active gpufleet-download.service 2>/dev/null || true)"
  fi
  printf 'gpufleet pool %s (stack %s): %s x %s, proxy :%s\n' "$GPUFLEET_POOL" "$GPUFLEET_STACK" \
    "$GPUFLEET_GPU_COUNT" "$GPUFLEET_GPU_MODEL" "$GPUFLEET_PROXY_PORT"
  printf 'bootstrap: %s   download: %s\n' "${bootstrap:-unknown}" "${download:-unknown}"
  if [ -s "$GPUFLEET_STATE/boot-error" ]; then printf 'boot error: %s\n' "$(cat "$GPUFLEET_STATE/boot-error")"; fi
  if [ -s "$GPUFLEET_STATE/health/unhealthy" ]; then
    printf 'host reported unhealthy (proxy /health 503): the watchdog gave up on %s\n' \
      "$(paste -sd, "$GPUFLEET_STATE/health/unhealthy")"
  fi
  while IFS=', ' read -r g mem; do
    if [ -n "$g" ]; then used[$g]="$mem"; fi
  done < <(nvidia-smi --query-gpu=index,memory.used --format=csv,noheader,nounits 2>/dev/null || true)

  printf '%-22s %-9s %-5s %-7s %-30s %-11s %-8s %s\n' REPLICA ENGINE PORT GPUS MODEL STATE RESTARTS GPU_MEM_USED
  while IFS=$'\t' read -r name engine port gpus _ _ _ _ _ _ _ _ health models slug served _; do
    case "$name" in "" | "#"*) continue ;; esac
    read -r svc restarts up result < <(gf_svc_inspect "$name") || svc=stopped
    : "$up" "$result"
    unit="$name"
    if [ -e "$GPUFLEET_STATE/downloads/$slug.downloading" ]; then
      state=downloading
    elif [ -e "$GPUFLEET_STATE/downloads/$slug.failed" ] || [ -e "$GPUFLEET_STATE/watchdog/$unit.gave-up" ]; then
      state=failed
    elif [ "$svc" = failed ]; then
      state=failed
    elif [ "$svc" = crashloop ]; then
      # Exited, waiting for the manager's automatic restart: not loading.
      state=restarting
    elif probe "$port" "$health" && probe "$port" "$models" auth; then
      state=healthy
    else
      case "$svc" in
        active | starting) state=loading ;;
        *)
          if [ "$download" = activating ] || { [ "$bootstrap" = activating ] && [ "$download" != failed ]; }; then
            state=downloading
          else
            state=failed
          fi
          ;;
      esac
    fi
    wd="$(cat "$GPUFLEET_STATE/watchdog/$name.restarts" 2>/dev/null || echo 0)"
    [[ "$wd" =~ ^[0-9]+$ ]] || wd=0
    mem=0
    for g in ${gpus//,/ }; do mem=$((mem + ${used[$g]:-0})); done
    printf '%-22s %-9s %-5s %-7s %-30s %-11s %-8s %s MiB\n' "$name" "$engine" "$port" "$gpus" "$served" "$state" \
      "$((${restarts:-0} + wd))" "$mem"
  done <"$GPUFLEET_REPLICAS_TSV"
}

main "$@"
