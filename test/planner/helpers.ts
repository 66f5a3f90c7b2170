// Shared by the planner's tests: plan one pool, read a PlanError's problems, and the invariants every
// plan must satisfy. A module of its own so that importing it runs no test.
import { expect } from "vitest";
import { ENGINES } from "../../planner/catalog/engines";
import { findGpu } from "../../planner/catalog/gpus";
import { findModel } from "../../planner/catalog/models";
import { isEncoderOnly } from "../../planner/memory";
import { PlanError, planFleet } from "../../planner/plan";
import type { PoolPlan, PoolSpec } from "../../planner/types";

export type PoolInput = Partial<PoolSpec> &
  ({ instanceType: string } | { gpu: PoolSpec["gpu"]; gpuCount: number });

export function planOne(spec: PoolInput): PoolPlan {
  const plan = planFleet({
    stack: "test",
    pools: [{ name: "p", count: 1, model: "auto", engine: "auto", ...spec }],
  });
  const pool = plan.pools[0];
  if (!pool) throw new Error("no pool planned");
  return pool;
}

export function problemsOf(spec: PoolInput): string[] {
  try {
    planOne(spec);
  } catch (err) {
    if (err instanceof PlanError) return err.problems;
    throw err;
  }
  throw new Error(`expected a PlanError for ${JSON.stringify(spec)}`);
}

/** The invariants every plan must satisfy (DESIGN.md, "The planner"). */
export function checkInvariants(pool: PoolPlan): void {
  // Catalog GPUs by id; a stack-defined one (gpufleet:gpus) by the figures the plan carries.
  const gpu = findGpu(pool.gpu.model) ?? pool.gpu;
  const seenGpus = new Set<number>();
  const seenPorts = new Set<number>([pool.proxyPort]);
  for (const r of pool.replicas) {
    const m = r.memory;
    expect(m.weightsGiB + m.activationGiB + m.overheadGiB + m.kvCacheGiB).toBeLessThanOrEqual(
      r.gpuMemoryUtilization * gpu.memoryGiB + 1e-9,
    );
    const model0 = findModel(r.model.id);
    if (pool.task !== "chat" && model0 && isEncoderOnly(model0.arch)) {
      // Encoder-only pooling models keep no KV cache.
      expect(m.kvCacheGiB).toBe(0);
      expect(m.kvTokens).toBe(0);
      expect(r.maxNumBatchedTokens).toBeGreaterThanOrEqual(r.maxModelLen);
    } else {
      expect(m.kvCacheGiB).toBeGreaterThan(0);
      expect(m.kvTokens).toBeGreaterThanOrEqual(r.maxModelLen);
    }
    const model = findModel(r.model.id);
    if (model) expect(r.maxModelLen).toBeLessThanOrEqual(model.arch.max_position_embeddings);
    if (Number(gpu.computeCapability) < 8) {
      expect(r.model.dtype).not.toBe("bfloat16");
      expect(r.kvCacheDtype === "fp8").toBe(false);
      expect(r.model.quantization === "fp8").toBe(false);
    }
    expect(pool.gpu.count % r.tensorParallel).toBe(0);
    if (model) expect(model.arch.num_key_value_heads % r.tensorParallel).toBe(0);
    expect(r.gpus).toHaveLength(r.tensorParallel);
    for (const g of r.gpus) {
      expect(g).toBeLessThan(pool.gpu.count);
      expect(seenGpus.has(g)).toBe(false);
      seenGpus.add(g);
    }
    expect(seenPorts.has(r.port)).toBe(false);
    seenPorts.add(r.port);
    expect(r.port).toBe(8000 + (r.gpus[0] ?? 0));
    for (const a of r.args) expect(a).not.toMatch(/undefined|NaN|\[object/);
    // The engine facts the renderers read come from the engine catalog, once.
    const engine = ENGINES[r.engine];
    expect(r.weightsFormat).toBe(engine.weights);
    expect(r.apiKey).toEqual(engine.apiKey);
    expect(r.needsIpcHost).toBe(engine.ipcHost === "always" || r.tensorParallel > 1);
    if (r.memoryFraction) {
      const { flag, value, kind } = r.memoryFraction;
      expect([flag, kind]).toEqual([engine.memoryKnob.name, engine.memoryKnob.kind]);
      expect(r.args[r.args.indexOf(flag) + 1]).toBe(value);
      expect(r.memoryKnob).toBe(`${flag} ${value}`);
      expect(Number(value)).toBeGreaterThan(0);
      expect(Number(value)).toBeLessThan(1);
    } else {
      expect(engine.memoryKnob.kind).toBe("tokens");
    }
    expect(r.reasons.map((x) => x.field)).toEqual(
      expect.arrayContaining([
        "model",
        "engine",
        "maxModelLen",
        "gpuMemoryUtilization",
        "kvCacheDtype",
        "quantization",
        "tensorParallel",
      ]),
    );
  }
}
