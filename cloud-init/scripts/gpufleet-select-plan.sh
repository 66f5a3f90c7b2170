#!/usr/bin/env bash
# gpufleet-select-plan: a pool whose auto scaling group launches several instance types carries one plan per type
# under /etc/gpufleet/plans/<instance type>/ (the files that differ between types: gpufleet.env, replicas.tsv,
# nginx.conf, replica units, ...). This reads the instance type from IMDSv2 and copies that type's files into place,
# before any gpufleet unit starts. Without a plans directory every type shares one plan and nothing is copied.
set -euo pipefail
GPUFLEET_ROOT="${GPUFLEET_ROOT:-}"
# shellcheck source=/dev/null
. "$GPUFLEET_ROOT/etc/gpufleet/elastic.env"
PLANS="$GPUFLEET_ROOT/etc/gpufleet/plans"
STATE="$GPUFLEET_ROOT/var/lib/gpufleet"

log() { printf 'gpufleet-select-plan: %s\n' "$*"; }
fatal() {
  local msg="gpufleet-select-plan: FATAL: $*"
  printf '%s\n' "$msg" >&2
  mkdir -p "$STATE"
  printf '%s\n' "$msg" >"$STATE/boot-error"
  { printf '%s\n' "$msg" >"${GPUFLEET_CONSOLE:-/dev/console}"; } 2>/dev/null || true
  exit 1
}

token="$(curl -sf -m 5 --retry 5 --retry-connrefused -X PUT "$GPUFLEET_IMDS_ENDPOINT/latest/api/token" \
  -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')" || fatal "no IMDSv2 token from $GPUFLEET_IMDS_ENDPOINT"
type="$(curl -sf -m 5 --retry 5 --retry-connrefused -H "X-aws-ec2-metadata-token: $token" \
  "$GPUFLEET_IMDS_ENDPOINT/latest/meta-data/instance-type")" || fatal "IMDS did not return the instance type"
if ! [[ "$type" =~ ^[a-z0-9-]+\.[a-z0-9]+$ ]]; then fatal "IMDS returned an instance type that is not one: $type"; fi
mkdir -p "$STATE/drain"
printf '%s\n' "$type" >"$STATE/instance-type"
if [ ! -d "$PLANS" ]; then
  log "instance type $type: the pool has one plan"
  exit 0
fi
if [ ! -d "$PLANS/$type" ]; then
  fatal "instance type $type has no plan in this pool's user data (planned: $(cd "$PLANS" && printf '%s ' *))"
fi
cp -R "$PLANS/$type/." "$GPUFLEET_ROOT/"
log "instance type $type: its plan is in place ($(find "$PLANS/$type" -type f | wc -l) files)"
