# shellcheck shell=bash disable=SC2034,SC2153
# (SC2034/SC2153: the variables below are used by the scripts that source this file; GPUFLEET_TOOL is set by them.)
# gpufleet on-host library, sourced by gpufleet-bootstrap, gpufleet-download, gpufleet-watchdog and gpufleet-status.
# Every absolute path is prefixed with GPUFLEET_ROOT (empty on an instance) so that tests can run the scripts
# under a temporary root with stub commands on PATH.

GPUFLEET_ROOT="${GPUFLEET_ROOT:-}"
GPUFLEET_ETC="$GPUFLEET_ROOT/etc/gpufleet"
GPUFLEET_STATE="$GPUFLEET_ROOT/var/lib/gpufleet"
GPUFLEET_SECRETS="$GPUFLEET_ETC/secrets"
GPUFLEET_CONSOLE="${GPUFLEET_CONSOLE:-/dev/console}"

# Plan facts rendered by gpufleet (no secrets): pool, region, SSM parameter names, GPU count, cache dir, images.
# shellcheck source=/dev/null
. "$GPUFLEET_ETC/gpufleet.env"

GPUFLEET_REPLICAS_TSV="$GPUFLEET_ETC/replicas.tsv"
GPUFLEET_DOWNLOADS_TSV="$GPUFLEET_ETC/downloads.tsv"
GPUFLEET_IMAGES_TXT="$GPUFLEET_ETC/images.txt"
GPUFLEET_CACHE="$GPUFLEET_ROOT$GPUFLEET_CACHE_DIR"

gf_log() {
  printf '%s: %s\n' "$GPUFLEET_TOOL" "$*"
}

# One clear line in the journal, in /var/lib/gpufleet/boot-error (gpufleet-status shows it) and on the serial
# console (EC2 "Get system log"), then a non-zero exit so the systemd unit ends up failed.
gf_fatal() {
  local msg="$GPUFLEET_TOOL: FATAL: $*"
  printf '%s\n' "$msg" >&2
  mkdir -p "$GPUFLEET_STATE"
  printf '%s\n' "$msg" >"$GPUFLEET_STATE/boot-error"
  { printf '%s\n' "$msg" >"$GPUFLEET_CONSOLE"; } 2>/dev/null || true
  exit 1
}

# Writes stdin to a file readable by root only, atomically.
gf_write_secret() {
  local dest="$1" tmp
  mkdir -p "$(dirname "$dest")"
  tmp="$(mktemp "$dest.XXXXXX")"
  chmod 0600 "$tmp"
  cat >"$tmp"
  mv -f "$tmp" "$dest"
}

# Cache-safe name for a model source ("Qwen/Qwen2.5-7B-Instruct" -> "Qwen--Qwen2.5-7B-Instruct").
gf_slug() {
  printf '%s' "$1" | sed -e 's#/#--#g' -e 's#[^A-Za-z0-9._-]#_#g'
}

# --- Service adapter: the one place the watchdog and gpufleet-status act on the service manager. ---
# GPUFLEET_SERVICE_MANAGER selects it: systemd (default; a replica is the unit <replica>.service) or docker (a replica
# is the container <replica>, for a target whose watchdog acts through the Docker API). Each implementation answers
# the same three questions with the same words, so the watchdog's policy is written once.
GPUFLEET_SERVICE_MANAGER="${GPUFLEET_SERVICE_MANAGER:-systemd}"
# Seconds since boot on a clock that never steps back (systemd's ActiveEnterTimestampMonotonic counts on it).
GPUFLEET_UPTIME_FILE="${GPUFLEET_UPTIME_FILE:-/proc/uptime}"

gf_uptime() {
  awk '{ printf "%d", $1 }' "$GPUFLEET_UPTIME_FILE"
}

