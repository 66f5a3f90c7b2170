// Engine facts and launch arguments: what each serving engine can run on which GPU generation, and
// the exact
// `docker run … <image> <args>` tail and environment that boots it. Pure data and functions: no
// @pulumi imports.
//
// How the versions were chosen (looked up 2026-11-21; the stored public material reaches into
// October 2026):
// the newest stable release whose image tag could be confirmed. Flag names were read in the
// engine's own source
// where a copy of that source could be had (lmdeploy v0.16.0 and Ollama v0.32.15 git trees; vLLM
// and SGLang
// sources of earlier releases) and checked against published launch lines for the pinned tag. Each
// spec below says
// which.
//
// Containers run with host networking (`docker run --network host`): the engine binds input.port
// itself, so the
// port in the plan is the port the engine opens, NCCL/ZMQ side channels of a TP group stay on
// loopback, and no
// `-p` mapping can drift from the plan. The on-host proxy is the only thing the load balancer
// reaches.
//
// GPUs are handed to the container with `--gpus "device=<list>"`: inside, the replica's GPUs are
// renumbered 0..n-1,
// so CUDA_VISIBLE_DEVICES is deliberately NOT put in env (setting it to host indices would hide the
// devices).

import { sglangPreLoadGiB } from "./memory";
import type {
  ApiKeyDelivery,
  Dtype,
  EngineId,
  EngineLaunch,
  GpuSpec,
  KvCacheDtype,
  LaunchInput,
  ModelSpec,
  Quantization,
} from "./types";

/** Compute capability "8.6" → 86 (integer, so comparisons are exact). */
export function ccValue(computeCapability: string): number {
  const m = /^(\d+)\.(\d+)$/.exec(computeCapability.trim());
  if (!m) throw new Error(`bad compute capability "${computeCapability}"`);
  return Number(m[1]) * 10 + Number(m[2]);
}

function ccText(cc: number): string {
  return `${Math.floor(cc / 10)}.${cc % 10}`;
}

/** Rounds down to 2 decimals (a memory share must never be rounded up). */
export function floor2(x: number): number {
  // The epsilon absorbs binary noise such as 0.29 * 100 = 28.999999999999996.
  return Math.floor(x * 100 + 1e-9) / 100;
}

export interface QuantRule {
  /** Lowest compute capability (×10, e.g. 75) that loads this weight format. */
  minCc: number;
  /** Why / which kernel, for reasons. */
  note: string;
}

export interface KvRule {
  minCc: number;
  /** The engine's own flag value or env value for this KV dtype. */
  value: string;
  note: string;
}

export interface EngineSpec {
  id: EngineId;
  /** Pinned release. */
  version: string;
  /** Default image for that release. */
  image: string;
  /** Where the tag and date were confirmed. */
  imageSource: string;
  /** CUDA runtime inside `image` and the NVIDIA driver it needs. */
  cuda: string;
  minDriver: string;
  /** Image for GPUs older than `legacyBelowCc` (the default image lacks their kernels), or null. */
  legacyImage: { image: string; belowCc: number; why: string } | null;
  /**
   * Image for hosts whose driver is older than minDriver (same version, CUDA 12 build), or null.
   */
  cuda12Image: string | null;
  /** Lowest compute capability the pinned images run on at all (×10). */
  minCc: number;
  minCcWhy: string;
  /** Weight formats it loads, by compute capability. Absent = cannot load. */
  quantizations: Partial<Record<Quantization, QuantRule>>;
  /** KV-cache dtypes it offers, by compute capability. Absent = not offered. */
  kvCacheDtypes: Partial<Record<KvCacheDtype, KvRule>>;
  /** Weights as Hugging Face safetensors (true) or GGUF / Ollama blobs (false). */
  hfWeights: boolean;
  /** The memory knob: name and verified meaning (file in the engine repo). */
  memoryKnob: { name: string; semantics: string };
  apiKey: ApiKeyDelivery;
  healthPath: string;
  modelsPath: string;
  metricsPath: string | null;
  /** Reasoning-parser names of the pinned version per family. */
  reasoningParsers: Partial<Record<"qwen3" | "deepseek_r1", string>>;
  sources: string[];
}

const GGUF_QUANTS: Partial<Record<Quantization, QuantRule>> = {
  "gguf-q4_k_m": { minCc: 50, note: "ggml CUDA kernels (any CUDA GPU the image has kernels for)" },
  "gguf-q5_k_m": { minCc: 50, note: "ggml CUDA kernels" },
  "gguf-q8_0": { minCc: 50, note: "ggml CUDA kernels" },
};

