// The shell of one model download in a throw-away container, shared by the Kubernetes init
// container and the Docker target's download one-shots: skip when the cache already has the
// model's completion marker, fetch it with gpufleet-fetch.py (an HF snapshot through the image's
// own huggingface_hub, a GGUF file with Python's standard library) or an Ollama tag through the
// Ollama image, then write the marker. Nothing is installed.
import { CONTAINER_MODEL_DIR } from "./layout";
import { shellQuote } from "./quote";
import type { Download } from "./replicas";

/**
 * `/bin/sh -c` text that puts `d` into the cache at CONTAINER_MODEL_DIR; `fetchPy` is where the
 * container has gpufleet-fetch.py (read-only).
 */
export function fetchShell(d: Download, fetchPy: string): string {
  const q = shellQuote;
  const marker = `${CONTAINER_MODEL_DIR}/${d.marker}`;
  let fetch: string;
  if (d.kind === "hf") fetch = `python3 ${q(fetchPy)} snapshot ${q(d.source)}`;
  else if (d.kind === "gguf")
    fetch = `python3 ${q(fetchPy)} gguf ${q(d.source)} ${q(d.file)} ${q(`${CONTAINER_MODEL_DIR}/${d.cachePath}`)}`;
  else fetch = `(ollama serve >/dev/null 2>&1 &) && sleep 5 && ollama pull ${q(d.source)}`;
  const dir = marker.slice(0, marker.lastIndexOf("/"));
  return `set -e; [ -f ${q(marker)} ] && exit 0; ${fetch}; mkdir -p ${q(dir)}; touch ${q(marker)}`;
}
