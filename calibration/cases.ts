// Calibration table: real engine start-up figures (vLLM / SGLang) copied from public GitHub
// issues, pull requests and repository docs. Pure data, no logic.
//
// Units: vLLM "GB" in "Loading model weights took X GB" (V0 <= 0.8) is bytes / 2^30, i.e. GiB.
// SGLang "GB" in "avail mem", "mem usage", "K size", "V size" is also bytes / 2^30 (SGLang's GB = 1
// << 30).
// All figures are per GPU except kvTokens (whole replica; for TP the KV pool is sharded by heads,
// so
// the token count is the same on every rank and is the replica's count).
// V0 logs give blocks: kvTokens = blocks x 16 (default block_size 16).
// "derived" in notes marks a number computed by us from logged ones (not itself logged).
import { QWEN3_4B_ARCH } from "../planner/catalog/models";
import type { GpuId, KvCacheDtype, Quantization, ModelArchitecture } from "../planner/types";
import {
  QWEN3_0_6B,
  META_LLAMA_3_8B,
  QWEN3_235B_A22B,
  QWQ_32B,
  R1_DISTILL_QWEN_7B,
  R1_DISTILL_QWEN_14B,
  LLAMA_32_11B_VISION,
  LLAMA_2_7B,
  LLAMA_2_70B,
  QWEN3_30B_A3B,
} from "./architectures";

export interface CalibrationCase {
  id: string;
  source: string;
  seen: string;
  engine: "vllm" | "sglang";
  engineVersion: string;
  gpu: GpuId;
  gpuCount: number;
  tensorParallel: number;
  model: string;
  /** When the model is not one of the well-known ones, its config.json fields. */
  arch?: ModelArchitecture & { paramsB: number };
  flags: {
    gpuMemoryUtilization?: number;
    memFractionStatic?: number;
    maxModelLen?: number;
    maxNumSeqs?: number;
    maxNumBatchedTokens?: number;
    kvCacheDtype?: KvCacheDtype;
    quantization?: Quantization;
    enforceEager?: boolean;
    dtype?: "bfloat16" | "float16";
  };
  logged: {
    weightsGiB?: number;
    activationGiB?: number;
    nonTorchGiB?: number;
    kvCacheGiB?: number;
    kvTokens: number;
    maxConcurrency?: number;
    /**
     * CUDA graph pool as logged by V1 ('… GiB for CUDAGraph memory' / 'Graph capturing finished …
     * took X GiB'); negative = capture freed memory.
     */
    cudaGraphGiB?: number;
  };
  excerpt: string;
  notes?: string;
  /**
   * Set when the case is kept for its figures but not judged by `npm run calibrate`: it measures
   * something
   * the planner does not model, or its flags are not known. Says why.
   */
  excluded?: string;
}

const SEEN = "2026-11-21";

// ---- FP8-KV sources (read 2026-11-22) ----

const SEEN_FP8 = "2026-11-22";

/**
 * llm-d-planner's capacity-planner accuracy sweep: raw vLLM v0.19.0 start-up logs on one H100 80GB
 * HBM3 (commit of PR #205's history).
 */
const LLMD_PLANNER_LOGS =
  "https://github.com/llm-d-incubation/llm-d-planner/blob/2c89f478723aead65c9a3521746dce98b5b76cf7/accuracy/results/v0.19.0/logs";

const VLLM_QUANTIZED_KVCACHE_DOC =
  "https://github.com/vllm-project/vllm/blob/0609ba15df1dc858647954fefd6512b394bdb283/docs/features/quantization/quantized_kvcache.md (measured example added by https://github.com/vllm-project/vllm/pull/49050, robertlangdonn, 2026-07-18)";

const SYMBOLU_KV_TIER =
  "https://github.com/rasaha/symbolu/blob/2a1b62ad0c8003fedae30a4f5c3588035391e9fa/CTM_plus/Bench/scripts/bench_kv_tier_eval.py (script; its figures in the same repo's report 'FP8 KV Cache as the Speed Tier — Evaluation Report', 2026-07-17, §4.1–4.2)";

/**
 * WanHaoRan/sglang (a public SGLang fork) commits benchmark campaigns with their server logs under
 * hicache_eval/results/.
 */
const WANHAORAN_A100 =
  "https://github.com/WanHaoRan/sglang/blob/d4280b4ff171d9998e5e28d6ebd98a96fdf004a2/hicache_eval/results/20260917_a100_gcp_32b70b_fp8kv";
const WANHAORAN_H100 =
  "https://github.com/WanHaoRan/sglang/blob/8101872ef7b9d30d19eeb1aaf8b4ba5554b88620/hicache_eval/results/20260908_llama70b_awq_fp8kv";
const WANHAORAN_H200 =
  "https://github.com/WanHaoRan/sglang/blob/7e23b2cbb6c37df5e58d4d93b07d7b252734df88/hicache_eval/results/20260921_h200_nebius_32b70b_fp8kv";

/**
 * What the three WanHaoRan campaigns share (their server_args line): image
 * lmsysorg/sglang:nightly-dev-20260907-30705c00.
 */
const SGLANG_NIGHTLY_FP8 = {
  seen: SEEN_FP8,
  engine: "sglang",
  engineVersion:
    "main nightly 2026-09-07 (lmsysorg/sglang:nightly-dev-20260907-30705c00, '0.0.0.dev1+g30705c004')",
  gpuCount: 1,
  tensorParallel: 1,
  flags: {
    memFractionStatic: 0.85,
    maxModelLen: 32768,
    maxNumBatchedTokens: 8192,
    kvCacheDtype: "fp8",
    dtype: "bfloat16",
  },
} as const satisfies Partial<CalibrationCase>;

// Qwen/Qwen3-4B: the catalog's geometry (QVikhr-3-4B's base), 4.02B parameters (model card).
const QWEN3_4B: ModelArchitecture & { paramsB: number } = { ...QWEN3_4B_ARCH, paramsB: 4.02 };

/**
 * llm-d-planner's sweep: vLLM v0.19.0 image on one H100 80GB HBM3, its settings (non-default args
 * in each log).
 */
const LLMD_V019_H100 = {
  seen: SEEN_FP8,
  engine: "vllm",
  engineVersion:
    "v0.19.0 (vllm/vllm-openai:v0.19.0; logged 'Initializing a V1 LLM engine (v0.19.0)')",
  gpu: "H100",
  gpuCount: 1,
  tensorParallel: 1,
  flags: {
    gpuMemoryUtilization: 0.95,
    maxModelLen: 8192,
    maxNumSeqs: 1024,
    maxNumBatchedTokens: 8192,
    quantization: "none",
    enforceEager: false,
    dtype: "bfloat16",
  },
} as const satisfies Partial<CalibrationCase>;

/** vLLM's quantized-KV docs example: Qwen3-4B on one L4, vLLM 0.25.1 (PR #49050's command). */
const VLLM_025_L4_QWEN3_4B = {
  source: VLLM_QUANTIZED_KVCACHE_DOC,
  seen: SEEN_FP8,
  engine: "vllm",
  engineVersion: "0.25.1 (pip; V1)",
  gpu: "L4",
  gpuCount: 1,
  tensorParallel: 1,
  model: "Qwen/Qwen3-4B",
  arch: QWEN3_4B,
  flags: {
    gpuMemoryUtilization: 0.9,
    maxModelLen: 32768,
    maxNumSeqs: 1,
    quantization: "none",
    enforceEager: false,
    dtype: "bfloat16",
  },
} as const satisfies Partial<CalibrationCase>;

/**
 * rasaha/symbolu's KV-tier benchmark: LLM(...) of bench_kv_tier_eval.py with the report's command,
 * one A100 80GB.
 */
const SYMBOLU_A100_QWEN25_7B = {
  source: SYMBOLU_KV_TIER,
  seen: SEEN_FP8,
  engine: "vllm",
  engineVersion:
    "0.7.3 V0 (report header: 'vLLM 0.7.3 (int4-pinned)'; stock vLLM, no custom kernel)",
  gpu: "A100-80GB",
  gpuCount: 1,
  tensorParallel: 1,
  model: "Qwen/Qwen2.5-7B-Instruct",
  flags: {
    gpuMemoryUtilization: 0.7,
    maxModelLen: 20096,
    maxNumSeqs: 8,
    quantization: "none",
    enforceEager: true,
    dtype: "bfloat16",
  },
} as const satisfies Partial<CalibrationCase>;

