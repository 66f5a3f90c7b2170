// Speculative decoding as a pool option: n-gram, a draft model, EAGLE heads — the engine flags of
// the pinned releases, the drafter's weights and KV cache inside the memory plan, the expected
// effect with its source, and every impossible option refused naming its key.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runCli, type CliRun } from "../cli/harness";
import { poolSchema } from "../../config";
import { findGpu } from "../../planner/catalog/gpus";
import { findModel } from "../../planner/catalog/models";
import { planFleetMultiNode } from "../../planner/multinode";
import { PlanError, planFleet } from "../../planner/plan";
import { GiB, kvBytesPerLayerToken, weightBytes } from "../../planner/memory";
import {
  DRAFTER_RESERVE_GIB,
  SPECULATIVE_EFFECTS,
  eagleHeadParams,
} from "../../planner/speculative";
import type { EngineId, FleetPlan, GpuId, PoolSpec, SpeculativeSpec } from "../../planner/types";

const LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct";
const LLAMA_1B = "meta-llama/Llama-3.2-1B-Instruct";
const QWEN3_8B = "Qwen/Qwen3-8B";
// EAGLE heads published for these models: the repos vLLM's examples/offline_inference/spec_decode.py
// and SGLang launch lines name (public code, checked 2026-12-01; Tengyunw/qwen3_8b_eagle3 ~0.8 GB).
const EAGLE3_LLAMA = "yuhuili/EAGLE3-LLaMA3.1-Instruct-8B";
const EAGLE_LLAMA = "yuhuili/EAGLE-LLaMA3.1-Instruct-8B";
const EAGLE3_QWEN3 = "Tengyunw/qwen3_8b_eagle3";

const pool = (over: Partial<PoolSpec>): PoolSpec => ({
  name: "spec",
  gpu: "L40S",
  gpuCount: 1,
  count: 1,
  model: LLAMA_8B,
  engine: "vllm",
  quantization: "none",
  kvCacheDtype: "auto",
  maxModelLen: 8192,
  maxNumSeqs: 32,
  ...over,
});
const replica = (over: Partial<PoolSpec>) =>
  planFleet({ stack: "t", pools: [pool(over)] }).pools[0]!.replicas[0]!;
const problems = (over: Partial<PoolSpec>): string[] => {
  try {
    planFleetMultiNode({ stack: "t", pools: [pool(over)] });
  } catch (err) {
    if (err instanceof PlanError) return err.problems;
    throw err;
  }
  return [];
};

describe("speculative decoding: engine flags of the pinned releases", () => {
  it.each([
    [
      "vllm",
      { method: "ngram" },
      [
        "--speculative-config",
        '{"method":"ngram","num_speculative_tokens":5,"prompt_lookup_max":4}',
      ],
    ],
    [
      "vllm",
      { method: "draft", model: LLAMA_1B, tokens: 4 },
      [
        "--speculative-config",
        `{"method":"draft_model","model":"${LLAMA_1B}","num_speculative_tokens":4}`,
      ],
    ],
    [
      "vllm",
      { method: "eagle3", model: EAGLE3_LLAMA },
      [
        "--speculative-config",
        `{"method":"eagle3","model":"${EAGLE3_LLAMA}","num_speculative_tokens":3}`,
      ],
    ],
    [
      "sglang",
      { method: "ngram", tokens: 8 },
      ["--speculative-algorithm", "NGRAM", "--speculative-num-draft-tokens", "8"],
    ],
    [
      "sglang",
      { method: "draft", model: LLAMA_1B },
      [
        "--speculative-algorithm",
        "STANDALONE",
        "--speculative-draft-model-path",
        LLAMA_1B,
        "--speculative-num-steps",
        "3",
        "--speculative-eagle-topk",
        "1",
        "--speculative-num-draft-tokens",
        "4",
      ],
    ],
    [
      "sglang",
      { method: "eagle", model: EAGLE_LLAMA },
      [
        "--speculative-algorithm",
        "EAGLE",
        "--speculative-draft-model-path",
        EAGLE_LLAMA,
        "--speculative-num-steps",
        "3",
        "--speculative-eagle-topk",
        "1",
        "--speculative-num-draft-tokens",
        "4",
      ],
    ],
  ] as const)("%s %j → %j", (engine, spec, flags) => {
    const r = replica({ engine, speculative: spec as SpeculativeSpec });
    const at = r.args.indexOf(flags[0]);
    expect(at).toBeGreaterThan(0);
    expect(r.args.slice(at, at + flags.length)).toEqual(flags);
    if (engine === "vllm") expect(() => JSON.parse(r.args[at + 1]!)).not.toThrow();
    expect(r.speculative?.method).toBe(spec.method);
    const why = r.reasons.find((x) => x.field === "speculative")?.why ?? "";
    const effect = SPECULATIVE_EFFECTS[spec.method];
    expect(why).toContain(`×${effect.low}–×${effect.high}`);
    expect(why).toContain(effect.source);
    expect(r.speculative?.expectedSpeedup).toEqual(effect);
  });
});

