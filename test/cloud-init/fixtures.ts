// Hand-written pool plans as the planner will produce them (the planner is not ready yet). Figures
// follow
// DESIGN.md's memory model: weights + activation + overhead + KV = utilization x memoryGiB per GPU.
import type { PoolPlan, ReplicaPlan } from "../../planner/types";
import { ENGINE_RUNTIME, type RenderContext } from "../../cloud-init";

export const CONTEXT: RenderContext = {
  stack: "dev",
  region: "us-east-1",
  apiKeyParameter: "/gpufleet/dev/engine-api-key",
  hfTokenParameter: "/gpufleet/dev/hf-token",
  logGroup: "/gpufleet/dev",
};

type ReplicaInput = Omit<
  ReplicaPlan,
  | "reasons"
  | "warnings"
  | "concurrency"
  | "maxNumBatchedTokens"
  | "tensorParallel"
  | "apiKey"
  | "needsIpcHost"
  | "memoryKnob"
> &
  Partial<Pick<ReplicaPlan, "tensorParallel" | "maxNumBatchedTokens">>;

/** The knob as the planner reports it: the engine's memory flag and its value in args, if any. */
function memoryKnobOf(args: string[], env: Record<string, string>): string {
  const flags = ["--gpu-memory-utilization", "--mem-fraction-static", "--cache-max-entry-count"];
  const i = args.findIndex((a) => flags.includes(a));
  if (i >= 0) return `${args[i]} ${args[i + 1]}`;
  const c = args.indexOf("-c");
  if (c >= 0) return `-c ${args[c + 1]} --parallel ${args[args.indexOf("--parallel") + 1]}`;
  return `OLLAMA_CONTEXT_LENGTH=${env.OLLAMA_CONTEXT_LENGTH} OLLAMA_NUM_PARALLEL=${env.OLLAMA_NUM_PARALLEL}`;
}

function replica(r: ReplicaInput): ReplicaPlan {
  const kvTokens = r.memory.kvTokens;
  const runtime = ENGINE_RUNTIME[r.engine];
  return {
    tensorParallel: 1,
    maxNumBatchedTokens: 8192,
    apiKey: runtime.apiKey,
    // The planner's rule: PyTorch engines that always fork workers, and any tensor-parallel
    // replica.
    needsIpcHost: r.engine === "vllm" || r.engine === "sglang" || (r.tensorParallel ?? 1) > 1,
    memoryKnob: memoryKnobOf(r.args, r.env),
    ...r,
    concurrency: Math.floor(kvTokens / r.maxModelLen),
    reasons: [{ field: "engine", why: "fixture" }],
    warnings: [],
  };
}

function pool(
  p: Omit<PoolPlan, "warnings" | "vcpuQuota" | "category" | "task"> & Partial<PoolPlan>,
): PoolPlan {
  return { category: "24gb", vcpuQuota: null, warnings: [], task: "chat", ...p };
}

// --- g5.2xlarge: one A10G, one vLLM replica (DESIGN.md's example plan)
// --------------------------------------
function vllmNemo(gpu: number): ReplicaPlan {
  const port = 8000 + gpu;
  return replica({
    gpus: [gpu],
    port,
    engine: "vllm",
    image: "vllm/vllm-openai:v0.11.0",
    model: {
      id: "IlyaGusev/saiga_nemo_12b",
      servedName: "saiga-nemo-12b",
      paramsB: 12.2,
      dtype: "bfloat16",
      quantization: "fp8",
      source: "IlyaGusev/saiga_nemo_12b",
      gated: false,
    },
    maxModelLen: 16384,
    gpuMemoryUtilization: 0.9,
    kvCacheDtype: "auto",
    maxNumSeqs: 64,
    memory: {
      weightsGiB: 11.9,
      activationGiB: 2.1,
      overheadGiB: 0.6,
      kvCacheGiB: 5.2,
      kvBytesPerToken: 163840,
      kvTokens: 34078,
    },
    args: [
      "IlyaGusev/saiga_nemo_12b",
      "--served-model-name",
      "saiga-nemo-12b",
      "--host",
      "0.0.0.0",
      "--port",
      String(port),
      "--dtype",
      "bfloat16",
      "--max-model-len",
      "16384",
      "--gpu-memory-utilization",
      "0.9",
      "--max-num-seqs",
      "64",
      "--max-num-batched-tokens",
      "8192",
      "--kv-cache-dtype",
      "auto",
      "--tensor-parallel-size",
      "1",
      "--quantization",
      "fp8",
    ],
    env: {
      HF_HOME: "/models",
      HF_HUB_OFFLINE: "1",
      TRANSFORMERS_OFFLINE: "1",
      VLLM_NO_USAGE_STATS: "1",
      DO_NOT_TRACK: "1",
    },
    healthPath: "/health",
    modelsPath: "/v1/models",
    metricsPath: "/metrics",
    estimates: { coldStartSeconds: 420, decodeTokensPerSecond: 38 },
  });
}

