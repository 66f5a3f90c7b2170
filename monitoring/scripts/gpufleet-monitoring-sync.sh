#!/bin/bash
# gpufleet monitoring host: fetch the rendered configuration (prometheus.yml, the rules, alertmanager.yml, Grafana's
# environment, provisioning and dashboards) from the stack's private S3 bucket, verify every file against the
# manifest (sha256sum lines), install it under the config directory, and, when it changed while the containers run,
# reload Prometheus and Alertmanager (SIGHUP) and restart Grafana if its environment or provisioning changed
# (Grafana re-reads the dashboards directory by itself every minute).
#   --boot  from gpufleet-monitoring-setup, before any container starts: retries, then one FATAL line and exit 1.
#   (none)  from gpufleet-monitoring-sync.timer every 5 minutes: reads the manifest only, and stops there when it is
#           what is installed; a failure leaves the running configuration alone and fails the unit.
# GPUFLEET_ROOT (empty on the host) prefixes every path, so that the tests run this script in a temporary tree.
set -euo pipefail
ROOT="${GPUFLEET_ROOT:-}"
# shellcheck source=/dev/null
. "$ROOT/etc/gpufleet-monitoring/monitoring.env"

MODE=timer
case "${1:-}" in
  --boot) MODE=boot ;;
  "") ;;
  *)
    echo "usage: gpufleet-monitoring-sync [--boot]" >&2
    exit 2
    ;;
esac
CONFIG_DIR="${ROOT}${GPUFLEET_CONFIG_DIR}"
STATE_DIR="${ROOT}/var/lib/gpufleet"
SOURCE="s3://${GPUFLEET_CONFIG_BUCKET}/${GPUFLEET_CONFIG_PREFIX}"
MANIFEST=manifest.sha256
INSTALLED="${CONFIG_DIR}/${MANIFEST}"
if [ "$MODE" = boot ]; then ATTEMPTS="${GPUFLEET_SYNC_ATTEMPTS:-8}"; else ATTEMPTS="${GPUFLEET_SYNC_ATTEMPTS:-2}"; fi
BACKOFF="${GPUFLEET_RETRY_BACKOFF_SECONDS:-5}"
RELOAD_WAIT="${GPUFLEET_RELOAD_WAIT_SECONDS:-3}"

log() { echo "gpufleet-monitoring-sync: $*"; }
fatal() {
  if [ "$MODE" = boot ]; then
    echo "FATAL gpufleet-monitoring-sync: $*" >&2
    echo "FATAL gpufleet-monitoring-sync: $*" >"${GPUFLEET_CONSOLE:-/dev/console}" 2>/dev/null || true
    mkdir -p "$STATE_DIR" && echo "$*" >"$STATE_DIR/boot-error"
  else
    echo "ERROR gpufleet-monitoring-sync: $*" >&2
  fi
  exit 1
}

command -v aws >/dev/null || fatal "aws CLI missing (cloud-config installs the awscli package)"
umask 022
mkdir -p "$STATE_DIR" "$CONFIG_DIR"
# One sync at a time (the timer never overlaps the boot's, but an operator may run this by hand).
exec 9>"$STATE_DIR/monitoring-sync.lock"
flock -w 300 9 || fatal "another gpufleet-monitoring-sync holds ${STATE_DIR}/monitoring-sync.lock"
STAGE="$(mktemp -d "$STATE_DIR/monitoring-sync.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT

s3cp() { aws s3 cp --region "$GPUFLEET_REGION" --only-show-errors "$@"; }

# A manifest line is "<64 hex>  <path>", the path relative to the config dir and inside one of its three trees:
# nothing from the bucket can write elsewhere (secrets/, monitoring.env) or outside it.
SUM_RE='^[0-9a-f]{64}$'
PATH_RE='^(grafana\.env|(prometheus|alertmanager|grafana)/[A-Za-z0-9_./-]+)$'
check_manifest() {
  local sum path extra
  while read -r sum path extra; do
    if ! [[ "$sum" =~ $SUM_RE && "$path" =~ $PATH_RE && "$path" != *..* && -z "$extra" ]]; then
      echo "bad manifest line in $1: ${sum} ${path} ${extra}"
      return 1
    fi
  done <"$1"
}

# The installed files still match the installed manifest.
installed_intact() {
  [ -s "$INSTALLED" ] && (cd "$CONFIG_DIR" && sha256sum --check --strict --quiet "$MANIFEST" >/dev/null 2>&1)
}

# fetch: everything under the prefix into $STAGE/files, verified against the manifest fetched with it.
# On failure, the reason is the last line of $STAGE/error.
fetch() {
  rm -rf "$STAGE/files"
  mkdir -p "$STAGE/files"
  if ! s3cp --recursive "$SOURCE" "$STAGE/files/" >"$STAGE/error" 2>&1; then
    echo "aws s3 cp --recursive ${SOURCE} failed: $(grep -v '^\s*$' "$STAGE/error" | tail -n 1)" >>"$STAGE/error"
    return 1
  fi
  if [ ! -s "$STAGE/files/$MANIFEST" ]; then
    echo "no ${MANIFEST} under ${SOURCE}" >>"$STAGE/error"
    return 1
  fi
  check_manifest "$STAGE/files/$MANIFEST" >>"$STAGE/error" || return 1
  if ! (cd "$STAGE/files" && sha256sum --check --strict --quiet "$MANIFEST") >>"$STAGE/error" 2>&1; then
    echo "the files under ${SOURCE} do not match its ${MANIFEST} (a deployment in progress?)" >>"$STAGE/error"
    return 1
  fi
}

