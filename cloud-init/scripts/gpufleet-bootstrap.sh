#!/usr/bin/env bash
# shellcheck disable=SC2153 # GPUFLEET_* settings come from the sourced /etc/gpufleet/gpufleet.env.
# gpufleet-bootstrap: makes this host ready for its plan, or fails the boot with one clear line.
# Checks the driver, Docker, the NVIDIA container toolkit (installed if missing) and the aws CLI; compares the GPUs
# nvidia-smi reports with the plan and lowers a replica's memory fraction when a GPU has less free memory than
# planned; fetches the engine API key and the HF token from SSM Parameter Store into root-only files; puts the model
# cache on the largest local disk. Runs as gpufleet-bootstrap.service (oneshot); gpufleet-download.service follows.
set -euo pipefail
export GPUFLEET_TOOL=gpufleet-bootstrap
# shellcheck source=/dev/null
. "${GPUFLEET_ROOT:-}/opt/gpufleet/lib/gpufleet-lib.sh"

install_container_toolkit() {
  local keyring="$GPUFLEET_ROOT/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg"
  local list="$GPUFLEET_ROOT/etc/apt/sources.list.d/nvidia-container-toolkit.list"
  gf_log "NVIDIA container toolkit not found: installing it from NVIDIA's apt repository"
  curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | gpg --batch --yes --dearmor -o "$keyring" || return 1
  curl -fsSL https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list |
    sed "s#deb https://#deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] https://#g" >"$list" || return 1
  apt-get update -q || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nvidia-container-toolkit || return 1
  nvidia-ctk runtime configure --runtime=docker || return 1
  systemctl restart docker || return 1
}

check_host_tools() {
  command -v nvidia-smi >/dev/null ||
    gf_fatal "nvidia-smi not found: this image has no NVIDIA driver (expected the Deep Learning Base OSS Nvidia Driver GPU AMI)"
  command -v docker >/dev/null || gf_fatal "docker not found (expected the Deep Learning Base OSS Nvidia Driver GPU AMI)"
  if ! docker info >/dev/null 2>&1; then
    systemctl start docker || true
    docker info >/dev/null 2>&1 || gf_fatal "the Docker daemon is not running (systemctl status docker)"
  fi
  if ! command -v nvidia-container-runtime-hook >/dev/null && ! command -v nvidia-ctk >/dev/null; then
    install_container_toolkit || gf_fatal "installing the NVIDIA container toolkit failed; docker --gpus cannot work"
  fi
  command -v aws >/dev/null ||
    gf_fatal "aws CLI v2 not found: secrets cannot be read from SSM (expected on the Deep Learning Base AMI)"
  gf_log "driver, docker, NVIDIA container toolkit and aws CLI present"
}

check_driver() {
  local have min="${GPUFLEET_MIN_DRIVER:-}"
  [ -n "$min" ] || return 0
  have="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -n 1)" || true
  if [ "$(printf '%s\n' "$min" "$have" | sort -V | head -n 1)" != "$min" ]; then
    gf_fatal "NVIDIA driver '$have' is older than $min, which $GPUFLEET_MIN_DRIVER_FOR needs; use driver >= $min, or plan for this one (the pool's driverVersion)"
  fi
  gf_log "NVIDIA driver $have (>= $min)"
}

check_gpus() {
  local csv="$GPUFLEET_STATE/gpus.csv" count names
  mkdir -p "$GPUFLEET_STATE"
  nvidia-smi --query-gpu=index,name,memory.total,memory.free --format=csv,noheader,nounits >"$csv" ||
    gf_fatal "nvidia-smi failed: the NVIDIA driver is not working"
  count="$(grep -c . "$csv" || true)"
  names="$(cut -d, -f2 "$csv" | sed 's/^ *//' | sort | uniq -c | sed 's/^ *//' | paste -sd, -)"
  if [ "$count" -ne "$GPUFLEET_GPU_COUNT" ]; then
    gf_fatal "plan expects $GPUFLEET_GPU_COUNT x $GPUFLEET_GPU_MODEL, nvidia-smi reports $count GPU(s) ($names)"
  fi
  gf_log "GPUs: $names (plan: $GPUFLEET_GPU_COUNT x $GPUFLEET_GPU_MODEL, $GPUFLEET_GPU_MEMORY_GIB GiB)"
}

