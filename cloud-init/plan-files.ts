// The plan as data files the on-host scripts read (no secrets): gpufleet.env, replicas.tsv,
// downloads.tsv, images.txt.
import type { RenderPool, ResolvedReplica, Download } from "./replicas";
import type { ResolvedContext } from "./context";
import { CONTAINER_MODEL_DIR, HOST_PATHS, slugOf } from "./layout";
import { shellQuote } from "./quote";
import { compareDriver } from "../planner/catalog/releases";

function gib(x: number): string {
  return x.toFixed(3);
}

/**
 * A TSV cell: the scripts read with IFS=tab, which collapses empty fields, so none may be empty or
 * hold a tab.
 */
function cell(value: string | number): string {
  const s = String(value);
  if (s === "" || /[\t\n]/.test(s))
    throw new Error(`plan value ${JSON.stringify(s)} cannot go into a TSV cell`);
  return s;
}

function tsv(header: string[], rows: Array<Array<string | number>>): string {
  return [`# ${header.join("\t")}`, ...rows.map((r) => r.map(cell).join("\t"))].join("\n") + "\n";
}

export const REPLICA_COLUMNS = [
  "name",
  "engine",
  "port",
  "gpus",
  "utilization",
  "knob_kind",
  "knob_value",
  "weights_gib",
  "activation_gib",
  "overhead_gib",
  "min_kv_gib",
  "kv_gib",
  "health_path",
  "models_path",
  "download_slug",
  "served_name",
  "load_grace_s",
  "model_id",
];

export function renderReplicasTsv(replicas: ResolvedReplica[]): string {
  return tsv(
    REPLICA_COLUMNS,
    replicas.map((r) => [
      r.name,
      r.plan.engine,
      r.plan.port,
      r.plan.gpus.join(","),
      r.plan.gpuMemoryUtilization,
      r.knobKind,
      r.knobValue,
      gib(r.plan.memory.weightsGiB),
      gib(r.plan.memory.activationGiB),
      gib(r.plan.memory.overheadGiB),
      gib(r.minKvGiB),
      gib(r.plan.memory.kvCacheGiB),
      r.plan.healthPath,
      r.plan.modelsPath,
      slugOf(r.download.label),
      r.plan.model.servedName,
      r.loadGraceSeconds,
      r.plan.model.id,
    ]),
  );
}

export function renderDownloadsTsv(downloads: Download[]): string {
  return tsv(
    ["kind", "source", "file", "cache_path", "gated", "size_gib", "image", "marker"],
    downloads.map((d) => [
      d.kind,
      d.source,
      d.file,
      d.cachePath,
      d.gated ? 1 : 0,
      gib(d.sizeGiB),
      d.image,
      d.marker,
    ]),
  );
}

export function renderImagesTxt(replicas: ResolvedReplica[], ctx: ResolvedContext): string {
  const images = new Set([
    ...replicas.map((r) => r.image),
    ctx.helperImages.nginx,
    ctx.helperImages.nodeExporter,
    ctx.helperImages.dcgmExporter,
  ]);
  return `${[...images].join("\n")}\n`;
}

/**
 * The newest driver any planned engine image needs (from the CUDA it is built on) and which image
 * that is; the bootstrap compares nvidia-smi's driver with it. An image replaced by a render
 * override carries no known minimum and is not checked.
 */
function minDriverVars(replicas: ResolvedReplica[]): Array<[string, string]> {
  let worst: ResolvedReplica | undefined;
  for (const r of replicas) {
    const rel = r.plan.release;
    if (!rel || r.image !== r.plan.image) continue;
    if (!worst || compareDriver(rel.minDriver, worst.plan.release!.minDriver) > 0) worst = r;
  }
  if (!worst) return [];
  const rel = worst.plan.release!;
  return [
    ["GPUFLEET_MIN_DRIVER", rel.minDriver],
    ["GPUFLEET_MIN_DRIVER_FOR", `${worst.image} (CUDA ${rel.cuda})`],
  ];
}

export function renderGpufleetEnv(
  pool: RenderPool,
  replicas: ResolvedReplica[],
  ctx: ResolvedContext,
): string {
  const keyVars = [
    ...new Set(replicas.flatMap((r) => (r.apiKey.kind === "none" ? [] : [r.apiKey.variable]))),
  ].sort();
  const vars: Array<[string, string | number]> = [
    ["GPUFLEET_STACK", ctx.stack],
    ["GPUFLEET_POOL", ctx.pool],
    ["GPUFLEET_REGION", ctx.region],
    ["GPUFLEET_API_KEY_PARAMETER", ctx.apiKeyParameter],
    ["GPUFLEET_HF_TOKEN_PARAMETER", ctx.hfTokenParameter],
    ["GPUFLEET_API_KEY_VARS", keyVars.join(" ")],
    ["GPUFLEET_GPU_COUNT", pool.gpu.count],
    ["GPUFLEET_GPU_MODEL", pool.gpu.model],
    ["GPUFLEET_GPU_MEMORY_GIB", pool.gpu.memoryGiB],
    ["GPUFLEET_CACHE_DIR", ctx.modelCacheDir],
    ["GPUFLEET_CONTAINER_MODEL_DIR", CONTAINER_MODEL_DIR],
    ["GPUFLEET_PROXY_PORT", ctx.proxyPort],
    ["GPUFLEET_DOWNLOADER_IMAGE", ctx.helperImages.downloader],
    ["GPUFLEET_FETCH_PY", HOST_PATHS.fetch],
    ...minDriverVars(replicas),
  ];
  for (const [name] of vars)
    if (!/^GPUFLEET_[A-Z_]+$/.test(name)) throw new Error(`bad variable ${name}`);
  const lines = vars.map(([name, value]) => `${name}=${shellQuote(String(value))}`);
  return `# shellcheck shell=bash disable=SC2034
# Plan facts for the gpufleet on-host scripts (sourced by bash). No secrets: those are read from SSM at boot.\n${lines.join("\n")}\n`;
}
