// Engine catalog: what each serving engine is, pinned to one release, as data. Every other module
// (support rules, launch arguments, the renderers through the plan) reads its engine facts here.
// Pure data, no dependencies beyond the shared types.
//
// How the versions were chosen (looked up 2026-11-21; the stored public material reaches into
// October 2026): the newest stable release whose image tag could be confirmed. Flag names were
// read in the engine's own source where a copy of that source could be had (lmdeploy v0.16.0 and
// Ollama v0.32.15 git trees; vLLM and SGLang sources of earlier releases) and checked against
// published launch lines for the pinned tag. Each spec below says which.

import type {
  ApiKeyDelivery,
  EngineId,
  KvCacheDtype,
  MemoryKnobKind,
  Quantization,
  WeightsFormat,
} from "../types";
import { pinImage } from "./digests";

export interface KvRule {
  /** Lowest compute capability (×10, e.g. 75) that offers this KV dtype. */
  minCc: number;
  /** The engine's own flag value or env value for this KV dtype. */
  value: string;
}

/** How an engine splits a model over the GPUs of one replica. */
export interface TensorParallelRule {
  /**
   * "heads": tensor parallelism over attention and KV heads (each must divide by the size);
   * "layers": consecutive layers per GPU (llama.cpp --split-mode layer), any size;
   * "none": one GPU per replica only.
   */
  split: "heads" | "layers" | "none";
  /** The size must be a power of two (lmdeploy's TurboMind). */
  powerOfTwo: boolean;
}

export interface EngineSpec {
  id: EngineId;
  /** Pinned release. */
  version: string;
  /** Default image for that release. */
  image: string;
  /** Image for GPUs below `belowCc` (the default image lacks their kernels), or null. */
  legacyImage: { image: string; belowCc: number } | null;
  /** Lowest compute capability the pinned images run on at all (×10), and why. */
  minCc: number;
  minCcWhy: string;
  /** Weight formats it loads: the lowest compute capability (×10) for each. Absent = cannot. */
  quantizations: Partial<Record<Quantization, number>>;
  /** KV-cache dtypes it offers, by compute capability. Absent = not offered. */
  kvCacheDtypes: Partial<Record<KvCacheDtype, KvRule>>;
  /** How the weights reach the host cache: an HF snapshot, one GGUF file, or an Ollama pull. */
  weights: WeightsFormat;
  /**
   * The engine's memory knob: its flag (or variable) and what its value is a share of (see
   * MemoryKnobKind). The verified meaning of each is in the comment beside it.
   */
  memoryKnob: { name: string; kind: MemoryKnobKind };
  /**
   * When the container needs --ipc=host (PyTorch / NCCL shared memory): "always" for engines that
   * fork workers even alone, "tensor-parallel" for those that only share memory across GPUs.
   */
  ipcHost: "always" | "tensor-parallel";
  tensorParallel: TensorParallelRule;
  apiKey: ApiKeyDelivery;
  healthPath: string;
  modelsPath: string;
  metricsPath: string | null;
  /** Reasoning-parser names of the pinned version per family. */
  reasoningParsers: Partial<Record<"qwen3" | "deepseek_r1", string>>;
  /**
   * The image's ENTRYPOINT, which the planned args follow (the Docker target wraps it to read the
   * API key from a file); [] when the args start with the program. From each imageSource below.
   */
  entrypoint: string[];
  /** A program in the image that can run the container's health check (an HTTP GET of /health). */
  healthProbe: "python3" | "curl" | "ollama";
}

// ggml CUDA kernels: any CUDA GPU the image has kernels for.
const GGUF_QUANTS: Partial<Record<Quantization, number>> = {
  "gguf-q4_k_m": 50,
  "gguf-q5_k_m": 50,
  "gguf-q8_0": 50,
};

