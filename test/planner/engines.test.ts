import { describe, expect, it } from "vitest";
import {
  ENGINES,
  buildLaunch,
  ccValue,
  checkEngineSupport,
  computeDtype,
  floor2,
  supportedKvCacheDtypes,
  supportedQuantizations,
} from "../../planner/engines";
import {
  ENGINE_IDS,
  type EngineId,
  type GpuSpec,
  type LaunchInput,
  type ModelSpec,
} from "../../planner/types";

// Inline fixtures (the catalogs are written elsewhere; these figures only need to be plausible).
const A10G: GpuSpec = {
  id: "A10G",
  nvidiaSmiName: "NVIDIA A10G",
  architecture: "ampere",
  memoryGiB: 22.0,
  computeCapability: "8.6",
  memoryBandwidthGBs: 600,
  cloud: true,
};
const T4: GpuSpec = {
  id: "T4",
  nvidiaSmiName: "Tesla T4",
  architecture: "turing",
  memoryGiB: 14.6,
  computeCapability: "7.5",
  memoryBandwidthGBs: 320,
  cloud: true,
};
const H100: GpuSpec = {
  id: "H100",
  nvidiaSmiName: "NVIDIA H100 80GB HBM3",
  architecture: "hopper",
  memoryGiB: 79.2,
  computeCapability: "9.0",
  memoryBandwidthGBs: 3350,
  cloud: true,
};
const V100: GpuSpec = {
  id: "V100-16GB",
  nvidiaSmiName: "Tesla V100-SXM2-16GB",
  architecture: "volta",
  memoryGiB: 15.8,
  computeCapability: "7.0",
  memoryBandwidthGBs: 900,
  cloud: true,
};

const QWEN: ModelSpec = {
  id: "Qwen/Qwen2.5-7B-Instruct",
  servedName: "qwen2.5-7b-instruct",
  paramsB: 7.62,
  arch: {
    architectures: ["Qwen2ForCausalLM"],
    model_type: "qwen2",
    num_hidden_layers: 28,
    num_attention_heads: 28,
    num_key_value_heads: 4,
    hidden_size: 3584,
    intermediate_size: 18944,
    vocab_size: 152064,
    max_position_embeddings: 32768,
    torch_dtype: "bfloat16",
    tie_word_embeddings: false,
  },
  gated: false,
  artifacts: {
    awq: "Qwen/Qwen2.5-7B-Instruct-AWQ",
    gguf: {
      repo: "Qwen/Qwen2.5-7B-Instruct-GGUF",
      file: "qwen2.5-7b-instruct-q4_k_m.gguf",
      quantization: "gguf-q4_k_m",
    },
    ollama: { tag: "qwen2.5:7b", quantization: "gguf-q4_k_m" },
  },
  source: "inline test fixture",
};

const GEMMA3: ModelSpec = {
  ...QWEN,
  id: "google/gemma-3-12b-it",
  servedName: "gemma-3-12b",
  arch: { ...QWEN.arch, architectures: ["Gemma3ForConditionalGeneration"], model_type: "gemma3" },
  artifacts: {},
};

const MEMORY = {
  weightsGiB: 14.2,
  activationGiB: 1.5,
  overheadGiB: 0.8,
  kvCacheGiB: 3.3,
  kvBytesPerToken: 57344,
  kvTokens: 61800,
};

function input(engine: EngineId, over: Partial<LaunchInput> = {}): LaunchInput {
  const base: LaunchInput = {
    engine,
    model: QWEN,
    gpu: A10G,
    gpus: [0],
    tensorParallel: 1,
    port: 8000,
    dtype: "bfloat16",
    quantization: engine === "ollama" || engine === "llamacpp" ? "gguf-q4_k_m" : "none",
    kvCacheDtype: "auto",
    maxModelLen: 16384,
    gpuMemoryUtilization: 0.9,
    maxNumSeqs: 4,
    maxNumBatchedTokens: 8192,
    memory: MEMORY,
    source:
      engine === "ollama"
        ? "qwen2.5:7b"
        : engine === "llamacpp"
          ? "qwen2.5-7b-instruct-q4_k_m.gguf"
          : "Qwen/Qwen2.5-7B-Instruct",
    modelDir: "/models",
  };
  return { ...base, ...over };
}