# gf_svc_inspect <replica>: prints "<state> <manager restarts> <seconds up or -> <result>", state one of
#   active     running (up = seconds since it became active)
#   starting   being started for the first time or after a stop
#   crashloop  exited and waiting for the manager's automatic restart (systemd auto-restart, docker restarting)
#   failed     exited and the manager will not restart it (result start-limit-hit: it restarted too often)
#   stopped    not running, not failed (or unknown to the manager)
gf_svc_inspect() {
  case "$GPUFLEET_SERVICE_MANAGER" in
    systemd) gf_systemd_inspect "$1" ;;
    docker) gf_docker_inspect "$1" ;;
    *) gf_log "unknown GPUFLEET_SERVICE_MANAGER $GPUFLEET_SERVICE_MANAGER" && return 1 ;;
  esac
}

# gf_svc_restart <replica>: asks the manager to restart it, without waiting for the engine to load.
gf_svc_restart() {
  case "$GPUFLEET_SERVICE_MANAGER" in
    systemd) systemctl restart --no-block "$1.service" ;;
    docker) docker restart --time 30 "$1" >/dev/null ;;
    *) return 1 ;;
  esac
}

# gf_svc_gate: prints what must be done before replicas run ("" when they may be checked). systemd: the download
# unit starts the replicas once the weights are local; docker: the target starts the containers itself.
gf_svc_gate() {
  local s
  if [ "$GPUFLEET_SERVICE_MANAGER" != systemd ]; then return 0; fi
  s="$(systemctl is-active gpufleet-download.service 2>/dev/null || true)"
  if [ "$s" != active ]; then printf 'gpufleet-download is %s' "${s:-unknown}"; fi
}

gf_systemd_inspect() {
  local line key value active="" sub="" result="" restarts=0 since=0 up=- state
  while IFS= read -r line; do
    key="${line%%=*}"
    value="${line#*=}"
    case "$key" in
      ActiveState) active="$value" ;;
      SubState) sub="$value" ;;
      Result) result="$value" ;;
      NRestarts) restarts="$value" ;;
      ActiveEnterTimestampMonotonic) since="$value" ;;
    esac
  done < <(systemctl show -p ActiveState,SubState,Result,NRestarts,ActiveEnterTimestampMonotonic "$1.service" 2>/dev/null || true)
  case "$active" in
    active | reloading) state=active ;;
    activating) if [ "$sub" = auto-restart ]; then state=crashloop; else state=starting; fi ;;
    failed) state=failed ;;
    *) state=stopped ;;
  esac
  if [ "$state" = active ] && [[ "$since" =~ ^[0-9]+$ ]] && [ "$since" -gt 0 ]; then
    up=$(($(gf_uptime) - since / 1000000))
    if [ "$up" -lt 0 ]; then up=0; fi
  fi
  [[ "$restarts" =~ ^[0-9]+$ ]] || restarts=0
  printf '%s %s %s %s\n' "$state" "$restarts" "$up" "${result:-none}"
}

gf_docker_inspect() {
  local status restarts started code up=- state started_s now
  if ! read -r status restarts started code < <(docker inspect -f '{{.State.Status}} {{.RestartCount}} {{.State.StartedAt}} {{.State.ExitCode}}' "$1" 2>/dev/null); then
    printf 'stopped 0 - none\n'
    return 0
  fi
  case "$status" in
    running) state=active ;;
    restarting) state=crashloop ;;
    created) state=starting ;;
    exited | dead) if [ "${code:-0}" = 0 ]; then state=stopped; else state=failed; fi ;;
    *) state=stopped ;;
  esac
  if [ "$state" = active ] && started_s="$(date -d "$started" +%s 2>/dev/null)"; then
    now="$(date +%s)"
    up=$((now - started_s))
    if [ "$up" -lt 0 ]; then up=0; fi
  fi
  [[ "$restarts" =~ ^[0-9]+$ ]] || restarts=0
  printf '%s %s %s %s\n' "$state" "$restarts" "$up" "exit-code-${code:-0}"
}