export const CALIBRATION_CASES: readonly CalibrationCase[] = [
  // 1. vLLM V0 ~0.6.4, RTX 3090, Llama-3.1-8B bf16, len 20000: weights 14.99, act 2.07, non-torch
  // 0.35, KV 3.81 GiB = 31,232 tokens.
  {
    id: "vllm-0.6.4-rtx3090-llama31-8b-len20k",
    source:
      "https://github.com/vllm-project/vllm/issues/10517 (comment by kaspersiminski, 2024-12-02)",
    seen: SEEN,
    engine: "vllm",
    engineVersion:
      "unknown (0.6.4.x by the one-line 'Memory profiling results: total_gpu_memory=… initial_memory_usage=…' format, V0)",
    gpu: "RTX-3090",
    gpuCount: 1,
    tensorParallel: 1,
    model: "meta-llama/Llama-3.1-8B-Instruct",
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 20000,
      maxNumSeqs: 256,
      maxNumBatchedTokens: 20000,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 14.9888,
      activationGiB: 2.07,
      nonTorchGiB: 0.35,
      kvCacheGiB: 3.81,
      kvTokens: 1952 * 16,
      maxConcurrency: 1.56,
    },
    excerpt: [
      "Loading model weights took 14.9888 GB",
      "Memory profiling results: total_gpu_memory=23.58GiB initial_memory_usage=15.34GiB peak_torch_memory=17.06GiB memory_usage_post_profile=15.35GiB non_torch_memory=0.35GiB kv_cache_size=3.81GiB gpu_memory_utilization=0.90",
      "GPU blocks: 1952, # CPU blocks: 2048",
      "Maximum concurrency for 20000 tokens per request: 1.56x",
    ].join("\n"),
    notes:
      "User states GPU RTX 3090 (total_gpu_memory 23.58GiB confirms a 24 GB card). 'GB' = GiB. activationGiB derived = peak_torch 17.06 - weights 14.99. " +
      "Flags other than --max-model-len are V0 defaults: gpu_memory_utilization 0.9 (logged), max_num_seqs 256; V0 enables chunked prefill only for max_model_len > 32K, " +
      "so here max_num_batched_tokens = max_model_len = 20000 (the profile run is one 20000-token prefill). Same user: 35k 'OK' with peak_torch 15.05GiB " +
      "(chunked prefill switched on above 32K, profile batch drops to 512 tokens) — activation collapses from ~2-3 GiB to ~0.06 GiB.",
  },
  // 1b. Same user, same GPU/model at len 35000: chunked prefill switches on above 32K, the profile
  // batch drops to 512 tokens, activation 0.06 GiB; KV 5.82 GiB DERIVED = 47,680 tokens.
  {
    id: "vllm-0.6.4-rtx3090-llama31-8b-len35k-chunked512",
    source:
      "https://github.com/vllm-project/vllm/issues/10517 (comment by kaspersiminski, 2024-12-02, '35k - OK')",
    seen: "2026-12-01",
    engine: "vllm",
    engineVersion:
      "unknown (0.6.4.x by the one-line 'Memory profiling results: total_gpu_memory=… initial_memory_usage=…' format, V0)",
    gpu: "RTX-3090",
    gpuCount: 1,
    tensorParallel: 1,
    model: "meta-llama/Llama-3.1-8B-Instruct",
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 35000,
      maxNumSeqs: 256,
      maxNumBatchedTokens: 512,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 14.9888,
      activationGiB: 0.06,
      nonTorchGiB: 0.35,
      kvCacheGiB: 5.82,
      kvTokens: 2980 * 16,
    },
    excerpt: [
      "35k - OK",
      "Loading model weights took 14.9888 GB",
      "Memory profiling results: total_gpu_memory=23.58GiB initial_memory_usage=15.34GiB peak_torch_memory=15.05GiB memory_usage_post_pr…",
    ].join("\n"),
    notes:
      "The stored copy of the comment is cut after peak_torch_memory, so kvCacheGiB and kvTokens are DERIVED with the formula the 20k and 29k lines of the same comment " +
      "obey (kv = total × util − peak_torch − non_torch: 21.222 − 17.06 − 0.35 = 3.81 logged): 21.222 − 15.05 − 0.35 = 5.82 GiB = 2,980 blocks of 16 tokens × 131,072 B " +
      "(±2 blocks from the two-decimal figures); the start succeeded, so the pool held ≥ 35,000 tokens. max_num_batched_tokens 512 is inferred, not logged: the " +
      "0.06 GiB activation (15.05 − 14.99) is one 512-token forward pass (512 × (3·14336 + 4·4096) × 2 B = 0.057 GiB); 2048 would be 0.23 GiB. " +
      "The small-batch case of issue 13: a 24 GB card whose fixed costs decide the KV pool.",
  },
  // 2. Same GPU/model at len 29000: act 2.99 GiB (grows with max_num_batched_tokens), KV 2.89 GiB =
  // 23,648 tokens < 29000 -> start refused.
  {
    id: "vllm-0.6.4-rtx3090-llama31-8b-len29k-refused",
    source:
      "https://github.com/vllm-project/vllm/issues/10517 (comment by kaspersiminski, 2024-12-02)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "unknown (0.6.4.x by log format, V0)",
    gpu: "RTX-3090",
    gpuCount: 1,
    tensorParallel: 1,
    model: "meta-llama/Llama-3.1-8B-Instruct",
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 29000,
      maxNumSeqs: 256,
      maxNumBatchedTokens: 29000,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 14.9888,
      activationGiB: 2.99,
      nonTorchGiB: 0.35,
      kvCacheGiB: 2.89,
      kvTokens: 1478 * 16,
      maxConcurrency: 0.82,
    },
    excerpt: [
      "Loading model weights took 14.9888 GB",
      "Memory profiling results: total_gpu_memory=23.58GiB initial_memory_usage=15.34GiB peak_torch_memory=17.98GiB memory_usage_post_profile=15.35GiB non_torch_memory=0.35GiB kv_cache_size=2.89GiB gpu_memory_utilization=0.90",
      "# GPU blocks: 1478, # CPU blocks: 2048",
      "Maximum concurrency for 29000 tokens per request: 0.82x",
      "The model's max seq len (29000) is larger than the maximum number of tokens that can be stored in KV cache (23648). Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.",
    ].join("\n"),
    notes:
      "Start-up failed at the KV check, but the memory split is complete. Activation (derived 17.98-14.99) grows ~linearly with the prefill profile size: " +
      "2.07 GiB @ 20000 tokens vs 2.99 GiB @ 29000 tokens => ~0.10 GiB per 1000 batched tokens for Llama-3.1-8B (mostly the fp32 logits / MLP intermediates).",
  },
  // 3. vLLM V0 dev (Dec 2024), H100, Meta-Llama-3-8B TP1: weights 14.96, non-torch 1.79, act 1.26,
  // KV 53.29 GiB (~436.5k tokens derived).
  {
    id: "vllm-0.6.5dev-h100-llama3-8b-tp1",
    source:
      "https://github.com/vllm-project/vllm/pull/10511 (comment by youkaichao, 2024-12-14, 'Some sanity checks')",
    seen: SEEN,
    engine: "vllm",
    engineVersion:
      "0.6.5.dev (main at PR #10511, Dec 2024, between 0.6.4.post1 and 0.6.5, which ships it; V0)",
    gpu: "H100",
    gpuCount: 1,
    tensorParallel: 1,
    model: "meta-llama/Meta-Llama-3-8B",
    arch: META_LLAMA_3_8B,
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 8192,
      maxNumSeqs: 256,
      maxNumBatchedTokens: 8192,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 14.96,
      activationGiB: 1.26,
      nonTorchGiB: 1.79,
      kvCacheGiB: 53.29,
      kvTokens: 436544,
    },
    excerpt: [
      "$ vllm serve meta-llama/Meta-Llama-3-8B",
      "INFO 12-13 19:54:18 worker.py:243] Memory profiling results:",
      "INFO 12-13 19:54:18 worker.py:243] duration     0.75 seconds",
      "INFO 12-13 19:54:18 worker.py:243] total_gpu_memory     79.22GiB",
      "INFO 12-13 19:54:18 worker.py:243] gpu_memory_utilization       0.90",
      "INFO 12-13 19:54:18 worker.py:243] the current vLLM instance can use    71.29GiB",
      "INFO 12-13 19:54:18 worker.py:243] model weights take   14.96GiB",
      "INFO 12-13 19:54:18 worker.py:243] non_torch_memory     1.79GiB",
      "INFO 12-13 19:54:18 worker.py:243] PyTorch activation peak memory       1.26GiB",
      "INFO 12-13 19:54:18 worker.py:243] available_kv_cache_memory    53.29GiB",
    ].join("\n"),
    notes:
      "GPU: total_gpu_memory 79.22GiB and the same author's PR #12126 says 'H100-80G' for the same machine. All flags are defaults (no flags on the command line): " +
      "max_model_len = config 8192, no chunked prefill => max_num_batched_tokens 8192. kvTokens DERIVED (not logged in the excerpt): " +
      "53.29 GiB / 131072 B per token (32 layers x 8 kv heads x 128 x 2 x 2 B) = 436,551 -> rounded down to whole 16-token blocks.",
  },
  // 4. Same, TP2: weights 7.48/GPU, non-torch DOUBLES to 3.58 GiB/GPU (NCCL + custom all-reduce
  // buffers), act 1.26, KV ~58.97 GiB/GPU derived.
  {
    id: "vllm-0.6.5dev-h100-llama3-8b-tp2",
    source:
      "https://github.com/vllm-project/vllm/pull/10511 (comment by youkaichao, 2024-12-14, 'Some sanity checks')",
    seen: SEEN,
    engine: "vllm",
    engineVersion:
      "0.6.5.dev (main at PR #10511, Dec 2024, between 0.6.4.post1 and 0.6.5, which ships it; V0)",
    gpu: "H100",
    gpuCount: 2,
    tensorParallel: 2,
    model: "meta-llama/Meta-Llama-3-8B",
    arch: META_LLAMA_3_8B,
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 8192,
      maxNumSeqs: 256,
      maxNumBatchedTokens: 8192,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 7.48,
      activationGiB: 1.26,
      nonTorchGiB: 3.58,
      kvCacheGiB: 58.97,
      kvTokens: 966160,
    },
    excerpt: [
      "$ vllm serve meta-llama/Meta-Llama-3-8B -tp 2",
      "INFO 12-13 19:55:25 worker.py:243] Memory profiling results:",
      "INFO 12-13 19:55:25 worker.py:243] duration     3.49 seconds",
      "INFO 12-13 19:55:25 worker.py:243] total_gpu_memory     79.22GiB",
      "INFO 12-13 19:55:25 worker.py:243] gpu_memory_utilization       0.90",
      "INFO 12-13 19:55:25 worker.py:243] the current vLLM instance can use    71.29GiB",
      "INFO 12-13 19:55:25 worker.py:243] model weights take   7.48GiB",
      "INFO 12-13 19:55:25 worker.py:243] non_torch_memory     3.58GiB",
      "INFO 12-13 19:55:25 worker.py:243] PyTorch activation peak memory       1.26GiB",
    ].join("\n"),
    notes:
      "The available_kv_cache_memory line is cut in the stored copy; kvCacheGiB DERIVED = 71.29 - 7.48 - 3.58 - 1.26 = 58.97 GiB (the V0 formula of that PR), " +
      "kvTokens DERIVED = 58.97 GiB / 65536 B per token per GPU (4 kv heads per rank) rounded to blocks. Key fact: non_torch goes 1.79 -> 3.58 GiB going TP1 -> TP2 on H100.",
  },
  // 5. vLLM V1 0.8.4, L40S, Llama-3.1-8B, len 32768: weights 14.99 GiB, KV 158,656 tokens (= 19.37
  // GiB derived), 4.84x.
  {
    id: "vllm-0.8.4-v1-l40s-llama31-8b-len32k",
    excluded:
      "gpu_memory_utilization is not shown in the log (0.9 assumed); at 0.8 the figures fit exactly, so the case cannot judge the model",
    source: "https://github.com/vllm-project/vllm/pull/17122 (description by Datta0, 2025-04-24)",
    seen: SEEN,
    engine: "vllm",
    engineVersion:
      "unknown (0.8.4-0.8.5 V1 by log lines gpu_model_runner.py:1316 / kv_cache_utils.py:634, April 2025)",
    gpu: "L40S",
    gpuCount: 1,
    tensorParallel: 1,
    model: "meta-llama/Llama-3.1-8B-Instruct",
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 32768,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 14.9889,
      kvCacheGiB: 19.37,
      kvTokens: 158656,
      maxConcurrency: 4.84,
    },
    excerpt: [
      "INFO 04-24 16:32:59 [loader.py:458] Loading weights took 2.95 seconds",
      "INFO 04-24 16:33:00 [gpu_model_runner.py:1316] Model loading took 14.9889 GiB and 3.652170 seconds",
      "INFO 04-24 16:33:12 [monitor.py:33] torch.compile takes 6.41 s in total",
      "INFO 04-24 16:33:13 [kv_cache_utils.py:634] GPU KV cache size: 158,656 tokens",
      "INFO 04-24 16:33:13 [kv_cache_utils.py:637] Maximum concurrency for 32,768 tokens per request: 4.84x",
    ].join("\n"),
    notes:
      "GPU stated: '1xL40S'. max_model_len 32768 read from the concurrency line; gpu_memory_utilization assumed default 0.9 (not shown). " +
      "kvCacheGiB DERIVED = 158,656 x 131072 B. L40S total 44.42 GiB (see #15815) x 0.9 = 39.98; 39.98 - 14.99 - 19.37 = 5.62 GiB went to activation + non-torch " +
      "(V1 0.8.x: profile with max_num_batched_tokens default 2048 for the API server / 8192 for LLM(), plus sampler warm-up at max_num_seqs; CUDA graphs were NOT yet " +
      "accounted in 0.8.x and are allocated after the KV cache). max_num_seqs / max_num_batched_tokens not logged => left undefined.",
  },
  // 6. vLLM V0 0.7.x, 2x L40S TP2, Qwen2.5-32B bf16, len 10000: weights 30.71, non-torch 0.30, act
  // 1.26, KV 7.71 GiB/GPU = 63,152 tokens.
  {
    id: "vllm-0.7-l40s-tp2-qwen25-32b-len10k",
    source:
      "https://github.com/vllm-project/vllm/issues/15815 (comments by Hemanth-stack, 2025-04-02)",
    seen: SEEN,
    engine: "vllm",
    engineVersion:
      "0.7.1 (logged 'Initializing a V0 LLM engine (v0.7.1)' in the same thread; the memory lines are from a 0.7.x run on 2025-04-02)",
    gpu: "L40S",
    gpuCount: 2,
    tensorParallel: 2,
    model: "Qwen/Qwen2.5-32B-Instruct",
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 10000,
      maxNumSeqs: 256,
      maxNumBatchedTokens: 10000,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 30.7098,
      activationGiB: 1.26,
      nonTorchGiB: 0.3,
      kvCacheGiB: 7.71,
      kvTokens: 3947 * 16,
    },
    excerpt: [
      "INFO 04-02 10:20:30 llm_engine.py:232] Initializing a V0 LLM engine (v0.7.1) with config: model='../models/qwen25_32b_instruct_HF/', … dtype=torch.bfloat16, max_seq_len=10000, … tensor_parallel_size=2, … quantization=None, enforce_eager=False, kv_cache_dtype=auto, … enable_prefix_caching=False, chunked_prefill_enabled=False, …",
      "INFO 04-02 10:20:45 model_runner.py:1116] Loading model weights took 30.7098 GB",
      "INFO 04-02 10:20:55 worker.py:266] Memory profiling takes 4.72 seconds",
      "INFO 04-02 10:20:55 worker.py:266] the current vLLM instance can use total_gpu_memory (44.42GiB) x gpu_memory_utilization (0.90) = 39.98GiB",
      "INFO 04-02 10:20:55 worker.py:266] model weights take 30.71GiB; non_torch_memory takes 0.30GiB; PyTorch activation peak memory takes 1.26GiB; the rest of the memory reserved for KV Cache is 7.71GiB.",
      "INFO 04-02 10:20:55 executor_base.py:108] # CUDA blocks: 3947, # CPU blocks: 2048",
    ].join("\n"),
    notes:
      "GPU stated in the issue title (L40s); total 44.42 GiB per GPU. Local copy of Qwen2.5-32B-Instruct. chunked_prefill_enabled=False => " +
      "max_num_batched_tokens = max_model_len = 10000; max_num_seqs default 256. Check: 3947 blocks x 16 x 131072 B (64 layers x 4 kv heads/rank x 128 x 2 x 2) = 7.71 GiB. " +
      "Implied concurrency 63,152 / 10,000 = 6.3x (line truncated in the source).",
  },
  // 7. vLLM V1 (~0.9.2/0.10), 4x H100 TP4, Qwen3-235B-A22B-FP8, default len 40960: KV 8.11 GiB/GPU
  // = 178,880 tokens.
  {
    id: "vllm-v1-h100-tp4-qwen3-235b-a22b-fp8",
    source:
      "https://github.com/vllm-project/vllm/issues/21348 (description by MMuzzammil1, 2025-07-22)",
    seen: SEEN,
    engine: "vllm",
    engineVersion:
      "unknown (V1, July 2025 => ~0.9.2/0.10.0; 'Available KV cache memory' line format)",
    gpu: "H100",
    gpuCount: 4,
    tensorParallel: 4,
    model: "Qwen/Qwen3-235B-A22B-FP8",
    arch: QWEN3_235B_A22B,
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 40960,
      kvCacheDtype: "auto",
      quantization: "fp8",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      kvCacheGiB: 8.11,
      kvTokens: 178880,
    },
    excerpt: [
      "CUDA_VISIBLE_DEVICES=0,1,2,3 \\",
      "vllm serve /path/to/Qwen3-235B-A22B-FP8 \\",
      "  --tensor-parallel-size 4 \\",
      '  --kv-transfer-config \'{"kv_connector":"LMCacheConnectorV1","kv_role":"kv_both"}\'',
      "Available KV cache memory: 8.11 GiB",
      "GPU KV cache size: 178,880 tokens",
    ].join("\n"),
    notes:
      "GPU stated '4xH100'. Only --tensor-parallel-size and an LMCache kv-transfer connector were passed: gpu_memory_utilization default 0.9, max_model_len = config 40960, " +
      "fp8 block-quantized checkpoint. Per-GPU KV cost 94 layers x 1 kv head x 128 x 2 x 2 B = 48,128 B/token; 178,880 tokens = 8.02 GiB (vs 8.11 logged: block/rank rounding). " +
      "Implied concurrency at 40960 = 4.37x. Compare case 8: SGLang on the same box got 2.05x the tokens.",
  },
  // 8. SGLang, 4x H100 TP4, Qwen3-235B-A22B-FP8, mem-fraction-static 0.93: 367,404 tokens, K 8.23 +
  // V 8.23 GiB per GPU.
  {
    id: "sglang-h100-tp4-qwen3-235b-a22b-fp8-mfs093",
    source:
      "https://github.com/vllm-project/vllm/issues/21348 (description by MMuzzammil1, 2025-07-22)",
    seen: SEEN,
    engine: "sglang",
    engineVersion: "unknown (July 2025 => ~0.4.9; '#tokens' in the KV line => >= 0.4.3.post3)",
    gpu: "H100",
    gpuCount: 4,
    tensorParallel: 4,
    model: "Qwen/Qwen3-235B-A22B-FP8",
    arch: QWEN3_235B_A22B,
    flags: {
      memFractionStatic: 0.93,
      maxModelLen: 40960,
      kvCacheDtype: "auto",
      quantization: "fp8",
      dtype: "bfloat16",
    },
    logged: {
      kvCacheGiB: 16.46,
      kvTokens: 367404,
    },
    excerpt: [
      "python3 -m sglang.launch_server --model /path/to/Qwen3-235B-A22B-FP8 --tp 4 --trust-remote-code --host 0.0.0.0 --port 8000 --mem-fraction-static 0.93",
      "KV Cache is allocated. #tokens: 367404, K size: 8.23 GB, V size: 8.23 GB",
    ].join("\n"),
    notes:
      "Same user/hardware as case 7. kvCacheGiB = K + V per GPU (SGLang GB = GiB): 367,404 x 48,128 B = 16.47 GiB. context_length defaults to config 40960. " +
      "SGLang reserves (1 - 0.93) x 79.1 = 5.5 GiB for activations+CUDA graphs instead of profiling them; vLLM at 0.9 left 8.11 GiB for KV. " +
      "Difference ~8.4 GiB/GPU = 0.03 x 79 (2.4 GiB, utilization) + ~6 GiB more activation/non-torch charged by vLLM's profile (fused-MoE workspace at TP4).",
  },
  // 9. SGLang 0.4.3.post4, 4x L4 TP4 (g6.12xlarge), QwQ-32B bf16, mfs 0.85: weights 15.54, KV 2.84
  // GiB = 46,611 tokens, CUDA graphs 0.93 GB.
  {
    id: "sglang-0.4.3-l4-tp4-qwq32b-mfs085",
    source:
      "https://github.com/didier-durand/llms-in-clouds/blob/main/docs/sglang.md (section 'SGLang start sequence with Qwen QwQ-32B'; stored commit b001c8690e894d234cf3a2e2345d259173acf293)",
    seen: SEEN,
    engine: "sglang",
    engineVersion: "0.4.3.post4 (pinned ARG SGL_VERSION in the Dockerfile shown in the same doc)",
    gpu: "L4",
    gpuCount: 4,
    tensorParallel: 4,
    model: "Qwen/QwQ-32B",
    arch: QWQ_32B,
    flags: {
      memFractionStatic: 0.85,
      maxModelLen: 131072,
      maxNumBatchedTokens: 2048,
      kvCacheDtype: "auto",
      quantization: "none",
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 15.54,
      kvCacheGiB: 2.84,
      kvTokens: 46611,
    },
    excerpt: [
      "python3.12 -m sglang.launch_server   --model Qwen/QwQ-32B --model-path /home/model/Qwen/QwQ-32B   --host 0.0.0.0 --port 30000 --tensor-parallel-size 4   --log-level info   --enable-metrics --trust-remote-code --enable-p2p-check",
      "[2025-03-08 12:29:04] server_args=ServerArgs(… dtype='auto', kv_cache_dtype='auto', quantization=None, context_length=None, … mem_fraction_static=0.85, max_running_requests=None, max_total_tokens=None, chunked_prefill_size=2048, max_prefill_tokens=16384, … tp_size=4, … cuda_graph_max_bs=80, …)",
      "[2025-03-08 12:29:13 TP0] Init torch distributed ends. mem usage=0.13 GB",
      "[2025-03-08 12:29:13 TP0] Load weight begin. avail mem=21.63 GB",
      "[2025-03-08 12:29:21 TP0] Load weight end. type=Qwen2ForCausalLM, dtype=torch.bfloat16, avail mem=6.09 GB, mem usage=15.54 GB.",
      "[2025-03-08 12:29:21 TP0] KV Cache is allocated. #tokens: 46611, K size: 1.42 GB, V size: 1.42 GB",
      "[2025-03-08 12:29:21 TP0] Memory pool end. avail mem=2.09 GB",
      "[2025-03-08 12:29:21 TP0] Capture cuda graph begin. This can take up to several minutes. avail mem=1.45 GB",
      "[2025-03-08 12:29:28 TP0] Capture cuda graph end. Time elapsed: 7.23 s. avail mem=0.53 GB. mem usage=0.93 GB.",
      "[2025-03-08 12:29:29 TP0] max_total_num_tokens=46611, chunked_prefill_size=2048, max_prefill_tokens=16384, max_running_requests=2049, context_len=131072",
    ].join("\n"),
    notes:
      "GPU: doc states EC2 g6.12xlarge = 4x NVIDIA L4 24 GB (avail 21.63 GiB after NCCL init, L4 reports ~22 GiB). maxNumBatchedTokens = chunked_prefill_size 2048. " +
      "Check: 46,611 x 64 layers x 2 kv heads/rank x 128 x 2 B = 1.42 GiB per K. Per-GPU budget: 15.54 weights + 2.84 KV + 0.13 NCCL = 18.5 GiB; after pool 2.09 GiB free, " +
      "CUDA graphs (bs up to 80) took 0.93 GiB, 0.53 GiB left. Custom all-reduce disabled (4 PCIe GPUs).",
  },
  // 10. SGLang ~0.4.2, RTX 3090, DeepSeek-R1-Distill-Qwen-7B bf16, mfs 0.88: weights 14.39
  // (derived), KV 5.64 GiB = 105,531 tokens.
  {
    id: "sglang-0.4.2-rtx3090-r1-distill-qwen7b-mfs088",
    source:
      "https://github.com/jerryzsj/my-deepseek-r1/blob/main/README.md (section 'Docker Compose', log of 2025-02-04)",
    seen: SEEN,
    engine: "sglang",
    engineVersion:
      "unknown (~0.4.2: KV line without '#tokens', server_args has enable_hierarchical_cache; Feb 2025)",
    gpu: "RTX-3090",
    gpuCount: 1,
    tensorParallel: 1,
    model: "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
    arch: R1_DISTILL_QWEN_7B,
    flags: {
      memFractionStatic: 0.88,
      maxModelLen: 131072,
      maxNumBatchedTokens: 2048,
      kvCacheDtype: "auto",
      quantization: "none",
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 14.39,
      kvCacheGiB: 5.64,
      kvTokens: 105531,
    },
    excerpt: [
      "[2025-02-04 05:21:33] server_args=ServerArgs(model_path='/sgl-workspace/models/DeepSeek-R1-Distill-Qwen-7B', … dtype='auto', kv_cache_dtype='auto', quantization=None, context_length=None, … mem_fraction_static=0.88, max_running_requests=None, max_total_tokens=None, chunked_prefill_size=2048, max_prefill_tokens=16384, … tp_size=1, … cuda_graph_max_bs=8, …)",
      "[2025-02-04 05:21:40 TP0] Load weight begin. avail mem=22.76 GB",
      "[2025-02-04 05:29:17 TP0] Load weight end. type=Qwen2ForCausalLM, dtype=torch.bfloat16, avail mem=8.37 GB",
      "[2025-02-04 05:29:17 TP0] KV Cache is allocated. K size: 2.82 GB, V size: 2.82 GB.",
      "[2025-02-04 05:29:17 TP0] Memory pool end. avail mem=1.68 GB",
      "[2025-02-04 05:29:20 TP0] max_total_num_tokens=105531, chunked_prefill_size=2048, max_prefill_tokens=16384, max_running_requests=2049, context_len=131072",
    ].join("\n"),
    notes:
      "GPU from the README's 'System Information: Graphics: RTX 3090' (Windows + WSL2 + Docker). weightsGiB DERIVED = 22.76 - 8.37 (this version did not print mem usage). " +
      "Check: 105,531 x 28 layers x 4 kv heads x 128 x 2 B = 2.82 GiB per K. SGLang picked cuda_graph_max_bs 8 on a 24 GB card.",
  },
  // 11. SGLang main (~0.4.4), H100, Llama-3.1-8B bf16, FA3 backend: weights 15.11, KV 54.04 GiB =
  // 442,750 tokens.
  {
    id: "sglang-0.4.4-h100-llama31-8b-fa3",
    source:
      "https://github.com/sgl-project/sglang/pull/4760 (description by yubofredwang, 2025-03-25)",
    seen: SEEN,
    engine: "sglang",
    engineVersion: "main at PR #4760 (2025-03-25, ~0.4.4.post1)",
    gpu: "H100",
    gpuCount: 1,
    tensorParallel: 1,
    model: "meta-llama/Llama-3.1-8B-Instruct",
    flags: {
      memFractionStatic: 0.88,
      maxModelLen: 131072,
      kvCacheDtype: "auto",
      quantization: "none",
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 15.11,
      kvCacheGiB: 54.04,
      kvTokens: 442750,
    },
    excerpt: [
      "[2025-03-25 16:37:06 TP0] Load weight end. type=LlamaForCausalLM, dtype=torch.bfloat16, avail mem=63.48 GB, mem usage=15.11 GB.",
      "[2025-03-25 16:37:06 TP0] KV Cache is allocated. #tokens: 442750, K size: 27.02 GB, V size: 27.02 GB",
      "[2025-03-25 16:37:06 TP0] Memory pool end. avail mem=8.26 GB",
      "[2025-03-25 16:37:06 TP0] FlashAttention v3 Backend is in Beta. Multimodal, Page > 1, FP8, MLA and Speculative Decoding are not supported.",
      "[2025-03-25 16:37:06 TP0] Capture cuda graph begin. This can take up to several minutes. avail mem=8.17 GB",
    ].join("\n"),
    notes:
      "GPU identified: FlashAttention-3 backend runs only on Hopper, and avail 63.48 + usage 15.11 = 78.6 GiB => H100 80GB. Model 'Meta-Llama-3.1-8B-Instruct' (PR text). " +
      "mem_fraction_static not printed: 0.88 is the SGLang default of that time and matches the arithmetic (63.48 - 54.04 - 8.26 + 79.1 x 0.12 ~ 0). " +
      "chunked_prefill_size default 8192 for H100 in that version (not logged => maxNumBatchedTokens left undefined).",
  },
  // 12. vLLM V0 0.7.x, 2x RTX 4090 TP2, R1-Distill-Qwen-14B, gpu 0.98, default len 131072: weights
  // 13.95, non-torch 0.25, act 0.19, KV 8.69 GiB; 81,536 tokens -> refused.
  {
    id: "vllm-0.7-rtx4090-tp2-r1-distill-qwen14b-refused",
    source: "https://github.com/vllm-project/vllm/issues/13061 (description by stg609, 2025-02-11)",
    seen: SEEN,
    engine: "vllm",
    engineVersion:
      "unknown (0.7.x V0 by 'model_runner.py:1115] Loading model weights took' and multiproc_worker_utils lines, Feb 2025)",
    gpu: "RTX-4090",
    gpuCount: 2,
    tensorParallel: 2,
    model: "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B",
    arch: R1_DISTILL_QWEN_14B,
    flags: {
      gpuMemoryUtilization: 0.98,
      maxModelLen: 131072,
      maxNumSeqs: 256,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 13.9476,
      activationGiB: 0.19,
      nonTorchGiB: 0.25,
      kvCacheGiB: 8.69,
      kvTokens: 81536,
    },
    excerpt: [
      "vllm serve --trust-remote-code --tensor_parallel_size 2 --gpu_memory_utilization=0.98  /root/autodl-tmp/deepseek-ai/DeepSeek-R1-Distill-Qwen-14B",
      "ValueError: The model's max seq len (131072) is larger than the maximum number of tokens that can be stored in KV cache (81536). Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.",
      "(VllmWorkerProcess pid=1786) INFO 02-11 07:40:45 model_runner.py:1115] Loading model weights took 13.9476 GB",
      "(user's summary of the same log) non_torch_memory takes 0.25GiB; PyTorch activation peak memory takes 0.19GiB; the rest of the memory reserved for KV Cache is only 8.69GiB",
    ].join("\n"),
    notes:
      "GPU stated 'two 4090s' (user computes with 23.08 GiB per card). Start refused (131072 > 81,536). max_model_len > 32K => V0 turns chunked prefill on, so the profile batch is small " +
      "(activation only 0.19 GiB). 8.69 GiB / 98,304 B per token (48 layers x 4 kv heads/rank x 128 x 2 x 2) = 94,900 tokens, but the engine used 81,536 = min over ranks: " +
      "the rank-0 (driver) GPU had ~1.2 GiB less (likely desktop/display or sampler buffers). kvCacheGiB is the worker-rank figure.",
  },
  // 13. vLLM V0 dev (Jan 2025), H100, Llama-3.2-11B-Vision eager, len 65536, 128 seqs: weights
  // 19.86, ACTIVATION 36.63 GiB, KV 14.65 GiB = 96,016 tokens.
  {
    id: "vllm-0.6.6dev-h100-llama32-11b-vision-eager",
    excluded:
      "a cross-attention vision model profiled with 128 dummy images (36.6 GiB of activations): gpufleet serves no such model; its multimodal reserve is separate",
    source:
      "https://github.com/vllm-project/vllm/pull/12126 (description by youkaichao, 2025-01-16)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "main at PR #12126 (2025-01-16, ~0.6.6.post2.dev; V0)",
    gpu: "H100",
    gpuCount: 1,
    tensorParallel: 1,
    model: "meta-llama/Llama-3.2-11B-Vision",
    arch: LLAMA_32_11B_VISION,
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 65536,
      maxNumSeqs: 128,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: true,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 19.86,
      activationGiB: 36.63,
      nonTorchGiB: 0.16,
      kvCacheGiB: 14.65,
      kvTokens: 6001 * 16,
    },
    excerpt: [
      "vllm serve meta-llama/Llama-3.2-11B-Vision --load-format dummy --max-model-len 65536 --max-num-seqs 128 --enforce-eager",
      "INFO 01-16 09:40:00 worker.py:238] the current vLLM instance can use total_gpu_memory (79.22GiB) x gpu_memory_utilization (0.90) = 71.29GiB",
      "INFO 01-16 09:40:00 worker.py:238] model weights take 19.86GiB; non_torch_memory takes 0.16GiB; PyTorch activation peak memory takes 36.63GiB; the rest of the memory reserved for KV Cache is 14.65GiB.",
      "INFO 01-16 09:40:00 executor_base.py:95] # CUDA blocks: 6001, # CPU blocks: 1638",
    ].join("\n"),
    notes:
      "PR text: 'it can work on H100-80G now'. Dummy weights (same sizes). Outlier on purpose: multimodal cross-attention profiling with 128 sequences x image inputs " +
      "gives a 36.6 GiB activation peak — vision models need their own activation term. KV per token = 40 layers x 8 x 128 x 2 x 2 = 163,840 B (vLLM allocates KV for all 40 " +
      "layers incl. the 8 cross-attention ones). max_num_batched_tokens not logged (chunked prefill on above 32K in V0).",
  },
  // 14. vLLM 0.2.x (Dec 2023), A100-80GB, Llama-2-7B fp16 TP1: 7351 blocks = 117,616 tokens (after
  // PR's profiling fix).
  {
    id: "vllm-0.2-a100-80gb-llama2-7b-tp1",
    source: "https://github.com/vllm-project/vllm/pull/2031 (comment by WoosukKwon, 2023-12-12)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "main at PR #2031 (Dec 2023, ~0.2.4) — OLD, pre-0.6 profiler",
    gpu: "A100-80GB",
    gpuCount: 1,
    tensorParallel: 1,
    model: "meta-llama/Llama-2-7b-hf",
    arch: LLAMA_2_7B,
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 4096,
      maxNumSeqs: 256,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "float16",
    },
    logged: {
      kvTokens: 7351 * 16,
    },
    excerpt: [
      "### Llama2-7B with TP=1 and 1xA100-80GB",
      "- Current main: # GPU blocks: 7449",
      "- This PR: # GPU blocks: 7351",
    ].join("\n"),
    notes:
      "Figures from benchmark_throughput.py runs (defaults: gpu_memory_utilization 0.9, max_model_len 4096). 117,616 tokens x 524,288 B (32 layers x 32 kv heads x 128 x 2 x 2, MHA) " +
      "= 57.4 GiB KV. Old version: keep only as a coarse A100 anchor.",
  },
  // 15. Same PR, 4x A100-80GB TP4, Llama-2-70B fp16: 20865 blocks = 333,840 tokens (was 31615
  // before the NCCL-aware profiling fix).
  {
    id: "vllm-0.2-a100-80gb-tp4-llama2-70b",
    excluded:
      "vLLM 0.2 (Dec 2023) counted NCCL memory in a way no later release does (13.7 GiB per GPU); the pinned release is two years and a profiler rewrite later",
    source: "https://github.com/vllm-project/vllm/pull/2031 (comment by WoosukKwon, 2023-12-12)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "main at PR #2031 (Dec 2023, ~0.2.4) — OLD, pre-0.6 profiler",
    gpu: "A100-80GB",
    gpuCount: 4,
    tensorParallel: 4,
    model: "meta-llama/Llama-2-70b-hf",
    arch: LLAMA_2_70B,
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 4096,
      maxNumSeqs: 256,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "float16",
    },
    logged: {
      kvTokens: 20865 * 16,
    },
    excerpt: [
      "### Llama2-70B with TP=4 and 4xA100-80GB",
      "- Current main: # GPU blocks: 31615",
      "- This PR: # GPU blocks: **20865**",
      "I've noticed that in the current main branch, the peak memory usage during `benchmark_throughput.py` (with TP=4) is about 77.5GB, although `gpu_memory_utilization` is set as 0.9 (72 GiB).",
    ].join("\n"),
    notes:
      "333,840 tokens x 81,920 B per GPU (80 layers x 2 kv heads/rank x 128 x 2 x 2) = 25.5 GiB KV per GPU; weights ~32.1 GiB/GPU => ~13.7 GiB/GPU of the 71.3 GiB budget " +
      "went to activation + NCCL/non-torch at TP4. Before the fix (31615 blocks) the profiler missed ~13 GiB of non-torch (NCCL) memory and overshot to 77.5 GB.",
  },
  // 16. (promoted from the candidates) vLLM 0.10.2 V1, 2x L40S TP2+EP,
  // Qwen3-30B-A3B-Instruct-2507-FP8, gpu 0.95, len 32768: KV 25.91 GiB/GPU = 566,016 tokens,
  // 17.27x.
  {
    id: "vllm-0.10.2-l40s-tp2-qwen3-30b-a3b-fp8",
    source:
      "https://github.com/tim-roethig/ai-platform/blob/main/platform/docs/ollama_vs_vllm.md (section '## vLLM'; stored commit 8fc2c9bebee839944ff094745156629c0b40d637)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "0.10.2 (vllm --version in the same file)",
    gpu: "L40S",
    gpuCount: 2,
    tensorParallel: 2,
    model: "Qwen/Qwen3-30B-A3B-Instruct-2507-FP8",
    arch: QWEN3_30B_A3B,
    flags: {
      gpuMemoryUtilization: 0.95,
      maxModelLen: 32768,
      maxNumBatchedTokens: 2048,
      kvCacheDtype: "auto",
      quantization: "fp8",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      kvCacheGiB: 25.91,
      kvTokens: 566016,
      maxConcurrency: 17.27,
    },
    excerpt: [
      "vllm serve Qwen/Qwen3-30B-A3B-Instruct-2507-FP8 \\",
      "    --tensor-parallel-size 2 \\",
      "    --enable-expert-parallel \\",
      "    --gpu-memory-utilization 0.95 \\",
      "    --swap-space 0 \\",
      "    --max-model-len 32K",
      "(Worker_TP1_EP1 pid=2295) INFO 09-24 19:58:12 [gpu_worker.py:298] Available KV cache memory: 25.91 GiB",
      "(EngineCore_DP0 pid=2225) INFO 09-24 19:58:12 [kv_cache_utils.py:864] GPU KV cache size: 566,016 tokens",
      "(EngineCore_DP0 pid=2225) INFO 09-24 19:58:12 [kv_cache_utils.py:868] Maximum concurrency for 32,768 tokens per request: 17.27x",
      "|   0  NVIDIA L40S                    On  |   00000000:56:00.0 Off |                    0 |",
      "| N/A   58C    P0            259W /  350W |   45241MiB /  46068MiB |     95%      Default |",
    ].join("\n"),
    notes:
      "GPU from nvidia-smi in the same file ('GPUs: 2x NVIDIA RTX L40S 48GB' in its header). Check: 25.91 GiB / (48 layers x 2 kv heads/rank x 128 x 2 x 2 = 49,152 B) = 566,013 tokens. " +
      "nvidia-smi shows 45,241 MiB used of 46,068 (0.95 x 44.4 GiB budget + CUDA context + CUDA graphs, which 0.10.2 does not count in the budget). " +
      "maxNumBatchedTokens 2048: the V1 API-server default for GPUs under 70 GiB in 0.10.x; the same author's TP8 log on the same box logs " +
      "'Chunked prefill is enabled with max_num_batched_tokens=2048' (case vllm-0.10.2-l40s-tp8-qwen3-235b-a22b-fp8). max_num_seqs not logged.",
  },
  // 17. vLLM 0.10.2 V1, 8x L40S TP8+EP, Qwen3-235B-A22B-Instruct-2507-FP8, gpu 0.90, len 32768:
  // weights 27.72, act 1.40, non-torch 0.21, KV 10.65 GiB/GPU = 238,208 tokens; CUDA graphs 3.45
  // GiB NOT in the budget.
  {
    id: "vllm-0.10.2-l40s-tp8-qwen3-235b-a22b-fp8",
    excluded:
      "TP 8 over 4 KV heads (vLLM replicates them): gpufleet only plans TP sizes that divide the KV heads (DESIGN.md), so this layout cannot be planned",
    source:
      "https://github.com/tim-roethig/ai-platform/blob/main/platform/docs/qwen3_235b_on_8xl40s.md (stored commit 8fc2c9bebee839944ff094745156629c0b40d637)",
    seen: SEEN,
    engine: "vllm",
    engineVersion:
      "0.10.2 (logged 'vLLM API server version 0.10.2' / 'Initializing a V1 LLM engine (v0.10.2)')",
    gpu: "L40S",
    gpuCount: 8,
    tensorParallel: 8,
    model: "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8",
    arch: { ...QWEN3_235B_A22B, max_position_embeddings: 262144 },
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 32768,
      maxNumBatchedTokens: 2048,
      kvCacheDtype: "auto",
      quantization: "fp8",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 27.72,
      activationGiB: 1.4,
      nonTorchGiB: 0.21,
      kvCacheGiB: 10.65,
      kvTokens: 238208,
      maxConcurrency: 7.27,
      cudaGraphGiB: 3.45,
    },
    excerpt: [
      "vllm serve Qwen/Qwen3-235B-A22B-Instruct-2507-FP8 \\",
      "    --tensor-parallel-size 8 \\",
      "    --enable-expert-parallel \\",
      "    --gpu-memory-utilization 0.90 \\",
      "    --swap-space 0 \\",
      "    --max-model-len 32K",
      "(APIServer pid=1624) INFO 09-24 20:45:49 [scheduler.py:222] Chunked prefill is enabled with max_num_batched_tokens=2048.",
      "(EngineCore_DP0 pid=1944) INFO 09-24 20:45:58 [core.py:76] Initializing a V1 LLM engine (v0.10.2) with config: model='Qwen/Qwen3-235B-A22B-Instruct-2507-FP8', … dtype=torch.bfloat16, max_seq_len=32768, … tensor_parallel_size=8, … quantization=fp8, enforce_eager=False, kv_cache_dtype=auto, … enable_prefix_caching=True, chunked_prefill_enabled=True, … \"max_capture_size\":512 …",
      "(Worker_TP3_EP3 pid=2081) INFO 09-24 20:53:41 [gpu_worker.py:298] Available KV cache memory: 10.65 GiB",
      "(EngineCore_DP0 pid=1944) INFO 09-24 20:53:41 [kv_cache_utils.py:864] GPU KV cache size: 238,208 tokens",
      "(EngineCore_DP0 pid=1944) INFO 09-24 20:53:41 [kv_cache_utils.py:868] Maximum concurrency for 32,768 tokens per request: 7.27x",
      "(Worker_TP2_EP2 pid=2080) INFO 09-24 20:54:35 [gpu_worker.py:391] Free memory on device (43.93/44.42 GiB) on startup. Desired GPU memory utilization is (0.9, 39.98 GiB). Actual usage is 27.72 GiB for weight, 1.4 GiB for peak activation, 0.21 GiB for non-torch memory, and 3.45 GiB for CUDAGraph memory. Replace gpu_memory_utilization config with `--kv-cache-memory=7564378828` to fit into requested memory, or `--kv-cache-memory=11809093120` to fully utilize gpu memory. Current kv cache memory in use is 11423138508 bytes.",
      "|   0  NVIDIA L40S                    On  |   00000000:4F:00.0 Off |                    0 |",
      "| N/A   48C    P0            155W /  350W |   45397MiB /  46068MiB |     95%      Default |",
    ].join("\n"),
    notes:
      "GPU from the nvidia-smi table in the same file (8 x 'NVIDIA L40S', 46,068 MiB). The file's first code block says '--tensor-parallel-size 4' but the full log below it " +
      "(the one quoted here) is the TP8 run: 'tensor_parallel_size': 8 in non-default args, Worker_TP0..TP7 pids 2078-2085 in nvidia-smi. " +
      "KEY FACT: 0.90 x 44.42 = 39.98; 39.98 - 27.72 - 1.40 - 0.21 = 10.65 = the KV pool exactly, and the 3.45 GiB of CUDA graphs (MoE, capture sizes up to 512) come ON TOP " +
      "(45.4 GiB used per GPU in nvidia-smi). vLLM itself suggests --kv-cache-memory=7564378828 (7.04 GiB) to really stay inside 0.9. " +
      "Activation only 1.4 GiB with max_num_batched_tokens 2048. KV check: 94 layers x 1 kv head/rank (4 kv heads replicated over 8 ranks) x 128 x 2 x 2 = 48,128 B/token; " +
      "11,423,138,508 B / 48,128 = 237,349 tokens vs 238,208 logged (0.4%; the logged token count is concurrency x max_model_len). " +
      "arch: Qwen3-235B-A22B layer geometry with the 2507 checkpoint's max_position_embeddings 262144 (the planner only needs layers/kv heads here).",
  },
  // 18. vLLM V1 (~0.10.2 main, Sept 2025), A100-80GB, Qwen3-0.6B bf16 via lm_eval (LLM class), len
  // 4096, FlashInfer: weights 1.12, KV 69.66 GiB = 652,144 tokens, 159.21x.
  {
    id: "vllm-0.10.2-v1-a100-qwen3-0.6b-flashinfer-bf16",
    source:
      "https://github.com/vllm-project/vllm/pull/24577 (comment by mgoin, 2025-09-10, 'Here are my results on A100 with FP8 KV Cache')",
    seen: SEEN,
    engine: "vllm",
    engineVersion:
      "main at PR #24577 (2025-09-10, between 0.10.1 and 0.10.2; V1 — same kv_cache_utils.py:864/868 line numbers as the 0.10.2 logs of cases 16-17)",
    gpu: "A100-80GB",
    gpuCount: 1,
    tensorParallel: 1,
    model: "Qwen/Qwen3-0.6B",
    arch: QWEN3_0_6B,
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 4096,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 1.1201,
      kvCacheGiB: 69.66,
      kvTokens: 652144,
      maxConcurrency: 159.21,
    },
    excerpt: [
      "# FlashInfer BF16",
      "VLLM_ATTENTION_BACKEND=FLASHINFER lm_eval --model vllm --model_args pretrained=Qwen/Qwen3-0.6B,max_model_len=4096 --trust_remote_code --tasks gsm8k --num_fewshot 5 --batch_size auto",
      "(EngineCore_DP0 pid=643458) INFO 09-10 13:29:13 [cuda.py:285] Using FlashInfer backend on V1 engine.",
      "(EngineCore_DP0 pid=643458) INFO 09-10 13:29:14 [gpu_model_runner.py:2235] Model loading took 1.1201 GiB and 0.596228 seconds",
      "(EngineCore_DP0 pid=643458) INFO 09-10 13:29:24 [gpu_worker.py:276] Available KV cache memory: 69.66 GiB",
      "(EngineCore_DP0 pid=643458) INFO 09-10 13:29:25 [kv_cache_utils.py:864] GPU KV cache size: 652,144 tokens",
      "(EngineCore_DP0 pid=643458) INFO 09-10 13:29:25 [kv_cache_utils.py:868] Maximum concurrency for 4,096 tokens per request: 159.21x",
    ].join("\n"),
    notes:
      "GPU: the commenter says 'A100'; 80 GB variant inferred: 69.66 GiB of KV after 1.12 GiB of weights at the default 0.9 is impossible on a 40 GB card " +
      "(0.9 x 79.25 = 71.3 GiB budget -> 71.3 - 1.12 - 69.66 = 0.5 GiB for activation + non-torch). Check: 652,144 x (28 layers x 8 kv heads x 128 x 2 x 2 = 114,688 B) = 69.657 GiB. " +
      "The FP8-KV half of the same comment ('See the available concurrency doubles') is cut in the stored copy, so only the BF16 run is recorded. " +
      "LLM class (lm_eval): max_num_seqs / max_num_batched_tokens not logged, left undefined. Note the tiny activation term (~0.5 GiB incl. non-torch) at max_model_len 4096.",
  },
  // 19. vLLM V1 (vllm-openai image, late 2025 ~0.11), H100, Llama-3.1-8B bf16, len 16000, block
  // 128: weights 14.99, act 4.76, non-torch 0.13, CUDA graph -0.45, KV 51.38 GiB.
  {
    id: "vllm-0.11-v1-h100-llama31-8b-len16k",
    source:
      "https://github.com/llm-d/llm-d-benchmark/blob/main/config_explorer/empirical-vllm-memory-results.md (section '5. Llama-3.1-8B-Instruct'; stored commits 259334868c5075da530cc6c90b43fceb11b6e6a7 and 4f4d44943c39b76b28e30dfa1fb0dfaf1ee894b5)",
    seen: SEEN,
    engine: "vllm",
    engineVersion:
      "vllm/vllm-openai:latest image, late 2025 (V1; the same file's Mistral run states 'vLLM version: 0.11.0 (V1 engine)')",
    gpu: "H100",
    gpuCount: 1,
    tensorParallel: 1,
    model: "meta-llama/Llama-3.1-8B-Instruct",
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 16000,
      maxNumBatchedTokens: 8192,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 14.99,
      activationGiB: 4.76,
      nonTorchGiB: 0.13,
      kvCacheGiB: 51.38,
      kvTokens: 3288 * 128,
      cudaGraphGiB: -0.45,
    },
    excerpt: [
      "args: <model-name> --tensor-parallel-size=<tp> --gpu-memory-utilization=0.90 --max-model-len=16000 --block-size=128 --enable-prefix-caching (pod template in the same file)",
      "- **Model loading took:** 14.99 GiB memory and 31.46 seconds",
      "- **Available KV cache memory:** 51.38 GiB",
      "- **Free memory on device:** 78.57/79.18 GiB on startup",
      "- **Weight memory:** 14.99 GiB",
      "- **Peak activation memory:** 4.76 GiB",
      "- **Non-torch memory:** 0.13 GiB",
      "- **CUDAGraph memory:** -0.45 GiB",
      "- **Desired GPU utilization:** 0.9 (71.26 GiB)",
      "- For requested memory: `--kv-cache-memory=55491753575` (51.68 GiB)",
    ].join("\n"),
    notes:
      "A summary of the 'Model loading took' / 'Available KV cache memory' / 'Free memory on device … Actual usage is …' log lines (the file lists those log substrings as its method), not raw log text. " +
      "GPU: 'tested on H100 GPUs (79.18 GiB total memory)'. Check: 71.26 - 14.99 - 4.76 - 0.13 = 51.38 exactly => CUDA graphs are NOT in the budget (here they measured -0.45 GiB, i.e. " +
      "capture reused freed memory). kvTokens DERIVED (not in the file): 51.38 GiB / 131,072 B = 420,905 tokens, floored to 128-token blocks = 420,864. " +
      "maxNumBatchedTokens 8192 = the V1 API-server default on >= 70 GiB GPUs, logged for the Mistral run of the same file ('chunked-prefill: enabled (max_num_batched_tokens=8192)'). " +
      "Activation 4.76 GiB vs 1.26 GiB for the same model on the same GPU under V0 0.6.5 with an 8192-token profile (case 3): V1 also profiles the sampler/logits at max_num_seqs.",
  },
  // 20. Same setup, Qwen3-0.6B: weights 1.12 but ACTIVATION 5.56 GiB, identical at max-model-len
  // 16000 and 32000; KV 64.45 GiB.
  {
    id: "vllm-0.11-v1-h100-qwen3-0.6b-len16k",
    source:
      "https://github.com/llm-d/llm-d-benchmark/blob/main/config_explorer/empirical-vllm-memory-results.md (section '6. Qwen3-0.6B', both the 16000 and 32000 runs; stored commit 4f4d44943c39b76b28e30dfa1fb0dfaf1ee894b5)",
    seen: SEEN,
    engine: "vllm",
    engineVersion:
      "vllm/vllm-openai:latest image, late 2025 (V1, ~0.11.0 as stated for the Mistral run in the same file)",
    gpu: "H100",
    gpuCount: 1,
    tensorParallel: 1,
    model: "Qwen/Qwen3-0.6B",
    arch: QWEN3_0_6B,
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 16000,
      maxNumBatchedTokens: 8192,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 1.12,
      activationGiB: 5.56,
      nonTorchGiB: 0.13,
      kvCacheGiB: 64.45,
      kvTokens: 4714 * 128,
      cudaGraphGiB: 0.1,
    },
    excerpt: [
      "| Qwen3-0.6B               | SUCCESS | 1.12               | 5.56                  | 0.13                   | 0.10                   | 64.45                    | 1       | 16000         |",
      "| Qwen3-0.6B               | SUCCESS | 1.12               | 5.56                  | 0.13                   | 0.10                   | 64.45                    | 1       | 32000         |",
      "- **Model loading took:** 1.12 GiB memory and 16.54 seconds",
      "- **Available KV cache memory:** 64.45 GiB",
      "- **Free memory on device:** 78.57/79.18 GiB on startup",
      "- For requested memory: `--kv-cache-memory=68930180199` (64.2 GiB)",
    ].join("\n"),
    notes:
      "Same method/GPU as case 19. 71.26 - 1.12 - 5.56 - 0.13 = 64.45. The activation term (5.56 GiB) is 5x the weights and does not move between max-model-len 16000 and 32000: " +
      "in V1 it is set by max_num_batched_tokens (8192 default) and the sampler warm-up over max_num_seqs x vocab (151,936) logits, not by max_model_len. " +
      "Compare case 18: same model on A100-80GB with the LLM class at max_model_len 4096 left only ~0.5 GiB for activation + non-torch. " +
      "kvTokens DERIVED: 64.45 GiB / 114,688 B (28 x 8 x 128 x 2 x 2) = 603,399 -> 4714 blocks of 128 = 603,392.",
  },
  // 21. Same setup, Qwen3-32B TP1, len 16000: weights 61.03, act 5.64, non-torch 0.14, KV only 4.45
  // GiB (~18k tokens); at len 32000 the start FAILED.
  {
    id: "vllm-0.11-v1-h100-qwen3-32b-tp1-len16k",
    source:
      "https://github.com/llm-d/llm-d-benchmark/blob/main/config_explorer/empirical-vllm-memory-results.md (summary table rows 'Qwen3-32B'; stored commit 4f4d44943c39b76b28e30dfa1fb0dfaf1ee894b5)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "vllm/vllm-openai:latest image, late 2025 (V1, ~0.11.0)",
    gpu: "H100",
    gpuCount: 1,
    tensorParallel: 1,
    model: "Qwen/Qwen3-32B",
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 16000,
      maxNumBatchedTokens: 8192,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 61.03,
      activationGiB: 5.64,
      nonTorchGiB: 0.14,
      kvCacheGiB: 4.45,
      kvTokens: 142 * 128,
      cudaGraphGiB: -0.88,
    },
    excerpt: [
      "| Qwen3-32B                | FAILED  | 61.03              | 5.64                  | 0.14                   | N/A                    | N/A                      | 1       | 32000         |",
      "| Qwen3-32B                | SUCCESS | 61.03              | 5.64                  | 0.14                   | -0.88                  | 4.45                     | 1       | 16000         |",
      "| Qwen3-32B | 1 | No KV cache room | 61.03 GiB weights at max-model-len=32000; use TP=2 or reduce context |",
    ].join("\n"),
    notes:
      "The last excerpt line is from the later 'vLLM Empirical Memory Profiling Results' version of the same file (Failed Configurations table). " +
      "71.26 - 61.03 - 5.64 - 0.14 = 4.45. kvTokens DERIVED: 4.45 GiB / 262,144 B (64 layers x 8 kv x 128 x 2 x 2) = 18,227 -> 142 blocks of 128 = 18,176 (1.14x at 16000). " +
      "At 32000 the same 4.45 GiB holds ~18k tokens < 32000 => refused. Weights 61.03 GiB = 32.8B params x 2 B.",
  },
  // 22. Same setup, Qwen3-32B TP2, len 16000: weights 30.59/GPU, act 5.64 (unchanged by TP),
  // non-torch 0.54 (x4 vs TP1), KV 34.49 GiB/GPU.
  {
    id: "vllm-0.11-v1-h100-qwen3-32b-tp2-len16k",
    source:
      "https://github.com/llm-d/llm-d-benchmark/blob/main/config_explorer/empirical-vllm-memory-results.md (summary table, row 'Qwen3-32B … 2 | 16000'; stored commit 4f4d44943c39b76b28e30dfa1fb0dfaf1ee894b5)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "vllm/vllm-openai:latest image, late 2025 (V1, ~0.11.0)",
    gpu: "H100",
    gpuCount: 2,
    tensorParallel: 2,
    model: "Qwen/Qwen3-32B",
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 16000,
      maxNumBatchedTokens: 8192,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 30.59,
      activationGiB: 5.64,
      nonTorchGiB: 0.54,
      kvCacheGiB: 34.49,
      kvTokens: 2207 * 128,
      cudaGraphGiB: -0.33,
    },
    excerpt: [
      "| Qwen3-32B                | SUCCESS | 30.59             | 5.64                  | 0.54                  | -0.33                  | 34.49                     | 2       | 16000         |",
      "**Non-torch memory** scales with TP: ~0.13 GiB (TP=1), ~0.55 GiB (TP=2).",
    ].join("\n"),
    notes:
      "Second line from the later version of the file ('Key Patterns'). 71.26 - 30.59 - 5.64 - 0.54 = 34.49. Activation per GPU does NOT shrink with TP (5.64 at TP1 and TP2). " +
      "Non-torch 0.14 -> 0.54 GiB going TP1 -> TP2 (NCCL/custom all-reduce buffers; V0 on H100 showed 1.79 -> 3.58, cases 3-4). " +
      "kvTokens DERIVED: 34.49 GiB / 131,072 B per GPU (4 kv heads/rank) = 282,542 -> 2207 blocks of 128 = 282,496 (17.7x at 16000).",
  },
  // 23. Same setup, RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic TP2, len 16000: weights 33.88/GPU,
  // act 4.84, non-torch 0.55, KV 32.0 GiB/GPU; TP1 refused (67.72 GiB weights).
  {
    id: "vllm-0.11-v1-h100-tp2-llama33-70b-fp8-len16k",
    source:
      "https://github.com/llm-d/llm-d-benchmark/blob/main/config_explorer/empirical-vllm-memory-results.md (sections '3. Llama-3.3-70B-Instruct-FP8-dynamic (TP=2)' and '4. … (TP=1)'; stored commit 4f4d44943c39b76b28e30dfa1fb0dfaf1ee894b5)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "vllm/vllm-openai:latest image, late 2025 (V1, ~0.11.0)",
    gpu: "H100",
    gpuCount: 2,
    tensorParallel: 2,
    model: "RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic",
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 16000,
      maxNumBatchedTokens: 8192,
      kvCacheDtype: "auto",
      quantization: "fp8",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 33.88,
      activationGiB: 4.84,
      nonTorchGiB: 0.55,
      kvCacheGiB: 32.0,
      kvTokens: 1638 * 128,
      cudaGraphGiB: -0.42,
    },
    excerpt: [
      "- **Model name:** RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic",
      "- **tensor-parallel-size:** 2",
      "- **Model loading took:** 33.88 GiB memory and 116.61 seconds",
      "- **Available KV cache memory:** 32.0 GiB",
      "- **Free memory on device:** 77.64/79.18 GiB on startup",
      "- **Peak activation memory:** 4.84 GiB",
      "- **Non-torch memory:** 0.55 GiB",
      "- **CUDAGraph memory:** -0.42 GiB",
      "(TP=1 run) - **Model loading took:** 67.72 GiB memory and 45.09 seconds",
      "(TP=1 run) - **Available KV cache memory:** -1.44 GiB (NEGATIVE - INSUFFICIENT)",
    ].join("\n"),
    notes:
      "Pre-quantized FP8-dynamic checkpoint (compressed-tensors, W8A8 FP8, bf16 activations) — recorded as quantization 'fp8'; Llama-3.3-70B geometry (80 layers, 8 kv heads, 128 head_dim). " +
      "Weights 67.72 GiB at TP1 (~70.6B params x ~1 B + bf16 embeddings/lm_head) -> 33.88 GiB/GPU at TP2. 71.26 - 33.88 - 4.84 - 0.55 = 32.0 (rounding). " +
      "kvTokens DERIVED: 32.0 GiB / 163,840 B per GPU (80 x 4 kv/rank x 128 x 2 x 2) = 209,715 -> 1638 blocks of 128 = 209,664 (13.1x at 16000). " +
      "TP1: 71.26 - 67.72 - 4.84 - 0.14 = -1.44 -> 'No available memory for the cache blocks'.",
  },
  // ---- FP8 KV cache (added 2026-11-22). Each fp8 case with a bf16-KV twin of the same run where
  // one exists: ----
  // the twin shows the engine kept the same KV pool in GiB and doubled the tokens (1 byte per
  // element).

  // 24-25. vLLM 0.19.0, H100 80GB HBM3, Llama-3.1-8B bf16, gpu 0.95, len 8192: KV 58.11 GiB =
  // 476,000 tokens (auto) / 952,032 (fp8).
  {
    ...LLMD_V019_H100,
    id: "vllm-0.19-h100-llama31-8b-len8k-util095",
    source: `${LLMD_PLANNER_LOGS}/meta-llama-llama---h100-80gb--tp1pp1dp1--8192-dtbf16.log`,
    model: "meta-llama/Llama-3.1-8B-Instruct",
    flags: { ...LLMD_V019_H100.flags, kvCacheDtype: "auto" },
    logged: {
      weightsGiB: 14.99,
      activationGiB: 1.89,
      nonTorchGiB: 0.25,
      kvCacheGiB: 58.11,
      kvTokens: 476000,
      maxConcurrency: 58.11,
      cudaGraphGiB: 0.91,
    },
    excerpt: [
      "(APIServer pid=1) INFO 04-22 00:06:59 [entrypoints/utils.py:233] non-default args: {'model_tag': 'meta-llama/Llama-3.1-8B-Instruct', 'model': 'meta-llama/Llama-3.1-8B-Instruct', 'dtype': 'bfloat16', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}",
      "(EngineCore pid=244) DEBUG 04-22 00:07:11 [v1/worker/gpu_worker.py:284] worker init memory snapshot: torch_peak=0.0GiB, free_memory=78.68GiB, total_memory=79.19GiB, cuda_memory=0.51GiB, torch_memory=0.0GiB, non_torch_memory=0.51GiB, timestamp=1776816431.302875, auto_measure=True",
      "(EngineCore pid=244) DEBUG 04-22 00:07:11 [v1/worker/gpu_worker.py:285] worker requested memory: 75.23GiB",
      "(EngineCore pid=244) INFO 04-22 00:07:19 [v1/worker/gpu_model_runner.py:4820] Model loading took 14.99 GiB memory and 7.001698 seconds",
      "(EngineCore pid=244) DEBUG 04-22 00:07:23 [v1/worker/gpu_worker.py:435] Memory profiling takes 4.47 seconds. Total non KV cache memory: 17.12GiB; torch peak memory increase: 1.89GiB; non-torch forward increase memory: 0.25GiB; weights memory: 14.99GiB.",
      "(EngineCore pid=244) INFO 04-22 00:07:23 [v1/worker/gpu_worker.py:436] Available KV cache memory: 58.11 GiB",
      "(EngineCore pid=244) INFO 04-22 00:07:23 [v1/core/kv_cache_utils.py:1319] GPU KV cache size: 476,000 tokens",
      "(EngineCore pid=244) INFO 04-22 00:07:23 [v1/core/kv_cache_utils.py:1324] Maximum concurrency for 8,192 tokens per request: 58.11x",
      "(EngineCore pid=244) INFO 04-22 00:07:26 [v1/worker/gpu_worker.py:597] CUDA graph pool memory: 0.91 GiB (actual), 0.84 GiB (estimated), difference: 0.07 GiB (7.7%).",
    ].join("\n"),
    notes:
      "bf16-KV twin of the next case (same job template, minutes apart). GPU: the sweep pins nvidia.com/gpu.product NVIDIA-H100-80GB-HBM3 (accuracy/scripts/sweep.yaml, same commit) and the log prints total_memory=79.19GiB. " +
      "max_num_seqs 1024 / max_num_batched_tokens 8192 are logged ('Defaulting max_num_batched_tokens to 8192 ... max_num_seqs to 1024 for OPENAI_API_SERVER usage context'). " +
      "Check: 75.23 - 14.99 - 1.89 - 0.25 = 58.10 GiB; 476,000 x 131,072 B = 58.11 GiB. CUDA graphs (0.91 GiB) are captured outside the budget in 0.19 (the log says profiling them becomes the default later).",
  },
  {
    ...LLMD_V019_H100,
    id: "vllm-0.19-h100-llama31-8b-len8k-util095-kvfp8",
    source: `${LLMD_PLANNER_LOGS}/meta-llama---h100-80gb--tp1pp1dp1--8192-dtbf16-kvfp8.log`,
    model: "meta-llama/Llama-3.1-8B-Instruct",
    flags: { ...LLMD_V019_H100.flags, kvCacheDtype: "fp8" },
    logged: {
      weightsGiB: 14.99,
      activationGiB: 1.89,
      nonTorchGiB: 0.25,
      kvCacheGiB: 58.11,
      kvTokens: 952032,
      maxConcurrency: 116.21,
      cudaGraphGiB: 0.91,
    },
    excerpt: [
      "(APIServer pid=1) INFO 04-22 00:23:30 [entrypoints/utils.py:233] non-default args: {'model_tag': 'meta-llama/Llama-3.1-8B-Instruct', 'model': 'meta-llama/Llama-3.1-8B-Instruct', 'dtype': 'bfloat16', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'kv_cache_dtype': 'fp8', 'enable_prefix_caching': False}",
      "(APIServer pid=1) INFO 04-22 00:23:31 [config/cache.py:227] Using fp8 data type to store kv cache. It reduces the GPU memory footprint and boosts the performance. Meanwhile, it may cause accuracy drop without a proper scaling factor.",
      "(EngineCore pid=241) DEBUG 04-22 00:23:42 [v1/worker/gpu_worker.py:285] worker requested memory: 75.23GiB",
      "(EngineCore pid=241) INFO 04-22 00:23:43 [platforms/cuda.py:334] Using FLASH_ATTN attention backend out of potential backends: ['FLASH_ATTN', 'FLASHINFER', 'TRITON_ATTN'].",
      "(EngineCore pid=241) INFO 04-22 00:23:50 [v1/worker/gpu_model_runner.py:4820] Model loading took 14.99 GiB memory and 6.965058 seconds",
      "(EngineCore pid=241) DEBUG 04-22 00:24:08 [v1/worker/gpu_worker.py:435] Memory profiling takes 18.33 seconds. Total non KV cache memory: 17.12GiB; torch peak memory increase: 1.89GiB; non-torch forward increase memory: 0.25GiB; weights memory: 14.99GiB.",
      "(EngineCore pid=241) INFO 04-22 00:24:08 [v1/worker/gpu_worker.py:436] Available KV cache memory: 58.11 GiB",
      "(EngineCore pid=241) INFO 04-22 00:24:08 [v1/core/kv_cache_utils.py:1319] GPU KV cache size: 952,032 tokens",
      "(EngineCore pid=241) INFO 04-22 00:24:08 [v1/core/kv_cache_utils.py:1324] Maximum concurrency for 8,192 tokens per request: 116.21x",
      "(APIServer pid=1) DEBUG 04-22 00:24:12 [v1/metrics/loggers.py:273] Engine 000: vllm cache_config_info with initialization after num_gpu_blocks is: 59502",
    ].join("\n"),
    notes:
      "fp8 (e4m3) KV on Hopper with the FlashAttention backend. Same non-KV memory as the bf16 twin (17.12 GiB: weights, activation peak and non-torch do not change with the KV dtype), " +
      "so the same 58.11 GiB pool holds 2x the tokens: 59,502 blocks x 16 = 952,032 = 58.11 GiB / 65,536 B (32 layers x 8 kv heads x 128 x 2 x 1 B).",
  },
  // 26-27. Same sweep, Qwen2.5-7B-Instruct bf16: KV 58.53 GiB = 1,096,000 tokens (auto) / 2,192,000
  // (fp8).
  {
    ...LLMD_V019_H100,
    id: "vllm-0.19-h100-qwen25-7b-len8k-util095",
    source: `${LLMD_PLANNER_LOGS}/qwen-qwen2-5-7b-i--h100-80gb--tp1pp1dp1--8192-dtbf16.log`,
    model: "Qwen/Qwen2.5-7B-Instruct",
    flags: { ...LLMD_V019_H100.flags, kvCacheDtype: "auto" },
    logged: {
      weightsGiB: 14.25,
      activationGiB: 2.21,
      nonTorchGiB: 0.24,
      kvCacheGiB: 58.53,
      kvTokens: 1096000,
      maxConcurrency: 133.79,
      cudaGraphGiB: 0.87,
    },
    excerpt: [
      "(APIServer pid=1) INFO 04-22 00:24:41 [entrypoints/utils.py:233] non-default args: {'model_tag': 'Qwen/Qwen2.5-7B-Instruct', 'model': 'Qwen/Qwen2.5-7B-Instruct', 'dtype': 'bfloat16', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'enable_prefix_caching': False}",
      "(EngineCore pid=244) DEBUG 04-22 00:24:52 [v1/worker/gpu_worker.py:285] worker requested memory: 75.23GiB",
      "(EngineCore pid=244) INFO 04-22 00:25:07 [v1/worker/gpu_model_runner.py:4820] Model loading took 14.25 GiB memory and 13.744265 seconds",
      "(EngineCore pid=244) DEBUG 04-22 00:25:24 [v1/worker/gpu_worker.py:435] Memory profiling takes 17.20 seconds. Total non KV cache memory: 16.7GiB; torch peak memory increase: 2.21GiB; non-torch forward increase memory: 0.24GiB; weights memory: 14.25GiB.",
      "(EngineCore pid=244) INFO 04-22 00:25:24 [v1/worker/gpu_worker.py:436] Available KV cache memory: 58.53 GiB",
      "(EngineCore pid=244) INFO 04-22 00:25:24 [v1/core/kv_cache_utils.py:1319] GPU KV cache size: 1,096,000 tokens",
      "(EngineCore pid=244) INFO 04-22 00:25:24 [v1/core/kv_cache_utils.py:1324] Maximum concurrency for 8,192 tokens per request: 133.79x",
      "(EngineCore pid=244) INFO 04-22 00:25:28 [v1/worker/gpu_worker.py:597] CUDA graph pool memory: 0.87 GiB (actual), 0.61 GiB (estimated), difference: 0.25 GiB (29.1%).",
    ].join("\n"),
    notes:
      "bf16-KV twin of the next case. Check: 75.23 - 14.25 - 2.21 - 0.24 = 58.53 GiB = 1,096,000 x 57,344 B (28 layers x 4 kv heads x 128 x 2 x 2). " +
      "The activation peak (2.21 GiB, above Llama's 1.89) is the V1 sampler warm-up over 1024 seqs x 152,064 vocab.",
  },
  {
    ...LLMD_V019_H100,
    id: "vllm-0.19-h100-qwen25-7b-len8k-util095-kvfp8",
    source: `${LLMD_PLANNER_LOGS}/qwen-qwen2---h100-80gb--tp1pp1dp1--8192-dtbf16-kvfp8.log`,
    model: "Qwen/Qwen2.5-7B-Instruct",
    flags: { ...LLMD_V019_H100.flags, kvCacheDtype: "fp8" },
    logged: {
      weightsGiB: 14.25,
      activationGiB: 2.21,
      nonTorchGiB: 0.24,
      kvCacheGiB: 58.53,
      kvTokens: 2192000,
      maxConcurrency: 267.58,
      cudaGraphGiB: 0.86,
    },
    excerpt: [
      "(APIServer pid=1) INFO 04-22 00:25:57 [entrypoints/utils.py:233] non-default args: {'model_tag': 'Qwen/Qwen2.5-7B-Instruct', 'model': 'Qwen/Qwen2.5-7B-Instruct', 'dtype': 'bfloat16', 'max_model_len': 8192, 'gpu_memory_utilization': 0.95, 'kv_cache_dtype': 'fp8', 'enable_prefix_caching': False}",
      "(APIServer pid=1) INFO 04-22 00:25:57 [config/cache.py:227] Using fp8 data type to store kv cache. It reduces the GPU memory footprint and boosts the performance. Meanwhile, it may cause accuracy drop without a proper scaling factor.",
      "(EngineCore pid=243) INFO 04-22 00:26:24 [v1/worker/gpu_model_runner.py:4820] Model loading took 14.25 GiB memory and 14.320193 seconds",
      "(EngineCore pid=243) DEBUG 04-22 00:26:42 [v1/worker/gpu_worker.py:435] Memory profiling takes 18.20 seconds. Total non KV cache memory: 16.7GiB; torch peak memory increase: 2.21GiB; non-torch forward increase memory: 0.24GiB; weights memory: 14.25GiB.",
      "(EngineCore pid=243) INFO 04-22 00:26:42 [v1/worker/gpu_worker.py:436] Available KV cache memory: 58.53 GiB",
      "(EngineCore pid=243) INFO 04-22 00:26:42 [v1/core/kv_cache_utils.py:1319] GPU KV cache size: 2,192,000 tokens",
      "(EngineCore pid=243) INFO 04-22 00:26:42 [v1/core/kv_cache_utils.py:1324] Maximum concurrency for 8,192 tokens per request: 267.58x",
      "(APIServer pid=1) DEBUG 04-22 00:26:46 [v1/metrics/loggers.py:273] Engine 000: vllm cache_config_info with initialization after num_gpu_blocks is: 137000",
    ].join("\n"),
    notes:
      "137,000 blocks x 16 = 2,192,000 = 58.53 GiB / 28,672 B (1 byte per element): exactly 2x the bf16 twin. " +
      "Memory only: Qwen2-architecture models lose accuracy badly with an uncalibrated fp8 KV cache (case vllm-0.7.3-a100-qwen25-7b-kvfp8-flashinfer), so the planner never picks fp8 KV for them by itself (planner/policy.ts fp8KvHazard).",
  },
  // 28-29. vLLM 0.25.1, L4 24 GB, Qwen3-4B bf16, gpu 0.90, len 32768, 1 seq: KV 11.47 GiB = 83,488
  // tokens (auto) / 166,992 (fp8).
  {
    ...VLLM_025_L4_QWEN3_4B,
    id: "vllm-0.25.1-l4-qwen3-4b-len32k-seqs1",
    flags: { ...VLLM_025_L4_QWEN3_4B.flags, kvCacheDtype: "auto" },
    logged: {
      kvCacheGiB: 11.47,
      kvTokens: 83488,
      maxConcurrency: 2.55,
    },
    excerpt: [
      "vllm serve Qwen/Qwen3-4B --max-model-len 32768 --max-num-seqs 1 \\",
      "  --gpu-memory-utilization 0.90 --no-enable-prefix-caching  # ± --kv-cache-dtype fp8",
      "Measured example — `Qwen/Qwen3-4B` on a 24 GB NVIDIA L4 (vLLM 0.25.1, `--max-model-len 32768`, 11.47 GiB KV reservation in both cases):",
      "| `kv_cache_dtype` | GPU KV cache size | Max concurrency (32,768-token requests) |",
      "| `auto` (BF16) | 83,488 tokens | 2.55x |",
      "| `fp8` | 166,992 tokens | 5.10x |",
    ].join("\n"),
    notes:
      "Figures from the start-up log as quoted in vLLM's own docs (docs/features/quantization/quantized_kvcache.md, added by PR #49050, whose test plan gives the command). " +
      "Check: 83,488 x 147,456 B (36 layers x 8 kv heads x 128 x 2 x 2) = 11.465 GiB. 'Model loading took' is not quoted (weightsGiB left out). " +
      "max_num_batched_tokens not stated (vLLM's default for a < 70 GiB GPU assumed).",
  },
  {
    ...VLLM_025_L4_QWEN3_4B,
    id: "vllm-0.25.1-l4-qwen3-4b-len32k-seqs1-kvfp8",
    flags: { ...VLLM_025_L4_QWEN3_4B.flags, kvCacheDtype: "fp8" },
    logged: {
      kvCacheGiB: 11.47,
      kvTokens: 166992,
      maxConcurrency: 5.1,
    },
    excerpt: [
      "vllm serve Qwen/Qwen3-4B --max-model-len 32768 --max-num-seqs 1 \\",
      "  --gpu-memory-utilization 0.90 --no-enable-prefix-caching  # ± --kv-cache-dtype fp8",
      "| `fp8` | 166,992 tokens | 5.10x |",
      "KV cache capacity doubles. At the same `gpu_memory_utilization`, the engine can hold twice as many tokens.",
    ].join("\n"),
    notes:
      "fp8 twin of the previous case on Ada (compute capability 8.9, native fp8): 166,992 x 73,728 B = 11.466 GiB, the same reservation, 2x the tokens.",
  },
  // 30. vLLM 0.28.0, 2x H100 TP2, Qwen3-Coder-30B-A3B-Instruct-FP8, gpu 0.88, len 262144, fp8_e4m3
  // KV: 139,815 blocks = 2,237,040 tokens.
  {
    id: "vllm-0.28-h100-tp2-qwen3-coder-30b-a3b-fp8-len256k-kvfp8",
    source:
      "https://github.com/zetxqx/thunderagent-original-verification/blob/e6d75135f125034cb49d0900daf37b2863cc1145/model-server/README.md (sections 'How it is launched' and 'Resolved engine configuration', collected 2026-09-18)",
    seen: SEEN_FP8,
    engine: "vllm",
    engineVersion: "v0.28.0 (vllm/vllm-openai:v0.28.0, official image, unmodified; V1)",
    gpu: "H100",
    gpuCount: 2,
    tensorParallel: 2,
    model: "Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8",
    arch: QWEN3_30B_A3B,
    flags: {
      gpuMemoryUtilization: 0.88,
      maxModelLen: 262144,
      maxNumSeqs: 1024,
      maxNumBatchedTokens: 8192,
      kvCacheDtype: "fp8",
      quantization: "fp8",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      kvTokens: 2237040,
      maxConcurrency: 8.53,
    },
    excerpt: [
      "Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8",
      "--tensor-parallel-size=2",
      "--max-model-len=262144",
      "--kv-cache-dtype=fp8_e4m3",
      "--gpu-memory-utilization=0.88",
      "| `quantization` | `fp8` |",
      "| `kv_cache_dtype` | `fp8_e4m3` |",
      "| `gpu_memory_utilization` | 0.88 |",
      "| `block_size` | 16 |",
      "| `num_gpu_blocks` | 139,815 |",
      "| `kv_cache_size_tokens` | **2,237,040** |",
      "| `kv_cache_max_concurrency` | 8.53 |",
      "| hardware | GKE `a3-highgpu-4g` spot nodes, 4x NVIDIA H100 80GB each, `us-central1-a` |",
    ].join("\n"),
    notes:
      "Read from the running engine (/server_info and the vllm:cache_config_info metric), i.e. the KV cache config the start-up log prints, not a pasted log line. " +
      "Qwen3-Coder-30B-A3B has Qwen3-30B-A3B's geometry (48 layers, 32 heads, 4 KV heads, 128 experts, top 8; README 'Model' table, 262,144 positions). " +
      "max_num_seqs 1024 / max_num_batched_tokens 8192 were re-derived by the author with EngineArgs(...).create_engine_config (said to be 'one step weaker'). " +
      "Check: 2 KV heads per rank x 128 x 2 x 48 x 1 B = 24,576 B/token per GPU; 2,237,040 tokens = 51.2 GiB per GPU of 0.88 x 79.19 = 69.7 GiB. " +
      "Env VLLM_USE_DEEP_GEMM=0 and a compilation config without the allreduce-RMS fusion; neither changes the KV pool size.",
  },
  // 31-32. vLLM 0.7.3 V0, A100 80GB, Qwen2.5-7B-Instruct bf16, gpu 0.70, len 20096, 8 seqs, eager:
  // 45,008 blocks (auto, FA2) / 89,647 (fp8, FlashInfer).
  {
    ...SYMBOLU_A100_QWEN25_7B,
    id: "vllm-0.7.3-a100-qwen25-7b-len20k-util070-eager",
    flags: { ...SYMBOLU_A100_QWEN25_7B.flags, kvCacheDtype: "auto" },
    logged: {
      kvTokens: 45008 * 16,
    },
    excerpt: [
      "llm = LLM(model=args.model, max_model_len=mml, gpu_memory_utilization=args.gpu_util,",
      '          dtype="bfloat16", kv_cache_dtype=dtype, enforce_eager=True,',
      "          max_num_seqs=max(2, args.batch))",
      "    blocks = llm.llm_engine.cache_config.num_gpu_blocks",
      "python CTM_plus/Bench/scripts/bench_kv_tier_eval.py --context-tokens 16000 --batch 8 --gen 64 --dtypes auto,fp8",
      "**Date:** 2026-07-17 · **Hardware:** A100 80 GB (sm_80) · **Stacks:** vLLM 0.7.3 (int4-pinned) and",
      "| auto (bf16) | FlashAttention-2 | **16.82** | 1.00× | 45 008 | 1× |",
    ].join("\n"),
    notes:
      "Block count = cache_config.num_gpu_blocks (what V0 logs as '# GPU blocks'), printed by the script and copied into the repo's report " +
      "('FP8 KV Cache as the Speed Tier — Evaluation Report', §4.1; its file path is not in the search index, the script's is). " +
      "Flags from the script's defaults and the reproduction command: max_model_len = 16000 + 4096, gpu-util 0.70, max_num_seqs = max(2, 8), eager, TP 1. " +
      "Check: 720,128 x 57,344 B = 38.46 GiB of 0.7 x 79.25 = 55.5 GiB.",
  },
  {
    ...SYMBOLU_A100_QWEN25_7B,
    id: "vllm-0.7.3-a100-qwen25-7b-len20k-util070-eager-kvfp8-flashinfer",
    flags: { ...SYMBOLU_A100_QWEN25_7B.flags, kvCacheDtype: "fp8" },
    logged: {
      kvTokens: 89647 * 16,
    },
    excerpt: [
      "**Backend requirement.** vLLM 0.7.3's FlashAttention-2 backend **cannot** serve fp8 KV — it silently",
      "falls back to XFormers (~7× slower). All fp8 cells force `VLLM_ATTENTION_BACKEND=FLASHINFER`; bf16 stays",
      "on FA2.",
      "| **fp8 (e4m3)** | **FlashInfer** | **16.87** | **1.00×** | 89 647 | **2.0×** |",
      "| **Qwen2.5-7B-Instruct** | 0.7.3 | prose (390) | 13.5891 | 798.6385 | +5777% | **+4.0736** | ❌ catastrophic |",
    ].join("\n"),
    notes:
      "fp8 KV on Ampere (sm_80) through FlashInfer's software conversion — the path the planner allows only when pinned. " +
      "89,647 x 16 x 28,672 B = 38.30 GiB: 0.16 GiB less pool than the FA2 twin (FlashInfer's workspace), still 1.99x the tokens. " +
      "The same report measures what the memory figures hide: Qwen2.5-7B's perplexity goes 13.6 -> 799 with uncalibrated fp8 KV (and on vLLM 0.8.5), " +
      "while Llama-3.1-8B, Mistral-7B-v0.3 and Qwen3-8B stay within 0.4 %: the reason the planner never chooses fp8 KV for Qwen2-architecture models.",
  },
  // 33-38. SGLang main nightly (2026-09-07), one GPU, fp8_e5m2 KV, mem-fraction-static 0.85,
  // context 32768, page 64, triton attention:
  // Qwen3-32B-FP8 and Llama-3.3-70B AWQ on A100-80GB, H100 PCIe and H200. One author, one image,
  // three machines.
  {
    ...SGLANG_NIGHTLY_FP8,
    id: "sglang-nightly-a100-qwen3-32b-fp8-mfs085-kvfp8",
    source: `${WANHAORAN_A100}/exp1_32b/server.log`,
    gpu: "A100-80GB",
    model: "Qwen/Qwen3-32B-FP8",
    flags: { ...SGLANG_NIGHTLY_FP8.flags, quantization: "fp8" },
    logged: { weightsGiB: 32.59, kvCacheGiB: 34.34, kvTokens: 281216 },
    excerpt: [
      "[2026-09-17 19:55:10] Load weight begin. avail mem=78.73 GB",
      "[2026-09-17 19:56:39] Your GPU does not have native support for FP8 computation but FP8 quantization is being used. Weight-only FP8 compression will be used leveraging the Marlin kernel. This may degrade performance for compute-heavy workloads.",
      "[2026-09-17 19:56:39] Load weight end. elapsed=89.36 s, type=Qwen3ForCausalLM, quant=fp8, fmt=e4m3, avail mem=46.15 GB, mem usage=32.59 GB.",
      "[2026-09-17 19:56:42] KV Cache is allocated. dtype: torch.float8_e5m2, #tokens: 281216, K size: 17.17 GB, V size: 17.17 GB",
      "[2026-09-17 19:56:42] Memory pool end. avail mem=11.15 GB",
      "[2026-09-17 19:58:35] max_total_num_tokens=281216, chunked_prefill_size=8192, max_prefill_tokens=16384, max_running_requests=4096, context_len=32768, available_gpu_mem=7.66 GB",
    ].join("\n"),
    notes:
      "GCP a2-ultragpu-1g, 'NVIDIA A100-SXM4-80GB' (the campaign's versions.txt). FP8 weights run weight-only (Marlin) on sm_80: 32.59 GiB vs 32.05 on Hopper. " +
      "(281,216 + 64) x 65,536 B (64 layers x 8 kv heads x 128 x 1 B) = 17.17 GiB per K and per V: the pool holds #tokens + one page.",
  },
  {
    ...SGLANG_NIGHTLY_FP8,
    id: "sglang-nightly-h100-qwen3-32b-fp8-mfs085-kvfp8",
    source: `${WANHAORAN_H100}/exp1_32b/server.log`,
    gpu: "H100",
    model: "Qwen/Qwen3-32B-FP8",
    flags: { ...SGLANG_NIGHTLY_FP8.flags, quantization: "fp8" },
    logged: { weightsGiB: 32.05, kvCacheGiB: 34.7, kvTokens: 284224 },
    excerpt: [
      "[2026-09-08 03:21:27] Attention backend not specified. Use fa3 backend by default.",
      "[2026-09-08 03:21:27] FlashAttention3 only supports fp8_e4m3 if using FP8; Setting attention backend to triton.",
      "[2026-09-08 03:21:48] Load weight begin. avail mem=78.55 GB",
      "[2026-09-08 03:22:31] Load weight end. elapsed=43.25 s, type=Qwen3ForCausalLM, quant=fp8, fmt=e4m3, avail mem=46.50 GB, mem usage=32.05 GB.",
      "[2026-09-08 03:22:34] KV Cache is allocated. dtype: torch.float8_e5m2, #tokens: 284224, K size: 17.35 GB, V size: 17.35 GB",
      "[2026-09-08 03:22:34] Memory pool end. avail mem=11.25 GB",
      "[2026-09-08 03:25:20] max_total_num_tokens=284224, chunked_prefill_size=8192, max_prefill_tokens=16384, max_running_requests=4096, context_len=32768, available_gpu_mem=7.93 GB",
    ].join("\n"),
    notes:
      "GPU: 'H100 PCIe 80 GB' (the campaign's REPORT.md); the catalog's H100 is the SXM part, same 80 GB (79.2 GiB) — the KV pool depends only on memory here. " +
      "fp8_e5m2 forces the triton backend on Hopper (FA3 reads fp8_e4m3 only): the planner passes fp8_e4m3 on 8.9+.",
  },
  {
    ...SGLANG_NIGHTLY_FP8,
    id: "sglang-nightly-h200-qwen3-32b-fp8-mfs085-kvfp8",
    source: `${WANHAORAN_H200}/exp1_32b/server.log`,
    gpu: "H200",
    model: "Qwen/Qwen3-32B-FP8",
    flags: { ...SGLANG_NIGHTLY_FP8.flags, quantization: "fp8" },
    logged: { weightsGiB: 32.05, kvCacheGiB: 86.18, kvTokens: 705856 },
    excerpt: [
      "[2026-09-21 21:38:10] Load weight begin. avail mem=139.09 GB",
      "[2026-09-21 21:39:28] Load weight end. elapsed=77.62 s, type=Qwen3ForCausalLM, quant=fp8, fmt=e4m3, avail mem=107.04 GB, mem usage=32.05 GB.",
      "[2026-09-21 21:39:30] KV Cache is allocated. dtype: torch.float8_e5m2, #tokens: 705856, K size: 43.09 GB, V size: 43.09 GB",
      "[2026-09-21 21:39:30] Memory pool end. avail mem=20.29 GB",
      "[2026-09-21 21:41:38] max_total_num_tokens=705856, chunked_prefill_size=8192, max_prefill_tokens=16384, max_running_requests=4096, context_len=32768, available_gpu_mem=16.96 GB",
    ].join("\n"),
    notes:
      "Nebius H200 ('143 GB HBM, SM90', the campaign's DEVIATIONS.md), same image and flags. (705,856 + 64) x 65,536 B = 43.09 GiB per K and per V.",
  },
  {
    ...SGLANG_NIGHTLY_FP8,
    id: "sglang-nightly-a100-llama33-70b-awq-mfs085-kvfp8",
    source: `${WANHAORAN_A100}/exp1_70b/server.log`,
    gpu: "A100-80GB",
    model: "casperhansen/llama-3.3-70b-instruct-awq",
    flags: { ...SGLANG_NIGHTLY_FP8.flags, quantization: "awq" },
    logged: { weightsGiB: 37.19, kvCacheGiB: 29.74, kvTokens: 194816 },
    excerpt: [
      "[2026-09-17 19:16:35] Load weight begin. avail mem=78.73 GB",
      "[2026-09-17 19:18:02] Load weight end. elapsed=86.44 s, type=LlamaForCausalLM, quant=awq, bits=4, avail mem=41.55 GB, mem usage=37.19 GB.",
      "[2026-09-17 19:18:09] KV Cache is allocated. dtype: torch.float8_e5m2, #tokens: 194816, K size: 14.87 GB, V size: 14.87 GB",
      "[2026-09-17 19:18:09] Memory pool end. avail mem=11.18 GB",
      "[2026-09-17 19:21:08] max_total_num_tokens=194816, chunked_prefill_size=8192, max_prefill_tokens=16384, max_running_requests=3044, context_len=32768, available_gpu_mem=7.56 GB",
    ].join("\n"),
    notes:
      "AWQ 4-bit Llama-3.3-70B (awq_marlin). (194,816 + 64) x 81,920 B (80 layers x 8 kv heads x 128 x 1 B) = 14.87 GiB per K and per V.",
  },
  {
    ...SGLANG_NIGHTLY_FP8,
    id: "sglang-nightly-h100-llama33-70b-awq-mfs085-kvfp8",
    source: `${WANHAORAN_H100}/exp1_70b/server.log`,
    gpu: "H100",
    model: "casperhansen/llama-3.3-70b-instruct-awq",
    flags: { ...SGLANG_NIGHTLY_FP8.flags, quantization: "awq" },
    logged: { weightsGiB: 37.19, kvCacheGiB: 29.58, kvTokens: 193728 },
    excerpt: [
      "[2026-09-08 02:48:11] Load weight begin. avail mem=78.55 GB",
      "[2026-09-08 02:49:09] Load weight end. elapsed=58.13 s, type=LlamaForCausalLM, quant=awq, bits=4, avail mem=41.36 GB, mem usage=37.19 GB.",
      "[2026-09-08 02:49:16] KV Cache is allocated. dtype: torch.float8_e5m2, #tokens: 193728, K size: 14.79 GB, V size: 14.79 GB",
      "[2026-09-08 02:49:16] Memory pool end. avail mem=11.30 GB",
    ].join("\n"),
    notes: "H100 PCIe 80 GB (see the Qwen3-32B case of the same campaign).",
  },
  {
    ...SGLANG_NIGHTLY_FP8,
    id: "sglang-nightly-h200-llama33-70b-awq-mfs085-kvfp8",
    source: `${WANHAORAN_H200}/exp1_70b/server.log`,
    gpu: "H200",
    model: "casperhansen/llama-3.3-70b-instruct-awq",
    flags: { ...SGLANG_NIGHTLY_FP8.flags, quantization: "awq" },
    logged: { weightsGiB: 37.19, kvCacheGiB: 81.04, kvTokens: 531008 },
    excerpt: [
      "[2026-09-21 21:04:54] Load weight begin. avail mem=139.09 GB",
      "[2026-09-21 21:06:29] Load weight end. elapsed=94.43 s, type=LlamaForCausalLM, quant=awq, bits=4, avail mem=101.91 GB, mem usage=37.19 GB.",
      "[2026-09-21 21:06:33] KV Cache is allocated. dtype: torch.float8_e5m2, #tokens: 531008, K size: 40.52 GB, V size: 40.52 GB",
      "[2026-09-21 21:06:33] Memory pool end. avail mem=20.15 GB",
    ].join("\n"),
    notes: "Nebius H200, same image and flags.",
  },
];