describe("exact launch per engine (A10G, Qwen2.5-7B, one replica)", () => {
  const table: Array<{
    engine: EngineId;
    image: string;
    args: string[];
    env: Record<string, string>;
  }> = [
    {
      engine: "vllm",
      image:
        "vllm/vllm-openai:v0.31.0@sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3",
      args: [
        "Qwen/Qwen2.5-7B-Instruct",
        "--served-model-name",
        "qwen2.5-7b-instruct",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        "--dtype",
        "bfloat16",
        "--max-model-len",
        "16384",
        "--gpu-memory-utilization",
        "0.90",
        "--max-num-seqs",
        "4",
        "--max-num-batched-tokens",
        "8192",
        "--kv-cache-dtype",
        "auto",
        "--tensor-parallel-size",
        "1",
        "--enable-auto-tool-choice",
        "--tool-call-parser",
        "hermes",
      ],
      env: {
        HF_HOME: "/models",
        HF_HUB_OFFLINE: "1",
        TRANSFORMERS_OFFLINE: "1",
        HF_MODULES_CACHE: "/tmp/hf_modules",
        VLLM_NO_USAGE_STATS: "1",
        DO_NOT_TRACK: "1",
      },
    },
    {
      engine: "sglang",
      image:
        "lmsysorg/sglang:v0.5.21@sha256:b1259f3ea3275f66237c498ea388919729018bc9f01c3d638391e06e2cf3f469",
      args: [
        "python3",
        "-c",
        "import os, sys; key = os.environ.pop('SGLANG_API_KEY', ''); sys.argv += ['--api-key', key] if key else []; " +
          "import runpy; runpy.run_module('sglang.launch_server', run_name='__main__', alter_sys=True)",
        "--model-path",
        "Qwen/Qwen2.5-7B-Instruct",
        "--served-model-name",
        "qwen2.5-7b-instruct",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        "--dtype",
        "bfloat16",
        "--context-length",
        "16384",
        "--mem-fraction-static",
        "0.80",
        "--max-running-requests",
        "4",
        "--chunked-prefill-size",
        "8192",
        "--tp-size",
        "1",
        "--enable-metrics",
        "--tool-call-parser",
        "qwen25",
      ],
      env: {
        HF_HOME: "/models",
        HF_HUB_OFFLINE: "1",
        TRANSFORMERS_OFFLINE: "1",
        HF_MODULES_CACHE: "/tmp/hf_modules",
      },
    },
    {
      engine: "lmdeploy",
      image: "openmmlab/lmdeploy:v0.17.0-cu12.8",
      args: [
        "python3",
        "-c",
        "import os, sys; key = os.environ.pop('LMDEPLOY_API_KEY', ''); sys.argv += ['--api-keys', key] if key else []; " +
          "sys.argv[0] = 'lmdeploy'; from lmdeploy.cli import run; run()",
        "serve",
        "api_server",
        "Qwen/Qwen2.5-7B-Instruct",
        "--backend",
        "turbomind",
        "--server-name",
        "0.0.0.0",
        "--server-port",
        "8000",
        "--model-name",
        "qwen2.5-7b-instruct",
        "--dtype",
        "bfloat16",
        "--tp",
        "1",
        "--session-len",
        "16384",
        "--max-batch-size",
        "4",
        "--max-prefill-token-num",
        "8192",
        "--cache-max-entry-count",
        "0.47",
        "--quant-policy",
        "0",
        "--tool-call-parser",
        "qwen2d5",
      ],
      env: {
        HF_HOME: "/models",
        HF_HUB_OFFLINE: "1",
        TRANSFORMERS_OFFLINE: "1",
        HF_MODULES_CACHE: "/tmp/hf_modules",
      },
    },
    {
      engine: "llamacpp",
      image:
        "ghcr.io/ggml-org/llama.cpp:server-cuda-b11459@sha256:fff6185edd2fbc4093aa5970bf6db53ed11c283e3a1c52a3e244cf27047264f4",
      args: [
        "-m",
        "/models/gguf/qwen2.5-7b-instruct-q4_k_m.gguf",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        "--alias",
        "qwen2.5-7b-instruct",
        "-c",
        "65536",
        "--parallel",
        "4",
        "-ngl",
        "999",
        "-fa",
        "on",
        "-b",
        "8192",
        "--metrics",
        "--jinja",
      ],
      env: {},
    },
    {
      engine: "ollama",
      image:
        "ollama/ollama:0.35.1@sha256:292ee7945dfc3d5840a181f3ab86fedb1e66703e02c8af98b50f4da56b7e278c",
      args: ["serve"],
      env: {
        OLLAMA_HOST: "0.0.0.0:8000",
        OLLAMA_MODELS: "/models/ollama",
        OLLAMA_CONTEXT_LENGTH: "16384",
        OLLAMA_NUM_PARALLEL: "4",
        OLLAMA_MAX_LOADED_MODELS: "1",
        OLLAMA_KEEP_ALIVE: "-1",
        OLLAMA_NOPRUNE: "1",
        OLLAMA_FLASH_ATTENTION: "1",
      },
    },
  ];

  it.each(table)("$engine", ({ engine, image, args, env }) => {
    const launch = buildLaunch(input(engine));
    expect(launch.image).toBe(image);
    expect(launch.args).toEqual(args);
    expect(launch.env).toEqual(env);
    expect(launch.image).toBe(ENGINES[engine].image);
  });

  it("covers every engine", () => {
    expect(table.map((t) => t.engine).sort()).toEqual([...ENGINE_IDS].sort());
  });
});

