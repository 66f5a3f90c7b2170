// Property tests: every plan the planner returns, for any catalog GPU × model × engine × pins, fits
// and
// honours its pins; anything it cannot plan is a PlanError naming a config key, never a crash or a
// plan.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MODELS } from "../../planner/catalog/models";
import { PlanError, planFleet } from "../../planner/plan";
import { fp8KvHazard } from "../../planner/policy";
import {
  ENGINE_IDS,
  GPU_IDS,
  KV_CACHE_DTYPES,
  QUANTIZATIONS,
  type PoolSpec,
} from "../../planner/types";
import { checkInvariants } from "./helpers";

const poolArb: fc.Arbitrary<PoolSpec> = fc.record(
  {
    name: fc.constant("p"),
    gpu: fc.constantFrom(...GPU_IDS),
    gpuCount: fc.constantFrom(1, 2, 4, 8),
    count: fc.constant(1),
    model: fc.constantFrom("auto", ...MODELS.map((m) => m.id)),
    engine: fc.constantFrom("auto" as const, ...ENGINE_IDS),
    maxModelLen: fc.option(fc.constantFrom(2048, 4096, 8192, 16384, 32768, 131072), {
      nil: undefined,
    }),
    gpuMemoryUtilization: fc.option(fc.double({ min: 0.5, max: 0.95, noNaN: true }), {
      nil: undefined,
    }),
    kvCacheDtype: fc.option(fc.constantFrom(...KV_CACHE_DTYPES), { nil: undefined }),
    quantization: fc.option(fc.constantFrom(...QUANTIZATIONS), { nil: undefined }),
    tensorParallel: fc.option(fc.constantFrom(1, 2, 4, 8), { nil: undefined }),
    maxNumSeqs: fc.option(fc.integer({ min: 1, max: 512 }), { nil: undefined }),
    minConcurrency: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
  },
  { requiredKeys: ["name", "gpu", "gpuCount", "count", "model", "engine"] },
);

describe("planner properties (fast-check)", () => {
  it("every returned plan fits, respects the GPU generation and honours every pin; the rest are PlanErrors", () => {
    let planned = 0;
    let refused = 0;
    let hazardPins = 0;
    fc.assert(
      fc.property(poolArb, (pool) => {
        let plan;
        try {
          plan = planFleet({ stack: "prop", pools: [pool] });
        } catch (err) {
          expect(err).toBeInstanceOf(PlanError);
          for (const p of (err as PlanError).problems) expect(p).toMatch(/^gpufleet:pools\[0\]/);
          refused++;
          return;
        }
        planned++;
        const p = plan.pools[0]!;
        checkInvariants(p);
        for (const r of p.replicas) {
          if (pool.engine !== "auto") expect(r.engine).toBe(pool.engine);
          if (pool.model !== "auto") expect(r.model.id).toBe(pool.model);
          if (pool.maxModelLen !== undefined) expect(r.maxModelLen).toBe(pool.maxModelLen);
          if (pool.kvCacheDtype !== undefined) expect(r.kvCacheDtype).toBe(pool.kvCacheDtype);
          // fp8 KV is never chosen for a model it breaks; a pin says so in the plan.
          const hazard = fp8KvHazard(MODELS.find((m) => m.id === r.model.id)!);
          if (hazard && r.kvCacheDtype === "fp8") {
            expect(pool.kvCacheDtype).toBe("fp8");
            expect(r.warnings.some((w) => w.includes(hazard))).toBe(true);
            hazardPins++;
          }
          if (pool.quantization !== undefined) expect(r.model.quantization).toBe(pool.quantization);
          if (pool.tensorParallel !== undefined) expect(r.tensorParallel).toBe(pool.tensorParallel);
          if (pool.gpuMemoryUtilization !== undefined)
            expect(r.gpuMemoryUtilization).toBe(pool.gpuMemoryUtilization);
          if (pool.maxNumSeqs !== undefined && r.engine !== "llamacpp" && r.engine !== "ollama") {
            expect(r.maxNumSeqs).toBe(pool.maxNumSeqs);
          }
          expect(r.memory.kvTokens).toBeGreaterThanOrEqual(
            r.maxModelLen * Math.min(pool.minConcurrency ?? 2, r.concurrency),
          );
        }
      }),
      { numRuns: 1500, seed: 20261121 },
    );
    // The generator must exercise both outcomes, or the property says little.
    expect(planned).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
    expect(hazardPins).toBeGreaterThan(0);
  });

  it("auto pools on every catalog GPU and GPU count either plan or explain, and plans use the whole host", () => {
    for (const gpu of GPU_IDS) {
      for (const gpuCount of [1, 2, 4, 8]) {
        let plan;
        try {
          plan = planFleet({
            stack: "t",
            pools: [{ name: "p", gpu, gpuCount, count: 1, model: "auto", engine: "auto" }],
          });
        } catch (err) {
          expect(err).toBeInstanceOf(PlanError);
          continue;
        }
        const p = plan.pools[0]!;
        checkInvariants(p);
        const used = p.replicas.flatMap((r) => r.gpus).sort((a, b) => a - b);
        expect(used).toEqual(Array.from({ length: gpuCount }, (_, i) => i));
      }
    }
  });

  it("every catalog GPU gets an auto plan on one GPU (nothing in the catalog is unusable)", () => {
    const failures: string[] = [];
    for (const gpu of GPU_IDS) {
      try {
        planFleet({
          stack: "t",
          pools: [{ name: "p", gpu, gpuCount: 1, count: 1, model: "auto", engine: "auto" }],
        });
      } catch (err) {
        failures.push(`${gpu}: ${(err as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
