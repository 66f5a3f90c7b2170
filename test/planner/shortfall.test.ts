// A pinned maxModelLen whose planned KV cache falls short by less than the memory model's measured
// uncertainty (KV_UNCERTAINTY, from `npm run calibrate`) is planned with a warning; by more, it is
// refused naming the key. Nothing else changes: unpinned contexts never use the grace.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KV_UNCERTAINTY } from "../../planner/fit";
import { PlanError, planFleet } from "../../planner/plan";
import type { PoolSpec } from "../../planner/types";

const base: PoolSpec = {
  name: "home",
  gpu: "RTX-4090",
  gpuCount: 1,
  count: 1,
  model: "meta-llama/Llama-3.1-8B-Instruct",
  engine: "vllm",
  quantization: "none",
  kvCacheDtype: "auto",
  gpuMemoryUtilization: 0.9,
  maxNumSeqs: 16,
  minConcurrency: 1,
};

const plan = (over: Partial<PoolSpec>) => planFleet({ stack: "t", pools: [{ ...base, ...over }] });

/** The KV tokens the plan holds for this pool (independent of the pinned length: no sliding layers). */
const capacity = plan({ maxModelLen: 4096 }).pools[0]!.replicas[0]!.memory.kvTokens;
const shortWarning =
  /falls short of what it must hold by [\d.]+ %, less than the memory model's measured uncertainty/;

describe("a pinned context within the model's uncertainty", () => {
  it("the capacity is what the pins leave (Llama-3.1-8B bf16 on a 24 GiB card: ~5 GiB of KV)", () => {
    expect(capacity).toBeGreaterThan(20_000);
    expect(capacity).toBeLessThan(60_000);
  });

  it.each([
    // share of the capacity the pin asks for → planned with a warning, or refused
    [0.9, "planned"],
    [1.0, "planned"],
    [1.01, "warned"],
    [1 / (1 - KV_UNCERTAINTY) - 0.005, "warned"],
    [1 / (1 - KV_UNCERTAINTY) + 0.005, "refused"],
    [1.25, "refused"],
  ] as const)("asks %f × capacity: %s", (share, outcome) => {
    const maxModelLen = Math.floor(capacity * share);
    if (outcome === "refused") {
      try {
        plan({ maxModelLen });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(PlanError);
        expect((err as PlanError).problems[0]).toMatch(/^gpufleet:pools\[0\]\.kvCacheDtype: /);
        expect((err as PlanError).problems[0]).toMatch(/fewer than 1 × /);
      }
      return;
    }
    const r = plan({ maxModelLen }).pools[0]!.replicas[0]!;
    expect(r.maxModelLen).toBe(maxModelLen);
    expect(r.memory.kvTokens).toBe(capacity);
    const warned = r.warnings.some((w) => shortWarning.test(w));
    expect(warned).toBe(outcome === "warned");
  });

  it("llama.cpp allocates exactly context × slots: no grace, the short pin is refused", () => {
    const gguf = { engine: "llamacpp" as const, quantization: "gguf-q4_k_m" as const };
    const cap = plan({ ...gguf, maxModelLen: 4096, maxNumSeqs: 1 });
    expect(cap.pools[0]!.replicas[0]!.memory.kvTokens).toBe(4096);
    // The most a single slot can hold, found by growing the pin until it no longer fits.
    let len = 4096;
    while (len < 131072) {
      try {
        plan({ ...gguf, maxModelLen: len * 2, maxNumSeqs: 1 });
        len *= 2;
      } catch {
        break;
      }
    }
    expect(() => plan({ ...gguf, maxModelLen: Math.min(131072, len * 2), maxNumSeqs: 1 })).toThrow(
      PlanError,
    );
  });

  it("property: a pin is planned exactly as pinned (warned only when short, by less than the uncertainty) or refused by name", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4096, max: Math.floor(capacity * 1.3) }),
        fc.constantFrom<PoolSpec["engine"]>("vllm", "sglang", "auto"),
        (maxModelLen, engine) => {
          try {
            const r = plan({ maxModelLen, engine }).pools[0]!.replicas[0]!;
            expect(r.maxModelLen).toBe(maxModelLen);
            const short = 1 - r.memory.kvTokens / maxModelLen;
            const warned = r.warnings.some((w) => shortWarning.test(w));
            expect(warned).toBe(short > 0);
            expect(short).toBeLessThan(KV_UNCERTAINTY);
            const m = r.memory;
            // The budget still holds: the grace never books memory the GPU lacks.
            expect(
              m.weightsGiB + m.activationGiB + m.overheadGiB + m.kvCacheGiB,
            ).toBeLessThanOrEqual(r.gpuMemoryUtilization * 23.53 + 1e-9);
          } catch (err) {
            if (!(err instanceof PlanError)) throw err;
            expect(err.problems[0]).toMatch(
              /^gpufleet:pools\[0\]\.(kvCacheDtype|engine|maxModelLen): /,
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
