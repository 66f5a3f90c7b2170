// The memory model: how many GiB a replica's weights, activations and runtime take on each GPU, and
// how
// many tokens of KV cache the rest holds. Calibrated against real engine start-up logs
// (calibration/cases.ts; `npm run calibrate` prints the error per case).
import type {
  Dtype,
  EngineId,
  GpuArchitecture,
  KvCacheDtype,
  ModelArchitecture,
  ModelSpec,
  Quantization,
} from "./types";

export const GiB = 1024 ** 3;

export function dtypeBytes(dtype: Dtype): number {
  return dtype === "float32" ? 4 : 2;
}

/**
 * Bytes per weight of the quantized linear layers. Scales and zero points included:
 * AWQ/GPTQ 4-bit with group size 128 store one fp16 scale and one 4-bit zero per 128 weights
 * (0.5 + 2.5/128 bytes); GGUF figures are llama.cpp's average bits per weight of each mix
 * (llama.cpp tools/quantize/README.md, "Q4_K_M 4.89 bpw" for Llama-3.1-8B, read 2026-11-21).
 */
const LINEAR_BYTES: Record<Exclude<Quantization, "none">, number> = {
  fp8: 1.0,
  awq: 0.5 + 2.5 / 128,
  gptq: 0.5 + 2.5 / 128,
  // bitsandbytes NF4: 4 bits + one fp32 absmax per 64 weights (double quantization off).
  bitsandbytes: 0.5 + 4 / 64,
  "gguf-q4_k_m": 4.89 / 8,
  "gguf-q5_k_m": 5.7 / 8,
  "gguf-q8_0": 8.5 / 8,
};

export function headDim(arch: ModelArchitecture): number {
  return arch.head_dim ?? arch.hidden_size / arch.num_attention_heads;
}

/**
 * Encoder-only models (BERT, XLM-RoBERTa): ungated MLP, learned positions, no LM head, no KV cache.
 */
export function isEncoderOnly(arch: ModelArchitecture): boolean {
  return /bert|roberta/.test(arch.model_type);
}

/** Parameters of the token embedding (and of the LM head when it is not tied), in units. */
export function embeddingParams(arch: ModelArchitecture): { embed: number; lmHead: number } {
  if (isEncoderOnly(arch))
    return {
      embed: (arch.vocab_size + arch.max_position_embeddings) * arch.hidden_size,
      lmHead: 0,
    };
  const embed = arch.vocab_size * arch.hidden_size;
  return { embed, lmHead: arch.tie_word_embeddings ? 0 : embed };
}

/** Dense parameter count derived from config.json (for models without a stated count). */
export function deriveParams(arch: ModelArchitecture): number {
  const hd = headDim(arch);
  const q = arch.num_attention_heads * hd;
  const kv = arch.num_key_value_heads * hd;
  const attn = arch.hidden_size * q * 2 + arch.hidden_size * kv * 2;
  const experts = arch.num_experts ?? 1;
  const inter = arch.num_experts
    ? (arch.moe_intermediate_size ?? arch.intermediate_size)
    : arch.intermediate_size;
  const mlp = (isEncoderOnly(arch) ? 2 : 3) * arch.hidden_size * inter * experts;
  const norms = 2 * arch.hidden_size;
  const { embed, lmHead } = embeddingParams(arch);
  return embed + lmHead + arch.num_hidden_layers * (attn + mlp + norms);
}

/**
 * Bytes of the weights of one replica, all GPUs together. Engines quantize the linear layers only:
 * vLLM's and SGLang's fp8/AWQ/GPTQ keep the embedding and LM head in the model dtype; GGUF
 * quantizes
 * everything (its mixes already average that in). Vision towers stay in the model dtype.
 */
