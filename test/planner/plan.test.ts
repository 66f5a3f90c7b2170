import { describe, expect, it } from "vitest";
import { MODELS } from "../../planner/catalog/models";
import { PlanError, planFleet } from "../../planner/plan";
import { fp8KvHazard } from "../../planner/policy";
import type { PoolPlan, ReplicaPlan } from "../../planner/types";
import { checkInvariants, planOne, problemsOf } from "./helpers";

const summary = (r: ReplicaPlan) => ({
  model: r.model.id,
  engine: r.engine,
  quantization: r.model.quantization,
  tp: r.tensorParallel,
});

describe("AWS instance types (table)", () => {
  it.each([
    // instance, replicas, model, engine, quantization, dtype, kv
    [
      "g4dn.xlarge",
      1,
      "Vikhrmodels/QVikhr-3-8B-Instruction",
      "vllm",
      "bitsandbytes",
      "float16",
      "auto",
    ],
    ["g5.xlarge", 1, "IlyaGusev/saiga_nemo_12b", "sglang", "fp8", "bfloat16", "auto"],
    ["g5.2xlarge", 1, "IlyaGusev/saiga_nemo_12b", "sglang", "fp8", "bfloat16", "auto"],
    ["g5.12xlarge", 4, "IlyaGusev/saiga_nemo_12b", "sglang", "fp8", "bfloat16", "auto"],
    ["g6.xlarge", 1, "IlyaGusev/saiga_nemo_12b", "sglang", "fp8", "bfloat16", "fp8"],
    ["g6e.xlarge", 1, "Qwen/Qwen3-32B", "vllm", "fp8", "bfloat16", "fp8"],
    ["p4d.24xlarge", 8, "IlyaGusev/saiga_nemo_12b", "vllm", "none", "bfloat16", "auto"],
    ["p5.48xlarge", 8, "Qwen/Qwen2.5-72B-Instruct", "vllm", "awq", "bfloat16", "auto"],
  ] as const)(
    "%s → %i × %s on %s (%s, %s, kv %s)",
    (instanceType, replicas, model, engine, quant, dtype, kv) => {
      const pool = planOne({ instanceType });
      checkInvariants(pool);
      expect(pool.replicas).toHaveLength(replicas);
      for (const r of pool.replicas) {
        expect(summary(r)).toEqual({ model, engine, quantization: quant, tp: 1 });
        expect(r.model.dtype).toBe(dtype);
        expect(r.kvCacheDtype).toBe(kv);
        expect(r.maxModelLen).toBeGreaterThanOrEqual(8192);
        expect(r.concurrency).toBeGreaterThanOrEqual(2);
      }
      expect(pool.replicas.map((r) => r.port)).toEqual(
        Array.from({ length: replicas }, (_, i) => 8000 + i),
      );
      expect(pool.costPerHour).toBeGreaterThan(0);
      expect(pool.vcpuQuota?.quota).toBe(instanceType.startsWith("p") ? "P" : "G and VT");
    },
  );

  it("prices the dev fleet from the catalog", () => {
    const plan = planFleet({
      stack: "dev",
      pools: [
        { name: "a", instanceType: "g5.2xlarge", count: 2, model: "auto", engine: "auto" },
        { name: "b", instanceType: "p4d.24xlarge", count: 1, model: "auto", engine: "auto" },
      ],
    });
    const [a, b] = plan.pools;
    expect(plan.costPerHour).toBeCloseTo((a?.costPerHour ?? 0) + (b?.costPerHour ?? 0), 3);
    expect(a?.vcpuQuota?.vcpus).toBe(16);
  });
});