describe("secrets", () => {
  const SECRET = "sk-test-7f3a9c";
  it.each([...ENGINE_IDS])(
    "%s: no API key value or secret-looking variable in args/env",
    (engine) => {
      const launch = buildLaunch(input(engine));
      const text = JSON.stringify([launch.args, launch.env]);
      expect(text).not.toContain(SECRET);
      for (const key of Object.keys(launch.env)) {
        expect(key).not.toMatch(/KEY|TOKEN|SECRET|PASSWORD/i);
      }
      // No key flag is a word of the command line: keys travel only in the environment.
      for (const flag of ["--api-key", "--api-keys", "--api-key-file"])
        expect(launch.args).not.toContain(flag);
      if (launch.apiKey.kind === "env") expect(launch.apiKey.variable).toMatch(/^[A-Z_]+$/);
    },
  );

  it("says how each engine takes its key", () => {
    expect(buildLaunch(input("vllm")).apiKey).toEqual({ kind: "env", variable: "VLLM_API_KEY" });
    expect(buildLaunch(input("sglang")).apiKey).toEqual({
      kind: "env",
      variable: "SGLANG_API_KEY",
    });
    expect(buildLaunch(input("lmdeploy")).apiKey).toEqual({
      kind: "env",
      variable: "LMDEPLOY_API_KEY",
    });
    expect(buildLaunch(input("llamacpp")).apiKey).toEqual({
      kind: "env",
      variable: "LLAMA_API_KEY",
    });
    expect(buildLaunch(input("ollama")).apiKey).toEqual({ kind: "none" });
  });
});