export const ENGINES: Readonly<Record<EngineId, EngineSpec>> = {
  vllm: {
    id: "vllm",
    // v0.31.0 shipped 2026-10-05 ("a day after v0.31.0 shipped", vllm-project/vllm#60254 context);
    // images
    // vllm/vllm-openai:v0.31.0 (CUDA 13.0) and :v0.31.0-cu129 pushed 2026-10-04 (registry digests
    // quoted in
    // published deployment notes). v0.31.1rc0 had no image (Docker Hub 404) as of October 2026.
    version: "0.31.0",
    image: "vllm/vllm-openai:v0.31.0",
    imageSource: "Docker Hub tag v0.31.0, pushed 2026-10-04 (CUDA 13.0); entrypoint `vllm serve`",
    cuda: "13.0",
    minDriver: "580",
    // The official image builds TORCH_CUDA_ARCH_LIST='7.5 8.0 8.6 8.9 9.0 10.0 11.0 12.0'
    // (docker/Dockerfile since
    // vllm-project/vllm#39878, "Switch default CUDA to 13.0"): sm70 (Volta) has no kernels in
    // either image, and the
    // PyTorch CUDA 12.8+/13 wheels dropped sm70 too. No official vLLM image runs on V100: use
    // lmdeploy or GGUF.
    legacyImage: null,
    cuda12Image: "vllm/vllm-openai:v0.31.0-cu129",
    minCc: 75,
    minCcWhy: "the v0.31.0 images carry no sm70 kernels (TORCH_CUDA_ARCH_LIST starts at 7.5)",
    quantizations: {
      none: { minCc: 75, note: "unquantized weights" },
      // Online FP8 (--quantization fp8): W8A16 via the FP8 Marlin kernel on sm80-sm88, native W8A8
      // on sm89+.
      fp8: { minCc: 80, note: "weight-only FP8 Marlin on 8.0–8.8, native FP8 GEMM from 8.9" },
      // AWQ/GPTQ: plain kernels from 7.5, awq_marlin / gptq_marlin chosen automatically from 8.0.
      awq: { minCc: 75, note: "AWQ kernel from 7.5, awq_marlin from 8.0" },
      gptq: { minCc: 75, note: "GPTQ kernel from 7.5, gptq_marlin from 8.0" },
      bitsandbytes: { minCc: 75, note: "bitsandbytes 4-bit" },
    },
    kvCacheDtypes: {
      auto: { minCc: 75, value: "auto", note: "KV in the compute dtype" },
      // fp8 (= fp8_e4m3). sm89+: native. sm80–sm88: the backend selector filters by KV dtype and
      // picks FlashInfer,
      // which stores/loads fp8 KV with software conversion (vllm-project/vllm#45375 description).
      // sm75: FlashInfer's
      // minimum was raised to 8.0 (#45375, merged 2026-06-12) and TRITON_ATTN rejects e4m3 below
      // 8.9 (the sm75/Ampere
      // Triton fp8 PRs #45829/#49077 were still open) — so no backend on Turing takes an fp8 KV
      // cache.
      fp8: {
        minCc: 80,
        value: "fp8",
        note: "native from 8.9; FlashInfer software conversion on 8.0–8.8",
      },
    },
    hfWeights: true,
    memoryKnob: {
      name: "--gpu-memory-utilization",
      semantics:
        "share of each GPU's TOTAL memory the instance may use for everything (weights, activations, CUDA graphs, KV); " +
        "KV = total×util − peak non-KV use measured by profiling (vllm/v1/worker/gpu_worker.py determine_available_memory)",
    },
    // vLLM's API server takes `--api-key` or, when absent, the VLLM_API_KEY environment variable
    // (vllm/envs.py).
    apiKey: { kind: "env", variable: "VLLM_API_KEY" },
    healthPath: "/health",
    modelsPath: "/v1/models",
    metricsPath: "/metrics",
    reasoningParsers: { qwen3: "qwen3", deepseek_r1: "deepseek_r1" },
    sources: [
      "vllm/engine/arg_utils.py (EngineArgs fields → --tensor-parallel-size, --max-num-seqs, --max-num-batched-tokens, --kv-cache-dtype, --gpu-memory-utilization)",
      "launch lines published for vllm/vllm-openai:v0.31.0: `<image> <model> --served-model-name … --tensor-parallel-size … --max-model-len … --max-num-seqs … --max-num-batched-tokens … --gpu-memory-utilization … --enable-auto-tool-choice --tool-call-parser … --reasoning-parser …`",
    ],
  },

  sglang: {
    id: "sglang",
    // SGLang 0.5.21 is the newest release with a confirmed image: lmsysorg/sglang:v0.5.21
    // (multi-arch, CUDA 13.0),
    // pushed 2026-10-01 (registry digest table in published deployment notes, 2026-10-05). PyPI
    // lists later 0.5.2x
    // releases but no image tag for them could be confirmed.
    version: "0.5.21",
    image: "lmsysorg/sglang:v0.5.21",
    imageSource:
      "Docker Hub tag v0.5.21, pushed 2026-10-01 (CUDA 13.0); no entrypoint, args start with python3 -m sglang.launch_server",
    cuda: "13.0",
    minDriver: "580",
    // Turing: CUDA 13 still targets sm75, but sm75 reports against recent SGLang builds
    // (sgl-project/sglang#24224,
    // "no kernel image … Tesla T4 (sm_75) with latest sglang", 2026-05) show kernels missing from
    // the CUDA 13 stack.
    // The newest CUDA 12.9 build is v0.5.19-cu129 (pushed 2026-09-04); seed 003 ran Turing on a
    // CUDA 12 image.
    legacyImage: {
      image: "lmsysorg/sglang:v0.5.19-cu129",
      belowCc: 80,
      why: "the CUDA 13.0 v0.5.21 image is not known to carry working sm75 kernels; v0.5.19-cu129 is the newest CUDA 12.9 build",
    },
    cuda12Image: "lmsysorg/sglang:v0.5.19-cu129",
    minCc: 75,
    minCcWhy: "SGLang's kernels (sgl-kernel, FlashInfer, Triton ≥ 3.3) do not target sm70",
    quantizations: {
      none: { minCc: 75, note: "unquantized weights" },
      fp8: {
        minCc: 80,
        note: "online FP8: weight-only (Marlin) below 8.9, native FP8 GEMM from 8.9",
      },
      awq: { minCc: 75, note: "AWQ (awq_marlin from 8.0)" },
      gptq: { minCc: 75, note: "GPTQ (gptq_marlin from 8.0)" },
    },
    kvCacheDtypes: {
      auto: { minCc: 75, value: "auto", note: "KV in the compute dtype" },
      // fp8_e4m3 needs the native fp8e4nv conversion (sm89+); on Ampere fp8_e5m2 is the format
      // Triton/FlashInfer
      // read. Turing runs the Triton backend in fp16 (seed 003), which is not offered fp8 KV here.
      fp8: { minCc: 80, value: "fp8_e5m2", note: "fp8_e4m3 from 8.9, fp8_e5m2 on 8.0–8.8" },
    },
    hfWeights: true,
    memoryKnob: {
      name: "--mem-fraction-static",
      semantics:
        "share of the GPU memory free before loading (≈ total) given to weights + KV pool: KV = free_after_load − " +
        "pre_load × (1 − f) (python/sglang/srt/model_executor/model_runner_kv_cache_mixin.py _profile_available_bytes); " +
        "the rest (1 − f) is left for activations and CUDA graphs",
    },
    // SGLang reads the key from --api-key only; the unit expands ${SGLANG_API_KEY} from its
    // root-only env file.
    apiKey: { kind: "arg", flag: "--api-key", variable: "SGLANG_API_KEY" },
    healthPath: "/health",
    modelsPath: "/v1/models",
    metricsPath: "/metrics",
    reasoningParsers: { qwen3: "qwen3", deepseek_r1: "deepseek-r1" },
    sources: [
      "python/sglang/srt/server_args.py (--model-path, --served-model-name, --context-length, --mem-fraction-static, --max-running-requests, --chunked-prefill-size, --tp-size, --kv-cache-dtype, --attention-backend, --sampling-backend, --enable-metrics, --api-key, --reasoning-parser, --tool-call-parser)",
      "seed 003 (Turing: HOME=/tmp, FLASHINFER_WORKSPACE_DIR, TORCH_CUDA_ARCH_LIST=7.5, fp16); seed 000 (--attention-backend triton --sampling-backend pytorch)",
    ],
  },

  lmdeploy: {
    id: "lmdeploy",
    // v0.17.0 image openmmlab/lmdeploy:v0.17.0-cu12.8 is confirmed in a user report running it on
    // 4× V100 (2026-09).
    // Tags are <release>-cu12.8 / <release>-cu13.0 (.github/workflows/docker.yml, "Push docker
    // image with released
    // tag"). Flags and memory semantics were read in the v0.16.0 tree (tag 2026-08-19), the newest
    // source at hand.
    version: "0.17.0",
    image: "openmmlab/lmdeploy:v0.17.0-cu12.8",
    imageSource:
      "Docker Hub tag v0.17.0-cu12.8 (CUDA 12.8 base, PyTorch cu126 wheels, TurboMind built for sm70–sm120)",
    cuda: "12.8",
    minDriver: "570",
    legacyImage: null,
    cuda12Image: "openmmlab/lmdeploy:v0.17.0-cu12.8",
    minCc: 70,
    minCcWhy: "TurboMind is built for 70-real 75-real 80 86 89 90a 100a 120a (CMakeLists.txt)",
    quantizations: {
      none: { minCc: 70, note: "TurboMind fp16 (bf16 from 8.0)" },
      // docs/en/quantization/w4a16.md: TurboMind runs AWQ and GPTQ 4-bit on V100 (sm70), Turing,
      // Ampere, Ada, Hopper.
      awq: { minCc: 70, note: "TurboMind W4A16, sm70+" },
      gptq: { minCc: 70, note: "TurboMind W4A16, sm70+" },
    },
    kvCacheDtypes: {
      auto: { minCc: 70, value: "0", note: "--quant-policy 0" },
      // docs/en/quantization/kv_quant.md: online int8 KV (per-head, per-token), sm70 and above.
      // lmdeploy's 8/4-bit KV caches are integer formats, not FP8: gpufleet names them q8_0 / q4_0
      // (8/4-bit
      // integer KV, as llama.cpp's), so that `kvCacheDtype: fp8` never silently means int8.
      q8_0: {
        minCc: 70,
        value: "8",
        note: "--quant-policy 8 = int8 KV (per-head, per-token scales)",
      },
      q4_0: {
        minCc: 70,
        value: "4",
        note: "--quant-policy 4 = int4 KV (per-head, per-token scales)",
      },
    },
    hfWeights: true,
    memoryKnob: {
      name: "--cache-max-entry-count",
      semantics:
        "share of the memory FREE after the weights are loaded that becomes KV cache, 0 < r < 1 " +
        "(TurboMind: cache_bytes = cudaMemGetInfo free × r, src/turbomind/turbomind.cc CreateEngine; " +
        "PyTorch backend: (free − runtime buffers) × r, lmdeploy/pytorch/engine/executor/base.py _get_runtime_size)",
    },
    // --api-keys takes a space-separated list (lmdeploy/cli/utils.py ArgumentHelper.api_keys);
    // /health is exempt.
    apiKey: { kind: "arg", flag: "--api-keys", variable: "LMDEPLOY_API_KEY" },
    healthPath: "/health",
    modelsPath: "/v1/models",
    // Metrics are on by default (`--disable-metrics` turns them off) and mounted at /metrics
    // (lmdeploy/serve/openai/api_server.py mount_metrics; lmdeploy/messages.py enable_metrics: bool
    // = True).
    metricsPath: "/metrics",
    // lmdeploy/serve/parsers/reasoning_parser/reasoning_parser.py: the `default` parser handles
    // <think> blocks;
    // 'deepseek-r1' / 'qwen-qwq' survive only as legacy names.
    reasoningParsers: { qwen3: "default", deepseek_r1: "default" },
    sources: [
      "lmdeploy/cli/serve.py (api_server sub-command), lmdeploy/cli/utils.py (ArgumentHelper: --backend, --dtype, --tp, --session-len, --max-batch-size, --cache-max-entry-count, --quant-policy, --model-format, --max-prefill-token-num, --api-keys, --model-name, --reasoning-parser, --tool-call-parser, --trust-remote-code)",
      "lmdeploy/serve/openai/endpoints/management.py (GET /health)",
    ],
  },

  llamacpp: {
    id: "llamacpp",
    // Build b11459: server-cuda image pinned by digest sha256:fff6185e… in published notes dated
    // 2026-10-08
    // (CUDA 12.8.1). The image's entrypoint is /app/llama-server.
    version: "b11459",
    image: "ghcr.io/ggml-org/llama.cpp:server-cuda-b11459",
    imageSource:
      "GHCR tag server-cuda-b11459 (CUDA 12.8.1), referenced 2026-10-08; entrypoint llama-server",
    cuda: "12.8",
    minDriver: "570",
    legacyImage: null,
    cuda12Image: "ghcr.io/ggml-org/llama.cpp:server-cuda-b11459",
    minCc: 50,
    minCcWhy: "ggml's default CUDA architectures include PTX for 5.0+ under CUDA 12.8",
    quantizations: GGUF_QUANTS,
    kvCacheDtypes: {
      auto: { minCc: 50, value: "f16", note: "f16 KV" },
      // Quantized V cache needs flash attention (-fa on); common/arg.cpp --cache-type-k/-v.
      q8_0: { minCc: 50, value: "q8_0", note: "--cache-type-k/-v q8_0 with -fa on" },
      q4_0: { minCc: 50, value: "q4_0", note: "--cache-type-k/-v q4_0 with -fa on" },
    },
    hfWeights: false,
    memoryKnob: {
      name: "-c",
      semantics:
        "total KV context in tokens, shared by --parallel slots (each slot gets c / parallel); with -ngl 999 every " +
        "layer and its KV live on the GPU",
    },
    // common/arg.cpp: `--api-key` is registered with set_env("LLAMA_API_KEY"), so the key never
    // needs argv.
    apiKey: { kind: "env", variable: "LLAMA_API_KEY" },
    healthPath: "/health",
    modelsPath: "/v1/models",
    metricsPath: "/metrics",
    reasoningParsers: { qwen3: "deepseek", deepseek_r1: "deepseek" },
    sources: [
      "common/arg.cpp (-m, --host, --port, -c, -np/--parallel, -ngl, -fa, -ctk/-ctv, --api-key/LLAMA_API_KEY, --metrics, --alias, --jinja, --reasoning-format, -sm)",
    ],
  },

  ollama: {
    id: "ollama",
    // ollama/ollama:0.35.1 is the newest stable tag seen in published compose files (autumn 2026).
    // Env names were
    // read in the v0.32.15 tree (tag 2026-08-19, envconfig/config.go), the newest source at hand.
    version: "0.35.1",
    image: "ollama/ollama:0.35.1",
    imageSource: "Docker Hub tag 0.35.1; ENTRYPOINT /bin/ollama, CMD serve (Dockerfile)",
    cuda: "12.8 / 13.0 (picked at run time by driver)",
    minDriver: "531",
    legacyImage: null,
    cuda12Image: "ollama/ollama:0.35.1",
    minCc: 50,
    minCcWhy: "Ollama ships ggml CUDA 12 runners for 5.0+ and CUDA 13 runners for 7.5+",
    quantizations: GGUF_QUANTS,
    kvCacheDtypes: {
      auto: { minCc: 50, value: "f16", note: "f16 KV" },
      q8_0: {
        minCc: 50,
        value: "q8_0",
        note: "OLLAMA_KV_CACHE_TYPE=q8_0 with OLLAMA_FLASH_ATTENTION=1",
      },
      q4_0: {
        minCc: 50,
        value: "q4_0",
        note: "OLLAMA_KV_CACHE_TYPE=q4_0 with OLLAMA_FLASH_ATTENTION=1",
      },
    },
    hfWeights: false,
    memoryKnob: {
      name: "OLLAMA_CONTEXT_LENGTH",
      semantics:
        "context per request; the runner allocates KV for OLLAMA_CONTEXT_LENGTH × OLLAMA_NUM_PARALLEL tokens " +
        "(envconfig/config.go ContextLength, NumParallel)",
    },
    apiKey: { kind: "none" },
    // server/routes.go: GET / answers "Ollama is running"; /api/version answers JSON.
    healthPath: "/api/version",
    modelsPath: "/v1/models",
    metricsPath: null,
    reasoningParsers: {},
    sources: [
      "envconfig/config.go (OLLAMA_HOST, OLLAMA_MODELS, OLLAMA_CONTEXT_LENGTH, OLLAMA_NUM_PARALLEL, OLLAMA_KV_CACHE_TYPE, OLLAMA_FLASH_ATTENTION, OLLAMA_KEEP_ALIVE, OLLAMA_NOPRUNE, OLLAMA_MAX_LOADED_MODELS)",
      "server/routes.go (/, /api/version, /v1/models)",
    ],
  },
};

