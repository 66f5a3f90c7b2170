import type { ApiKeyDelivery, PoolPlan, ReplicaPlan } from "../planner/types";
import type { ResolvedContext } from "./context";
import { cachePathOf, markerOf, parseGgufSource, type DownloadKind } from "./layout";

/**
 * A replica as the renderer takes it: the planner's ReplicaPlan, whose engine facts (API-key
 * delivery, --ipc=host, the memory share, the weights format) come from the planner's engine
 * catalog; the renderer derives none of them.
 */
export type RenderReplica = ReplicaPlan;

/** A pool as the renderer takes it: the planner's PoolPlan. */
export type RenderPool = PoolPlan;

export interface Download {
  kind: DownloadKind;
  /** Repo id, GGUF repo, or Ollama tag. */
  source: string;
  /** GGUF file name, or "-". */
  file: string;
  /** Relative to the cache root. */
  cachePath: string;
  /** Relative to the cache root: written when the download completed (a reboot skips it). */
  marker: string;
  gated: boolean;
  /** Estimated size on disk, GiB. */
  sizeGiB: number;
  /**
   * Image the download runs in: the engine's (its huggingface_hub fetches an HF snapshot, its
   * Ollama pulls a tag), or "-" for a GGUF file (the pinned downloader image).
   */
  image: string;
  /** What logs and gpufleet-status call it (source, or repo/file). */
  label: string;
}

export interface ResolvedReplica {
  plan: RenderReplica;
  /** systemd unit (without .service) and container name: gpufleet-<engine>-<port>. */
  name: string;
  image: string;
  apiKey: ApiKeyDelivery;
  needsIpcHost: boolean;
  download: Download;
  /** Ollama: the tags of the further models the instance serves (pulled like `download`). */
  extraDownloads: Download[];
  /** "total" / "free": what the plan's memory share is a share of; "none": no knob to lower. */
  knobKind: "total" | "free" | "none";
  knobFlag: string | null;
  knobValue: string;
  /**
   * KV cache for one full-length sequence, GiB per GPU: the least a lowered budget must still hold.
   */
  minKvGiB: number;
  /** Seconds after a (re)start during which failing health checks mean "loading", not "failed". */
  loadGraceSeconds: number;
}

const GIB = 1024 ** 3;

function downloadOf(replica: RenderReplica, image: string): Download {
  const kind = replica.weightsFormat;
  const source = replica.model.source;
  const sizeGiB = replica.memory.weightsGiB * replica.tensorParallel * 1.05;
  const common = {
    kind,
    source,
    gated: replica.model.gated,
    sizeGiB,
    cachePath: cachePathOf(kind, source),
  };
  if (kind === "gguf") {
    const { repo, file } = parseGgufSource(source);
    const label = `${repo}/${file}`;
    return { ...common, source: repo, file, marker: markerOf(label), image: "-", label };
  }
  if (kind === "ollama")
    return { ...common, file: "-", marker: markerOf(source), image, label: source };
  // An HF snapshot is fetched with the engine image's own huggingface_hub (gpufleet-fetch.py).
  return { ...common, file: "-", marker: markerOf(source), image, label: source };
}

/** Whether args carry `flag value` (the plan's memory share, which the unit makes a variable). */
function flagValueIn(args: readonly string[], flag: string, value: string): boolean {
  return args.some((a, i) => a === flag && args[i + 1] === value);
}

export function resolveReplicas(pool: RenderPool, ctx: ResolvedContext): ResolvedReplica[] {
  const problems: string[] = [];
  const ports = new Set<number>();
  const resolved = pool.replicas.map((plan, i) => {
    if (ports.has(plan.port)) problems.push(`replicas[${i}] reuses port ${plan.port}`);
    if (plan.port === ctx.proxyPort)
      problems.push(`replicas[${i}] port ${plan.port} is the proxy port`);
    ports.add(plan.port);
    for (const gpu of plan.gpus) {
      if (!Number.isInteger(gpu) || gpu < 0 || gpu >= pool.gpu.count) {
        problems.push(`replicas[${i}] uses GPU ${gpu}, the pool has ${pool.gpu.count}`);
      }
    }
    if (plan.gpus.length === 0) problems.push(`replicas[${i}] has no GPU`);
    if (plan.model.gated && ctx.hfTokenParameter === "") {
      problems.push(
        `replicas[${i}] model ${plan.model.id} is gated but no hfTokenParameter is given`,
      );
    }
    const image = ctx.engineImages[plan.engine] ?? plan.image;
    const knob = plan.memoryFraction;
    if (knob && !flagValueIn(plan.args, knob.flag, knob.value))
      problems.push(`replicas[${i}] args lack its memory share ${knob.flag} ${knob.value}`);
    let download: Download;
    try {
      download = downloadOf(plan, image);
    } catch (err) {
      problems.push(`replicas[${i}]: ${(err as Error).message}`);
      download = {
        kind: "hf",
        source: "-",
        file: "-",
        cachePath: "-",
        marker: "-",
        gated: false,
        sizeGiB: 0,
        image: "-",
        label: "-",
      };
    }
    const extraDownloads: Download[] = (plan.ollama?.models.slice(1) ?? []).map((m) => ({
      kind: "ollama",
      source: m.tag,
      file: "-",
      cachePath: cachePathOf("ollama", m.tag),
      marker: markerOf(m.tag),
      gated: false,
      sizeGiB: m.weightsGiB * 1.05,
      image,
      label: m.tag,
    }));
    return {
      plan,
      name: `gpufleet-${plan.engine}-${plan.port}`,
      image,
      apiKey: plan.apiKey,
      needsIpcHost: plan.needsIpcHost,
      download,
      extraDownloads,
      knobKind: knob ? knob.kind : "none",
      knobFlag: knob ? knob.flag : null,
      knobValue: knob ? knob.value : "-",
      minKvGiB: (plan.maxModelLen * plan.memory.kvBytesPerToken) / GIB,
      loadGraceSeconds: Math.max(600, Math.ceil(plan.estimates.coldStartSeconds)),
    } satisfies ResolvedReplica;
  });
  if (pool.replicas.length === 0) problems.push("the pool has no replica");
  if (problems.length > 0)
    throw new Error(`cloud-init render of pool ${pool.name}: ${problems.join("; ")}`);
  return resolved;
}

/** What makes two downloads the same model (distinctDownloads keeps one per key). */
export function downloadKey(d: Download): string {
  return `${d.kind}\t${d.label}`;
}

/** Each distinct model once (a gated flag or a larger size from any replica wins). */
export function distinctDownloads(replicas: ResolvedReplica[]): Download[] {
  const byKey = new Map<string, Download>();
  for (const download of replicas.flatMap((r) => [r.download, ...(r.extraDownloads ?? [])])) {
    const key = downloadKey(download);
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, { ...download });
    else {
      seen.gated ||= download.gated;
      seen.sizeGiB = Math.max(seen.sizeGiB, download.sizeGiB);
    }
  }
  return [...byKey.values()];
}