/**
 * Real logs whose figures are sound but whose public URL we could not resolve in the search index
 * (the index returned the file text without its repository). Kept apart from CALIBRATION_CASES;
 * promote them once the URL is found.
 */
export const CANDIDATE_CASES_SOURCE_UNRESOLVED: readonly CalibrationCase[] = [
  // vLLM 0.7.2 V0, T4 (Colab), Qwen2.5-1.5B-Instruct fp16, gpu 0.50, len 32768: weights 2.89, act
  // 2.02, non-torch 0.01, KV 2.36 GiB = 88,272 tokens; graphs 0.17 GiB.
  {
    id: "vllm-0.7.2-t4-qwen25-1.5b-len32k-util050",
    source:
      "UNRESOLVED: GitHub file by kridaydave (Colab GRPO training log, 2025-05-30); search-index text id 55875904831",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "0.7.2 (logged 'Initializing a V0 LLM engine (v0.7.2)')",
    gpu: "T4",
    gpuCount: 1,
    tensorParallel: 1,
    model: "Qwen/Qwen2.5-1.5B-Instruct",
    flags: {
      gpuMemoryUtilization: 0.5,
      maxModelLen: 32768,
      maxNumSeqs: 256,
      maxNumBatchedTokens: 32768,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "float16",
    },
    logged: {
      weightsGiB: 2.8884,
      activationGiB: 2.02,
      nonTorchGiB: 0.01,
      kvCacheGiB: 2.36,
      kvTokens: 5517 * 16,
      maxConcurrency: 2.69,
      cudaGraphGiB: 0.17,
    },
    excerpt: [
      "WARNING 05-30 06:39:40 config.py:2386] Casting torch.bfloat16 to torch.float16.",
      "INFO 05-30 06:39:59 llm_engine.py:234] Initializing a V0 LLM engine (v0.7.2) with config: model='Qwen/Qwen2.5-1.5B-Instruct', … dtype=torch.float16, max_seq_len=32768, … tensor_parallel_size=1, … quantization=None, enforce_eager=False, kv_cache_dtype=auto, … enable_prefix_caching=True, chunked_prefill_enabled=False, …",
      "INFO 05-30 06:40:03 cuda.py:179] Cannot use FlashAttention-2 backend for Volta and Turing GPUs.",
      "INFO 05-30 06:40:49 model_runner.py:1115] Loading model weights took 2.8884 GB",
      "INFO 05-30 06:40:55 worker.py:267] the current vLLM instance can use total_gpu_memory (14.56GiB) x gpu_memory_utilization (0.50) = 7.28GiB",
      "INFO 05-30 06:40:55 worker.py:267] model weights take 2.89GiB; non_torch_memory takes 0.01GiB; PyTorch activation peak memory takes 2.02GiB; the rest of the memory reserved for KV Cache is 2.36GiB.",
      "INFO 05-30 06:40:55 executor_base.py:110] # CUDA blocks: 5517, # CPU blocks: 9362",
      "INFO 05-30 06:40:55 executor_base.py:115] Maximum concurrency for 32768 tokens per request: 2.69x",
      "INFO 05-30 06:41:50 model_runner.py:1562] Graph capturing finished in 49 secs, took 0.17 GiB",
    ].join("\n"),
    notes:
      "GPU identified as T4: the same log's Unsloth banner says 'Tesla T4. Num GPUs = 1. Max memory: 14.563 GB', Turing (FA2 refused for Volta/Turing), total 14.56 GiB. " +
      "Source still unresolved: kridaydave's public repos (t4-cuda, Eli_scripts, k5-work, …) were listed and none holds this log. Launched from Unsloth GRPO (LLM class), chunked prefill off => " +
      "the profile is one 32,768-token prefill: 2.02 GiB activation for a 1.5B model (~0.062 GiB per 1000 tokens; the 151,936-vocab logits dominate). " +
      "max_num_seqs 256 inferred from cudagraph capture sizes up to 256.",
  },
  // vLLM 0.9.0 running its V0 engine, RTX 4090, CosyVoice2-0.5B's Qwen2 LM, gpu 0.40, len 32768:
  // weights 0.70, act 1.12, non-torch 0.07, KV 7.57 GiB = 41,366 blocks.
  {
    id: "vllm-0.9.0-v0-rtx4090-cosyvoice2-qwen2-0.5b-len32k-util040",
    source:
      "UNRESOLVED: GitHub log file of a CosyVoice2 + vLLM TTS server ('GPU device name: NVIDIA GeForce RTX 4090', 2025-06-26); search-index text id 67133514795 (a second boot of the same server: 67361077313)",
    seen: "2026-12-01",
    engine: "vllm",
    engineVersion:
      "0.9.0 running the V0 engine (logged '--enable-prompt-embeds is not supported by the V1 Engine. Falling back to V0' and 'Initializing a V0 LLM engine (v0.9.0)')",
    gpu: "RTX-4090",
    gpuCount: 1,
    tensorParallel: 1,
    model: "FunAudioLLM/CosyVoice2-0.5B (vllm/ LM export)",
    arch: {
      architectures: ["Qwen2ForCausalLM"],
      model_type: "qwen2",
      num_hidden_layers: 24,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      hidden_size: 896,
      intermediate_size: 4864,
      vocab_size: 6564,
      max_position_embeddings: 32768,
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
      paramsB: 0.373,
    },
    flags: {
      gpuMemoryUtilization: 0.4,
      maxModelLen: 32768,
      maxNumSeqs: 256,
      maxNumBatchedTokens: 32768,
      kvCacheDtype: "auto",
      quantization: "none",
      enforceEager: false,
      dtype: "bfloat16",
    },
    logged: {
      weightsGiB: 0.6951,
      activationGiB: 1.12,
      nonTorchGiB: 0.07,
      kvCacheGiB: 7.57,
      kvTokens: 41366 * 16,
      maxConcurrency: 20.2,
    },
    excerpt: [
      "GPU device name: NVIDIA GeForce RTX 4090",
      "INFO 06-26 17:45:58 [llm_engine.py:230] Initializing a V0 LLM engine (v0.9.0) with config: model='pretrained_models/CosyVoice2-0.5B/vllm', … dtype=torch.bfloat16, max_seq_len=32768, … tensor_parallel_size=1, … chunked_prefill_enabled=False, … \"max_capture_size\": 256}",
      "INFO 06-26 17:45:59 [model_runner.py:1202] Model loading took 0.6951 GiB and 0.204926 seconds",
      "INFO 06-26 17:46:00 [worker.py:291] the current vLLM instance can use total_gpu_memory (23.65GiB) x gpu_memory_utilization (0.40) = 9.46GiB",
      "INFO 06-26 17:46:00 [worker.py:291] model weights take 0.70GiB; non_torch_memory takes 0.07GiB; PyTorch activation peak memory takes 1.12GiB; the rest of the memory reserved for KV Cache is 7.57GiB.",
      "INFO 06-26 17:46:00 [executor_base.py:112] # cuda blocks: 41366, # CPU blocks: 21845",
    ].join("\n"),
    notes:
      "Evidence for V0's forward-only profile: 32,768 × (3·4864 + 4·896) × 2 B = 1.11 GiB against 1.12 logged (the LM's 6,564-entry speech vocabulary adds no sampler rows). " +
      "Check: 41,366 × 16 × 12,288 B (24 layers × 2 KV heads × 64 × 2 × 2) = 7.57 GiB. Architecture: Qwen2.5-0.5B's decoder with CosyVoice2's speech-token embedding and head " +
      "(0.6951 GiB = 0.373 B parameters in bf16). Not promoted: the repository is not in the index's answer, and the model is a TTS LM no stack serves.",
  },
  // vLLM 0.26.0 V1 (WSL2), RTX 4080 16 GB, Qwen2.5-7B-Instruct-AWQ, gpu 0.90, len 32768: weights
  // 5.29, act 1.04, CUDA graph 0.48, non-torch 0.06, KV 8.0 GiB = 149,712 tokens, 4.57x.
  {
    id: "vllm-0.26-v1-rtx4080-qwen25-7b-awq-len32k",
    source:
      "UNRESOLVED: GitHub markdown 'Phase 1 实验记录：vLLM 基线' (dated 2026-08-02, links ../benchmarks/kv_size.py); search-index text id 57428438798",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "0.26.0 (version table in the same file; V1)",
    gpu: "RTX-4080",
    gpuCount: 1,
    tensorParallel: 1,
    model: "Qwen/Qwen2.5-7B-Instruct-AWQ",
    flags: {
      gpuMemoryUtilization: 0.9,
      maxModelLen: 32768,
      kvCacheDtype: "auto",
      quantization: "awq",
      enforceEager: false,
      dtype: "float16",
    },
    logged: {
      weightsGiB: 5.29,
      activationGiB: 1.04,
      nonTorchGiB: 0.06,
      kvCacheGiB: 8.0,
      kvTokens: 149712,
      maxConcurrency: 4.57,
      cudaGraphGiB: 0.48,
    },
    excerpt: [
      "| GPU | RTX 4080 16376 MiB，驱动 591.86，CUDA 13.1 |",
      "| **vLLM** | **0.26.0** |",
      "vllm serve ~/models/Qwen2.5-7B-Instruct-AWQ \\",
      "  --served-model-name qwen2.5-7b-awq \\",
      "  --max-model-len 32768 \\",
      "  --gpu-memory-utilization 0.90 \\",
      "  --port 8000",
      "Available KV cache memory: 8.0 GiB",
      "GPU KV cache size: 149,712 tokens",
      "Maximum concurrency for 32,768 tokens per request: 4.57x",
      "14.39 GiB  = 15.99 总量 × 0.9        ← 不是 14.69 空闲 × 0.9",
      "-  5.29    模型权重",
      "-  1.04    峰值激活",
      "-  0.48    CUDAGraph",
      "-  0.06    non-torch",
      "=  8.0 GiB 实际给 KV",
    ].join("\n"),
    notes:
      "GPU stated (RTX 4080, 16,376 MiB; 15.99 GiB total). Windows 11 + WSL2 (VLLM_WSL2_ENABLE_PIN_MEMORY=1, VLLM_USE_FLASHINFER_SAMPLER=0). " +
      "Check: 149,712 x 57,344 B (28 layers x 4 kv heads x 128 x 2 x 2) = 7.996 GiB. The author's own breakdown (14.39 - 5.29 - 1.04 - 0.48 - 0.06 = 7.52) does NOT add up to the " +
      "logged 8.0 GiB; they attribute it to the profile using the 14.69 GiB actually free at start, and quote vLLM's own hint --kv-cache-memory=7911991092 (7.37 GiB) as the " +
      "'fits the request' value — i.e. in this version CUDA graphs are estimated and subtracted, but the pool still overshoots the target by ~0.5 GiB. " +
      "AWQ weights 5.29 GiB for 7.6B params (~0.6 B/param incl. fp16 embeddings + lm_head). dtype float16 assumed (AWQ checkpoints are fp16). Not promoted: repository not found in the index.",
  },
  // vLLM 0.31.0 V1, H200, Qwen2.5-7B-Instruct-AWQ (awq_marlin/Machete), len 4096: weights 5.38 GiB,
  // KV 34.79 GiB = 651,504 tokens, 159.06x.
  {
    id: "vllm-0.31-v1-h200-qwen25-7b-awq-len4k",
    excluded:
      "gpu_memory_utilization is not in the quoted lines (5.38 + 34.79 GiB of 139.8 suggests ~0.3, i.e. a non-default value), and the source repository is unresolved",
    source:
      "UNRESOLVED: GitHub test file of a Python package 'synapse_bench' (tests for synapse_bench.gpu.parse_vllm_log, REAL_LOG_0_31 'copied from an actual vLLM 0.31.0 server log (lab smoke run, 2026-10-08, H200)'); search-index text id 70347757402",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "0.31.0 (logged 'Initializing a V1 LLM engine (v0.31.0)')",
    gpu: "H200",
    gpuCount: 1,
    tensorParallel: 1,
    model: "Qwen/Qwen2.5-7B-Instruct-AWQ",
    flags: {
      maxModelLen: 4096,
      kvCacheDtype: "auto",
      quantization: "awq",
      dtype: "float16",
    },
    logged: {
      weightsGiB: 5.38,
      kvCacheGiB: 34.79,
      kvTokens: 651504,
      maxConcurrency: 159.06,
    },
    excerpt: [
      "INFO 10-08 16:50:22 [core.py:129] Initializing a V1 LLM engine (v0.31.0) with config: model='Qwen/Qwen2.5-7B-Instruct-AWQ', speculative_config=None",
      "INFO 10-08 16:50:23 [auto_awq.py:451] Using MacheteLinearKernel for AutoAWQMarlinLinearMethod",
      "INFO 10-08 16:50:25 [default_loader.py:484] Loading weights took 0.77 seconds",
      "INFO 10-08 16:50:26 [model_runner.py:407] Model loading took 5.38 GiB memory and 2.637574 seconds",
      "INFO 10-08 16:50:30 [gpu_worker.py:692] Available KV cache memory: 34.79 GiB",
      "INFO 10-08 16:50:30 [kv_cache_utils.py:2464] GPU KV cache size: 651,504 tokens, Maximum concurrency for 4,096 tokens per request: 159.06x",
    ].join("\n"),
    notes:
      "GPU stated by the file's docstring ('lab smoke run, 2026-10-08, H200'); the log itself does not name it. max_model_len 4096 read from the concurrency line. " +
      "Check: 651,504 x 57,344 B (28 layers x 4 kv heads x 128 x 2 x 2) = 34.79 GiB exactly. AWQ weights 5.38 GiB (vs 5.29 on the RTX 4080 candidate above, 5.4337 in the same file's " +
      "older 'vLLM 0.9.2' sample whose GPU is not stated). gpu_memory_utilization, max_num_seqs and max_num_batched_tokens are not in the quoted lines: the pool is far below " +
      "0.9 x 139.8 GiB, so a non-default utilization (~0.30) or --kv-cache-memory was used. Not promoted: repository not found (the index returns the text without it).",
  },
];