/** Model types whose code is not in transformers and so needs --trust-remote-code. */
const TRUST_REMOTE_CODE_MODEL_TYPES = new Set([
  "chatglm",
  "internlm",
  "internlm2",
  "qwen",
  "baichuan",
  "minicpm",
  "deepseek",
]);

/** Models that refuse float16 (overflow to inf/NaN in fp16): Gemma 2 and 3. */
export function refusesFp16(model: ModelSpec): boolean {
  return /^gemma[23]/.test(model.arch.model_type);
}

/** bf16 from compute capability 8.0, else fp16. */
export function computeDtype(gpu: GpuSpec, _model?: ModelSpec): Dtype {
  return ccValue(gpu.computeCapability) >= 80 ? "bfloat16" : "float16";
}

function ggufQuantOfModel(model: ModelSpec, engine: EngineId): Quantization | undefined {
  if (engine === "ollama") return model.artifacts.ollama?.quantization;
  if (engine === "llamacpp") return model.artifacts.gguf?.quantization;
  return undefined;
}

/** Weight formats the engine can load for this model on this GPU, most preferred first. */
export function supportedQuantizations(
  engine: EngineId,
  gpu: GpuSpec,
  model: ModelSpec,
): Quantization[] {
  const spec = ENGINES[engine];
  const cc = ccValue(gpu.computeCapability);
  if (cc < spec.minCc) return [];
  const ok = (q: Quantization): boolean => {
    const rule = spec.quantizations[q];
    return rule !== undefined && cc >= rule.minCc;
  };
  if (!spec.hfWeights) {
    const q = ggufQuantOfModel(model, engine);
    return q !== undefined && ok(q) ? [q] : [];
  }
  if (model.weightsQuantization) {
    return ok(model.weightsQuantization) ? [model.weightsQuantization] : [];
  }
  if (!refusesFp16(model) || cc >= 80) {
    // Unquantized first; then online FP8 (half the bytes); then pre-quantized repos the model
    // lists.
    const order: Quantization[] = ["none", "fp8"];
    if (model.artifacts.awq) order.push("awq");
    if (model.artifacts.gptq) order.push("gptq");
    if (engine === "vllm") order.push("bitsandbytes");
    return order.filter(ok);
  }
  return [];
}

