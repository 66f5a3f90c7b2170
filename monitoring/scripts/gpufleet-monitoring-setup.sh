#!/bin/bash
# gpufleet monitoring host: mount the encrypted EBS data volume at a fixed path, read the secrets from SSM into
# root-only files (never into user data or the environment), prepare the containers' data directories, and fetch
# the rendered configuration from the stack's private S3 bucket (gpufleet-monitoring-sync --boot).
# Runs once per boot from gpufleet-monitoring-setup.service; every container unit requires it.
set -euo pipefail
# shellcheck source=/dev/null
. /etc/gpufleet-monitoring/monitoring.env

log() { echo "gpufleet-monitoring-setup: $*"; }
fatal() {
  echo "FATAL gpufleet-monitoring-setup: $*" >&2
  echo "FATAL gpufleet-monitoring-setup: $*" >/dev/console 2>/dev/null || true
  mkdir -p /var/lib/gpufleet && echo "$*" >/var/lib/gpufleet/boot-error
  exit 1
}

# --- the data volume -------------------------------------------------------------------------------------------
# The volume is attached after the instance starts (a separate VolumeAttachment): wait for it. On Nitro instances
# it appears as an NVMe disk whose serial is the volume id without its dash; on Xen types under its device name.
serial="${GPUFLEET_DATA_VOLUME_ID//-/}"
device=""
for _ in $(seq 1 120); do
  for candidate in "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${serial}" \
    "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${serial}-ns-1" \
    "${GPUFLEET_DATA_DEVICE}" "${GPUFLEET_DATA_DEVICE/\/dev\/sd//dev/xvd}"; do
    if [ -b "$candidate" ]; then
      device="$(readlink -f "$candidate")"
      break 2
    fi
  done
  sleep 5
done
[ -n "$device" ] || fatal "data volume ${GPUFLEET_DATA_VOLUME_ID} not attached after 10 minutes"
if ! blkid "$device" >/dev/null 2>&1; then
  log "formatting ${device} (${GPUFLEET_DATA_VOLUME_ID}): first boot"
  mkfs.ext4 -q -L gpufleet-data "$device"
fi
uuid="$(blkid -s UUID -o value "$device")"
mkdir -p "$GPUFLEET_DATA_DIR"
if ! grep -q "UUID=${uuid} " /etc/fstab; then
  echo "UUID=${uuid} ${GPUFLEET_DATA_DIR} ext4 defaults,nofail,x-systemd.device-timeout=10min 0 2" >>/etc/fstab
fi
mountpoint -q "$GPUFLEET_DATA_DIR" || mount "$GPUFLEET_DATA_DIR"
# Each container runs as its image's own non-root user with no capability (monitoring/cloud-config.ts
# MONITORING_CONTAINER_USERS, rendered into monitoring.env): its data directory must be its own, and no one
# else's to read.
own_data_dir() {
  local dir="$GPUFLEET_DATA_DIR/$1" owner="$2"
  [[ "$owner" =~ ^[0-9]+:[0-9]+$ ]] || fatal "bad owner '${owner}' for ${dir}"
  mkdir -p "$dir"
  chown -R "$owner" "$dir"
  chmod 0700 "$dir"
}
own_data_dir prometheus "$GPUFLEET_PROMETHEUS_USER"
own_data_dir alertmanager "$GPUFLEET_ALERTMANAGER_USER"
own_data_dir grafana "$GPUFLEET_GRAFANA_USER"

# --- secrets ---------------------------------------------------------------------------------------------------
command -v aws >/dev/null || fatal "aws CLI missing (cloud-config installs the awscli package)"
umask 077
mkdir -p "$GPUFLEET_SECRETS_DIR"
chmod 0711 "$GPUFLEET_SECRETS_DIR"

# fetch NAME FILE OWNER: the parameter's value into FILE (mode 0400, owned by the container user that reads it).
fetch() {
  local name="$1" file="$2" owner="$3" value="" attempt
  for attempt in 1 2 3 4 5 6; do
    if value="$(aws ssm get-parameter --region "$GPUFLEET_REGION" --name "$name" --with-decryption \
      --query Parameter.Value --output text 2>/dev/null)"; then
      break
    fi
    log "SSM ${name}: attempt ${attempt} failed; retrying"
    sleep $((attempt * 5))
  done
  [ -n "$value" ] || fatal "cannot read SSM parameter ${name} (does the instance role allow it?)"
  printf '%s' "$value" >"${file}.tmp"
  chown "$owner" "${file}.tmp"
  chmod 0400 "${file}.tmp"
  mv "${file}.tmp" "$file"
}

fetch "$GPUFLEET_GRAFANA_PASSWORD_PARAMETER" "$GPUFLEET_SECRETS_DIR/grafana-admin-password" "$GPUFLEET_GRAFANA_USER"
fetch "$GPUFLEET_API_KEY_PARAMETER" "$GPUFLEET_SECRETS_DIR/engine-api-key" "$GPUFLEET_PROMETHEUS_USER"
if [ -n "${GPUFLEET_WEBHOOK_PARAMETER:-}" ]; then
  fetch "$GPUFLEET_WEBHOOK_PARAMETER" "$GPUFLEET_SECRETS_DIR/alert-webhook-url" "$GPUFLEET_ALERTMANAGER_USER"
fi

# --- configuration ---------------------------------------------------------------------------------------------
# Everything the plan shapes (prometheus.yml, rules, alertmanager.yml, Grafana's environment, provisioning and
# dashboards) is in S3, not in the user data. The sync prints its own FATAL line when it cannot fetch or verify it.
"${GPUFLEET_BIN_DIR}/gpufleet-monitoring-sync" --boot || exit 1

systemctl is-active --quiet docker || systemctl start docker
log "data on ${device} at ${GPUFLEET_DATA_DIR}; secrets in ${GPUFLEET_SECRETS_DIR}; configuration in ${GPUFLEET_CONFIG_DIR}"