describe("GPU generation rules", () => {
  it("rejects an FP8 KV cache on T4 with a reason naming 8.9 and the alternative", () => {
    for (const engine of ["vllm", "sglang"] as const) {
      const reasons = checkEngineSupport({
        engine,
        gpu: T4,
        model: QWEN,
        quantization: "none",
        kvCacheDtype: "fp8",
        dtype: "float16",
        tensorParallel: 1,
      });
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toContain("8.9");
      expect(reasons[0]).toContain("T4 (compute capability 7.5");
      expect(reasons[0]).toContain('use kvCacheDtype "auto"');
    }
    expect(supportedKvCacheDtypes("vllm", T4)).toEqual(["auto"]);
    expect(() =>
      buildLaunch(input("vllm", { gpu: T4, dtype: "float16", kvCacheDtype: "fp8" })),
    ).toThrow(/8\.9/);
  });

  it("accepts FP8 KV where the pinned engine supports it", () => {
    expect(supportedKvCacheDtypes("vllm", H100)).toEqual(["auto", "fp8"]);
    expect(supportedKvCacheDtypes("llamacpp", T4)).toEqual(["auto", "q8_0", "q4_0"]);
    // lmdeploy's 8-bit KV is integer, not FP8: offered as q8_0, and an fp8 pin is refused.
    expect(supportedKvCacheDtypes("lmdeploy", V100)).toEqual(["auto", "q8_0", "q4_0"]);
    const h = buildLaunch(input("sglang", { gpu: H100, kvCacheDtype: "fp8" }));
    expect(h.args.join(" ")).toContain("--kv-cache-dtype fp8_e4m3");
    const a = buildLaunch(input("sglang", { kvCacheDtype: "fp8" }));
    expect(a.args.join(" ")).toContain("--kv-cache-dtype fp8_e5m2");
    const l = buildLaunch(input("lmdeploy", { kvCacheDtype: "q8_0" }));
    expect(l.args.join(" ")).toContain("--quant-policy 8");
    expect(() => buildLaunch(input("lmdeploy", { kvCacheDtype: "fp8" }))).toThrow(/fp8/);
    const c = buildLaunch(input("llamacpp", { kvCacheDtype: "q8_0" }));
    expect(c.args.join(" ")).toContain("--cache-type-k q8_0 --cache-type-v q8_0");
    const o = buildLaunch(input("ollama", { kvCacheDtype: "q8_0" }));
    expect(o.env.OLLAMA_KV_CACHE_TYPE).toBe("q8_0");
    expect(o.env.OLLAMA_FLASH_ATTENTION).toBe("1");
  });

  it("never chooses bf16 below 8.0", () => {
    expect(computeDtype(T4)).toBe("float16");
    expect(computeDtype(V100)).toBe("float16");
    expect(computeDtype(A10G)).toBe("bfloat16");
    expect(computeDtype(H100)).toBe("bfloat16");
    const reasons = checkEngineSupport({
      engine: "vllm",
      gpu: T4,
      model: QWEN,
      quantization: "none",
      kvCacheDtype: "auto",
      dtype: "bfloat16",
      tensorParallel: 1,
    });
    expect(reasons.some((r) => r.includes('use dtype "float16"'))).toBe(true);
  });

  it("refuses Gemma 3 on GPUs without bf16, and says why", () => {
    const reasons = checkEngineSupport({
      engine: "vllm",
      gpu: T4,
      model: GEMMA3,
      quantization: "none",
      kvCacheDtype: "auto",
      dtype: "float16",
      tensorParallel: 1,
    });
    expect(reasons.join(" ")).toMatch(/refuses float16.*float32/);
    expect(supportedQuantizations("vllm", T4, GEMMA3)).toEqual([]);
    expect(supportedQuantizations("vllm", A10G, GEMMA3)).toEqual(["none", "fp8", "bitsandbytes"]);
  });

  it("keeps vLLM and SGLang off Volta, lmdeploy on it", () => {
    const r = checkEngineSupport({
      engine: "vllm",
      gpu: V100,
      model: QWEN,
      quantization: "none",
      kvCacheDtype: "auto",
      dtype: "float16",
      tensorParallel: 1,
    });
    expect(r[0]).toMatch(/needs ≥ 7\.5.*lmdeploy/);
    expect(
      checkEngineSupport({
        engine: "lmdeploy",
        gpu: V100,
        model: QWEN,
        quantization: "awq",
        kvCacheDtype: "q8_0",
        dtype: "float16",
        tensorParallel: 1,
      }),
    ).toEqual([]);
  });

  it("lists weight formats in preference order", () => {
    expect(supportedQuantizations("vllm", A10G, QWEN)).toEqual([
      "none",
      "fp8",
      "awq",
      "bitsandbytes",
    ]);
    expect(supportedQuantizations("vllm", T4, QWEN)).toEqual(["none", "awq", "bitsandbytes"]);
    expect(supportedQuantizations("lmdeploy", T4, QWEN)).toEqual(["none", "awq"]);
    expect(supportedQuantizations("llamacpp", T4, QWEN)).toEqual(["gguf-q4_k_m"]);
    expect(supportedQuantizations("ollama", T4, { ...QWEN, artifacts: {} })).toEqual([]);
    const awqOnly: ModelSpec = {
      ...QWEN,
      id: "Qwen/Qwen2.5-7B-Instruct-AWQ",
      weightsQuantization: "awq",
    };
    expect(supportedQuantizations("vllm", A10G, awqOnly)).toEqual(["awq"]);
    expect(
      checkEngineSupport({
        engine: "vllm",
        gpu: A10G,
        model: awqOnly,
        quantization: "fp8",
        kvCacheDtype: "auto",
        dtype: "bfloat16",
        tensorParallel: 1,
      })[0],
    ).toContain('use quantization "awq"');
  });

  it("rejects formats an engine cannot load", () => {
    expect(
      checkEngineSupport({
        engine: "llamacpp",
        gpu: A10G,
        model: QWEN,
        quantization: "fp8",
        kvCacheDtype: "auto",
        dtype: "bfloat16",
        tensorParallel: 1,
      })[0],
    ).toContain("GGUF weights only");
    expect(
      checkEngineSupport({
        engine: "vllm",
        gpu: T4,
        model: QWEN,
        quantization: "fp8",
        kvCacheDtype: "auto",
        dtype: "float16",
        tensorParallel: 1,
      })[0],
    ).toContain("needs ≥ 8.0");
  });

  it("uses the Turing fixes of seed 003 for SGLang on T4", () => {
    const launch = buildLaunch(input("sglang", { gpu: T4, dtype: "float16" }));
    expect(launch.env).toMatchObject({
      HOME: "/tmp",
      FLASHINFER_WORKSPACE_DIR: "/tmp/flashinfer",
      TORCH_CUDA_ARCH_LIST: "7.5",
    });
    expect(launch.args.join(" ")).toContain(
      "--attention-backend triton --sampling-backend pytorch",
    );
    expect(launch.args.join(" ")).toContain("--dtype float16");
    expect(launch.image).toBe(
      "lmsysorg/sglang:v0.5.19-cu129@sha256:59e11312666e1c5c155210ea335589b91daa0d70848521b390b93b1b1e8fb0ef",
    );
    // Not on Ampere.
    expect(buildLaunch(input("sglang")).env.HOME).toBeUndefined();
  });
});