/** KV-cache dtypes the engine offers on this GPU, the default ("auto") first. */
export function supportedKvCacheDtypes(engine: EngineId, gpu: GpuSpec): KvCacheDtype[] {
  const spec = ENGINES[engine];
  const cc = ccValue(gpu.computeCapability);
  if (cc < spec.minCc) return [];
  const order: KvCacheDtype[] = ["auto", "fp8", "q8_0", "q4_0"];
  return order.filter((d) => {
    const rule = spec.kvCacheDtypes[d];
    return rule !== undefined && cc >= rule.minCc;
  });
}

export interface SupportQuery {
  engine: EngineId;
  gpu: GpuSpec;
  model: ModelSpec;
  quantization: Quantization;
  kvCacheDtype: KvCacheDtype;
  dtype: Dtype;
  tensorParallel: number;
}

/**
 * Why the engine cannot run this combination (empty when it can), each reason with what would work
 * instead.
 */
export function checkEngineSupport(q: SupportQuery): string[] {
  const spec = ENGINES[q.engine];
  const cc = ccValue(q.gpu.computeCapability);
  const name = `${q.engine} ${spec.version}`;
  const on = `${q.gpu.id} (compute capability ${q.gpu.computeCapability}`;
  const reasons: string[] = [];

  if (cc < spec.minCc) {
    reasons.push(
      `${name} does not run on ${on}; needs ≥ ${ccText(spec.minCc)}): ${spec.minCcWhy}; use ` +
        (cc >= 70
          ? "lmdeploy or a GGUF engine (llamacpp, ollama)"
          : "a GGUF engine (llamacpp, ollama)"),
    );
    return reasons;
  }

  // Weight format.
  const qRule = spec.quantizations[q.quantization];
  const supportedQ = supportedQuantizations(q.engine, q.gpu, q.model);
  if (!qRule) {
    const alt = supportedQ.length
      ? `use quantization ${supportedQ.map((s) => `"${s}"`).join(" or ")}`
      : "use another engine";
    reasons.push(
      spec.hfWeights
        ? `${name} cannot load ${q.quantization} weights: ${alt}`
        : `${name} loads GGUF weights only, not "${q.quantization}": ${alt}`,
    );
  } else if (cc < qRule.minCc) {
    const alt = supportedQ.length
      ? `use quantization ${supportedQ.map((s) => `"${s}"`).join(" or ")}`
      : "use another engine";
    reasons.push(
      `${name} cannot load ${q.quantization} weights on ${on}; needs ≥ ${ccText(qRule.minCc)}): ${alt}`,
    );
  } else if (spec.hfWeights) {
    if (q.model.weightsQuantization && q.quantization !== q.model.weightsQuantization) {
      reasons.push(
        `${q.model.id} is already quantized as ${q.model.weightsQuantization}, so ${name} can only load it as that: use quantization "${q.model.weightsQuantization}"`,
      );
    } else if (
      !q.model.weightsQuantization &&
      (q.quantization === "awq" || q.quantization === "gptq") &&
      !q.model.artifacts[q.quantization]
    ) {
      reasons.push(
        `${q.model.id} lists no ${q.quantization.toUpperCase()} repo, and ${name} cannot quantize to ${q.quantization} at load time: use quantization "none" or "fp8"`,
      );
    }
  } else {
    const have = ggufQuantOfModel(q.model, q.engine);
    if (have === undefined) {
      reasons.push(
        `${q.model.id} has no ${q.engine === "ollama" ? "Ollama tag" : "GGUF file"} in the catalog: use an HF engine (vllm, sglang, lmdeploy)`,
      );
    } else if (have !== q.quantization) {
      reasons.push(
        `${q.model.id}'s ${q.engine === "ollama" ? "Ollama tag" : "GGUF file"} ships ${have}, not ${q.quantization}: use quantization "${have}"`,
      );
    }
  }

  // KV cache.
  const kvRule = spec.kvCacheDtypes[q.kvCacheDtype];
  const kvOk = supportedKvCacheDtypes(q.engine, q.gpu);
  const kvAlt = `use kvCacheDtype ${kvOk.map((d) => `"${d}"`).join(" or ")}`;
  if (!kvRule) {
    reasons.push(`${name} has no "${q.kvCacheDtype}" KV cache: ${kvAlt}`);
  } else if (cc < kvRule.minCc) {
    const full = q.engine === "vllm" || q.engine === "sglang" ? "; safe natively on ≥ 8.9" : "";
    reasons.push(
      `${name} cannot use an FP8 KV cache on ${on}; needs ≥ ${ccText(kvRule.minCc)}${full}): ${kvAlt}`,
    );
  }

  // Compute dtype.
  if (q.dtype === "bfloat16" && cc < 80) {
    reasons.push(`bfloat16 needs compute capability ≥ 8.0 and ${on}): use dtype "float16"`);
  }
  if (spec.hfWeights && refusesFp16(q.model)) {
    if (cc < 80) {
      reasons.push(
        `${q.model.id} (${q.model.arch.model_type}) refuses float16 and ${on}) has no bfloat16; float32 would double the weights and is not planned: ` +
          `use a GPU with compute capability ≥ 8.0, or a GGUF engine (llamacpp, ollama)`,
      );
    } else if (q.dtype === "float16") {
      reasons.push(
        `${q.model.id} (${q.model.arch.model_type}) refuses float16: use dtype "bfloat16"`,
      );
    }
  }
  if (q.dtype === "float32") {
    reasons.push(
      `float32 is not planned (twice the memory of 16-bit weights): use dtype "${computeDtype(q.gpu)}"`,
    );
  }

  // Parallelism.
  if (!Number.isInteger(q.tensorParallel) || q.tensorParallel < 1) {
    reasons.push(`tensorParallel must be a positive integer, got ${q.tensorParallel}`);
  } else if (q.tensorParallel > 1) {
    if (q.engine === "ollama") {
      reasons.push(
        `${name} has no tensor parallelism (it spreads layers on its own): use tensorParallel 1, or llamacpp / vllm for several GPUs`,
      );
    } else if (q.engine === "llamacpp") {
      // llama.cpp splits layers across the replica's GPUs (--split-mode layer): allowed, KV heads
      // need not divide.
    } else if (
      q.model.arch.num_key_value_heads % q.tensorParallel !== 0 &&
      q.model.arch.num_attention_heads % q.tensorParallel !== 0
    ) {
      reasons.push(
        `tensorParallel ${q.tensorParallel} divides neither the ${q.model.arch.num_attention_heads} attention heads nor the ${q.model.arch.num_key_value_heads} KV heads of ${q.model.id}: use a divisor of ${q.model.arch.num_key_value_heads}`,
      );
    } else if (q.engine === "lmdeploy" && (q.tensorParallel & (q.tensorParallel - 1)) !== 0) {
      reasons.push(`${name} takes --tp as a power of two, got ${q.tensorParallel}: use 2, 4 or 8`);
    }
  }
  return reasons;
}