describe("seed 000's own examples", () => {
  it("RTX A4000 16 GB: QVikhr-3-8B-Instruction on vLLM in fp8 with a 16384 context (seed's plan, one sequence)", () => {
    const pool = planOne({ gpu: "RTX-A4000", gpuCount: 1, minConcurrency: 1 });
    checkInvariants(pool);
    expect(pool.category).toBe("16gb");
    const r = pool.replicas[0]!;
    expect(summary(r)).toEqual({
      model: "Vikhrmodels/QVikhr-3-8B-Instruction",
      engine: "vllm",
      quantization: "fp8",
      tp: 1,
    });
    expect(r.maxModelLen).toBe(16384);
    expect(r.port).toBe(8000);
  });

  it("RTX A5000 24 GB: saiga_nemo_12b in fp8 with a 16384 context; SGLang by the 24gb rule, vLLM when pinned", () => {
    const auto = planOne({ gpu: "RTX-A5000", gpuCount: 1 });
    checkInvariants(auto);
    expect(auto.category).toBe("24gb");
    expect(summary(auto.replicas[0]!)).toEqual({
      model: "IlyaGusev/saiga_nemo_12b",
      engine: "sglang",
      quantization: "fp8",
      tp: 1,
    });
    const vllm = planOne({ gpu: "RTX-A5000", gpuCount: 1, engine: "vllm" });
    const r = vllm.replicas[0]!;
    expect(summary(r)).toEqual({
      model: "IlyaGusev/saiga_nemo_12b",
      engine: "vllm",
      quantization: "fp8",
      tp: 1,
    });
    expect(r.maxModelLen).toBe(16384);
    expect(r.gpuMemoryUtilization).toBeGreaterThanOrEqual(0.9);
  });

  it("Pascal (GTX 1080) falls back to llama.cpp with GGUF and says why vLLM/SGLang/lmdeploy were skipped", () => {
    const pool = planOne({ gpu: "GTX-1080", gpuCount: 1 });
    checkInvariants(pool);
    const r = pool.replicas[0]!;
    expect(r.engine).toBe("llamacpp");
    expect(r.model.quantization).toMatch(/^gguf-/);
    expect(r.reasons.find((x) => x.field === "engine")?.why).toMatch(/skipped/);
  });

  it("Turing runs float16, never bfloat16 or an fp8 KV cache (seed 003)", () => {
    const pool = planOne({
      gpu: "QUADRO-RTX-4000",
      gpuCount: 1,
      engine: "sglang",
      model: "Qwen/Qwen2.5-0.5B-Instruct",
    });
    checkInvariants(pool);
    const r = pool.replicas[0]!;
    expect(r.model.dtype).toBe("float16");
    expect(r.env).toMatchObject({ HOME: "/tmp", TORCH_CUDA_ARCH_LIST: "7.5" });
  });
});

describe("fp8 KV cache and the models it breaks (Qwen2 architecture)", () => {
  const kvReason = (r: ReplicaPlan) => r.reasons.find((x) => x.field === "kvCacheDtype")?.why ?? "";

  it("flags exactly the catalog's Qwen2-architecture models", () => {
    expect(
      MODELS.filter((m) => fp8KvHazard(m))
        .map((m) => m.id)
        .sort(),
    ).toEqual(
      [
        "Qwen/Qwen2.5-0.5B-Instruct",
        "Qwen/Qwen2.5-1.5B-Instruct",
        "Qwen/Qwen2.5-7B-Instruct",
        "Qwen/Qwen2.5-14B-Instruct",
        "Qwen/Qwen2.5-32B-Instruct",
        "Qwen/Qwen2.5-72B-Instruct",
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
      ].sort(),
    );
  });

  it("L40S (g6e.xlarge): Qwen3-32B gets fp8 KV for a longer context, Qwen2.5-32B keeps bf16 KV and says why", () => {
    const q3 = planOne({ instanceType: "g6e.xlarge", model: "Qwen/Qwen3-32B" }).replicas[0]!;
    expect(q3.kvCacheDtype).toBe("fp8");
    const q25 = planOne({ instanceType: "g6e.xlarge", model: "Qwen/Qwen2.5-32B-Instruct" })
      .replicas[0]!;
    expect(q25.kvCacheDtype).toBe("auto");
    expect(q25.maxModelLen).toBeLessThan(q3.maxModelLen);
    expect(kvReason(q25)).toMatch(/never fp8 here: Qwen\/Qwen2\.5-32B-Instruct is a qwen2 model/);
    expect(q25.args.join(" ")).toMatch(/--kv-cache-dtype auto/);
  });

  it("a pin is honoured, with a warning that names the hazard", () => {
    const r = planOne({
      instanceType: "g6.xlarge",
      model: "Qwen/Qwen2.5-7B-Instruct",
      engine: "vllm",
      kvCacheDtype: "fp8",
    }).replicas[0]!;
    expect(r.kvCacheDtype).toBe("fp8");
    expect(r.args.join(" ")).toMatch(/--kv-cache-dtype fp8/);
    expect(r.warnings.join("\n")).toMatch(/kvCacheDtype fp8 is pinned: .*qwen2 model.*unpin it/);
    const llama = planOne({
      instanceType: "g6.xlarge",
      model: "meta-llama/Llama-3.1-8B-Instruct",
      engine: "vllm",
      kvCacheDtype: "fp8",
    }).replicas[0]!;
    expect(llama.warnings.join("\n")).not.toMatch(/is pinned/);
  });
});

