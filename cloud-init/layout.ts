// Where things live on an instance. The planner builds engine arguments against CONTAINER_MODEL_DIR
// and the per-format cache layout below (cachePathOf), so the download script and the engine agree
// on paths.
import type { WeightsFormat } from "../planner/types";

/** Host directories and files written by cloud-init or at boot. */
export const HOST_PATHS = {
  /** Shared shell library sourced by every on-host script. */
  lib: "/opt/gpufleet/lib/gpufleet-lib.sh",
  /** The model fetcher gpufleet-download mounts into its download containers (read-only). */
  fetch: "/opt/gpufleet/lib/gpufleet-fetch.py",
  /** Scripts run by systemd units. */
  bin: "/opt/gpufleet/bin",
  /** Plan facts (no secrets): gpufleet.env, replicas.tsv, downloads.tsv, images.txt, nginx.conf. */
  etc: "/etc/gpufleet",
  /** Root-only files written at boot from SSM: engine.env, hf.env, auth-header, nginx-auth.conf. */
  secrets: "/etc/gpufleet/secrets",
  /** Boot, download and watchdog state (per-replica memory fraction, restarts, boot-error). */
  state: "/var/lib/gpufleet",
  /** systemd units. */
  units: "/etc/systemd/system",
  /** The operator's status command. */
  status: "/usr/local/bin/gpufleet-status",
} as const;

/** Host directory of the model cache (a mounted instance-store disk when the type has one). */
export const DEFAULT_MODEL_CACHE_DIR = "/opt/gpufleet/models";

/**
 * Where the model cache appears inside engine containers (read-only), the planner's
 * LaunchInput.modelDir.
 */
export const CONTAINER_MODEL_DIR = "/models";

/** How a replica's weights reach the cache: the plan's ReplicaPlan.weightsFormat. */
export type DownloadKind = WeightsFormat;

/** A GGUF source "owner/repo/file.gguf" (or "owner/repo:file.gguf") split into repo and file. */
export function parseGgufSource(source: string): { repo: string; file: string } {
  const colon = source.indexOf(":");
  if (colon > 0) return { repo: source.slice(0, colon), file: source.slice(colon + 1) };
  const parts = source.split("/");
  if (parts.length < 3 || !source.toLowerCase().endsWith(".gguf")) {
    throw new Error(
      `GGUF source "${source}" must be "owner/repo/file.gguf" or "owner/repo:file.gguf"`,
    );
  }
  return { repo: parts.slice(0, 2).join("/"), file: parts.slice(2).join("/") };
}

/**
 * Where a source lands, relative to the cache root. The planner's contract (planner/launch/):
 * vLLM, SGLang and
 * lmdeploy run with HF_HOME=<model dir> and HF_HUB_OFFLINE=1 and name the repo id, so HF snapshots
 * go into the
 * Hugging Face cache layout (hub/models--org--name); llama.cpp loads <model dir>/gguf/<file>;
 * Ollama runs with
 * OLLAMA_MODELS=<model dir>/ollama.
 */
export function cachePathOf(kind: DownloadKind, source: string): string {
  if (kind === "hf") return `hub/models--${source.replace(/\//g, "--")}`;
  if (kind === "gguf") return "gguf";
  return "ollama";
}

/** Same as gf_slug in gpufleet-lib.sh: a file-name-safe form of a model source. */
export function slugOf(source: string): string {
  return source.replace(/\//g, "--").replace(/[^A-Za-z0-9._-]/g, "_");
}

/**
 * Completion marker of a download, relative to the cache root (a reboot finds it and skips the
 * download).
 */
export function markerOf(label: string): string {
  return `.gpufleet/${slugOf(label)}.complete`;
}
