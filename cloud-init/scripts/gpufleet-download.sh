#!/usr/bin/env bash
# shellcheck disable=SC2153 # GPUFLEET_* settings come from the sourced /etc/gpufleet/gpufleet.env.
# gpufleet-download: puts every planned model on the local cache once, and pulls every image, all in parallel; only
# when all of them succeeded does it start the replica units. Hugging Face snapshots and GGUF files come through the
# engine image's own huggingface_hub (GGUF files through a pinned Python image's standard library), in throw-away
# containers (retries, resumable), Ollama tags through a temporary Ollama container
# pointed at the cache. Runs as gpufleet-download.service (oneshot) after gpufleet-bootstrap.service.
set -euo pipefail
export GPUFLEET_TOOL=gpufleet-download
# shellcheck source=/dev/null
. "${GPUFLEET_ROOT:-}/opt/gpufleet/lib/gpufleet-lib.sh"

ATTEMPTS="${GPUFLEET_DOWNLOAD_ATTEMPTS:-5}"
BACKOFF="${GPUFLEET_RETRY_BACKOFF_SECONDS:-15}"
PROGRESS="$GPUFLEET_STATE/downloads"

retry() {
  local what="$1" n
  shift
  for ((n = 1; n <= ATTEMPTS; n++)); do
    if "$@"; then return 0; fi
    gf_log "$what: attempt $n/$ATTEMPTS failed"
    if [ "$n" -lt "$ATTEMPTS" ]; then sleep $((BACKOFF * n)); fi
  done
  return 1
}

# hf_download <repo> <file or -> <engine image>: a whole snapshot into the Hugging Face cache layout under HF_HOME
# (engines run with HF_HOME on the cache and HF_HUB_OFFLINE=1) through the engine image's own huggingface_hub, or one
# file (a GGUF) into <cache>/gguf through the pinned Python image's standard library (gpufleet-fetch.py). Nothing is
# installed at boot.
hf_download() {
  local name fetch=/gpufleet-fetch.py
  local -a run
  name="gpufleet-dl-$(gf_slug "$1")"
  run=(run --rm --name "$name" --cap-drop ALL --security-opt no-new-privileges --env-file "$GPUFLEET_SECRETS/hf.env"
    -e HF_HOME="$GPUFLEET_CONTAINER_MODEL_DIR" -e HF_HUB_DISABLE_TELEMETRY=1 -e HF_HUB_DOWNLOAD_TIMEOUT=60
    -e HF_XET_CHUNK_CACHE_SIZE_BYTES=0 -v "$GPUFLEET_CACHE_DIR:$GPUFLEET_CONTAINER_MODEL_DIR"
    -v "$GPUFLEET_FETCH_PY:$fetch:ro" --entrypoint python3)
  docker rm -f "$name" >/dev/null 2>&1 || true
  if [ "$2" = "-" ]; then
    docker "${run[@]}" "$3" "$fetch" snapshot "$1"
  else
    docker "${run[@]}" "$GPUFLEET_DOWNLOADER_IMAGE" "$fetch" gguf "$1" "$2" "$GPUFLEET_CONTAINER_MODEL_DIR/gguf"
  fi
}

# ollama_pull <tag> <ollama image>
ollama_pull() {
  local name ok=1 i
  name="gpufleet-ollama-pull-$(gf_slug "$1")"
  docker rm -f "$name" >/dev/null 2>&1 || true
  docker run -d --name "$name" --cap-drop ALL --security-opt no-new-privileges -e OLLAMA_MODELS="$GPUFLEET_CONTAINER_MODEL_DIR/ollama" \
    -v "$GPUFLEET_CACHE_DIR:$GPUFLEET_CONTAINER_MODEL_DIR" "$2" >/dev/null || return 1
  for ((i = 0; i < 60; i++)); do
    if docker exec "$name" ollama list >/dev/null 2>&1; then ok=0 && break; fi
    sleep 1
  done
  if [ "$ok" -eq 0 ]; then docker exec "$name" ollama pull "$1" || ok=1; fi
  docker rm -f "$name" >/dev/null 2>&1 || true
  return "$ok"
}

# download_one <kind> <source> <file or -> <cache path> <marker> <ollama image or -> <label>
download_one() {
  local kind="$1" source="$2" file="$3" path="$4" marker="$5" image="$6" label="$7" slug started
  slug="$(gf_slug "$label")"
  if [ -e "$GPUFLEET_CACHE/$marker" ]; then
    gf_log "$label: already in the cache"
    return 0
  fi
  started="$(date +%s)"
  : >"$PROGRESS/$slug.downloading"
  gf_log "$label: downloading ($kind) to $GPUFLEET_CACHE_DIR/$path"
  local ok=1
  case "$kind" in
    hf | gguf) retry "$label" hf_download "$source" "$file" "$image" && ok=0 ;;
    ollama) retry "$label" ollama_pull "$source" "$image" && ok=0 ;;
    *) gf_log "$label: unknown download kind $kind" ;;
  esac
  rm -f "$PROGRESS/$slug.downloading"
  if [ "$ok" -ne 0 ]; then
    : >"$PROGRESS/$slug.failed"
    gf_log "$label: download failed after $ATTEMPTS attempts"
    return 1
  fi
  mkdir -p "$(dirname "$GPUFLEET_CACHE/$marker")"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$GPUFLEET_CACHE/$marker"
  gf_log "$label: downloaded in $(($(date +%s) - started))s"
}

pull_image() {
  if retry "image $1" docker pull -q "$1"; then
    gf_log "image $1: pulled"
  else
    gf_log "image $1: pull failed after $ATTEMPTS attempts"
    return 1
  fi
}

main() {
  local -a pids=() labels=() failed=() units=()
  local image kind source file path _gated _size marker label i name
  if [ ! -s "$GPUFLEET_STATE/bootstrap-complete" ] || [ ! -s "$GPUFLEET_SECRETS/engine.env" ]; then
    gf_fatal "gpufleet-bootstrap has not completed on this boot: no download, no engine"
  fi
  mkdir -p "$PROGRESS"
  rm -f "$PROGRESS"/*.downloading "$PROGRESS"/*.failed

  while read -r image; do
    case "$image" in "" | "#"*) continue ;; esac
    pull_image "$image" </dev/null &
    pids+=("$!")
    labels+=("image $image")
  done <"$GPUFLEET_IMAGES_TXT"

  while IFS=$'\t' read -r kind source file path _gated _size image marker; do
    case "$kind" in "" | "#"*) continue ;; esac
    label="$source"
    if [ "$file" != "-" ]; then label="$source/$file"; fi
    download_one "$kind" "$source" "$file" "$path" "$marker" "$image" "$label" </dev/null &
    pids+=("$!")
    labels+=("$label")
  done <"$GPUFLEET_DOWNLOADS_TSV"

  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then failed+=("${labels[$i]}"); fi
  done
  if [ "${#failed[@]}" -gt 0 ]; then
    gf_fatal "download failed after $ATTEMPTS attempts, no engine started: $(printf '%s; ' "${failed[@]}" | sed 's/; $//')"
  fi

  while IFS=$'\t' read -r name _; do
    case "$name" in "" | "#"*) continue ;; esac
    units+=("$name.service")
  done <"$GPUFLEET_REPLICAS_TSV"
  gf_log "all models and images are local; starting ${#units[@]} replica(s): ${units[*]}"
  systemctl start --no-block "${units[@]}"
}

main "$@"
