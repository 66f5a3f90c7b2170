#!/usr/bin/env bash
# gpufleet-ollama-models <port> <tag>=<served name>...: run by an Ollama replica's unit once the engine has started
# (ExecStartPost). Ollama answers only to names in its own store, so every model the plan gives this instance is made
# to answer to the name clients send (POST /api/copy <tag> -> <served name>, when they differ) and is loaded at once
# (POST /api/generate with keep_alive -1), so the first client neither gets "model not found" nor pays the load.
# The tags were pulled into the cache by gpufleet-download before the engine started.
set -euo pipefail

log() { printf 'gpufleet-ollama-models: %s\n' "$*"; }

if [ "$#" -lt 2 ]; then
  log "usage: gpufleet-ollama-models <port> <tag>=<served name>..." >&2
  exit 2
fi
port="$1"
shift
# The docker target runs this beside the engine's container: its name, and a pull of each tag first.
base="http://${GPUFLEET_OLLAMA_HOST:-127.0.0.1}:$port"
wait_seconds="${GPUFLEET_OLLAMA_WAIT_SECONDS:-300}"

up=1
for ((i = 0; i < wait_seconds; i++)); do
  if curl -fsS -o /dev/null --max-time 5 "$base/api/version"; then
    up=0
    break
  fi
  sleep 1
done
if [ "$up" -ne 0 ]; then
  log "Ollama on port $port did not answer /api/version within ${wait_seconds}s" >&2
  exit 1
fi

post() {
  curl -fsS --max-time "${GPUFLEET_OLLAMA_LOAD_SECONDS:-900}" -X POST "$base$1" \
    -H 'content-type: application/json' -d "$2" -o /dev/null
}

for pair in "$@"; do
  tag="${pair%%=*}"
  name="${pair#*=}"
  if [ "${GPUFLEET_OLLAMA_PULL:-0}" = 1 ]; then
    if ! curl -fsS --max-time "${GPUFLEET_OLLAMA_PULL_SECONDS:-21600}" -X POST "$base/api/pull" \
      -H 'content-type: application/json' -d "{\"model\":\"$tag\",\"stream\":false}" -o /dev/null; then
      log "could not pull $tag" >&2
      exit 1
    fi
    log "$tag pulled"
  fi
  if [ "$tag" != "$name" ]; then
    if ! post /api/copy "{\"source\":\"$tag\",\"destination\":\"$name\"}"; then
      log "could not name $tag as $name (is the tag pulled?)" >&2
      exit 1
    fi
    log "$tag answers as $name"
  fi
  if ! post /api/generate "{\"model\":\"$name\",\"keep_alive\":-1}"; then
    log "could not load $name" >&2
    exit 1
  fi
  log "$name loaded"
done
