// The memory model: how many GiB a replica's weights, activations and runtime take on each GPU, and how
// many tokens of KV cache the rest holds. Calibrated against real engine start-up logs
// (calibration/cases.ts; `npm run calibrate` prints the error per case).
import type { Dtype, EngineId, KvCacheDtype, ModelArchitecture, ModelSpec, Quantization } from "./types";

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

/** Parameters of the token embedding (and of the LM head when it is not tied), in units. */
export function embeddingParams(arch: ModelArchitecture): { embed: number; lmHead: number } {
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
  const inter = arch.num_experts ? (arch.moe_intermediate_size ?? arch.intermediate_size) : arch.intermediate_size;
  const mlp = 3 * arch.hidden_size * inter * experts;
  const norms = 2 * arch.hidden_size;
  const { embed, lmHead } = embeddingParams(arch);
  return embed + lmHead + arch.num_hidden_layers * (attn + mlp + norms);
}

/**
 * Bytes of the weights of one replica, all GPUs together. Engines quantize the linear layers only:
 * vLLM's and SGLang's fp8/AWQ/GPTQ keep the embedding and LM head in the model dtype; GGUF quantizes
 * everything (its mixes already average that in). Vision towers stay in the model dtype.
 */
export function weightBytes(model: ModelSpec, quantization: Quantization, dtype: Dtype): number {
  const total = model.paramsB * 1e9;
  const extra = (model.extraParamsB ?? 0) * 1e9;
  const text = total - extra;
  const wordBytes = dtypeBytes(dtype);
  if (quantization === "none") return total * wordBytes;
  if (quantization.startsWith("gguf-")) return text * LINEAR_BYTES[quantization] + extra * wordBytes;
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
export function attentionLayers(arch: ModelArchitecture): { full: number; sliding: number; window: number | null } {
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

/** KV heads held by each GPU: heads split over TP; when TP exceeds them, engines replicate a head per GPU. */
export function kvHeadsPerGpu(arch: ModelArchitecture, tp: number): number {
  return Math.max(1, Math.ceil(arch.num_key_value_heads / tp));
}

/** Bytes one token costs in one layer's K and V on one GPU. */
export function kvBytesPerLayerToken(arch: ModelArchitecture, kv: KvCacheDtype, dtype: Dtype, tp: number): number {
  return 2 * kvHeadsPerGpu(arch, tp) * headDim(arch) * kvDtypeBytes(kv, dtype);
}

/**
 * Bytes per token of a sequence `seqLen` long, on one GPU, averaged over the sequence: full layers cost
 * every token, sliding layers at most `window` tokens. This is what divides the KV budget into tokens.
 */
export function kvBytesPerSeqToken(
  arch: ModelArchitecture,
  kv: KvCacheDtype,
  dtype: Dtype,
  tp: number,
  seqLen: number,
): number {
  const per = kvBytesPerLayerToken(arch, kv, dtype, tp);
  const { full, sliding, window } = attentionLayers(arch);
  const slidingShare = window ? Math.min(window, seqLen) / seqLen : 1;
  return per * (full + sliding * slidingShare);
}

export interface ActivationInput {
  engine: EngineId;
  arch: ModelArchitecture;
  tp: number;
  maxNumBatchedTokens: number;
  maxNumSeqs: number;
  dtype: Dtype;
}

/**
 * Peak activation memory of the engine's profiling forward pass, per GPU, bytes.
 * vLLM and SGLang run one batch of `maxNumBatchedTokens` tokens: the MLP's gate/up output (2 × I/TP)
 * and its activation (I/TP) plus a few hidden-size buffers per token; then the sampler's fp32 logits for
 * `maxNumSeqs` rows of the vocabulary, twice (logits and softmax). llama.cpp/Ollama reserve a compute
 * buffer for one micro-batch of 512 tokens.
 */
export function activationBytes(a: ActivationInput): number {
  const w = dtypeBytes(a.dtype);
  const inter = (a.arch.num_experts ? (a.arch.moe_intermediate_size ?? a.arch.intermediate_size) * (a.arch.num_experts_per_tok ?? 1) : a.arch.intermediate_size) / a.tp;
  const hidden = a.arch.hidden_size;
  const vocab = a.arch.vocab_size;
  if (a.engine === "llamacpp" || a.engine === "ollama") {
    const ubatch = 512;
    return ubatch * (3 * inter + 6 * hidden) * 4 + ubatch * vocab * 4;
  }
  const tokens = a.maxNumBatchedTokens;
  const perToken = (3 * inter + 4 * hidden) * w;
  const logits = Math.min(a.maxNumSeqs, tokens) * vocab * 4 * 2;
  return tokens * perToken + logits;
}

/**
 * Memory outside PyTorch's allocator and outside the KV budget, per GPU, GiB: the CUDA context and
 * cuBLAS/NCCL workspaces (≈0.5 GiB, more with NCCL for TP), and CUDA graphs captured after the KV cache
 * is allocated (vLLM, SGLang: ≈0.5 GiB for 7–14B models unless eager).
 */
/** CUDA context and library handles that exist before an engine loads weights, GiB per GPU. */
export const CUDA_CONTEXT_GIB = 0.5;

export function overheadGiB(engine: EngineId, tp: number, eager: boolean): number {
  const context = CUDA_CONTEXT_GIB;
  const nccl = tp > 1 ? 0.25 + 0.05 * tp : 0;
  const graphs = eager || engine === "llamacpp" || engine === "ollama" ? 0 : 0.5;
  return context + nccl + graphs;
}

export const round = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
export const floorTo = (x: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.floor(x * f + 1e-9) / f;
};
