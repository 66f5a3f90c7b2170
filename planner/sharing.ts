// Several pools on one host, several replicas on one GPU (seed 001: an LLM, an embedding model and a
// reranker on one card; seed 002: models with utilization shares summing to at most 0.95; seed 000:
// an A4000 and an A5000 in one box). The placement is decided here, around the planner's public
// entry point: each pool's share of a shared GPU becomes its pinned gpuMemoryUtilization (the
// planner derives every engine's own knob from it), then the planned replicas are moved onto the
// host's GPU indices and given host-unique ports, their launch rebuilt by the same buildLaunch.
// Target-neutral: a target says which pools share a host (docker: dockerHost).
import { findGpu } from "./catalog/gpus";
import { findModel } from "./catalog/models";
import { buildLaunch } from "./engines";
import { PlanError, planFleet, type PlanInput } from "./plan";
import { DEFAULT_PROXY_PORT, FIRST_ENGINE_PORT } from "./policy";
import type { FleetPlan, PoolPlan, PoolSpec, ReplicaPlan } from "./types";

/**
 * Of every GPU's memory, what the engines sharing it may take together (seed 002's rule): the rest
 * is the driver's, the CUDA contexts' and fragmentation's.
 */
export const MAX_GPU_SHARE_SUM = 0.95;

/** Where a pool runs: a host shared with other pools, and which of the host's GPUs it uses. */
export interface Placement {
  /** Host identity (docker: the dockerHost URL); pools with the same host share it. */
  host: string;
  /** GPUs of the host (the pool's gpuCount for own hardware). */
  hostGpuCount: number;
  /** Host GPU indices the pool uses; default all of the host's. */
  gpuIndices?: readonly number[];
  /** The pool's share of each GPU it uses (its engines' gpuMemoryUtilization). */
  gpuShare?: number;
}

export interface SharingInput extends PlanInput {
  /** One entry per pool: its placement, or undefined for a pool on hosts of its own (EC2). */
  placements: ReadonlyArray<Placement | undefined>;
}

interface GpuUse {
  pool: number;
  share: number | undefined;
}

const at = (i: number): string => `gpufleet:pools[${i}]`;
const range = (n: number): number[] => Array.from({ length: n }, (_, k) => k);

/**
 * Every pool's share per GPU it uses. A GPU used by one pool keeps the pool's own choice (share,
 * pin or the planner's default); on a shared GPU the unpinned pools split what the pinned leave.
 * Problems name every pool of an over-committed GPU.
 */