export function weightBytes(model: ModelSpec, quantization: Quantization, dtype: Dtype): number {
  const total = model.paramsB * 1e9;
  const extra = (model.extraParamsB ?? 0) * 1e9;
  const text = total - extra;
  const wordBytes = dtypeBytes(dtype);
  if (quantization === "none") return total * wordBytes;
  if (quantization.startsWith("gguf-"))
    return text * LINEAR_BYTES[quantization] + extra * wordBytes;
  const { embed, lmHead } = embeddingParams(model.arch);
  const linear = Math.max(0, text - embed - lmHead);
  return linear * LINEAR_BYTES[quantization] + (embed + lmHead + extra) * wordBytes;
}

export function kvDtypeBytes(kv: KvCacheDtype, dtype: Dtype): number {
  switch (kv) {
    case "fp8":
      return 1;
    case "q8_0":
      return 8.5 / 8;
    case "q4_0":
      return 4.5 / 8;
    default:
      return dtypeBytes(dtype);
  }
}

/** Layers with full attention vs sliding-window attention (bounded by `sliding_window` tokens). */
export function attentionLayers(arch: ModelArchitecture): {
  full: number;
  sliding: number;
  window: number | null;
} {
  const n = arch.num_hidden_layers;
  const window = arch.sliding_window ?? null;
  if (!window || arch.use_sliding_window === false) return { full: n, sliding: 0, window: null };
  if (arch.layer_types && arch.layer_types.length === n) {
    const sliding = arch.layer_types.filter((t) => t.includes("sliding")).length;
    return { full: n - sliding, sliding, window };
  }
  if (arch.sliding_window_pattern && arch.sliding_window_pattern > 1) {
    const full = Math.floor(n / arch.sliding_window_pattern);
    return { full, sliding: n - full, window };
  }
  return { full: 0, sliding: n, window };
}

/**
 * KV heads held by each GPU: heads split over TP; when TP exceeds them, engines replicate a head
 * per GPU.
 */
export function kvHeadsPerGpu(arch: ModelArchitecture, tp: number): number {
  return Math.max(1, Math.ceil(arch.num_key_value_heads / tp));
}

/** Bytes one token costs in one layer's K and V on one GPU. */
export function kvBytesPerLayerToken(
  arch: ModelArchitecture,
  kv: KvCacheDtype,
  dtype: Dtype,
  tp: number,
): number {
  return 2 * kvHeadsPerGpu(arch, tp) * headDim(arch) * kvDtypeBytes(kv, dtype);
}

/**
 * Tokens a sliding-window layer keeps per sequence beyond its window: vLLM's hybrid allocator keeps
 * whole
 * blocks and groups layers (Gemma 3's 52 sliding layers become 6 padded groups of 10), which costs
 * ~20 %
 * more than window × layers; 512 tokens of padding covers it.
 */
export const SWA_PADDING_TOKENS = 512;

/**
 * Bytes per token of a sequence `seqLen` long, on one GPU, averaged over the sequence: full layers
 * cost
 * every token, sliding layers at most `window` (+ padding) tokens — only where the engine frees
 * what slid
 * out (vLLM's hybrid KV-cache manager). Elsewhere every layer is counted as full attention: safe,
 * never an
 * over-statement.
 */
export function kvBytesPerSeqToken(
  arch: ModelArchitecture,
  kv: KvCacheDtype,
  dtype: Dtype,
  tp: number,
  seqLen: number,
  hybridSlidingWindow = false,
): number {
  const per = kvBytesPerLayerToken(arch, kv, dtype, tp);
  const { full, sliding, window } = attentionLayers(arch);
  const slidingShare =
    window && hybridSlidingWindow ? Math.min(window + SWA_PADDING_TOKENS, seqLen) / seqLen : 1;
  return per * (full + sliding * slidingShare);
}

/** How an engine version measures its activation peak (see activationBytes). */
export type ProfileKind = "v1" | "v0";

