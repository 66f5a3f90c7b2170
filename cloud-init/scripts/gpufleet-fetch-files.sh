#!/bin/sh
# gpufleet-fetch-files: the first step of a GPU host's boot, run by cloud-init (runcmd). Fetches the
# pool's boot files (scripts, plan, proxy config, units: one tar.gz that `pulumi up` wrote to the
# stack's private bucket) with the instance role, checks the archive's sha256 against the one in
# this user data, and unpacks it over /. The files live outside the user data so that its size does
# not grow with replicas, engines or instance types: EC2 takes at most 16,384 bytes of user data.
# Settings (/etc/gpufleet/boot-files.env): GPUFLEET_BOOT_BUCKET, GPUFLEET_BOOT_KEY,
# GPUFLEET_BOOT_SHA256, GPUFLEET_REGION; GPUFLEET_ROOT (default /) and GPUFLEET_STATE (default
# /var/lib/gpufleet) let a test unpack under a temporary directory.
set -eu
# shellcheck source=/dev/null
. "${GPUFLEET_BOOT_ENV:-/etc/gpufleet/boot-files.env}"
root="${GPUFLEET_ROOT:-/}"
state="${GPUFLEET_STATE:-/var/lib/gpufleet}"
attempts="${GPUFLEET_FETCH_ATTEMPTS:-8}"

fatal() {
  # One FATAL line where the bootstrap puts its own: the journal (through cloud-init's output),
  # boot-error for gpufleet-status, and the serial console (EC2 get-console-output).
  mkdir -p "$state"
  echo "FATAL gpufleet-fetch-files: $*" | tee "$state/boot-error" >&2
  if [ -w /dev/console ] && [ "$root" = "/" ]; then echo "FATAL gpufleet-fetch-files: $*" >/dev/console || true; fi
  exit 1
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
archive="$work/boot-files.tar.gz"
i=1
# The instance profile's credentials and the NAT route may take a few seconds after boot: retry.
until aws s3api get-object --region "$GPUFLEET_REGION" --bucket "$GPUFLEET_BOOT_BUCKET" \
  --key "$GPUFLEET_BOOT_KEY" "$archive" >"$work/aws.out" 2>&1; do
  if [ "$i" -ge "$attempts" ]; then
    fatal "cannot read s3://$GPUFLEET_BOOT_BUCKET/$GPUFLEET_BOOT_KEY after $i attempts: $(tail -n 1 "$work/aws.out")"
  fi
  sleep $((i * 2))
  i=$((i + 1))
done
# Nothing is unpacked unless the archive is exactly the one this launch template names.
echo "$GPUFLEET_BOOT_SHA256  $archive" | sha256sum -c --status ||
  fatal "s3://$GPUFLEET_BOOT_BUCKET/$GPUFLEET_BOOT_KEY does not have sha256 $GPUFLEET_BOOT_SHA256"
# Files owned by root with the archive's modes; never paths outside the root.
tar -xzf "$archive" -C "$root" --no-same-owner --no-overwrite-dir ||
  fatal "cannot unpack s3://$GPUFLEET_BOOT_BUCKET/$GPUFLEET_BOOT_KEY"
echo "gpufleet-fetch-files: unpacked s3://$GPUFLEET_BOOT_BUCKET/$GPUFLEET_BOOT_KEY (sha256 $GPUFLEET_BOOT_SHA256)"