/**
 * Image for this engine on this GPU (the legacy build where the default lacks the GPU's kernels).
 */
export function imageFor(engine: EngineId, gpu: GpuSpec): string {
  const spec = ENGINES[engine];
  if (spec.legacyImage && ccValue(gpu.computeCapability) < spec.legacyImage.belowCc)
    return spec.legacyImage.image;
  return spec.image;
}

function toolParser(engine: EngineId, model: ModelSpec): string | null {
  const t = model.arch.model_type;
  const qwen = t === "qwen2" || t === "qwen3" || t === "qwen2_moe" || t === "qwen3_moe";
  if (!qwen) return null;
  switch (engine) {
    case "vllm":
      return "hermes";
    case "sglang":
      return "qwen25";
    case "lmdeploy":
      return t.startsWith("qwen3") ? "qwen3" : "qwen2d5";
    default:
      return null;
  }
}

function dtypeArg(dtype: Dtype): string {
  return dtype;
}

function memoryKnobValue(input: LaunchInput): { flagValue: string; share: number } {
  const m = input.memory;
  switch (input.engine) {
    case "vllm": {
      const v = floor2(input.gpuMemoryUtilization);
      return { flagValue: v.toFixed(2), share: v };
    }
    case "sglang": {
      // SGLang sizes its pool as free_after_load − free_before_load × (1 − f): with f ×
      // free_before_load =
      // weights + KV the pool equals the planned KV (model_runner_kv_cache_mixin.py,
      // _profile_available_bytes).
      const v = floor2(
        (m.weightsGiB + m.kvCacheGiB) /
          (input.gpu.memoryGiB - sglangPreLoadGiB(m.overheadGiB, !input.gpu.cloud)),
      );
      return { flagValue: v.toFixed(2), share: v };
    }
    case "lmdeploy": {
      const free = input.gpu.memoryGiB - m.weightsGiB - m.overheadGiB;
      // TurboMind rejects r ≥ 1 (turbomind.cc TM_CHECK_LT(cache_ratio, 1.)).
      const v = Math.min(0.99, floor2(m.kvCacheGiB / free));
      return { flagValue: v.toFixed(2), share: v };
    }
    default:
      return { flagValue: "", share: 0 };
  }
}