export interface ActivationInput {
  engine: EngineId;
  arch: ModelArchitecture;
  tp: number;
  maxNumBatchedTokens: number;
  maxNumSeqs: number;
  dtype: Dtype;
  /**
   * vLLM's engine generation: "v1" (every release since 0.8, the pinned one) or "v0" (≤ 0.7,
   * calibration only).
   */
  profile?: ProfileKind;
  /** Multimodal towers profile a dummy image batch: reserve for it, GiB. */
  visionReserveGiB?: number;
  /** Pooling models (embedding, rerank) run the forward pass only: no sampler, no logits. */
  pooling?: boolean;
}

/**
 * Bytes per (sequence × vocabulary entry) of vLLM V1's sampler warm-up at max_num_seqs rows: fp32
 * logits,
 * softmax, log-probs, top-k/top-p sort values and int64 indices. Fitted on V1 start-up logs
 * (calibration
 * cases vllm-0.11-v1-h100-*, vllm-0.10.2-l40s-tp8-*): 1024 × 128,256 × 39 B = 4.77 GiB against 4.76
 * logged for
 * Llama-3.1-8B, 1024 × 151,936 × 39 B = 5.65 GiB against 5.56–5.64 for Qwen3-0.6B / 32B, 256 ×
 * 151,936 × 39 B =
 * 1.41 GiB against 1.40 on L40S.
 */
export const V1_SAMPLER_BYTES = 39;

/** Extra activation reserve of a mixture-of-experts model, GiB per GPU (see activationBytes). */
export const MOE_RESERVE_GIB = 1.5;

/**
 * Peak activation memory of the engine's profiling run, per GPU, bytes.
 * Forward pass of `maxNumBatchedTokens` tokens: the MLP's gate/up output (2 × I/TP) and its
 * activation
 * (I/TP) plus four hidden-size buffers per token, in the compute dtype — 3·I + 4·H elements per
 * token
 * matches V0 logs exactly for Qwen2.5-1.5B (2.02 GiB at 32,768 tokens) and within 8 % above for
 * Llama-3.1-8B. V1 also warms the sampler up over max_num_seqs rows after the forward pass: the
 * peak is the
 * larger of the two. llama.cpp / Ollama reserve a compute buffer for one 512-token micro-batch.
 */
export function activationBytes(a: ActivationInput): number {
  const w = dtypeBytes(a.dtype);
  const moe = a.arch.num_experts !== undefined;
  const inter =
    (moe
      ? (a.arch.moe_intermediate_size ?? a.arch.intermediate_size) *
        (a.arch.num_experts_per_tok ?? 1)
      : a.arch.intermediate_size) / a.tp;
  const hidden = a.arch.hidden_size;
  const vocab = a.arch.vocab_size;
  const vision = (a.visionReserveGiB ?? 0) * GiB;
  if (a.engine === "llamacpp" || a.engine === "ollama") {
    const ubatch = 512;
    return ubatch * (3 * inter + 6 * hidden) * 4 + ubatch * vocab * 4 + vision;
  }
  // Mixture-of-experts: fused-MoE workspaces, routing buffers and expert-load imbalance (ESTIMATE:
  // vLLM V1
  // charged ~1 GiB per GPU more than the dense model predicts for Qwen3-235B-A22B at TP 4,
  // calibration case
  // vllm-v1-h100-tp4-qwen3-235b-a22b-fp8). No MoE model is in the catalog; stack-defined ones get
  // this.
  const moeReserve = moe ? MOE_RESERVE_GIB * GiB : 0;
  const forward = a.maxNumBatchedTokens * (3 * inter + 4 * hidden) * w;
  if (a.pooling) return forward + vision + moeReserve;
  const rows = Math.min(a.maxNumSeqs, a.maxNumBatchedTokens);
  if (a.profile === "v0") return forward + rows * vocab * 4 + vision + moeReserve;
  return Math.max(forward, rows * vocab * V1_SAMPLER_BYTES) + vision + moeReserve;
}

/** CUDA context and library handles that exist before an engine loads weights, GiB per GPU. */
export const CUDA_CONTEXT_GIB = 0.5;