# For every replica: the budget the engine will claim (utilization x total, vLLM semantics) must fit the free memory
# of each of its GPUs (minus what co-located replicas claim). If not, lower the engine's memory knob by the deficit,
# which shrinks only the KV cache; fail if the lowered budget cannot hold weights + activations + overhead + one
# full-length sequence. Writes GPUFLEET_MEMORY_FRACTION to /var/lib/gpufleet/replicas/<replica>.env for the unit.
fit_memory() {
  local out tag a b
  out="$(awk '
    function floor2(x) { return int(x * 100 + 1e-6) / 100 }
    FNR == NR {
      split($0, f, /[ \t]*,[ \t]*/)
      g = f[1] + 0; total[g] = f[3] / 1024; free[g] = f[4] / 1024
      next
    }
    /^#/ || NF == 0 { next }
    {
      n++; name[n] = $1; gpus[n] = $4; util[n] = $5; kind[n] = $6; knob[n] = $7
      w[n] = $8; act[n] = $9; ovh[n] = $10; minkv[n] = $11; kv[n] = $12
    }
    END {
      for (r = 1; r <= n; r++) {
        ng = split(gpus[r], gl, ",")
        for (i = 1; i <= ng; i++) {
          g = gl[i] + 0
          if (!(g in total)) { printf "FATAL\t%s is planned on GPU %d, which nvidia-smi does not list\n", name[r], g; exit }
          load[g] += util[r] * total[g]
        }
      }
      for (r = 1; r <= n; r++) {
        ng = split(gpus[r], gl, ","); avail = 1e9; tmin = 1e9; worst = gl[1]
        for (i = 1; i <= ng; i++) {
          g = gl[i] + 0; a = free[g] - (load[g] - util[r] * total[g])
          if (a < avail) { avail = a; worst = g }
          if (total[g] < tmin) tmin = total[g]
        }
        budget = util[r] * tmin; need = w[r] + act[r] + ovh[r] + minkv[r]; full = w[r] + act[r] + ovh[r] + kv[r]
        if (avail + 1e-9 >= budget) {
          printf "LOG\t%s: GPU %s has %.1f GiB free for it, planned budget %.1f GiB (utilization %s): ok\n", name[r], gpus[r], avail, budget, util[r]
          printf "ENV\t%s\t%s\n", name[r], knob[r]
          continue
        }
        if (kind[r] == "none") {
          if (avail >= full) {
            printf "LOG\t%s: GPU %d has %.1f GiB free, below the nominal budget but enough for weights, activations and the planned KV cache (%.1f GiB): ok\n", name[r], worst, avail, full
            printf "ENV\t%s\t%s\n", name[r], knob[r]
          } else {
            printf "FATAL\t%s: GPU %d has %.1f GiB free, the replica needs %.1f GiB (weights %.1f + activations %.1f + overhead %.1f + KV %.1f) and its engine has no memory fraction to lower\n", name[r], worst, avail, full, w[r], act[r], ovh[r], kv[r]
            exit
          }
          continue
        }
        nu = floor2(avail / tmin); nb = nu * tmin
        if (nb < need) {
          printf "FATAL\t%s: GPU %d has %.1f GiB free; even lowered to utilization %.2f (%.1f GiB) it cannot hold weights %.1f + activations %.1f + overhead %.1f + one full-length sequence %.1f GiB\n", name[r], worst, avail, nu, nb, w[r], act[r], ovh[r], minkv[r]
          exit
        }
        d = budget - nb
        if (kind[r] == "total") nk = floor2(knob[r] - d / tmin)
        else nk = (kv[r] > 0) ? floor2(knob[r] * (kv[r] - d) / kv[r]) : knob[r]
        if (nk < 0.01) nk = 0.01
        printf "LOG\t%s: GPU %d has %.1f GiB free, less than the planned %.1f GiB: lowering utilization %s -> %.2f (memory knob %s -> %.2f, KV cache %.1f -> %.1f GiB)\n", name[r], worst, avail, budget, util[r], nu, knob[r], nk, kv[r], kv[r] - d
        printf "ENV\t%s\t%.2f\n", name[r], nk
      }
    }' "$GPUFLEET_STATE/gpus.csv" "$GPUFLEET_REPLICAS_TSV")"
  mkdir -p "$GPUFLEET_STATE/replicas"
  while IFS=$'\t' read -r tag a b; do
    case "$tag" in
      LOG) gf_log "$a" ;;
      FATAL) gf_fatal "$a" ;;
      ENV)
        if [ "$b" = "-" ]; then b=""; fi
        printf 'GPUFLEET_MEMORY_FRACTION=%s\n' "$b" >"$GPUFLEET_STATE/replicas/$a.env"
        ;;
    esac
  done <<<"$out"
}