describe("speculative decoding: the drafter's memory is in the plan", () => {
  const plain = replica({});
  const dtype = plain.model.dtype;
  const llama8 = findModel(LLAMA_8B)!;

  it.each([
    ["ngram", { method: "ngram" }, 0, 0, 0],
    [
      "draft Llama-3.2-1B",
      { method: "draft", model: LLAMA_1B },
      weightBytes(findModel(LLAMA_1B)!, "none", dtype),
      kvBytesPerLayerToken(findModel(LLAMA_1B)!.arch, "auto", dtype, 1) * 16,
      DRAFTER_RESERVE_GIB,
    ],
    [
      "EAGLE-3 heads",
      { method: "eagle3", model: EAGLE3_LLAMA },
      eagleHeadParams(llama8, "eagle3") * 2,
      kvBytesPerLayerToken(llama8.arch, "auto", dtype, 1),
      DRAFTER_RESERVE_GIB,
    ],
  ] as const)(
    "%s: weights, KV per token and reserve added",
    (_n, spec, wBytes, kvBytes, reserve) => {
      const r = replica({ speculative: spec as SpeculativeSpec });
      const gpu = findGpu("L40S")!;
      expect(r.memory.weightsGiB - plain.memory.weightsGiB).toBeCloseTo(wBytes / GiB, 1);
      expect(r.memory.kvBytesPerToken - plain.memory.kvBytesPerToken).toBe(Math.round(kvBytes));
      expect(r.memory.overheadGiB - plain.memory.overheadGiB).toBeCloseTo(reserve, 2);
      const m = r.memory;
      expect(m.weightsGiB + m.activationGiB + m.overheadGiB + m.kvCacheGiB).toBeLessThanOrEqual(
        r.gpuMemoryUtilization * gpu.memoryGiB + 1e-9,
      );
      // Tokens follow from the smaller cache and the larger bytes per token.
      expect(r.memory.kvTokens).toBeLessThanOrEqual(plain.memory.kvTokens);
      expect(r.memory.kvTokens).toBe(Math.floor((m.kvCacheGiB * GiB) / m.kvBytesPerToken));
      if (spec.method !== "ngram") {
        expect(r.speculative?.draft?.weightsGiB).toBeCloseTo(wBytes / GiB, 1);
        expect(r.speculative?.draft?.kvBytesPerToken).toBe(Math.round(kvBytes));
      } else expect(r.speculative?.draft).toBeNull();
    },
  );

  it("EAGLE heads are counted at least as large as a published checkpoint (an upper bound)", () => {
    // yuhuili/EAGLE3-LLaMA3.1-Instruct-8B: pytorch_model.bin ~850 MB of bf16 (checked 2026-12-01).
    expect(eagleHeadParams(llama8, "eagle3") * 2).toBeGreaterThan(0.85e9);
    expect(eagleHeadParams(llama8, "eagle3")).toBeGreaterThan(eagleHeadParams(llama8, "eagle"));
  });

  it("a drafter that does not fit beside the model is refused naming speculative", () => {
    // Qwen3-8B bf16 fills a 24 GiB card; a Qwen3-4B-sized draft cannot join it.
    const p = problems({
      gpu: "L4",
      model: QWEN3_8B,
      quantization: "none",
      speculative: { method: "draft", model: "Vikhrmodels/QVikhr-3-4B-Instruction" },
    });
    expect(p[0]).toMatch(/^gpufleet:pools\[0\]\.speculative: .*speculative draft/);
  });
});

