// Ollama pools in the planner: a model named by its Ollama tag, the served names, several models on
// one instance (their memory together), and every impossible option refused naming its key.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findGpu } from "../../planner/catalog/gpus";
import { MODELS } from "../../planner/catalog/models";
import { PlanError, planFleet } from "../../planner/plan";
import type { GpuId, PoolSpec } from "../../planner/types";

const pool = (over: Partial<PoolSpec>): PoolSpec => ({
  name: "home",
  gpu: "RTX-4090",
  gpuCount: 1,
  count: 1,
  model: "qwen3:8b",
  engine: "auto",
  ...over,
});
const problems = (over: Partial<PoolSpec>): string[] => {
  try {
    planFleet({ stack: "t", pools: [pool(over)] });
  } catch (err) {
    if (err instanceof PlanError) return err.problems;
    throw err;
  }
  return [];
};
const TAGS = MODELS.flatMap((m) => (m.artifacts.ollama ? [m.artifacts.ollama.tag] : []));

describe("Ollama pools", () => {
  it.each([
    ["qwen3:8b", "auto", "qwen3:8b", "qwen3:8b"],
    ["QWEN3:8B", "ollama", "qwen3:8b", "qwen3:8b"],
    ["Qwen/Qwen3-8B", "ollama", "qwen3-8b", "qwen3:8b"],
    ["qwen3-8b", "ollama", "qwen3-8b", "qwen3:8b"],
  ] as const)("model %s, engine %s: served as %s, pulled as %s", (model, engine, served, tag) => {
    const r = planFleet({ stack: "t", pools: [pool({ model, engine })] }).pools[0]!.replicas[0]!;
    expect(r.engine).toBe("ollama");
    expect(r.model.servedName).toBe(served);
    expect(r.model.source).toBe(tag);
    expect(r.ollama?.models).toEqual([
      expect.objectContaining({ tag, servedName: served, id: "Qwen/Qwen3-8B" }),
    ]);
  });

  it.each([
    [{ engine: "vllm" as const }, /^gpufleet:pools\[0\]\.engine: "qwen3:8b" is an Ollama tag/],
    [
      { model: "qwen9:8b" },
      /^gpufleet:pools\[0\]\.model: unknown Ollama tag "qwen9:8b"; known tags: .*qwen3:8b/,
    ],
    [
      { model: "Qwen/Qwen3-8B", extraModels: ["qwen2.5:7b"] },
      /^gpufleet:pools\[0\]\.extraModels: only Ollama serves several models/,
    ],
    [
      { model: "auto", engine: "ollama" as const, extraModels: ["qwen2.5:7b"] },
      /^gpufleet:pools\[0\]\.extraModels: pin the pool's model/,
    ],
    [
      { extraModels: ["acme:1b"] },
      /^gpufleet:pools\[0\]\.extraModels\[0\]: unknown model "acme:1b"/,
    ],
    [
      { extraModels: ["qwen2.5:7b", "Vikhrmodels/QVikhr-3-4B-Instruction"] },
      /^gpufleet:pools\[0\]\.extraModels\[1\]: Vikhrmodels\/QVikhr-3-4B-Instruction has no Ollama tag/,
    ],
    [
      { extraModels: ["Qwen/Qwen3-8B"] },
      /^gpufleet:pools\[0\]\.extraModels\[0\]: Qwen\/Qwen3-8B is already served by this pool \(one name each\)/,
    ],
    [
      { extraModels: ["qwen3:8b"] },
      /^gpufleet:pools\[0\]\.extraModels\[0\]: Qwen\/Qwen3-8B is already served by this pool/,
    ],
    [
      { extraModels: ["llama3.3:70b"] },
      /^gpufleet:pools\[0\]\.extraModels: .*cannot run on 1 × RTX-4090/,
    ],
  ] as const)("%j exits 2 naming the key", (over, message) => {
    const p = problems(over as Partial<PoolSpec>);
    expect(p[0] ?? "").toMatch(message);
  });

  it("property: extra models are planned together within budget, all loaded, or refused naming extraModels", () => {
    let planned = 0;
    fc.assert(
      fc.property(
        fc.constantFrom<GpuId>("RTX-3060", "RTX-4090", "L4", "A10G", "L40S", "A100-80GB"),
        fc.uniqueArray(fc.constantFrom(...TAGS.filter((t) => t !== "qwen3:8b")), {
          minLength: 1,
          maxLength: 3,
        }),
        (gpu, extraModels) => {
          try {
            const r = planFleet({ stack: "t", pools: [pool({ gpu, extraModels })] }).pools[0]!
              .replicas[0]!;
            const m = r.memory;
            expect(
              m.weightsGiB + m.activationGiB + m.overheadGiB + m.kvCacheGiB,
            ).toBeLessThanOrEqual(r.gpuMemoryUtilization * findGpu(gpu)!.memoryGiB + 1e-9);
            expect(r.env.OLLAMA_MAX_LOADED_MODELS).toBe(String(1 + extraModels.length));
            expect(r.ollama!.models.map((x) => x.servedName)).toEqual(["qwen3:8b", ...extraModels]);
            expect(m.weightsGiB).toBeGreaterThanOrEqual(
              r.ollama!.models.reduce((s, x) => s + x.weightsGiB, 0) - 0.05,
            );
            planned++;
          } catch (err) {
            if (!(err instanceof PlanError)) throw err;
            expect(err.problems[0]).toMatch(/^gpufleet:pools\[0\]\.extraModels: /);
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(planned).toBeGreaterThan(0);
  });
});