export const A10G_VLLM: PoolPlan = pool({
  name: "a10g",
  instanceType: "g5.2xlarge",
  count: 2,
  gpu: { model: "A10G", count: 1, memoryGiB: 22.0, computeCapability: "8.6" },
  costPerHour: 2.424,
  proxyPort: 8080,
  localNvmeGB: 450,
  networkGbps: 10,
  replicas: [vllmNemo(0)],
});

// --- g5.12xlarge: four A10G, one SGLang replica per GPU
// ----------------------------------------------------
function sglangVikhr(gpu: number): ReplicaPlan {
  const port = 8000 + gpu;
  return replica({
    gpus: [gpu],
    port,
    engine: "sglang",
    image: "lmsysorg/sglang:v0.5.3-cu126",
    model: {
      id: "Vikhrmodels/QVikhr-3-8B-Instruction",
      servedName: "qvikhr-3-8b-instruction",
      paramsB: 8.2,
      dtype: "bfloat16",
      quantization: "none",
      source: "Vikhrmodels/QVikhr-3-8B-Instruction",
      gated: false,
    },
    maxModelLen: 8192,
    gpuMemoryUtilization: 0.9,
    kvCacheDtype: "auto",
    maxNumSeqs: 16,
    memory: {
      weightsGiB: 15.3,
      activationGiB: 1.5,
      overheadGiB: 0.7,
      kvCacheGiB: 2.3,
      kvBytesPerToken: 147456,
      kvTokens: 16748,
    },
    args: [
      "python3",
      "-m",
      "sglang.launch_server",
      "--model-path",
      "Vikhrmodels/QVikhr-3-8B-Instruction",
      "--served-model-name",
      "qvikhr-3-8b-instruction",
      "--host",
      "0.0.0.0",
      "--port",
      String(port),
      "--dtype",
      "bfloat16",
      "--context-length",
      "8192",
      "--mem-fraction-static",
      "0.83",
      "--max-running-requests",
      "16",
      "--chunked-prefill-size",
      "8192",
      "--tp-size",
      "1",
      "--enable-metrics",
      "--reasoning-parser",
      "qwen3",
    ],
    env: { HF_HOME: "/models", HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" },
    healthPath: "/health",
    modelsPath: "/v1/models",
    metricsPath: "/metrics",
    estimates: { coldStartSeconds: 510, decodeTokensPerSecond: 31 },
  });
}

export const G5_12XL_SGLANG: PoolPlan = pool({
  name: "sglang4",
  instanceType: "g5.12xlarge",
  count: 1,
  gpu: { model: "A10G", count: 4, memoryGiB: 22.0, computeCapability: "8.6" },
  costPerHour: 5.672,
  proxyPort: 8080,
  localNvmeGB: 3800,
  networkGbps: 40,
  replicas: [0, 1, 2, 3].map(sglangVikhr),
});

// --- p4d.24xlarge: eight A100-40GB, one vLLM replica per GPU (the largest user data)
// ------------------------
function vllmQwen14(gpu: number): ReplicaPlan {
  const port = 8000 + gpu;
  return replica({
    gpus: [gpu],
    port,
    engine: "vllm",
    image: "vllm/vllm-openai:v0.11.0",
    model: {
      id: "Qwen/Qwen2.5-14B-Instruct",
      servedName: "qwen2.5-14b-instruct",
      paramsB: 14.8,
      dtype: "bfloat16",
      quantization: "none",
      source: "Qwen/Qwen2.5-14B-Instruct",
      gated: false,
    },
    maxModelLen: 16384,
    gpuMemoryUtilization: 0.9,
    kvCacheDtype: "auto",
    maxNumSeqs: 64,
    memory: {
      weightsGiB: 27.5,
      activationGiB: 2.5,
      overheadGiB: 0.8,
      kvCacheGiB: 4.66,
      kvBytesPerToken: 196608,
      kvTokens: 25450,
    },
    args: [
      "Qwen/Qwen2.5-14B-Instruct",
      "--served-model-name",
      "qwen2.5-14b-instruct",
      "--host",
      "0.0.0.0",
      "--port",
      String(port),
      "--dtype",
      "bfloat16",
      "--max-model-len",
      "16384",
      "--gpu-memory-utilization",
      "0.9",
      "--max-num-seqs",
      "64",
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
      VLLM_NO_USAGE_STATS: "1",
      DO_NOT_TRACK: "1",
    },
    healthPath: "/health",
    modelsPath: "/v1/models",
    metricsPath: "/metrics",
    estimates: { coldStartSeconds: 300, decodeTokensPerSecond: 48 },
  });
}

export const P4D_VLLM8: PoolPlan = pool({
  name: "a100x8",
  instanceType: "p4d.24xlarge",
  count: 1,
  gpu: { model: "A100-40GB", count: 8, memoryGiB: 39.4, computeCapability: "8.0" },
  category: "32gb",
  costPerHour: 21.96,
  proxyPort: 8080,
  localNvmeGB: 8000,
  networkGbps: 400,
  replicas: [0, 1, 2, 3, 4, 5, 6, 7].map(vllmQwen14),
});

// --- g5.12xlarge: one lmdeploy replica with tensor parallelism over four A10G
// ------------------------------
export const G5_12XL_LMDEPLOY_TP4: PoolPlan = pool({
  name: "lmdeploy-tp4",
  instanceType: "g5.12xlarge",
  count: 1,
  gpu: { model: "A10G", count: 4, memoryGiB: 22.0, computeCapability: "8.6" },
  costPerHour: 5.672,
  proxyPort: 8080,
  localNvmeGB: 3800,
  networkGbps: 40,
  replicas: [
    replica({
      gpus: [0, 1, 2, 3],
      tensorParallel: 4,
      port: 8000,
      engine: "lmdeploy",
      image: "openmmlab/lmdeploy:v0.10.1-cu12",
      model: {
        id: "Qwen/Qwen2.5-32B-Instruct",
        servedName: "qwen2.5-32b-instruct",
        paramsB: 32.8,
        dtype: "float16",
        quantization: "awq",
        source: "Qwen/Qwen2.5-32B-Instruct-AWQ",
        gated: false,
      },
      maxModelLen: 32768,
      gpuMemoryUtilization: 0.9,
      kvCacheDtype: "auto",
      maxNumSeqs: 32,
      memory: {
        weightsGiB: 4.6,
        activationGiB: 2.0,
        overheadGiB: 0.8,
        kvCacheGiB: 12.4,
        kvBytesPerToken: 65536,
        kvTokens: 203161,
      },
      args: [
        "lmdeploy",
        "serve",
        "api_server",
        "Qwen/Qwen2.5-32B-Instruct-AWQ",
        "--backend",
        "turbomind",
        "--server-name",
        "0.0.0.0",
        "--server-port",
        "8000",
        "--model-name",
        "qwen2.5-32b-instruct",
        "--dtype",
        "float16",
        "--tp",
        "4",
        "--session-len",
        "32768",
        "--max-batch-size",
        "32",
        "--max-prefill-token-num",
        "8192",
        "--cache-max-entry-count",
        "0.72",
        "--quant-policy",
        "0",
        "--model-format",
        "awq",
      ],
      env: { HF_HOME: "/models", HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1" },
      healthPath: "/health",
      modelsPath: "/v1/models",
      metricsPath: "/metrics",
      estimates: { coldStartSeconds: 540, decodeTokensPerSecond: 22 },
    }),
  ],
});

// --- g5.xlarge: Ollama (GGUF Q4_K_M from the Ollama library)
// ------------------------------------------------
export const G5_OLLAMA: PoolPlan = pool({
  name: "ollama",
  instanceType: "g5.xlarge",
  count: 1,
  gpu: { model: "A10G", count: 1, memoryGiB: 22.0, computeCapability: "8.6" },
  costPerHour: 1.006,
  proxyPort: 8080,
  localNvmeGB: 250,
  networkGbps: 10,
  replicas: [
    replica({
      gpus: [0],
      port: 8000,
      engine: "ollama",
      image: "ollama/ollama:0.12.6",
      model: {
        id: "Qwen/Qwen2.5-7B-Instruct",
        servedName: "qwen2.5:7b-instruct-q4_K_M",
        paramsB: 7.6,
        dtype: "bfloat16",
        quantization: "gguf-q4_k_m",
        source: "qwen2.5:7b-instruct-q4_K_M",
        gated: false,
      },
      maxModelLen: 16384,
      gpuMemoryUtilization: 0.9,
      kvCacheDtype: "q8_0",
      maxNumSeqs: 4,
      memory: {
        weightsGiB: 4.4,
        activationGiB: 1.2,
        overheadGiB: 0.6,
        kvCacheGiB: 1.9,
        kvBytesPerToken: 30464,
        kvTokens: 65536,
      },
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
        OLLAMA_KV_CACHE_TYPE: "q8_0",
      },
      healthPath: "/api/version",
      modelsPath: "/v1/models",
      metricsPath: null,
      estimates: { coldStartSeconds: 240, decodeTokensPerSecond: 85 },
    }),
  ],
});

// --- g6.xlarge: llama.cpp serving one GGUF file on an L4
// -----------------------------------------------------
export const G6_LLAMACPP: PoolPlan = pool({
  name: "llamacpp",
  instanceType: "g6.xlarge",
  count: 1,
  gpu: { model: "L4", count: 1, memoryGiB: 22.0, computeCapability: "8.9" },
  costPerHour: 0.805,
  proxyPort: 8080,
  localNvmeGB: 250,
  networkGbps: 10,
  replicas: [
    replica({
      gpus: [0],
      port: 8000,
      engine: "llamacpp",
      image: "ghcr.io/ggml-org/llama.cpp:server-cuda-b6800",
      model: {
        id: "Qwen/Qwen2.5-7B-Instruct",
        servedName: "qwen2.5-7b-instruct",
        paramsB: 7.6,
        dtype: "bfloat16",
        quantization: "gguf-q4_k_m",
        source: "bartowski/Qwen2.5-7B-Instruct-GGUF/Qwen2.5-7B-Instruct-Q4_K_M.gguf",
        gated: false,
      },
      maxModelLen: 32768,
      gpuMemoryUtilization: 0.9,
      kvCacheDtype: "q8_0",
      maxNumSeqs: 4,
      memory: {
        weightsGiB: 4.4,
        activationGiB: 1.0,
        overheadGiB: 0.6,
        kvCacheGiB: 3.7,
        kvBytesPerToken: 30464,
        kvTokens: 131072,
      },
      args: [
        "-m",
        "/models/gguf/Qwen2.5-7B-Instruct-Q4_K_M.gguf",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        "--alias",
        "qwen2.5-7b-instruct",
        "-c",
        "131072",
        "--parallel",
        "4",
        "-ngl",
        "999",
        "-fa",
        "on",
        "-b",
        "8192",
        "--cache-type-k",
        "q8_0",
        "--cache-type-v",
        "q8_0",
        "--metrics",
        "--jinja",
      ],
      env: {},
      healthPath: "/health",
      modelsPath: "/v1/models",
      metricsPath: "/metrics",
      estimates: { coldStartSeconds: 180, decodeTokensPerSecond: 60 },
    }),
  ],
});

export const ALL_POOLS: PoolPlan[] = [
  A10G_VLLM,
  G5_12XL_SGLANG,
  P4D_VLLM8,
  G5_12XL_LMDEPLOY_TP4,
  G5_OLLAMA,
  G6_LLAMACPP,
];