describe("tensor parallelism", () => {
  const tp2 = { gpus: [0, 1], tensorParallel: 2 };
  it.each([
    ["vllm", "--tensor-parallel-size 2"],
    ["sglang", "--tp-size 2"],
    ["lmdeploy", "--tp 2"],
    ["llamacpp", "--split-mode layer"],
  ] as const)("%s gets %s and IPC host", (engine, flag) => {
    const launch = buildLaunch(input(engine, tp2));
    expect(launch.args.join(" ")).toContain(flag);
    expect(launch.needsIpcHost).toBe(true);
    expect(Object.keys(launch.env)).not.toContain("NCCL_P2P_DISABLE");
    expect(Object.keys(launch.env)).not.toContain("CUDA_VISIBLE_DEVICES");
  });

  it("vLLM and SGLang need IPC host even alone; the others only with TP", () => {
    expect(buildLaunch(input("vllm")).needsIpcHost).toBe(true);
    expect(buildLaunch(input("sglang")).needsIpcHost).toBe(true);
    expect(buildLaunch(input("lmdeploy")).needsIpcHost).toBe(false);
    expect(buildLaunch(input("ollama")).needsIpcHost).toBe(false);
  });

  it("rejects TP that divides no head count, and TP for Ollama", () => {
    expect(
      checkEngineSupport({
        engine: "vllm",
        gpu: A10G,
        model: QWEN,
        quantization: "none",
        kvCacheDtype: "auto",
        dtype: "bfloat16",
        tensorParallel: 3,
      })[0],
    ).toContain("divides neither");
    expect(
      checkEngineSupport({
        engine: "ollama",
        gpu: A10G,
        model: QWEN,
        quantization: "gguf-q4_k_m",
        kvCacheDtype: "auto",
        dtype: "bfloat16",
        tensorParallel: 2,
      })[0],
    ).toContain("no tensor parallelism");
    expect(() => buildLaunch(input("vllm", { tensorParallel: 2, gpus: [0] }))).toThrow(
      /does not match/,
    );
  });
});

