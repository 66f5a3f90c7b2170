// Calibration table: real engine start-up figures (vLLM / SGLang) copied from public GitHub
// issues, pull requests and repository docs. Pure data, no logic.
//
// Units: vLLM "GB" in "Loading model weights took X GB" (V0 <= 0.8) is bytes / 2^30, i.e. GiB.
// SGLang "GB" in "avail mem", "mem usage", "K size", "V size" is also bytes / 2^30 (SGLang's GB = 1 << 30).
// All figures are per GPU except kvTokens (whole replica; for TP the KV pool is sharded by heads, so
// the token count is the same on every rank and is the replica's count).
// V0 logs give blocks: kvTokens = blocks x 16 (default block_size 16).
// "derived" in notes marks a number computed by us from logged ones (not itself logged).
import type { GpuId, KvCacheDtype, Quantization, ModelArchitecture } from "../planner/types";

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
  };
  excerpt: string;
  notes?: string;
}

const SEEN = "2026-11-21";

// ---- config.json values of models outside the planner's well-known list ----

const META_LLAMA_3_8B: ModelArchitecture & { paramsB: number } = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 128,
  hidden_size: 4096,
  intermediate_size: 14336,
  vocab_size: 128256,
  max_position_embeddings: 8192,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 8.03,
};

const QWEN3_235B_A22B: ModelArchitecture & { paramsB: number } = {
  architectures: ["Qwen3MoeForCausalLM"],
  model_type: "qwen3_moe",
  num_hidden_layers: 94,
  num_attention_heads: 64,
  num_key_value_heads: 4,
  head_dim: 128,
  hidden_size: 4096,
  intermediate_size: 12288,
  moe_intermediate_size: 1536,
  num_experts: 128,
  num_experts_per_tok: 8,
  vocab_size: 151936,
  max_position_embeddings: 40960,
  sliding_window: null,
  use_sliding_window: false,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 235,
};

const QWQ_32B: ModelArchitecture & { paramsB: number } = {
  architectures: ["Qwen2ForCausalLM"],
  model_type: "qwen2",
  num_hidden_layers: 64,
  num_attention_heads: 40,
  num_key_value_heads: 8,
  hidden_size: 5120,
  intermediate_size: 27648,
  vocab_size: 152064,
  // SGLang logged context_len=131072 for this checkpoint, i.e. config max_position_embeddings 131072.
  max_position_embeddings: 131072,
  use_sliding_window: false,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 32.8,
};

const R1_DISTILL_QWEN_7B: ModelArchitecture & { paramsB: number } = {
  architectures: ["Qwen2ForCausalLM"],
  model_type: "qwen2",
  num_hidden_layers: 28,
  num_attention_heads: 28,
  num_key_value_heads: 4,
  hidden_size: 3584,
  intermediate_size: 18944,
  vocab_size: 152064,
  max_position_embeddings: 131072,
  sliding_window: 4096,
  use_sliding_window: false,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 7.62,
};

const R1_DISTILL_QWEN_14B: ModelArchitecture & { paramsB: number } = {
  architectures: ["Qwen2ForCausalLM"],
  model_type: "qwen2",
  num_hidden_layers: 48,
  num_attention_heads: 40,
  num_key_value_heads: 8,
  hidden_size: 5120,
  intermediate_size: 13824,
  vocab_size: 152064,
  max_position_embeddings: 131072,
  use_sliding_window: false,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 14.8,
};

/** Llama-3.2-11B-Vision: text_config of the mllama checkpoint (40 decoder layers incl. 8 cross-attention). */
const LLAMA_32_11B_VISION: ModelArchitecture & { paramsB: number } = {
  architectures: ["MllamaForConditionalGeneration"],
  model_type: "mllama",
  num_hidden_layers: 40,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 128,
  hidden_size: 4096,
  intermediate_size: 14336,
  vocab_size: 128256,
  max_position_embeddings: 131072,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 10.6,
};