/** Memory in use before an engine loads weights (CUDA context, cuBLAS workspace), GiB per GPU. */
export function contextGiB(_architecture: GpuArchitecture): number {
  // V0 logged 1.79 GiB of non-torch memory on an H100 at TP 1, V1 (0.11) 0.13 GiB: V1 takes its
  // baseline
  // after the context exists. 0.5 GiB covers every calibration case within bounds.
  return CUDA_CONTEXT_GIB;
}

/** CUDA graphs of a 1–70B model at the default capture sizes, GiB per GPU (see overheadGiB). */
export const CUDA_GRAPHS_GIB = 0.5;

/**
 * Memory in use when SGLang takes its baseline ("avail mem" before loading weights), GiB per GPU:
 * the CUDA
 * context and NCCL buffers of the planned overhead (its CUDA-graph share comes later, out of 1 −
 * f), plus
 * 0.5 GiB on own-hardware desktop cards, which often drive a display or run under WSL. SGLang's
 * pool is
 * f × (total − this) − weights. Calibrated on the SGLang cases: RTX 3090 under WSL at TP 1 (−0.6
 * %), L4 at
 * TP 4 (avail 21.63 GiB after NCCL init), H100 at TP 1 and TP 4.
 */
export function sglangPreLoadGiB(plannedOverheadGiB: number, desktop: boolean): number {
  return plannedOverheadGiB - CUDA_GRAPHS_GIB + (desktop ? 0.5 : 0);
}

export interface OverheadInput {
  engine: EngineId;
  tp: number;
  architecture: GpuArchitecture;
  /**
   * GPUs of the replica linked by NVLink/NVSwitch (vLLM's custom all-reduce then maps IPC buffers).
   */
  nvlink: boolean;
  eager: boolean;
  /**
   * Whether the engine counts CUDA graphs inside its memory budget: vLLM since v0.21 (its start-up
   * log:
   * "CUDA graph memory profiling is enabled (default since v0.21.0)"), SGLang always (they come out
   * of the
   * 1 − mem_fraction_static headroom, which our budget includes). Older vLLM captured them after
   * sizing
   * the KV cache, outside gpu_memory_utilization — only calibration against old logs sets this
   * false.
   */
  graphsInBudget: boolean;
  /** vLLM engine generation (V0 registered larger NVLink buffers). */
  profile?: ProfileKind;
}

/**
 * Memory outside PyTorch's allocator, per GPU, GiB: the CUDA context and cuBLAS workspaces (vLLM
 * logged
 * non_torch_memory 0.13–1.79 GiB at TP 1 depending on version and GPU — calibration cases), NCCL
 * and custom
 * all-reduce buffers for TP (V0: 3.58 GiB per H100 at TP 2 over NVLink; 0.25–0.30 GiB over PCIe),
 * and CUDA
 * graphs (vLLM logs 0.17–0.5 GiB for 1.5–14B models; "Estimated CUDA graph memory").
 */
export function overheadGiB(o: OverheadInput): number {
  const gguf = o.engine === "llamacpp" || o.engine === "ollama";
  const context = contextGiB(o.architecture);
  // NCCL and custom all-reduce buffers. vLLM V1 logs 0.55 GiB at TP 2 on H100 (calibration cases
  // vllm-0.11-v1-h100-*-tp2); V0 and SGLang register larger IPC buffers over NVLink (V0: 3.58 GiB
  // at TP 2).
  const bigNvlinkBuffers = o.nvlink && (o.engine !== "vllm" || o.profile === "v0");
  const comm = o.tp <= 1 ? 0 : bigNvlinkBuffers ? 1.0 + 0.5 * o.tp : 0.25 + 0.1 * o.tp;
  const graphs = o.eager || gguf || !o.graphsInBudget ? 0 : CUDA_GRAPHS_GIB;
  return context + comm + graphs;
}

export const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
/** Rounded up to 2 decimals (memory components), tolerant of float noise. */
export const ceil2 = (x: number): number => Math.ceil(x * 100 - 1e-9) / 100;
export const floorTo = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.floor(x * f + 1e-9) / f;
};