describe("speculative decoding: impossible options exit 2 naming the key", () => {
  it.each([
    [
      { engine: "lmdeploy" as EngineId, speculative: { method: "ngram" } },
      /^gpufleet:pools\[0\]\.speculative: .*lmdeploy is not offered speculative decoding/,
    ],
    [
      {
        engine: "llamacpp" as EngineId,
        quantization: undefined,
        speculative: { method: "eagle3", model: EAGLE3_LLAMA },
      },
      /^gpufleet:pools\[0\]\.speculative: /,
    ],
    [
      { speculative: { method: "draft", model: "Qwen/Qwen2.5-0.5B-Instruct" } },
      /^gpufleet:pools\[0\]\.speculative\.model: .*vocabulary of 151936/,
    ],
    [
      { speculative: { method: "draft", model: "acme/unknown-draft" } },
      /^gpufleet:pools\[0\]\.speculative\.model: unknown draft model/,
    ],
    [
      { speculative: { method: "draft", model: LLAMA_8B } },
      /^gpufleet:pools\[0\]\.speculative\.model: the draft is the served model itself/,
    ],
    [
      { model: LLAMA_1B, speculative: { method: "draft", model: LLAMA_8B } },
      /^gpufleet:pools\[0\]\.speculative\.model: .* is not smaller/,
    ],
    [
      { speculative: { method: "eagle3" } },
      /^gpufleet:pools\[0\]\.speculative\.model: required for method eagle3/,
    ],
    [
      { speculative: { method: "ngram", model: LLAMA_1B } },
      /^gpufleet:pools\[0\]\.speculative\.model: n-gram speculation uses no model/,
    ],
    [
      { speculative: { method: "draft", model: LLAMA_1B, promptLookupMax: 3 } },
      /^gpufleet:pools\[0\]\.speculative\.promptLookupMax: only for method ngram/,
    ],
    [
      {
        model: "auto",
        maxModelLen: undefined,
        speculative: { method: "eagle3", model: EAGLE3_LLAMA },
      },
      /^gpufleet:pools\[0\]\.speculative\.method: eagle3 drafts for one served model/,
    ],
    // The draft runs at the served model's TP: 4 does not split Qwen2.5-1.5B's 2 KV heads.
    [
      {
        gpu: "L4" as GpuId,
        gpuCount: 4,
        tensorParallel: 4,
        model: "Qwen/Qwen3-32B",
        speculative: { method: "draft", model: "Qwen/Qwen2.5-1.5B-Instruct" },
      },
      /^gpufleet:pools\[0\]\.speculative: .*does not divide its 2 KV heads/,
    ],
  ] as const)("%j", (over, message) => {
    const p = problems(over as Partial<PoolSpec>);
    expect(p.length).toBeGreaterThan(0);
    expect(p[0]).toMatch(message);
  });

  it("a model spread over nodes (pipeline parallel) cannot speculate in vLLM", () => {
    // Llama-3.1-70B bf16 fits no single node of 2 × L4: the multi-node layout would need PP.
    const p = problems({
      gpu: "L4",
      gpuCount: 2,
      model: "meta-llama/Llama-3.1-70B-Instruct",
      speculative: { method: "ngram" },
      maxModelLen: 4096,
    });
    expect(p.at(-1)).toMatch(/speculative decoding does not run with pipeline parallelism/);
  });

  it.each([
    [{ method: "medusa" }, /method/],
    [{ method: "ngram", tokens: 0 }, /tokens/],
    [{ method: "ngram", tokens: 17 }, /tokens/],
    [{ method: "draft", model: "a b" }, /model/],
    [{ method: "ngram", extra: 1 }, /extra|unrecognized/i],
  ])("schema refuses %j", (speculative, key) => {
    const r = poolSchema.safeParse({ name: "p", gpu: "L4", gpuCount: 1, speculative });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => [...i.path, i.message].join("."));
    expect(paths.some((p) => p.startsWith("speculative") && key.test(p))).toBe(true);
  });

  it("schema refuses speculative on an embedding pool", () => {
    const r = poolSchema.safeParse({
      name: "p",
      gpu: "L4",
      gpuCount: 1,
      task: "embedding",
      speculative: { method: "ngram" },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(["speculative"]);
  });
});

describe("speculative decoding: property", () => {
  it("every option is planned within budget with its engine's flag, or refused naming speculative", () => {
    const seen = { planned: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.constantFrom<GpuId>("T4", "L4", "A10G", "L40S", "RTX-4090", "RTX-3060", "H100"),
        fc.constantFrom<EngineId | "auto">("auto", "vllm", "sglang", "lmdeploy"),
        fc.constantFrom<SpeculativeSpec>(
          { method: "ngram" },
          { method: "draft", model: LLAMA_1B },
          { method: "eagle", model: EAGLE_LLAMA },
          { method: "eagle3", model: EAGLE3_LLAMA, tokens: 2 },
        ),
        fc.integer({ min: 1, max: 2 }),
        (gpu, engine, speculative, gpuCount) => {
          const over: Partial<PoolSpec> = {
            gpu,
            gpuCount,
            engine,
            speculative,
            quantization: undefined,
            kvCacheDtype: undefined,
            maxModelLen: undefined,
            maxNumSeqs: undefined,
          };
          try {
            const plan = planFleet({ stack: "t", pools: [pool(over)] });
            const g = findGpu(gpu)!;
            for (const r of plan.pools[0]!.replicas) {
              const m = r.memory;
              expect(
                m.weightsGiB + m.activationGiB + m.overheadGiB + m.kvCacheGiB,
              ).toBeLessThanOrEqual(r.gpuMemoryUtilization * g.memoryGiB + 1e-9);
              expect(["vllm", "sglang"]).toContain(r.engine);
              expect(r.speculative?.method).toBe(speculative.method);
              const flag = r.engine === "vllm" ? "--speculative-config" : "--speculative-algorithm";
              expect(r.args.filter((a) => a === flag)).toHaveLength(1);
            }
            seen.planned++;
          } catch (err) {
            if (!(err instanceof PlanError)) throw err;
            expect(err.problems[0]).toMatch(/^gpufleet:pools\[0\]\.speculative[.:]/);
            seen.refused++;
          }
        },
      ),
      { numRuns: 80 },
    );
    // Both outcomes occur (lmdeploy is always refused; vLLM on an L40S always plans).
    expect(seen.planned).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });
});