export const ENGINES: Readonly<Record<EngineId, EngineSpec>> = {
  vllm: {
    id: "vllm",
    entrypoint: ["vllm", "serve"],
    healthProbe: "python3",
    // v0.31.0 shipped 2026-10-05 ("a day after v0.31.0 shipped", vllm-project/vllm#60254 context);
    // images vllm/vllm-openai:v0.31.0 (CUDA 13.0, driver ≥ 580) and :v0.31.0-cu129 pushed
    // 2026-10-04 (registry digests quoted in published deployment notes). v0.31.1rc0 had no image
    // (Docker Hub 404) as of October 2026. Entrypoint `vllm serve`.
    // Flags: vllm/engine/arg_utils.py (EngineArgs fields → --tensor-parallel-size, --max-num-seqs,
    // --max-num-batched-tokens, --kv-cache-dtype, --gpu-memory-utilization); launch lines
    // published for vllm/vllm-openai:v0.31.0.
    version: "0.31.0",
    image: pinImage("vllm/vllm-openai:v0.31.0"),
    // The official image builds TORCH_CUDA_ARCH_LIST='7.5 8.0 8.6 8.9 9.0 10.0 11.0 12.0'
    // (docker/Dockerfile since vllm-project/vllm#39878, "Switch default CUDA to 13.0"): sm70
    // (Volta) has no kernels in either image, and the PyTorch CUDA 12.8+/13 wheels dropped sm70
    // too. No official vLLM image runs on V100: use lmdeploy or GGUF.
    legacyImage: null,
    minCc: 75,
    minCcWhy: "the v0.31.0 images carry no sm70 kernels (TORCH_CUDA_ARCH_LIST starts at 7.5)",
    quantizations: {
      none: 75,
      // Online FP8 (--quantization fp8): W8A16 via the FP8 Marlin kernel on sm80-sm88, native W8A8
      // on sm89+.
      fp8: 80,
      // AWQ/GPTQ: plain kernels from 7.5, awq_marlin / gptq_marlin chosen automatically from 8.0.
      awq: 75,
      gptq: 75,
      bitsandbytes: 75,
    },
    kvCacheDtypes: {
      auto: { minCc: 75, value: "auto" },
      // fp8 (= fp8_e4m3). sm89+: native. sm80–sm88: the backend selector filters by KV dtype and
      // picks FlashInfer, which stores/loads fp8 KV with software conversion
      // (vllm-project/vllm#45375 description). sm75: FlashInfer's minimum was raised to 8.0
      // (#45375, merged 2026-06-12) and TRITON_ATTN rejects e4m3 below 8.9 (the sm75/Ampere Triton
      // fp8 PRs #45829/#49077 were still open) — so no backend on Turing takes an fp8 KV cache.
      fp8: { minCc: 80, value: "fp8" },
    },
    weights: "hf",
    // Share of each GPU's TOTAL memory the instance may use for everything (weights, activations,
    // CUDA graphs, KV); KV = total×util − peak non-KV use measured by profiling
    // (vllm/v1/worker/gpu_worker.py determine_available_memory).
    memoryKnob: { name: "--gpu-memory-utilization", kind: "total" },
    ipcHost: "always",
    tensorParallel: { split: "heads", powerOfTwo: false },
    // vLLM's API server takes `--api-key` or, when absent, the VLLM_API_KEY environment variable
    // (vllm/envs.py).
    apiKey: { kind: "env", variable: "VLLM_API_KEY" },
    healthPath: "/health",
    modelsPath: "/v1/models",
    metricsPath: "/metrics",
    reasoningParsers: { qwen3: "qwen3", deepseek_r1: "deepseek_r1" },
  },

  sglang: {
    id: "sglang",
    entrypoint: [],
    healthProbe: "python3",
    // SGLang 0.5.21 is the newest release with a confirmed image: lmsysorg/sglang:v0.5.21
    // (multi-arch, CUDA 13.0, driver ≥ 580), pushed 2026-10-01 (registry digest table in published
    // deployment notes, 2026-10-05). PyPI lists later 0.5.2x releases but no image tag for them
    // could be confirmed. No entrypoint: args start with the python3 launcher of sglang.launch_server.
    // Flags: python/sglang/srt/server_args.py (--model-path, --served-model-name, --context-length,
    // --mem-fraction-static, --max-running-requests, --chunked-prefill-size, --tp-size,
    // --kv-cache-dtype, --attention-backend, --sampling-backend, --enable-metrics, --api-key,
    // --reasoning-parser, --tool-call-parser). Seed 003 (Turing: HOME=/tmp,
    // FLASHINFER_WORKSPACE_DIR, TORCH_CUDA_ARCH_LIST=7.5, fp16); seed 000 (--attention-backend
    // triton --sampling-backend pytorch).
    version: "0.5.21",
    image: pinImage("lmsysorg/sglang:v0.5.21"),
    // Turing: CUDA 13 still targets sm75, but sm75 reports against recent SGLang builds
    // (sgl-project/sglang#24224, "no kernel image … Tesla T4 (sm_75) with latest sglang", 2026-05)
    // show kernels missing from the CUDA 13 stack. The newest CUDA 12.9 build is v0.5.19-cu129
    // (pushed 2026-09-04); seed 003 ran Turing on a CUDA 12 image.
    legacyImage: { image: pinImage("lmsysorg/sglang:v0.5.19-cu129"), belowCc: 80 },
    minCc: 75,
    minCcWhy: "SGLang's kernels (sgl-kernel, FlashInfer, Triton ≥ 3.3) do not target sm70",
    quantizations: {
      none: 75,
      // Online FP8: weight-only (Marlin) below 8.9, native FP8 GEMM from 8.9.
      fp8: 80,
      // AWQ / GPTQ (awq_marlin / gptq_marlin from 8.0).
      awq: 75,
      gptq: 75,
    },
    kvCacheDtypes: {
      auto: { minCc: 75, value: "auto" },
      // fp8_e4m3 needs the native fp8e4nv conversion (sm89+); on Ampere fp8_e5m2 is the format
      // Triton/FlashInfer read. Turing runs the Triton backend in fp16 (seed 003), which is not
      // offered fp8 KV here. The launch picks e4m3 from 8.9.
      fp8: { minCc: 80, value: "fp8_e5m2" },
    },
    weights: "hf",
    // Share of the GPU memory free before loading (≈ total) given to weights + KV pool: KV =
    // free_after_load − pre_load × (1 − f)
    // (python/sglang/srt/model_executor/model_runner_kv_cache_mixin.py _profile_available_bytes);
    // the rest (1 − f) is left for activations and CUDA graphs.
    memoryKnob: { name: "--mem-fraction-static", kind: "total" },
    ipcHost: "always",
    tensorParallel: { split: "heads", powerOfTwo: false },
    // SGLang 0.5.21 reads the key from --api-key only (server_args.py `api_key: Optional[str] =
    // None`, no environment fallback: sgl-project/sglang#36346 and its PR #36358 still open,
    // 2026-08). The key arrives as SGLANG_API_KEY and the launcher (launch/common.ts
    // pythonKeyLauncher) moves it into sys.argv inside the process, so it is on no command line.
    // SGLang then logs its server_args with api_key (sgl-project/sglang#37457, open at 2026-09):
    // the log pipeline redacts it (cloud-init/logs.ts).
    apiKey: { kind: "env", variable: "SGLANG_API_KEY" },
    healthPath: "/health",
    modelsPath: "/v1/models",
    metricsPath: "/metrics",
    reasoningParsers: { qwen3: "qwen3", deepseek_r1: "deepseek-r1" },
  },

  lmdeploy: {
    id: "lmdeploy",
    entrypoint: [],
    healthProbe: "python3",
    // v0.17.0 image openmmlab/lmdeploy:v0.17.0-cu12.8 (CUDA 12.8 base, PyTorch cu126 wheels,
    // TurboMind built for sm70–sm120; driver ≥ 570) is confirmed in a user report running it on
    // 4× V100 (2026-09). Tags are <release>-cu12.8 / <release>-cu13.0 (.github/workflows/docker.yml,
    // "Push docker image with released tag"). Flags and memory semantics were read in the v0.16.0
    // tree (tag 2026-08-19), the newest source at hand: lmdeploy/cli/serve.py (api_server),
    // lmdeploy/cli/utils.py (ArgumentHelper: --backend, --dtype, --tp, --session-len,
    // --max-batch-size, --cache-max-entry-count, --quant-policy, --model-format,
    // --max-prefill-token-num, --api-keys, --model-name, --reasoning-parser, --tool-call-parser,
    // --trust-remote-code), lmdeploy/serve/openai/endpoints/management.py (GET /health).
    version: "0.17.0",
    image: "openmmlab/lmdeploy:v0.17.0-cu12.8",
    legacyImage: null,
    minCc: 70,
    minCcWhy: "TurboMind is built for 70-real 75-real 80 86 89 90a 100a 120a (CMakeLists.txt)",
    quantizations: {
      // TurboMind fp16 (bf16 from 8.0).
      none: 70,
      // docs/en/quantization/w4a16.md: TurboMind runs AWQ and GPTQ 4-bit on V100 (sm70), Turing,
      // Ampere, Ada, Hopper.
      awq: 70,
      gptq: 70,
    },
    kvCacheDtypes: {
      auto: { minCc: 70, value: "0" },
      // docs/en/quantization/kv_quant.md: online int8 / int4 KV (per-head, per-token scales), sm70
      // and above (--quant-policy 8 / 4). lmdeploy's 8/4-bit KV caches are integer formats, not
      // FP8: gpufleet names them q8_0 / q4_0 (8/4-bit integer KV, as llama.cpp's), so that
      // `kvCacheDtype: fp8` never silently means int8.
      q8_0: { minCc: 70, value: "8" },
      q4_0: { minCc: 70, value: "4" },
    },
    weights: "hf",
    // Share of the memory FREE after the weights are loaded that becomes KV cache, 0 < r < 1
    // (TurboMind: cache_bytes = cudaMemGetInfo free × r, src/turbomind/turbomind.cc CreateEngine;
    // PyTorch backend: (free − runtime buffers) × r, lmdeploy/pytorch/engine/executor/base.py
    // _get_runtime_size).
    memoryKnob: { name: "--cache-max-entry-count", kind: "free" },
    // TurboMind runs one process per replica; only a tensor-parallel group shares memory (NCCL).
    ipcHost: "tensor-parallel",
    tensorParallel: { split: "heads", powerOfTwo: true },
    // --api-keys takes a space-separated list (lmdeploy/cli/utils.py ArgumentHelper.api_keys, nargs
    // '*', no environment fallback); /health is exempt. The key arrives as LMDEPLOY_API_KEY and the
    // launcher (launch/common.ts pythonKeyLauncher) appends it to sys.argv inside the process.
    apiKey: { kind: "env", variable: "LMDEPLOY_API_KEY" },
    healthPath: "/health",
    modelsPath: "/v1/models",
    // Metrics are on by default (`--disable-metrics` turns them off) and mounted at /metrics
    // (lmdeploy/serve/openai/api_server.py mount_metrics; lmdeploy/messages.py enable_metrics: bool
    // = True).
    metricsPath: "/metrics",
    // lmdeploy/serve/parsers/reasoning_parser/reasoning_parser.py: the `default` parser handles
    // <think> blocks; 'deepseek-r1' / 'qwen-qwq' survive only as legacy names.
    reasoningParsers: { qwen3: "default", deepseek_r1: "default" },
  },

  llamacpp: {
    id: "llamacpp",
    entrypoint: ["/app/llama-server"],
    healthProbe: "curl",
    // Build b11459: server-cuda image pinned by digest sha256:fff6185e… in published notes dated
    // 2026-10-08 (CUDA 12.8.1, driver ≥ 570). The image's entrypoint is /app/llama-server.
    // Flags: common/arg.cpp (-m, --host, --port, -c, -np/--parallel, -ngl, -fa, -ctk/-ctv,
    // --api-key/LLAMA_API_KEY, --metrics, --alias, --jinja, --reasoning-format, -sm).
    version: "b11459",
    image: pinImage("ghcr.io/ggml-org/llama.cpp:server-cuda-b11459"),
    legacyImage: null,
    minCc: 50,
    minCcWhy: "ggml's default CUDA architectures include PTX for 5.0+ under CUDA 12.8",
    quantizations: GGUF_QUANTS,
    kvCacheDtypes: {
      auto: { minCc: 50, value: "f16" },
      // Quantized V cache needs flash attention (-fa on); common/arg.cpp --cache-type-k/-v.
      q8_0: { minCc: 50, value: "q8_0" },
      q4_0: { minCc: 50, value: "q4_0" },
    },
    weights: "gguf",
    // -c: total KV context in tokens, shared by --parallel slots (each slot gets c / parallel);
    // with -ngl 999 every layer and its KV live on the GPU.
    memoryKnob: { name: "-c", kind: "tokens" },
    ipcHost: "tensor-parallel",
    // Layers split across the replica's GPUs (--split-mode layer): KV heads need not divide.
    tensorParallel: { split: "layers", powerOfTwo: false },
    // common/arg.cpp: `--api-key` is registered with set_env("LLAMA_API_KEY"), so the key never
    // needs argv.
    apiKey: { kind: "env", variable: "LLAMA_API_KEY" },
    healthPath: "/health",
    modelsPath: "/v1/models",
    metricsPath: "/metrics",
    reasoningParsers: { qwen3: "deepseek", deepseek_r1: "deepseek" },
  },

  ollama: {
    id: "ollama",
    entrypoint: ["/bin/ollama"],
    healthProbe: "ollama",
    // ollama/ollama:0.35.1 is the newest stable tag seen in published compose files (autumn 2026);
    // ENTRYPOINT /bin/ollama, CMD serve (Dockerfile); CUDA 12.8 / 13.0 runners picked at run time
    // by driver (≥ 531). Env names were read in the v0.32.15 tree (tag 2026-08-19,
    // envconfig/config.go: OLLAMA_HOST, OLLAMA_MODELS, OLLAMA_CONTEXT_LENGTH, OLLAMA_NUM_PARALLEL,
    // OLLAMA_KV_CACHE_TYPE, OLLAMA_FLASH_ATTENTION, OLLAMA_KEEP_ALIVE, OLLAMA_NOPRUNE,
    // OLLAMA_MAX_LOADED_MODELS), server/routes.go (/, /api/version, /v1/models).
    version: "0.35.1",
    image: pinImage("ollama/ollama:0.35.1"),
    legacyImage: null,
    minCc: 50,
    minCcWhy: "Ollama ships ggml CUDA 12 runners for 5.0+ and CUDA 13 runners for 7.5+",
    quantizations: GGUF_QUANTS,
    kvCacheDtypes: {
      auto: { minCc: 50, value: "f16" },
      // OLLAMA_KV_CACHE_TYPE=q8_0 / q4_0 with OLLAMA_FLASH_ATTENTION=1.
      q8_0: { minCc: 50, value: "q8_0" },
      q4_0: { minCc: 50, value: "q4_0" },
    },
    weights: "ollama",
    // Context per request; the runner allocates KV for OLLAMA_CONTEXT_LENGTH × OLLAMA_NUM_PARALLEL
    // tokens (envconfig/config.go ContextLength, NumParallel).
    memoryKnob: { name: "OLLAMA_CONTEXT_LENGTH", kind: "tokens" },
    ipcHost: "tensor-parallel",
    // Ollama spreads layers over the GPUs it sees on its own; gpufleet gives it one.
    tensorParallel: { split: "none", powerOfTwo: false },
    // Ollama checks no key; the on-host proxy does, for every engine.
    apiKey: { kind: "none" },
    // server/routes.go: GET / answers "Ollama is running"; /api/version answers JSON.
    healthPath: "/api/version",
    modelsPath: "/v1/models",
    metricsPath: null,
    reasoningParsers: {},
  },
};

