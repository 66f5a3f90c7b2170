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