fetch_parameter() {
  aws ssm get-parameter --region "$GPUFLEET_REGION" --name "$1" --with-decryption \
    --query Parameter.Value --output text
}

fetch_secrets() {
  local err="$GPUFLEET_STATE/ssm-error" key pattern token gated var
  mkdir -p "$GPUFLEET_SECRETS"
  chmod 0700 "$GPUFLEET_SECRETS"
  if ! key="$(fetch_parameter "$GPUFLEET_API_KEY_PARAMETER" 2>"$err")"; then
    gf_fatal "cannot read the engine API key from SSM parameter $GPUFLEET_API_KEY_PARAMETER: $(tr '\n' ' ' <"$err")"
  fi
  # The same range as the config (cloud-init/nginx.ts API_KEY_PATTERN).
  if ! [[ "$key" =~ ^[A-Za-z0-9._~+/=-]{8,256}$ ]]; then
    gf_fatal "the engine API key in SSM parameter $GPUFLEET_API_KEY_PARAMETER must be 8 to 256 characters of A-Z a-z 0-9 . _ ~ + / = -"
  fi
  {
    printf 'GPUFLEET_API_KEY=%s\n' "$key"
    for var in $GPUFLEET_API_KEY_VARS; do printf '%s=%s\n' "$var" "$key"; done
  } | gf_write_secret "$GPUFLEET_SECRETS/engine.env"
  printf 'Authorization: Bearer %s\n' "$key" | gf_write_secret "$GPUFLEET_SECRETS/auth-header"
  # The proxy's key check, byte for byte what renderNginxAuthCheck (cloud-init/nginx.ts) renders: a case-sensitive
  # regex (a map string matches case-insensitively and fails `nginx -t` once the key outgrows map_hash_bucket_size);
  # "." and "+", the only key characters special to PCRE, become "[.]" and "[+]".
  pattern="${key//./[.]}"
  pattern="${pattern//+/[+]}"
  # shellcheck disable=SC2016 # $http_authorization and $gpufleet_authorized are nginx variables.
  printf '# Written at boot by gpufleet-bootstrap from SSM; root only. A case-sensitive regex: map strings\n# match case-insensitively and need a hash bucket as long as the key.\nmap $http_authorization $gpufleet_authorized {\n    default 0;\n    "~^Bearer %s$" 1;\n}\n' "$pattern" |
    gf_write_secret "$GPUFLEET_SECRETS/nginx-auth.conf"
  gf_log "engine API key read from SSM parameter $GPUFLEET_API_KEY_PARAMETER"

  gated="$(awk -F '\t' '!/^#/ && $5 == "1" { print $2; exit }' "$GPUFLEET_DOWNLOADS_TSV")"
  if [ -n "$GPUFLEET_HF_TOKEN_PARAMETER" ]; then
    if token="$(fetch_parameter "$GPUFLEET_HF_TOKEN_PARAMETER" 2>"$err")" && [ -n "$token" ] && [ "$token" != "None" ]; then
      # The config's shape (config/shapes.ts HF_TOKEN): a space or line break would add lines to the env file.
      if ! [[ "$token" =~ ^[A-Za-z0-9_.-]{8,512}$ ]]; then
        gf_fatal "the HF token in SSM parameter $GPUFLEET_HF_TOKEN_PARAMETER must be 8 to 512 letters, digits, _ - . (no spaces or line breaks)"
      fi
      printf 'HF_TOKEN=%s\n' "$token" | gf_write_secret "$GPUFLEET_SECRETS/hf.env"
      gf_log "HF token read from SSM parameter $GPUFLEET_HF_TOKEN_PARAMETER"
    elif [ -n "$gated" ]; then
      gf_fatal "model $gated is gated and the HF token cannot be read from SSM parameter $GPUFLEET_HF_TOKEN_PARAMETER: $(tr '\n' ' ' <"$err")"
    else
      gf_log "HF token unreadable from SSM parameter $GPUFLEET_HF_TOKEN_PARAMETER; no planned model is gated, downloading anonymously"
      : | gf_write_secret "$GPUFLEET_SECRETS/hf.env"
    fi
  elif [ -n "$gated" ]; then
    gf_fatal "model $gated is gated but the stack configures no HF token parameter"
  else
    : | gf_write_secret "$GPUFLEET_SECRETS/hf.env"
  fi
  rm -f "$err"
}