# --- unchanged? ------------------------------------------------------------------------------------------------
# The manifest alone (one small GET) says whether anything changed; the installed files must still match it.
if installed_intact && s3cp "${SOURCE}${MANIFEST}" "$STAGE/$MANIFEST" 2>/dev/null && cmp -s "$STAGE/$MANIFEST" "$INSTALLED"; then
  [ "$MODE" = boot ] && log "configuration from ${SOURCE} is installed and unchanged"
  exit 0
fi

# --- fetch and verify ------------------------------------------------------------------------------------------
fetched=no
for attempt in $(seq 1 "$ATTEMPTS"); do
  if fetch; then
    fetched=yes
    break
  fi
  log "attempt ${attempt}/${ATTEMPTS}: $(tail -n 1 "$STAGE/error")"
  if [ "$attempt" -lt "$ATTEMPTS" ]; then sleep $((attempt * BACKOFF)); fi
done
if [ "$fetched" != yes ]; then
  fatal "cannot fetch the monitoring configuration from ${SOURCE}: $(tail -n 1 "$STAGE/error") (the instance role allows s3:GetObject and s3:ListBucket on ${GPUFLEET_CONFIG_PREFIX} of its bucket only)"
fi
NEW="$STAGE/files/$MANIFEST"

# --- install ---------------------------------------------------------------------------------------------------
# What changed: lines of the old or the new manifest that are not in both (a missing or damaged installation counts
# as empty: everything changed).
OLD="$STAGE/old.sha256"
if installed_intact && check_manifest "$INSTALLED" >/dev/null; then cp "$INSTALLED" "$OLD"; else : >"$OLD"; fi
changed="$(sort "$OLD" "$NEW" | uniq -u | awk '{ print $2 }' | sort -u)"

# Each file replaced by a rename in its directory: the containers bind-mount the directories (never replaced), so
# they see the new files, and never a half-written one.
count=0
while read -r _ path; do
  mkdir -p "$(dirname "$CONFIG_DIR/$path")"
  cp "$STAGE/files/$path" "$CONFIG_DIR/$path.tmp"
  chmod 0644 "$CONFIG_DIR/$path.tmp"
  mv -f "$CONFIG_DIR/$path.tmp" "$CONFIG_DIR/$path"
  count=$((count + 1))
done <"$NEW"
# Files the plan no longer has (e.g. the dashboard of an engine it dropped).
if [ -s "$INSTALLED" ] && check_manifest "$INSTALLED" >/dev/null; then
  awk 'NR == FNR { keep[$2] = 1; next } !($2 in keep) { print $2 }' "$NEW" "$INSTALLED" | while read -r path; do
    rm -f "$CONFIG_DIR/$path"
  done
fi
# The manifest last: it marks a complete installation.
cp "$NEW" "$INSTALLED.tmp"
chmod 0644 "$INSTALLED.tmp"
mv -f "$INSTALLED.tmp" "$INSTALLED"

# --- reload what reads it --------------------------------------------------------------------------------------
# check_reload NAME PORT METRIC: the service's own metric says whether it accepted the new files (a rejected
# configuration leaves it running on the previous one).
check_reload() {
  command -v curl >/dev/null || return 0
  sleep "$RELOAD_WAIT"
  local value
  value="$(curl -fsS --max-time 5 "http://127.0.0.1:$2/metrics" 2>/dev/null | awk -v m="$3" '$1 == m { print $2 }')" || value=""
  case "$value" in
    1) ;;
    "") log "cannot read $3 from 127.0.0.1:$2; not confirmed that $1 accepted the new configuration" ;;
    *) fatal "$1 rejected the new configuration ($3 = ${value}) and keeps running the previous one; see journalctl -u gpufleet-$1" ;;
  esac
}

actions=()
if [ -n "$changed" ]; then
  if systemctl is-active --quiet gpufleet-prometheus.service; then
    docker kill --signal HUP gpufleet-prometheus >/dev/null || fatal "cannot signal gpufleet-prometheus to reload"
    check_reload prometheus 9090 prometheus_config_last_reload_successful
    actions+=("reloaded prometheus")
  fi
  if systemctl is-active --quiet gpufleet-alertmanager.service; then
    docker kill --signal HUP gpufleet-alertmanager >/dev/null || fatal "cannot signal gpufleet-alertmanager to reload"
    check_reload alertmanager 9093 alertmanager_config_last_reload_successful
    actions+=("reloaded alertmanager")
  fi
  # Grafana reads its environment and provisioning at start only; dashboards need no restart.
  if grep -qE '^(grafana\.env|grafana/provisioning/)' <<<"$changed" && systemctl is-active --quiet gpufleet-grafana.service; then
    systemctl restart gpufleet-grafana.service
    actions+=("restarted grafana")
  fi
fi
summary="installed ${count} files from ${SOURCE}; $(printf '%s\n' "$changed" | grep -c . || true) changed"
if [ "${#actions[@]}" -gt 0 ]; then summary+="; $(IFS=,; echo "${actions[*]}")"; fi
log "$summary"