describe("placement", () => {
  it("a model too big for one GPU gets the smallest tensor-parallel size that fits", () => {
    // Qwen2.5-32B in bf16 is 61 GiB: not on 2 × 22 GiB A10Gs, but on 4.
    const pool = planOne({
      instanceType: "g5.12xlarge",
      model: "Qwen/Qwen2.5-32B-Instruct",
      quantization: "none",
    });
    checkInvariants(pool);
    expect(pool.replicas).toHaveLength(1);
    expect(pool.replicas[0]!.gpus).toEqual([0, 1, 2, 3]);
    expect(pool.replicas[0]!.tensorParallel).toBe(4);
    // Multi-GPU tensor parallel prefers lmdeploy (seed 000).
    expect(pool.replicas[0]!.engine).toBe("lmdeploy");
    expect(pool.replicas[0]!.reasons.find((r) => r.field === "tensorParallel")?.why).toMatch(
      /smallest tensor-parallel size/,
    );
  });

  it("two tensor-parallel replicas split an 8-GPU host into disjoint groups on their own ports", () => {
    // Qwen2.5-72B in bf16 needs 33.9 GiB per GPU at TP 4, which leaves an A100-40GB under 1 GiB of
    // KV cache — too little for a 32K context — so TP 8; Llama-3.3-70B (32.9 GiB) fits TP 4 at its
    // own context, two replicas.
    const big = planOne({
      instanceType: "p4d.24xlarge",
      model: "Qwen/Qwen2.5-72B-Instruct",
      quantization: "none",
      maxModelLen: 32768,
    });
    checkInvariants(big);
    expect(big.replicas.map((r) => r.tensorParallel)).toEqual([8]);
    const two = planOne({
      instanceType: "p4d.24xlarge",
      model: "meta-llama/Llama-3.3-70B-Instruct",
      quantization: "none",
    });
    checkInvariants(two);
    expect(two.replicas.map((r) => r.gpus)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
    expect(two.replicas.map((r) => r.port)).toEqual([8000, 8004]);
  });

  it("honours a pinned tensor-parallel size", () => {
    const pool = planOne({
      instanceType: "g5.12xlarge",
      tensorParallel: 2,
      model: "Qwen/Qwen2.5-14B-Instruct",
      engine: "vllm",
    });
    checkInvariants(pool);
    expect(pool.replicas.map((r) => r.gpus)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(pool.replicas[0]!.args.join(" ")).toContain("--tensor-parallel-size 2");
  });
});

describe("impossible pins give errors with their config path, never plans", () => {
  it("fp8 KV cache on a Turing GPU", () => {
    const p = problemsOf({
      instanceType: "g4dn.xlarge",
      engine: "vllm",
      kvCacheDtype: "fp8",
      model: "Qwen/Qwen2.5-1.5B-Instruct",
    });
    expect(p.join("\n")).toMatch(/^gpufleet:pools\[0\]\.kvCacheDtype: .*8\.9/m);
  });

  it("a tensor-parallel size that does not divide the GPU count", () => {
    const p = problemsOf({ instanceType: "g5.12xlarge", tensorParallel: 3 });
    expect(p).toEqual([
      expect.stringMatching(
        /^gpufleet:pools\[0\]\.tensorParallel: 3 does not divide the pool's 4 GPU\(s\); use one of 1, 2, 4/,
      ),
    ]);
  });

  it("a tensor-parallel size that does not divide the model's KV heads", () => {
    const p = problemsOf({
      instanceType: "p4d.24xlarge",
      tensorParallel: 8,
      model: "Qwen/Qwen2.5-7B-Instruct",
    });
    expect(p[0]).toMatch(
      /^gpufleet:pools\[0\]\.tensorParallel: 8 does not divide Qwen\/Qwen2.5-7B-Instruct's 4 KV heads; use one of 1, 2, 4/,
    );
  });

  it("a context longer than the model allows", () => {
    const p = problemsOf({
      instanceType: "g5.xlarge",
      model: "Qwen/Qwen2.5-7B-Instruct",
      maxModelLen: 65536,
    });
    expect(p[0]).toMatch(
      /^gpufleet:pools\[0\]\.maxModelLen: 65536 is longer than .* allows .*32768/,
    );
  });

  it("a pinned model that cannot fit", () => {
    const p = problemsOf({
      instanceType: "g4dn.xlarge",
      model: "Qwen/Qwen2.5-72B-Instruct",
      quantization: "none",
      engine: "vllm",
    });
    expect(p[0]).toMatch(/^gpufleet:pools\[0\]\.quantization: .*cannot run on 1 × T4/);
    expect(p[0]).toMatch(/GiB per GPU/);
  });

  it("a context the KV cache cannot hold", () => {
    const p = problemsOf({
      instanceType: "g5.xlarge",
      model: "Qwen/Qwen2.5-7B-Instruct",
      engine: "vllm",
      maxModelLen: 32768,
      minConcurrency: 64,
    });
    expect(p[0]).toMatch(/^gpufleet:pools\[0\]\.engine: .*fewer than 64 × 32768/);
  });

  it("an engine that cannot run on that GPU generation", () => {
    const p = problemsOf({ gpu: "GTX-1080", gpuCount: 1, engine: "vllm" });
    expect(p[0]).toMatch(/^gpufleet:pools\[0\]\.engine: .*(6\.1|compute capability)/);
  });

  it("unknown instance types list the family's known sizes", () => {
    const p = problemsOf({ instanceType: "g5.3xlarge" });
    expect(p[0]).toMatch(
      /^gpufleet:pools\[0\]\.instanceType: unknown instance type "g5\.3xlarge"; known g5\.\* types: g5\.xlarge, g5\.2xlarge/,
    );
  });

  it("unknown models say how to add one", () => {
    const p = problemsOf({ instanceType: "g5.xlarge", model: "acme/unknown-13b" });
    expect(p[0]).toMatch(
      /^gpufleet:pools\[0\]\.model: unknown model "acme\/unknown-13b".*gpufleet:models/,
    );
  });

  it("reports every pool's problems at once", () => {
    try {
      planFleet({
        stack: "t",
        pools: [
          { name: "a", instanceType: "g5.3xlarge", count: 1, model: "auto", engine: "auto" },
          {
            name: "a",
            instanceType: "g5.xlarge",
            count: 1,
            model: "auto",
            engine: "auto",
            tensorParallel: 2,
          },
        ],
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PlanError);
      const problems = (err as PlanError).problems;
      expect(problems).toHaveLength(3);
      expect(problems.some((x) => x.startsWith("gpufleet:pools[1].name:"))).toBe(true);
      expect(problems.some((x) => x.startsWith("gpufleet:pools[0].instanceType:"))).toBe(true);
      expect(problems.some((x) => x.startsWith("gpufleet:pools[1].tensorParallel:"))).toBe(true);
    }
  });
});

describe("stack-defined models (gpufleet:models)", () => {
  it("plans a model that is not in the catalog from its config.json fields", () => {
    const plan = planFleet({
      stack: "t",
      pools: [
        {
          name: "p",
          instanceType: "g6e.xlarge",
          count: 1,
          model: "acme/custom-9b",
          engine: "auto",
        },
      ],
      models: [
        {
          id: "acme/custom-9b",
          servedName: "custom-9b",
          paramsB: 9.2,
          arch: {
            architectures: ["LlamaForCausalLM"],
            model_type: "llama",
            num_hidden_layers: 40,
            num_attention_heads: 32,
            num_key_value_heads: 8,
            hidden_size: 4096,
            intermediate_size: 12288,
            vocab_size: 128256,
            max_position_embeddings: 65536,
            torch_dtype: "bfloat16",
            tie_word_embeddings: false,
          },
          gated: false,
          artifacts: {},
          source: "test",
        },
      ],
    });
    const r = plan.pools[0]!.replicas[0]!;
    expect(r.model.servedName).toBe("custom-9b");
    expect(r.memory.kvBytesPerToken).toBe(2 * 8 * 128 * 2 * 40);
    expect(r.maxModelLen).toBeLessThanOrEqual(65536);
  });
});

describe("embedding and rerank pools (vLLM pooling runner)", () => {
  it.each([
    ["embedding", "g4dn.xlarge", "BAAI/bge-m3", ["--runner", "pooling"]],
    ["rerank", "g6.xlarge", "BAAI/bge-reranker-v2-m3", ["--runner", "pooling"]],
  ] as const)("%s on %s → %s", (task, instanceType, model, flags) => {
    const pool = planOne({ instanceType, task });
    checkInvariants(pool);
    expect(pool.task).toBe(task);
    const r = pool.replicas[0]!;
    expect(r.engine).toBe("vllm");
    expect(r.model.id).toBe(model);
    expect(r.maxModelLen).toBe(8192); // XLM-R: 8194 positions, 2 of them padding offsets
    expect(r.args.join(" ")).toContain(flags.join(" "));
    expect(r.args).not.toContain("--reasoning-parser");
    expect(r.args).not.toContain("--convert");
  });

  it("adapts a decoder embedding model with --convert embed and sizes its KV cache", () => {
    const pool = planOne({
      instanceType: "g6.xlarge",
      task: "embedding",
      model: "Qwen/Qwen3-Embedding-0.6B",
    });
    checkInvariants(pool);
    const r = pool.replicas[0]!;
    expect(r.args.join(" ")).toContain("--runner pooling --convert embed");
    expect(r.memory.kvTokens).toBeGreaterThanOrEqual(2 * r.maxModelLen);
  });

  it("rejects the wrong engine or a chat model, naming the key", () => {
    expect(
      problemsOf({ instanceType: "g6.xlarge", task: "embedding", engine: "sglang" })[0],
    ).toMatch(/^gpufleet:pools\[0\]\.engine: embedding pools run on vLLM's pooling runner/);
    expect(
      problemsOf({ instanceType: "g6.xlarge", task: "rerank", model: "Qwen/Qwen3-8B" })[0],
    ).toMatch(/^gpufleet:pools\[0\]\.model: Qwen\/Qwen3-8B is a chat model, not a rerank model/);
    expect(problemsOf({ instanceType: "g6.xlarge", model: "BAAI/bge-m3" })[0]).toMatch(
      /^gpufleet:pools\[0\]\.model: BAAI\/bge-m3 is an embedding model; set task: embedding/,
    );
    expect(
      problemsOf({
        instanceType: "g6.xlarge",
        task: "embedding",
        model: "BAAI/bge-m3",
        maxModelLen: 16384,
      })[0],
    ).toMatch(/longer than BAAI\/bge-m3 allows \(8192\)/);
  });

  it("plans a pooling pool on every catalog GPU that vLLM runs on", () => {
    for (const gpu of [
      "T4",
      "A10G",
      "L4",
      "L40S",
      "A100-40GB",
      "H100",
      "RTX-4090",
      "QUADRO-RTX-4000",
    ] as const) {
      for (const task of ["embedding", "rerank"] as const)
        checkInvariants(planOne({ gpu, gpuCount: 1, task }));
    }
  });
});

describe("a pinned context beyond the first embedding model", () => {
  it("moves on to the next model of the task's list that allows it", () => {
    const pool = planOne({ instanceType: "g6.xlarge", task: "embedding", maxModelLen: 16384 });
    expect(pool.replicas[0]!.model.id).toBe("Qwen/Qwen3-Embedding-0.6B");
    expect(pool.replicas[0]!.maxModelLen).toBe(16384);
  });
});

describe("reasoning parsers", () => {
  it("are set exactly for the models that emit thinking (Qwen3 family, DeepSeek-R1 distills), on vLLM and SGLang", () => {
    for (const m of MODELS.filter((x) => (x.task ?? "chat") === "chat")) {
      for (const engine of ["vllm", "sglang"] as const) {
        let pool: PoolPlan;
        try {
          pool = planOne({ gpu: "H200", gpuCount: 8, model: m.id, engine });
        } catch (err) {
          if (err instanceof PlanError) continue;
          throw err;
        }
        const args = pool.replicas[0]!.args;
        const i = args.indexOf("--reasoning-parser");
        if (m.reasoning) {
          expect(i, `${m.id} on ${engine}`).toBeGreaterThan(-1);
          expect(args[i + 1]).toMatch(m.reasoning === "qwen3" ? /^qwen3$/ : /^deepseek[-_]r1$/);
        } else {
          expect(i, `${m.id} on ${engine}`).toBe(-1);
        }
      }
    }
  });
});