describe("speculative decoding through the CLI", () => {
  const stack = (speculative: string): string => {
    const dir = mkdtempSync(path.join(tmpdir(), "gpufleet-spec-"));
    const file = path.join(dir, "Pulumi.t.yaml");
    writeFileSync(
      file,
      `config:\n  aws:region: us-east-1\n  gpufleet:loadBalancer: {adminRoutes: private}\n  gpufleet:pools:\n    - name: a\n      instanceType: g6e.xlarge\n      model: ${QWEN3_8B}\n      engine: vllm\n      speculative: ${speculative}\n`,
    );
    return file;
  };
  const run = (file: string, ...more: string[]): Promise<CliRun> =>
    runCli(["plan", "--config", file, ...more]);

  it("plans an EAGLE-3 pool and shows the expected effect with its source", async () => {
    const r = await run(stack(`{ method: eagle3, model: ${EAGLE3_QWEN3} }`), "--format", "json");
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out) as FleetPlan;
    expect(plan.pools[0]!.replicas[0]!.speculative).toMatchObject({
      method: "eagle3",
      engineMethod: "eagle3",
      draft: { source: EAGLE3_QWEN3 },
      expectedSpeedup: SPECULATIVE_EFFECTS.eagle3,
    });
    const table = await run(stack(`{ method: eagle3, model: ${EAGLE3_QWEN3} }`));
    expect(table.out).toMatch(/why speculative: eagle3 \(eagle3, 3 tokens per step/);
  });

  it("exits 2 naming the key when the engine cannot run it", async () => {
    const bad = stack(`{ method: draft, model: ${LLAMA_1B} }`);
    const r = await run(bad);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^gpufleet:pools\[0\]\.speculative\.model: /m);
    const schema = await run(stack("{ method: medusa }"));
    expect(schema.code).toBe(2);
    expect(schema.err).toMatch(/^gpufleet:pools\[0\]\.speculative\.method: /m);
  });
});

describe("speculative decoding and the pinned release", () => {
  it.each([
    [
      "vllm",
      "0.9.2",
      /vllm 0\.9\.2 predates the speculative flags gpufleet emits \(vllm ≥ 0\.15\.1\)/,
    ],
    [
      "sglang",
      "0.5.9",
      /sglang 0\.5\.9 predates the speculative flags gpufleet emits \(sglang ≥ 0\.5\.19\)/,
    ],
  ] as const)("%s %s: refused naming speculative", (engine, engineVersion, message) => {
    const p = problems({ engine, engineVersion, speculative: { method: "ngram" } });
    expect(p[0]).toMatch(/^gpufleet:pools\[0\]\.speculative: /);
    expect(p[0]).toMatch(message);
  });

  it.each([
    ["vllm", "0.15.1"],
    ["sglang", "0.5.19"],
  ] as const)("%s %s: planned with the flag", (engine, engineVersion) => {
    const r = replica({ engine, engineVersion, speculative: { method: "ngram" } });
    expect(r.speculative?.method).toBe("ngram");
  });

  it("a speculative flag in extraArgs is refused in favour of the speculative key", () => {
    const p = problems({ extraArgs: ["--speculative-config", '{"method":"ngram"}'] });
    expect(p.join("\n")).toMatch(/speculative/);
  });
});