/**
 * Memory-knob value for a launch: the share (vllm/sglang/lmdeploy) or the token count
 * (llama.cpp/Ollama).
 */
export function memoryKnobFor(input: LaunchInput): string {
  switch (input.engine) {
    case "llamacpp":
      return `-c ${input.maxModelLen * input.maxNumSeqs} --parallel ${input.maxNumSeqs}`;
    case "ollama":
      return `OLLAMA_CONTEXT_LENGTH=${input.maxModelLen} OLLAMA_NUM_PARALLEL=${input.maxNumSeqs}`;
    default:
      return `${ENGINES[input.engine].memoryKnob.name} ${memoryKnobValue(input).flagValue}`;
  }
}

function hfEnv(modelDir: string): Record<string, string> {
  // The host cache is the HF cache layout (`${modelDir}/hub/models--org--name/snapshots/<rev>`),
  // pre-downloaded before
  // the engine starts (seed 003). Engines resolve the repo id there; offline mode forbids any
  // download at boot.
  // The cache is mounted read-only: transformers' remote-code modules cache must live elsewhere.
  return {
    HF_HOME: modelDir,
    HF_HUB_OFFLINE: "1",
    TRANSFORMERS_OFFLINE: "1",
    HF_MODULES_CACHE: "/tmp/hf_modules",
  };
}