export function computeShares(
  pools: readonly PoolSpec[],
  placements: ReadonlyArray<Placement | undefined>,
  problems: string[],
): Map<number, number | undefined> {
  const byGpu = new Map<string, { host: string; gpu: number; uses: GpuUse[] }>();
  placements.forEach((p, i) => {
    if (!p) return;
    const pinned = p.gpuShare ?? pools[i]!.gpuMemoryUtilization;
    for (const g of p.gpuIndices ?? range(p.hostGpuCount)) {
      const key = `${p.host}#${g}`;
      const entry = byGpu.get(key) ?? { host: p.host, gpu: g, uses: [] };
      entry.uses.push({ pool: i, share: pinned });
      byGpu.set(key, entry);
    }
  });
  const shares = new Map<number, number | undefined>();
  const proposals = new Map<number, number[]>();
  for (const { host, gpu, uses } of byGpu.values()) {
    if (uses.length === 1) {
      const u = uses[0]!;
      (proposals.get(u.pool) ?? proposals.set(u.pool, []).get(u.pool)!).push(u.share ?? NaN);
      continue;
    }
    const pinnedSum = uses.reduce((s, u) => s + (u.share ?? 0), 0);
    const free = uses.filter((u) => u.share === undefined);
    const each =
      free.length > 0 ? Math.floor(((MAX_GPU_SHARE_SUM - pinnedSum) / free.length) * 100) / 100 : 0;
    const names = uses.map((u) => `${pools[u.pool]!.name} (${u.share ?? "unset"})`).join(", ");
    if (pinnedSum > MAX_GPU_SHARE_SUM + 1e-9 || (free.length > 0 && each <= 0.01)) {
      const last = uses[uses.length - 1]!.pool;
      problems.push(
        `${at(last)}.gpuShare: GPU ${gpu} of host ${host} is over-committed: pools ${names} ask for ${round2(pinnedSum)} of its memory${free.length > 0 ? " and leave nothing for the unset ones" : ""}; shares of one GPU sum to at most ${MAX_GPU_SHARE_SUM}`,
      );
      continue;
    }
    for (const u of uses) {
      (proposals.get(u.pool) ?? proposals.set(u.pool, []).get(u.pool)!).push(u.share ?? each);
    }
  }
  for (const [pool, list] of proposals) {
    const known = list.filter((x) => !Number.isNaN(x));
    // A pool spanning a shared and an unshared GPU runs one budget on both: the smaller.
    shares.set(pool, known.length > 0 ? Math.min(...known) : undefined);
  }
  return shares;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Problems with where pools are placed: GPU models and counts that disagree on one host. */
export function checkPlacements(
  pools: readonly PoolSpec[],
  placements: ReadonlyArray<Placement | undefined>,
  problems: string[],
): void {
  const gpuAt = new Map<string, { pool: number; model: string }>();
  const countOf = new Map<string, { pool: number; count: number }>();
  placements.forEach((p, i) => {
    if (!p) return;
    const first = countOf.get(p.host);
    if (first && first.count !== p.hostGpuCount) {
      problems.push(
        `${at(i)}.gpuCount: host ${p.host} has ${first.count} GPU(s) in pool ${pools[first.pool]!.name} but ${p.hostGpuCount} here; pools of one host give its GPU count`,
      );
    } else if (!first) countOf.set(p.host, { pool: i, count: p.hostGpuCount });
    for (const g of p.gpuIndices ?? range(p.hostGpuCount)) {
      if (g >= p.hostGpuCount) {
        problems.push(
          `${at(i)}.gpuIndices: GPU ${g} is beyond gpuCount (${p.hostGpuCount}): the host's GPUs are 0–${p.hostGpuCount - 1}`,
        );
        continue;
      }
      const key = `${p.host}#${g}`;
      const model = String(pools[i]!.gpu ?? pools[i]!.instanceType);
      const seen = gpuAt.get(key);
      if (seen && seen.model !== model) {
        problems.push(
          `${at(i)}.gpu: GPU ${g} of host ${p.host} is a ${seen.model} in pool ${pools[seen.pool]!.name} but a ${model} here; give each pool gpuIndices of its own GPU model`,
        );
      } else if (!seen) gpuAt.set(key, { pool: i, model });
    }
  });
}

/**
 * Plans a fleet whose pools may share hosts and GPUs: refuses (PlanError, every problem at once)
 * placements that over-commit a GPU or contradict each other, plans every pool within its share,
 * then gives each replica its host GPUs and a port, and each pool a proxy port, unique on the host.
 */
export function planSharedFleet(input: SharingInput): FleetPlan {
  const problems: string[] = [];
  const pools = input.pools;
  checkPlacements(pools, input.placements, problems);
  const shares = computeShares(pools, input.placements, problems);
  if (problems.length > 0) throw new PlanError(problems);

  const specs: PoolSpec[] = pools.map((pool, i) => {
    const p = input.placements[i];
    if (!p) return pool;
    const gpus = p.gpuIndices ?? range(p.hostGpuCount);
    const share = shares.get(i);
    return {
      ...pool,
      gpuCount: gpus.length,
      ...(share !== undefined ? { gpuMemoryUtilization: share } : {}),
    };
  });
  const plan = planFleet({ ...input, pools: specs });
  relocate(plan, input, specs, problems);
  if (problems.length > 0) throw new PlanError(problems);
  return plan;
}

/** Moves replicas onto host GPUs and host-unique ports (pools keep their order). */
function relocate(
  plan: FleetPlan,
  input: SharingInput,
  specs: readonly PoolSpec[],
  problems: string[],
): void {
  const taken = new Map<string, Map<number, string>>();
  const portsOf = (host: string): Map<number, string> =>
    taken.get(host) ?? taken.set(host, new Map()).get(host)!;
  const shareUsers = new Map<string, Set<string>>();
  plan.pools.forEach((pool, i) => {
    const p = input.placements[i];
    if (!p) return;
    for (const g of p.gpuIndices ?? range(p.hostGpuCount)) {
      const key = `${p.host}#${g}`;
      (shareUsers.get(key) ?? shareUsers.set(key, new Set()).get(key)!).add(pool.name);
    }
  });
  // Pinned proxy ports first, so an automatic one never takes a port a pool asked for.
  plan.pools.forEach((pool, i) => {
    const p = input.placements[i];
    if (!p || input.pools[i]!.proxyPort === undefined) return;
    const used = portsOf(p.host);
    const other = used.get(pool.proxyPort);
    if (other !== undefined) {
      problems.push(
        `${at(i)}.proxyPort: port ${pool.proxyPort} of host ${p.host} is already pool ${other}'s proxy port`,
      );
    } else used.set(pool.proxyPort, `${pool.name} (proxy)`);
  });
  plan.pools.forEach((pool, i) => {
    const p = input.placements[i];
    if (!p) return;
    const used = portsOf(p.host);
    const hostGpus = p.gpuIndices ?? range(p.hostGpuCount);
    pool.replicas = pool.replicas.map((r) => {
      const gpus = r.gpus.map((g) => hostGpus[g]!);
      let port = FIRST_ENGINE_PORT + gpus[0]!;
      while (used.has(port)) port++;
      used.set(port, pool.name);
      return relaunch(r, pool, gpus, port, input, input.pools[i]!);
    });
    if (input.pools[i]!.proxyPort === undefined) {
      let proxy = DEFAULT_PROXY_PORT;
      while (used.has(proxy)) proxy++;
      used.set(proxy, `${pool.name} (proxy)`);
      pool.proxyPort = proxy;
    }
    const sharesWith = new Set<string>();
    for (const g of hostGpus)
      for (const name of shareUsers.get(`${p.host}#${g}`) ?? []) sharesWith.add(name);
    sharesWith.delete(pool.name);
    pool.placement = {
      host: p.host,
      gpuIndices: [...hostGpus],
      share: pool.replicas[0]?.gpuMemoryUtilization ?? specs[i]!.gpuMemoryUtilization ?? 0,
      sharesWith: [...sharesWith],
    };
  });
}

/** The same replica on other GPUs and another port: its launch built again by the planner. */
function relaunch(
  r: ReplicaPlan,
  pool: PoolPlan,
  gpus: number[],
  port: number,
  input: SharingInput,
  spec: PoolSpec,
): ReplicaPlan {
  if (port === r.port && gpus.every((g, k) => g === r.gpus[k])) return r;
  const model = findModel(r.model.id, input.models ?? []);
  if (!model) throw new Error(`planned model ${r.model.id} is in no catalog`);
  // A stack's own GPU (gpufleet:gpus) first, as the planner resolves it.
  const gpu = spec.gpuSpec ?? findGpu(pool.gpu.model);
  if (!gpu) throw new Error(`planned GPU ${pool.gpu.model} is in no catalog`);
  const launch = buildLaunch({
    engine: r.engine,
    task: pool.task,
    model,
    gpu,
    gpus,
    tensorParallel: r.tensorParallel,
    port,
    dtype: r.model.dtype,
    quantization: r.model.quantization,
    kvCacheDtype: r.kvCacheDtype,
    maxModelLen: r.maxModelLen,
    gpuMemoryUtilization: r.gpuMemoryUtilization,
    maxNumSeqs: r.maxNumSeqs,
    maxNumBatchedTokens: r.maxNumBatchedTokens,
    memory: r.memory,
    source: r.model.source,
    modelDir: input.modelDir ?? "/models",
  });
  return { ...r, gpus, port, args: launch.args, env: launch.env };
}