/**
 * How every engine container runs, on every target: no Linux capability (each engine only reads
 * its weights, allocates GPU memory through the device files the NVIDIA runtime hook injects, and
 * listens on a port above 1024), no privilege gained through setuid binaries, and the runtime's
 * default seccomp profile. Kubernetes says it with a securityContext (components/kubernetes), EC2
 * with `docker run --cap-drop ALL --security-opt no-new-privileges` (cloud-init/units.ts). No
 * engine adds a capability back: vLLM and SGLang share memory through --ipc=host (an IPC namespace,
 * not a capability), NCCL within a host uses shared memory and CUDA IPC, and none binds a port
 * below 1024 or changes its user.
 */
export const ENGINE_CONTAINER_SECURITY = {
  /** Capabilities added back after dropping all of them. */
  capAdd: [] as readonly string[],
  noNewPrivileges: true,
  seccompProfile: "RuntimeDefault",
} as const;

/** GGUF engines (llama.cpp, Ollama) load GGUF files or Ollama blobs, not HF safetensors. */
export function isGgufEngine(engine: EngineId): boolean {
  return ENGINES[engine].weights !== "hf";
}

/** Whether a replica of this engine with this tensor-parallel size needs --ipc=host. */
export function needsIpcHost(engine: EngineId, tensorParallel: number): boolean {
  return ENGINES[engine].ipcHost === "always" || tensorParallel > 1;
}