/** NCCL settings for a TP group. Empty on purpose, see the comment. */
function ncclEnv(_input: LaunchInput): Record<string, string> {
  // Nothing is needed on a single host: NCCL probes P2P itself and falls back to shared memory
  // (which --ipc=host
  // provides) where PCIe P2P is unavailable (e.g. T4s on g4dn), and vLLM checks P2P before enabling
  // its custom
  // all-reduce. NCCL_P2P_DISABLE=1 would slow hosts where P2P works and fixes nothing NCCL does not
  // detect; there is no
  // InfiniBand/EFA to configure for intra-host TP, and with host networking NCCL's bootstrap uses
  // loopback.
  return {};
}

/** Arguments and environment that boot one replica with the pinned image. */
export function buildLaunch(input: LaunchInput): EngineLaunch {
  const spec = ENGINES[input.engine];
  const problems = checkEngineSupport({
    engine: input.engine,
    gpu: input.gpu,
    model: input.model,
    quantization: input.quantization,
    kvCacheDtype: input.kvCacheDtype,
    dtype: input.dtype,
    tensorParallel: input.tensorParallel,
  });
  if (problems.length) throw new Error(problems.join("; "));
  if (input.tensorParallel !== input.gpus.length) {
    throw new Error(
      `tensorParallel ${input.tensorParallel} does not match the ${input.gpus.length} GPUs of the replica`,
    );
  }
  const cc = ccValue(input.gpu.computeCapability);
  const port = String(input.port);
  const tp = input.tensorParallel;
  const trust = TRUST_REMOTE_CODE_MODEL_TYPES.has(input.model.arch.model_type);
  const tools = toolParser(input.engine, input.model);
  const reasoning = input.model.reasoning
    ? spec.reasoningParsers[input.model.reasoning]
    : undefined;
  const base = {
    image: imageFor(input.engine, input.gpu),
    apiKey: spec.apiKey,
    healthPath: spec.healthPath,
    modelsPath: spec.modelsPath,
    metricsPath: spec.metricsPath,
    memoryKnob: memoryKnobFor(input),
  };

  switch (input.engine) {
    case "vllm": {
      if (input.task === "embedding" || input.task === "rerank") {
        // Pooling runner (vLLM docs, "Pooling models": --runner pooling; --convert embed adapts a
        // *ForCausalLM
        // checkpoint such as Qwen3-Embedding to an embedding model). Serves /v1/embeddings,
        // /v1/rerank, /v1/score.
        const args = [
          input.source,
          "--served-model-name",
          input.model.servedName,
          "--host",
          "0.0.0.0",
          "--port",
          port,
          "--dtype",
          dtypeArg(input.dtype),
          "--max-model-len",
          String(input.maxModelLen),
          "--gpu-memory-utilization",
          memoryKnobValue(input).flagValue,
          "--max-num-seqs",
          String(input.maxNumSeqs),
          "--max-num-batched-tokens",
          String(input.maxNumBatchedTokens),
          "--tensor-parallel-size",
          String(tp),
          "--runner",
          "pooling",
        ];
        const causal = input.model.arch.architectures.some((a) => a.endsWith("ForCausalLM"));
        if (input.task === "embedding" && causal) args.push("--convert", "embed");
        if (trust) args.push("--trust-remote-code");
        const env: Record<string, string> = {
          ...hfEnv(input.modelDir),
          VLLM_NO_USAGE_STATS: "1",
          DO_NOT_TRACK: "1",
        };
        return { ...base, args, env, needsIpcHost: true };
      }
      // The image's ENTRYPOINT is `vllm serve`: the model is the first positional argument.
      const args = [
        input.source,
        "--served-model-name",
        input.model.servedName,
        "--host",
        "0.0.0.0",
        "--port",
        port,
        "--dtype",
        dtypeArg(input.dtype),
        "--max-model-len",
        String(input.maxModelLen),
        "--gpu-memory-utilization",
        memoryKnobValue(input).flagValue,
        "--max-num-seqs",
        String(input.maxNumSeqs),
        "--max-num-batched-tokens",
        String(input.maxNumBatchedTokens),
        "--kv-cache-dtype",
        spec.kvCacheDtypes[input.kvCacheDtype]!.value,
        "--tensor-parallel-size",
        String(tp),
      ];
      // Pre-quantized AWQ/GPTQ repos are detected from config.json (awq_marlin/gptq_marlin on ≥
      // 8.0); forcing
      // --quantization awq would pin the slower kernel. Only load-time quantizations are named.
      if (input.quantization === "fp8" && !input.model.weightsQuantization)
        args.push("--quantization", "fp8");
      if (input.quantization === "bitsandbytes") args.push("--quantization", "bitsandbytes");
      if (trust) args.push("--trust-remote-code");
      if (reasoning) args.push("--reasoning-parser", reasoning);
      if (tools) args.push("--enable-auto-tool-choice", "--tool-call-parser", tools);
      // Turing: v0.31 auto-selects TRITON_ATTN (FlashInfer's floor is 8.0 since #45375); no
      // VLLM_ATTENTION_BACKEND is needed, and that variable was replaced by --attention-backend
      // anyway.
      const env: Record<string, string> = {
        ...hfEnv(input.modelDir),
        VLLM_NO_USAGE_STATS: "1",
        DO_NOT_TRACK: "1",
        ...(tp > 1 ? ncclEnv(input) : {}),
      };
      return { ...base, args, env, needsIpcHost: true };
    }

    case "sglang": {
      const turing = cc < 80;
      const args = [
        "python3",
        "-m",
        "sglang.launch_server",
        "--model-path",
        input.source,
        "--served-model-name",
        input.model.servedName,
        "--host",
        "0.0.0.0",
        "--port",
        port,
        "--dtype",
        dtypeArg(input.dtype),
        "--context-length",
        String(input.maxModelLen),
        "--mem-fraction-static",
        memoryKnobValue(input).flagValue,
        "--max-running-requests",
        String(input.maxNumSeqs),
        "--chunked-prefill-size",
        String(input.maxNumBatchedTokens),
        "--tp-size",
        String(tp),
      ];
      if (input.kvCacheDtype === "fp8") {
        args.push("--kv-cache-dtype", cc >= 89 ? "fp8_e4m3" : "fp8_e5m2");
      }
      if (input.quantization === "fp8" && !input.model.weightsQuantization)
        args.push("--quantization", "fp8");
      if (turing) args.push("--attention-backend", "triton", "--sampling-backend", "pytorch");
      args.push("--enable-metrics");
      if (trust) args.push("--trust-remote-code");
      if (reasoning) args.push("--reasoning-parser", reasoning);
      if (tools) args.push("--tool-call-parser", tools);
      const env: Record<string, string> = {
        ...hfEnv(input.modelDir),
        ...(tp > 1 ? ncclEnv(input) : {}),
      };
      if (turing) {
        // Seed 003: FlashInfer writes its JIT workspace under $HOME (PermissionError on
        // /home/sglang otherwise);
        // TORCH_CUDA_ARCH_LIST limits JIT builds to the GPU's architecture.
        env.HOME = "/tmp";
        env.FLASHINFER_WORKSPACE_DIR = "/tmp/flashinfer";
        env.TORCH_CUDA_ARCH_LIST = input.gpu.computeCapability;
      }
      return { ...base, args, env, needsIpcHost: true };
    }

    case "lmdeploy": {
      const args = [
        "lmdeploy",
        "serve",
        "api_server",
        input.source,
        "--backend",
        "turbomind",
        "--server-name",
        "0.0.0.0",
        "--server-port",
        port,
        "--model-name",
        input.model.servedName,
        "--dtype",
        dtypeArg(input.dtype),
        "--tp",
        String(tp),
        "--session-len",
        String(input.maxModelLen),
        "--max-batch-size",
        String(input.maxNumSeqs),
        "--max-prefill-token-num",
        String(input.maxNumBatchedTokens),
        "--cache-max-entry-count",
        memoryKnobValue(input).flagValue,
        "--quant-policy",
        spec.kvCacheDtypes[input.kvCacheDtype]!.value,
      ];
      if (input.quantization === "awq" || input.quantization === "gptq")
        args.push("--model-format", input.quantization);
      if (trust) args.push("--trust-remote-code");
      if (reasoning) args.push("--reasoning-parser", reasoning);
      if (tools) args.push("--tool-call-parser", tools);
      const env: Record<string, string> = {
        ...hfEnv(input.modelDir),
        ...(tp > 1 ? ncclEnv(input) : {}),
      };
      return { ...base, args, env, needsIpcHost: tp > 1 };
    }

    case "llamacpp": {
      const file = input.model.artifacts.gguf?.file ?? input.source;
      const args = [
        "-m",
        `${input.modelDir}/gguf/${file}`,
        "--host",
        "0.0.0.0",
        "--port",
        port,
        "--alias",
        input.model.servedName,
        "-c",
        String(input.maxModelLen * input.maxNumSeqs),
        "--parallel",
        String(input.maxNumSeqs),
        "-ngl",
        "999",
        "-fa",
        "on",
        "-b",
        String(input.maxNumBatchedTokens),
      ];
      if (input.kvCacheDtype !== "auto") {
        const v = spec.kvCacheDtypes[input.kvCacheDtype]!.value;
        args.push("--cache-type-k", v, "--cache-type-v", v);
      }
      if (tp > 1) args.push("--split-mode", "layer");
      args.push("--metrics", "--jinja");
      if (reasoning) args.push("--reasoning-format", reasoning);
      return { ...base, args, env: {}, needsIpcHost: tp > 1 };
    }

    case "ollama": {
      // ENTRYPOINT /bin/ollama, CMD serve: everything is configured through the environment.
      const env: Record<string, string> = {
        OLLAMA_HOST: `0.0.0.0:${port}`,
        OLLAMA_MODELS: `${input.modelDir}/ollama`,
        OLLAMA_CONTEXT_LENGTH: String(input.maxModelLen),
        OLLAMA_NUM_PARALLEL: String(input.maxNumSeqs),
        OLLAMA_MAX_LOADED_MODELS: "1",
        // Keep the model loaded (the default unloads after 5 minutes idle and the next request pays
        // a cold load).
        OLLAMA_KEEP_ALIVE: "-1",
        // The model directory is mounted read-only: never prune blobs at start.
        OLLAMA_NOPRUNE: "1",
        OLLAMA_FLASH_ATTENTION: "1",
      };
      if (input.kvCacheDtype !== "auto")
        env.OLLAMA_KV_CACHE_TYPE = spec.kvCacheDtypes[input.kvCacheDtype]!.value;
      return { ...base, args: ["serve"], env, needsIpcHost: tp > 1 };
    }
  }
}