const LLAMA_2_7B: ModelArchitecture & { paramsB: number } = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 32,
  hidden_size: 4096,
  intermediate_size: 11008,
  vocab_size: 32000,
  max_position_embeddings: 4096,
  torch_dtype: "float16",
  tie_word_embeddings: false,
  paramsB: 6.74,
};

const LLAMA_2_70B: ModelArchitecture & { paramsB: number } = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  num_hidden_layers: 80,
  num_attention_heads: 64,
  num_key_value_heads: 8,
  hidden_size: 8192,
  intermediate_size: 28672,
  vocab_size: 32000,
  max_position_embeddings: 4096,
  torch_dtype: "float16",
  tie_word_embeddings: false,
  paramsB: 69.0,
};

const QWEN3_30B_A3B: ModelArchitecture & { paramsB: number } = {
  architectures: ["Qwen3MoeForCausalLM"],
  model_type: "qwen3_moe",
  num_hidden_layers: 48,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  head_dim: 128,
  hidden_size: 2048,
  intermediate_size: 6144,
  moe_intermediate_size: 768,
  num_experts: 128,
  num_experts_per_tok: 8,
  vocab_size: 151936,
  max_position_embeddings: 262144,
  use_sliding_window: false,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 30.5,
};

export const CALIBRATION_CASES: readonly CalibrationCase[] = [
  // 1. vLLM V0 ~0.6.4, RTX 3090, Llama-3.1-8B bf16, len 20000: weights 14.99, act 2.07, non-torch 0.35, KV 3.81 GiB = 31,232 tokens.
  {
    id: "vllm-0.6.4-rtx3090-llama31-8b-len20k",
    source: "https://github.com/vllm-project/vllm/issues/10517 (comment by kaspersiminski, 2024-12-02)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "unknown (0.6.4.x by the one-line 'Memory profiling results: total_gpu_memory=… initial_memory_usage=…' format, V0)",
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
  // 2. Same GPU/model at len 29000: act 2.99 GiB (grows with max_num_batched_tokens), KV 2.89 GiB = 23,648 tokens < 29000 -> start refused.
  {
    id: "vllm-0.6.4-rtx3090-llama31-8b-len29k-refused",
    source: "https://github.com/vllm-project/vllm/issues/10517 (comment by kaspersiminski, 2024-12-02)",
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
  // 3. vLLM V0 dev (Dec 2024), H100, Meta-Llama-3-8B TP1: weights 14.96, non-torch 1.79, act 1.26, KV 53.29 GiB (~436.5k tokens derived).
  {
    id: "vllm-0.6.5dev-h100-llama3-8b-tp1",
    source: "https://github.com/vllm-project/vllm/pull/10511 (comment by youkaichao, 2024-12-14, 'Some sanity checks')",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "main at PR #10511 (Dec 2024, between 0.6.4.post1 and 0.6.5; V0)",
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
  // 4. Same, TP2: weights 7.48/GPU, non-torch DOUBLES to 3.58 GiB/GPU (NCCL + custom all-reduce buffers), act 1.26, KV ~58.97 GiB/GPU derived.
  {
    id: "vllm-0.6.5dev-h100-llama3-8b-tp2",
    source: "https://github.com/vllm-project/vllm/pull/10511 (comment by youkaichao, 2024-12-14, 'Some sanity checks')",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "main at PR #10511 (Dec 2024, between 0.6.4.post1 and 0.6.5; V0)",
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
  // 5. vLLM V1 0.8.4, L40S, Llama-3.1-8B, len 32768: weights 14.99 GiB, KV 158,656 tokens (= 19.37 GiB derived), 4.84x.
  {
    id: "vllm-0.8.4-v1-l40s-llama31-8b-len32k",
    source: "https://github.com/vllm-project/vllm/pull/17122 (description by Datta0, 2025-04-24)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "unknown (0.8.4-0.8.5 V1 by log lines gpu_model_runner.py:1316 / kv_cache_utils.py:634, April 2025)",
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
  // 6. vLLM V0 0.7.x, 2x L40S TP2, Qwen2.5-32B bf16, len 10000: weights 30.71, non-torch 0.30, act 1.26, KV 7.71 GiB/GPU = 63,152 tokens.
  {
    id: "vllm-0.7-l40s-tp2-qwen25-32b-len10k",
    source: "https://github.com/vllm-project/vllm/issues/15815 (comments by Hemanth-stack, 2025-04-02)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "0.7.1 (logged 'Initializing a V0 LLM engine (v0.7.1)' in the same thread; the memory lines are from a 0.7.x run on 2025-04-02)",
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
  // 7. vLLM V1 (~0.9.2/0.10), 4x H100 TP4, Qwen3-235B-A22B-FP8, default len 40960: KV 8.11 GiB/GPU = 178,880 tokens.
  {
    id: "vllm-v1-h100-tp4-qwen3-235b-a22b-fp8",
    source: "https://github.com/vllm-project/vllm/issues/21348 (description by MMuzzammil1, 2025-07-22)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "unknown (V1, July 2025 => ~0.9.2/0.10.0; 'Available KV cache memory' line format)",
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
      "  --kv-transfer-config '{\"kv_connector\":\"LMCacheConnectorV1\",\"kv_role\":\"kv_both\"}'",
      "Available KV cache memory: 8.11 GiB",
      "GPU KV cache size: 178,880 tokens",
    ].join("\n"),
    notes:
      "GPU stated '4xH100'. Only --tensor-parallel-size and an LMCache kv-transfer connector were passed: gpu_memory_utilization default 0.9, max_model_len = config 40960, " +
      "fp8 block-quantized checkpoint. Per-GPU KV cost 94 layers x 1 kv head x 128 x 2 x 2 B = 48,128 B/token; 178,880 tokens = 8.02 GiB (vs 8.11 logged: block/rank rounding). " +
      "Implied concurrency at 40960 = 4.37x. Compare case 8: SGLang on the same box got 2.05x the tokens.",
  },
  // 8. SGLang, 4x H100 TP4, Qwen3-235B-A22B-FP8, mem-fraction-static 0.93: 367,404 tokens, K 8.23 + V 8.23 GiB per GPU.
  {
    id: "sglang-h100-tp4-qwen3-235b-a22b-fp8-mfs093",
    source: "https://github.com/vllm-project/vllm/issues/21348 (description by MMuzzammil1, 2025-07-22)",
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
  // 9. SGLang 0.4.3.post4, 4x L4 TP4 (g6.12xlarge), QwQ-32B bf16, mfs 0.85: weights 15.54, KV 2.84 GiB = 46,611 tokens, CUDA graphs 0.93 GB.
  {
    id: "sglang-0.4.3-l4-tp4-qwq32b-mfs085",
    source: "https://github.com/didier-durand/llms-in-clouds/blob/main/docs/sglang.md (section 'SGLang start sequence with Qwen QwQ-32B'; stored commit b001c8690e894d234cf3a2e2345d259173acf293)",
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
  // 10. SGLang ~0.4.2, RTX 3090, DeepSeek-R1-Distill-Qwen-7B bf16, mfs 0.88: weights 14.39 (derived), KV 5.64 GiB = 105,531 tokens.
  {
    id: "sglang-0.4.2-rtx3090-r1-distill-qwen7b-mfs088",
    source: "https://github.com/jerryzsj/my-deepseek-r1/blob/main/README.md (section 'Docker Compose', log of 2025-02-04)",
    seen: SEEN,
    engine: "sglang",
    engineVersion: "unknown (~0.4.2: KV line without '#tokens', server_args has enable_hierarchical_cache; Feb 2025)",
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
  // 11. SGLang main (~0.4.4), H100, Llama-3.1-8B bf16, FA3 backend: weights 15.11, KV 54.04 GiB = 442,750 tokens.
  {
    id: "sglang-0.4.4-h100-llama31-8b-fa3",
    source: "https://github.com/sgl-project/sglang/pull/4760 (description by yubofredwang, 2025-03-25)",
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
  // 12. vLLM V0 0.7.x, 2x RTX 4090 TP2, R1-Distill-Qwen-14B, gpu 0.98, default len 131072: weights 13.95, non-torch 0.25, act 0.19, KV 8.69 GiB; 81,536 tokens -> refused.
  {
    id: "vllm-0.7-rtx4090-tp2-r1-distill-qwen14b-refused",
    source: "https://github.com/vllm-project/vllm/issues/13061 (description by stg609, 2025-02-11)",
    seen: SEEN,
    engine: "vllm",
    engineVersion: "unknown (0.7.x V0 by 'model_runner.py:1115] Loading model weights took' and multiproc_worker_utils lines, Feb 2025)",
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
  // 13. vLLM V0 dev (Jan 2025), H100, Llama-3.2-11B-Vision eager, len 65536, 128 seqs: weights 19.86, ACTIVATION 36.63 GiB, KV 14.65 GiB = 96,016 tokens.
  {
    id: "vllm-0.6.6dev-h100-llama32-11b-vision-eager",
    source: "https://github.com/vllm-project/vllm/pull/12126 (description by youkaichao, 2025-01-16)",
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
  // 14. vLLM 0.2.x (Dec 2023), A100-80GB, Llama-2-7B fp16 TP1: 7351 blocks = 117,616 tokens (after PR's profiling fix).
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
  // 15. Same PR, 4x A100-80GB TP4, Llama-2-70B fp16: 20865 blocks = 333,840 tokens (was 31615 before the NCCL-aware profiling fix).
  {
    id: "vllm-0.2-a100-80gb-tp4-llama2-70b",
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
];

/**
 * Real logs whose figures are sound but whose public URL we could not resolve in the search index
 * (the index returned the file text without its repository). Kept apart from CALIBRATION_CASES;
 * promote them once the URL is found.
 */
export const CANDIDATE_CASES_SOURCE_UNRESOLVED: readonly CalibrationCase[] = [
  // vLLM 0.10.2 V1, 2x L40S TP2+EP, Qwen3-30B-A3B-Instruct-2507-FP8, gpu 0.95, len 32768: KV 25.91 GiB/GPU = 566,016 tokens, 17.27x.
  {
    id: "vllm-0.10.2-l40s-tp2-qwen3-30b-a3b-fp8",
    source: "UNRESOLVED: GitHub markdown file (vLLM vs ollama benchmark on 2x L40S, 2025-09-24); search-index text id 39328153190",
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
      "GPU from nvidia-smi in the same file. Check: 25.91 GiB / (48 layers x 2 kv heads/rank x 128 x 2 x 2 = 49,152 B) = 566,013 tokens. " +
      "nvidia-smi shows 45,241 MiB used of 46,068 (0.95 x 44.4 GiB budget + CUDA context).",
  },
  // vLLM 0.7.2 V0, T4 (Colab), Qwen2.5-1.5B-Instruct fp16, gpu 0.50, len 32768: weights 2.89, act 2.02, non-torch 0.01, KV 2.36 GiB = 88,272 tokens; graphs 0.17 GiB.
  {
    id: "vllm-0.7.2-t4-qwen25-1.5b-len32k-util050",
    source: "UNRESOLVED: GitHub file by kridaydave (Colab GRPO training log, 2025-05-30); search-index text id 55875904831",
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
      "GPU identified as T4: Turing (FA2 refused for Volta/Turing) with total 14.56 GiB (T4 = 15,360 MiB). Launched from Unsloth GRPO (LLM class), chunked prefill off => " +
      "the profile is one 32,768-token prefill: 2.02 GiB activation for a 1.5B model (~0.062 GiB per 1000 tokens; the 151,936-vocab logits dominate). " +
      "max_num_seqs 256 inferred from cudagraph capture sizes up to 256.",
  },
];