# Instance-store NVMe disks that nothing has mounted, largest first: "<device> <bytes>".
instance_store_disks() {
  lsblk -dnbp -P -o NAME,SIZE,TYPE,MODEL 2>/dev/null | awk '
    /TYPE="disk"/ && /MODEL="[^"]*Instance Storage/ {
      match($0, /NAME="[^"]*"/); dev = substr($0, RSTART + 6, RLENGTH - 7)
      match($0, /SIZE="[^"]*"/); size = substr($0, RSTART + 6, RLENGTH - 7)
      print dev, size
    }' | sort -k2,2nr
}

prepare_cache() {
  local dir="$GPUFLEET_CACHE" dlami="$GPUFLEET_ROOT/opt/dlami/nvme" dev size need avail
  mkdir -p "$dir"
  if mountpoint -q "$dir"; then
    gf_log "model cache: $GPUFLEET_CACHE_DIR is already mounted"
  elif mountpoint -q "$dlami"; then
    mkdir -p "$dlami/gpufleet-models"
    mount --bind "$dlami/gpufleet-models" "$dir" || gf_fatal "cannot bind-mount /opt/dlami/nvme/gpufleet-models on $GPUFLEET_CACHE_DIR"
    gf_log "model cache: instance store mounted by the AMI at /opt/dlami/nvme, bound to $GPUFLEET_CACHE_DIR"
  else
    dev=""
    while read -r dev size; do
      if [ -z "$(lsblk -nro MOUNTPOINT "$dev" 2>/dev/null | tr -d '[:space:]')" ]; then break; fi
      dev=""
    done < <(instance_store_disks)
    if [ -n "$dev" ]; then
      if ! blkid "$dev" >/dev/null 2>&1; then
        gf_log "model cache: formatting instance store $dev ($((size / 1000000000)) GB)"
        mkfs.ext4 -q -F -L gpufleet-cache -E nodiscard "$dev" || gf_fatal "mkfs.ext4 $dev failed"
      fi
      mount -o noatime "$dev" "$dir" || gf_fatal "cannot mount instance store $dev on $GPUFLEET_CACHE_DIR"
      gf_log "model cache: instance store $dev mounted on $GPUFLEET_CACHE_DIR"
    else
      gf_log "model cache: no instance store, using the root volume at $GPUFLEET_CACHE_DIR"
    fi
  fi
  need="$(awk -F '\t' '!/^#/ && NF { s += $6 } END { printf "%d", s + 0.999 }' "$GPUFLEET_DOWNLOADS_TSV")"
  avail="$(df -Pk "$dir" | awk 'NR == 2 { printf "%d", $4 / 1048576 }')"
  if [ "$avail" -lt "$need" ]; then
    gf_fatal "model cache $GPUFLEET_CACHE_DIR has $avail GiB free, the planned models need about $need GiB"
  fi
  gf_log "model cache: $avail GiB free, planned models need about $need GiB"
}

main() {
  rm -f "$GPUFLEET_STATE/boot-error" "$GPUFLEET_STATE/bootstrap-complete"
  check_host_tools
  check_driver
  check_gpus
  fit_memory
  fetch_secrets
  prepare_cache
  date -u +%Y-%m-%dT%H:%M:%SZ >"$GPUFLEET_STATE/bootstrap-complete"
  gf_log "host ready for pool $GPUFLEET_POOL (stack $GPUFLEET_STACK)"
}

main "$@"