describe("memory knobs", () => {
  it("vLLM passes the planned utilization, rounded down", () => {
    const launch = buildLaunch(input("vllm", { gpuMemoryUtilization: 0.876 }));
    expect(launch.memoryKnob).toBe("--gpu-memory-utilization 0.87");
  });

  it("SGLang: (weights + KV) / memory free at its baseline (total − overhead + graphs), rounded down", () => {
    // SGLang's pool is f × free_before_load − weights; free_before_load = 22.0 − (0.8 − 0.5 graphs)
    // = 21.7.
    // (14.2 + 3.3) / 21.7 = 0.8064… → 0.80
    expect(buildLaunch(input("sglang")).memoryKnob).toBe("--mem-fraction-static 0.80");
    const h = buildLaunch(
      input("sglang", { gpu: H100, memory: { ...MEMORY, weightsGiB: 15.3, kvCacheGiB: 52.0 } }),
    );
    // 67.3 / 78.9 = 0.8529… → 0.85
    expect(h.memoryKnob).toBe("--mem-fraction-static 0.85");
  });

  it("lmdeploy: KV / (total − weights − overhead), rounded down and below 1", () => {
    // 3.3 / (22.0 − 14.2 − 0.8) = 0.4714… → 0.47
    expect(buildLaunch(input("lmdeploy")).memoryKnob).toBe("--cache-max-entry-count 0.47");
    const big = buildLaunch(
      input("lmdeploy", { memory: { ...MEMORY, weightsGiB: 10, overheadGiB: 1, kvCacheGiB: 11 } }),
    );
    expect(big.memoryKnob).toBe("--cache-max-entry-count 0.99");
  });

  it("llama.cpp: total context = maxModelLen × slots; Ollama: per-request context and parallel", () => {
    expect(buildLaunch(input("llamacpp", { maxModelLen: 8192, maxNumSeqs: 3 })).memoryKnob).toBe(
      "-c 24576 --parallel 3",
    );
    const o = buildLaunch(input("ollama", { maxModelLen: 8192, maxNumSeqs: 3 }));
    expect(o.env.OLLAMA_CONTEXT_LENGTH).toBe("8192");
    expect(o.env.OLLAMA_NUM_PARALLEL).toBe("3");
  });

  it("floor2 never rounds up", () => {
    expect(floor2(0.29)).toBe(0.29);
    expect(floor2(0.999)).toBe(0.99);
    expect(floor2(0.8549)).toBe(0.85);
  });
});

describe("paths, parsers, facts", () => {
  it("health, models and metrics paths", () => {
    expect(buildLaunch(input("vllm"))).toMatchObject({
      healthPath: "/health",
      modelsPath: "/v1/models",
      metricsPath: "/metrics",
    });
    expect(buildLaunch(input("ollama"))).toMatchObject({
      healthPath: "/api/version",
      modelsPath: "/v1/models",
      metricsPath: null,
    });
    expect(buildLaunch(input("llamacpp")).args).toContain("--metrics");
    expect(buildLaunch(input("sglang")).args).toContain("--enable-metrics");
  });

  it("adds the reasoning parser of the pinned version", () => {
    const qwen3: ModelSpec = {
      ...QWEN,
      id: "Qwen/Qwen3-8B",
      reasoning: "qwen3",
      arch: { ...QWEN.arch, model_type: "qwen3" },
    };
    const r1: ModelSpec = {
      ...QWEN,
      id: "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
      reasoning: "deepseek_r1",
    };
    expect(buildLaunch(input("vllm", { model: qwen3 })).args.join(" ")).toContain(
      "--reasoning-parser qwen3 --enable-auto-tool-choice --tool-call-parser hermes",
    );
    expect(buildLaunch(input("vllm", { model: r1 })).args.join(" ")).toContain(
      "--reasoning-parser deepseek_r1",
    );
    expect(buildLaunch(input("sglang", { model: r1 })).args.join(" ")).toContain(
      "--reasoning-parser deepseek-r1",
    );
    expect(buildLaunch(input("lmdeploy", { model: qwen3 })).args.join(" ")).toContain(
      "--reasoning-parser default --tool-call-parser qwen3",
    );
  });

  it("names online FP8 only, leaves pre-quantized formats to auto-detection", () => {
    expect(buildLaunch(input("vllm", { quantization: "fp8" })).args.join(" ")).toContain(
      "--quantization fp8",
    );
    const awq = buildLaunch(
      input("vllm", { quantization: "awq", source: "Qwen/Qwen2.5-7B-Instruct-AWQ" }),
    );
    expect(awq.args).not.toContain("--quantization");
    expect(awq.args[0]).toBe("Qwen/Qwen2.5-7B-Instruct-AWQ");
    expect(buildLaunch(input("lmdeploy", { quantization: "awq" })).args.join(" ")).toContain(
      "--model-format awq",
    );
  });

  it("every engine spec is internally consistent", () => {
    for (const id of ENGINE_IDS) {
      const s = ENGINES[id];
      expect(s.id).toBe(id);
      expect(s.image).toContain(s.version.replace(/^b/, ""));
      for (const rule of Object.values(s.quantizations))
        expect(rule!).toBeGreaterThanOrEqual(s.minCc);
      expect(s.kvCacheDtypes.auto?.minCc).toBe(s.minCc);
    }
    expect(ccValue("8.6")).toBe(86);
    expect(() => ccValue("eight")).toThrow();
  });
});
