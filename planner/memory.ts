// The memory model: how many GiB a replica's weights, activations and runtime take on each GPU, and
// how
// many tokens of KV cache the rest holds. Calibrated against real engine start-up logs
// (calibration/cases.ts; `npm run calibrate` prints the error per case).
import type {
  Dtype,
  EngineId,
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

/**
 * How one engine release accounts GPU memory: which fixed costs fall inside the budget the plan
 * gives it (vLLM: gpu_memory_utilization × total; SGLang: the mem_fraction_static share) and what
 * its profiling run measures. Built by memoryAccounting(engine, release); the planner passes the
 * release a pool runs, the calibration runner the release a log came from.
 */
export interface MemoryAccounting {
  readonly engine: EngineId;
  /** The release described ("0.31.0"); the newest this model knows when none was asked. */
  readonly release: string;
  /** vLLM's engine generation: "v0" (≤ 0.7) profiles the forward pass only. */
  readonly profile: ProfileKind;
  /**
   * Bytes per (sequence × vocabulary entry) of the sampler warm-up inside the profiled peak, at
   * min(max_num_seqs, max_num_batched_tokens) rows; 0 when the profile has none.
   */
  readonly samplerBytes: number;
  /**
   * Memory outside PyTorch's allocator counted inside the budget at TP 1 (the CUDA context's share,
   * cuBLAS workspaces), GiB per GPU.
   */
  readonly contextGiB: number;
  /**
   * NCCL and custom all-reduce buffers counted inside the budget at TP > 1, GiB per GPU:
   * [base, per GPU of the group] over PCIe and over NVLink. [0, 0] when the engine measures its
   * baseline after they exist.
   */
  readonly comm: { pcie: readonly [number, number]; nvlink: readonly [number, number] };
  /** CUDA graphs counted inside the budget, GiB per GPU (0 when captured outside it or never). */
  readonly graphsGiB: number;
}

/** "0.6.4.post1", "v0.31.0", "0.11" → [major, minor, patch]; null when no version is in the text. */
export function parseRelease(text: string): [number, number, number] | null {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

const releaseKey = ([a, b, c]: readonly [number, number, number]): number =>
  a * 1_000_000 + b * 1_000 + c;

type Rule = Omit<MemoryAccounting, "engine" | "release"> & { from: string; source: string };

/**
 * vLLM's accounting by release, oldest first; a release follows the last row whose `from` it has
 * reached. Figures are the start-up logs of the calibration table (calibration/cases.ts) and the
 * engine source named in each row; `npm run calibrate` prints how well they predict each log.
 */
const VLLM_RULES: readonly Rule[] = [
  {
    from: "0.0.0",
    source:
      "V0 worker.determine_num_available_blocks before PR #10511: KV = total × util − peak (weights " +
      "and activations) − non-torch, non-torch measured from the worker's baseline after the CUDA " +
      "context exists. The profile run is one forward pass of max_num_batched_tokens, no sampler rows " +
      "(0.06 GiB logged for Llama-3.1-8B at 512 chunked tokens, 2.07 at 20,000: vllm#10517, 0.6.4). " +
      "Non-torch at TP 1: 0.35 GiB logged on an RTX 3090 (0.6.4, vllm#10517), taken as is. TP over " +
      "NVLink: no log of this era; the 0.6.5 figure below (1.6 per GPU) kept. Graphs captured after " +
      "sizing.",
    profile: "v0",
    samplerBytes: 0,
    contextGiB: 0.35,
    comm: { pcie: [0, 0.07], nvlink: [0, 1.6] },
    graphsGiB: 0,
  },
  {
    from: "0.6.5",
    source:
      "vllm-project/vllm PR #10511 ('overhaul memory profiling', merged 2024-12-16, first in 0.6.5): " +
      "non-torch is measured from before the CUDA context exists, so the context's ~1.6 GiB falls " +
      "inside the budget: 1.79 GiB logged at TP 1 and 3.58 at TP 2 over NVLink on H100 (PR comment " +
      "2024-12-14). 1.7 taken at TP 1, +0.9 per GPU over NVLink (3.5 at TP 2).",
    profile: "v0",
    samplerBytes: 0,
    contextGiB: 1.7,
    comm: { pcie: [0, 0.07], nvlink: [0, 0.9] },
    graphsGiB: 0,
  },
  {
    from: "0.6.6",
    source:
      "V0 from 0.6.6 (PR #12126 build, same H100): non-torch 0.16 GiB at TP 1; 0.01 (T4, 0.7.2); at " +
      "TP 2 over PCIe 0.25 (2 × RTX 4090, vllm#13061) and 0.30 (2 × L40S, 0.7) in all. NVLink as above.",
    profile: "v0",
    samplerBytes: 0,
    contextGiB: 0.16,
    comm: { pcie: [0, 0.07], nvlink: [0, 1.6] },
    graphsGiB: 0,
  },
  {
    from: "0.8.0",
    source:
      "V1 gpu_worker.determine_available_memory: baseline taken after the CUDA context exists " +
      "(non-torch 0.13–0.14 GiB logged at TP 1 on H100, ~0.11), NCCL and custom all-reduce set up " +
      "after it (0.54 GiB at TP 2 over NVLink: +0.41); the profile ends with a sampler warm-up over " +
      "max_num_seqs rows (4.76 GiB for 1024 × 128,256 = 39 B each, Llama-3.1-8B, ~0.11).",
    profile: "v1",
    samplerBytes: 39,
    contextGiB: 0.15,
    comm: { pcie: [0, 0.1], nvlink: [0, 0.2] },
    graphsGiB: 0,
  },
  {
    from: "0.12.0",
    source:
      "vllm-project/vllm PR #25359 (merged 2025-09-22): init_worker_distributed_environment runs " +
      "before the start-up memory snapshot, so NCCL buffers are outside gpu_memory_utilization; " +
      "non-torch increase 0.24–0.25 GiB logged at TP 1 (0.19, H100).",
    profile: "v1",
    samplerBytes: 39,
    contextGiB: 0.25,
    comm: { pcie: [0, 0], nvlink: [0, 0] },
    graphsGiB: 0,
  },
  {
    from: "0.19.0",
    source:
      "0.19 logs (llm-d planner sweep, H100): torch peak 1.89 GiB for Llama-3.1-8B and 2.21 GiB for " +
      "Qwen2.5-7B at 1024 seqs × 8192 tokens = 15.5 and 15.2 B per (seq × vocab entry); 0.26.0 logs " +
      "0.26 GiB at 256 × 65,536 (LFM2.5-1.2B, forward included). 16 B taken.",
    profile: "v1",
    samplerBytes: 16,
    contextGiB: 0.25,
    comm: { pcie: [0, 0], nvlink: [0, 0] },
    graphsGiB: 0,
  },
  {
    from: "0.21.0",
    source:
      "'CUDA graph memory profiling is enabled (default since v0.21.0)': KV = requested − non-KV − " +
      "the profiled graph estimate (gpu_worker.py determine_available_memory, " +
      "VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS). Estimates logged: 0.58 GiB (0.26.0, LFM2.5-1.2B), " +
      "0.61 (Qwen2.5-7B) and 0.84 (Llama-3.1-8B) at capture size 512; 0.75 taken.",
    profile: "v1",
    samplerBytes: 16,
    contextGiB: 0.25,
    comm: { pcie: [0, 0], nvlink: [0, 0] },
    graphsGiB: 0.75,
  },
];

/**
 * SGLang sizes its pool from the free memory it sees before loading weights ("avail mem"), after
 * the context and NCCL exist: pool = f × (total − pre-load) − weights. The plan's overhead is that
 * pre-load plus the graphs SGLang captures out of the 1 − f headroom (model_runner_kv_cache_mixin.py).
 */
const SGLANG_RULE: Rule = {
  from: "0.0.0",
  source:
    "SGLang logs: avail 21.63 GiB of 22.0 on each L4 at TP 4 over PCIe after NCCL init (0.4.3); " +
    "RTX 3090 under WSL (0.4.2) and H100 at TP 1 (0.4.4, nightly) within 1 % at 0.5 GiB; H100 TP 4 " +
    "over NVLink ~2.3 GiB pre-load (Qwen3-235B case).",
  profile: "v1",
  samplerBytes: 39,
  contextGiB: 0.5,
  comm: { pcie: [0, 0.05], nvlink: [0, 0.45] },
  graphsGiB: 0.5,
};

/**
 * lmdeploy (TurboMind), llama.cpp and Ollama: no calibration log yet; the conservative figures of
 * issue 3 (context 0.5 GiB, NCCL 0.25 + 0.1·TP over PCIe and 1 + 0.5·TP over NVLink, graphs 0.5
 * GiB where the engine captures them).
 */
const OTHER_RULE: Rule = {
  from: "0.0.0",
  source: "ESTIMATE (no start-up log in the calibration table)",
  profile: "v1",
  samplerBytes: 39,
  contextGiB: 0.5,
  comm: { pcie: [0.25, 0.1], nvlink: [1.0, 0.5] },
  graphsGiB: 0.5,
};

/** The newest vLLM release whose accounting is modelled (the last row of the table). */
export const NEWEST_VLLM_RULE = VLLM_RULES[VLLM_RULES.length - 1]!.from;

/**
 * The accounting of `engine` at `release` ("0.6.4", "v0.31.0"); without a release, the newest one
 * modelled. Throws a RangeError when the text holds no version number.
 */
export function memoryAccounting(engine: EngineId, release?: string): MemoryAccounting {
  const key = `${engine}@${release ?? ""}`;
  const known = ACCOUNTING_CACHE.get(key);
  if (known) return known;
  const made = makeAccounting(engine, release);
  ACCOUNTING_CACHE.set(key, made);
  return made;
}

/** The planner asks for the same few releases thousands of times per plan. */
const ACCOUNTING_CACHE = new Map<string, MemoryAccounting>();

function makeAccounting(engine: EngineId, release?: string): MemoryAccounting {
  const gguf = engine === "llamacpp" || engine === "ollama";
  if (engine !== "vllm") {
    const rule = engine === "sglang" ? SGLANG_RULE : OTHER_RULE;
    return {
      engine,
      release: release ?? "newest",
      profile: rule.profile,
      samplerBytes: rule.samplerBytes,
      contextGiB: rule.contextGiB,
      comm: rule.comm,
      graphsGiB: gguf ? 0 : rule.graphsGiB,
    };
  }
  const parsed = release === undefined ? parseRelease(NEWEST_VLLM_RULE) : parseRelease(release);
  if (!parsed) throw new RangeError(`"${release}" holds no release number (e.g. 0.31.0)`);
  const key = releaseKey(parsed);
  // 0.8–0.9 could still run the V0 engine (VLLM_USE_V1=0, or a V1-unsupported feature): a release
  // text that says "V0" follows the last V0 rule.
  const v0Only = /\bV0\b/.test(release ?? "");
  let rule = VLLM_RULES[0]!;
  for (const r of VLLM_RULES)
    if (releaseKey(parseRelease(r.from)!) <= key && (!v0Only || r.profile === "v0")) rule = r;
  return {
    engine,
    release: parsed.join("."),
    profile: rule.profile,
    samplerBytes: rule.samplerBytes,
    contextGiB: rule.contextGiB,
    comm: rule.comm,
    graphsGiB: rule.graphsGiB,
  };
}

/** Where each figure of memoryAccounting(engine, release) comes from. */
export function accountingSource(engine: EngineId, release?: string): string {
  if (engine === "sglang") return SGLANG_RULE.source;
  if (engine !== "vllm") return OTHER_RULE.source;
  const key = releaseKey(parseRelease(release ?? NEWEST_VLLM_RULE) ?? [0, 0, 0]);
  let rule = VLLM_RULES[0]!;
  for (const r of VLLM_RULES) if (releaseKey(parseRelease(r.from)!) <= key) rule = r;
  return rule.source;
}

export interface ActivationInput {
  engine: EngineId;
  arch: ModelArchitecture;
  tp: number;
  maxNumBatchedTokens: number;
  maxNumSeqs: number;
  dtype: Dtype;
  /** The release's accounting (memoryAccounting); default: the engine's newest. */
  accounting?: MemoryAccounting;
  /** Multimodal towers profile a dummy image batch: reserve for it, GiB. */
  visionReserveGiB?: number;
  /** Pooling models (embedding, rerank) run the forward pass only: no sampler, no logits. */
  pooling?: boolean;
}

/** Extra activation reserve of a mixture-of-experts model, GiB per GPU (see activationBytes). */
export const MOE_RESERVE_GIB = 1.5;

/**
 * Peak activation memory of the engine's profiling run, per GPU, bytes.
 * Forward pass of `maxNumBatchedTokens` tokens: the MLP's gate/up output (2 × I/TP) and its
 * activation (I/TP) plus four hidden-size buffers per token, in the compute dtype — 3·I + 4·H
 * elements per token matches V0 logs exactly for Qwen2.5-1.5B (2.02 GiB at 32,768 tokens) and
 * within 8 % above for Llama-3.1-8B. V1 also warms the sampler up over max_num_seqs rows after the
 * forward pass (accounting.samplerBytes per row × vocabulary entry): the peak is the larger of the
 * two. llama.cpp / Ollama reserve a compute buffer for one 512-token micro-batch.
 */
export function activationBytes(a: ActivationInput): number {
  const acc = a.accounting ?? memoryAccounting(a.engine);
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
  // vLLM V1 charged ~1 GiB per GPU more than the dense model predicts for Qwen3-235B-A22B at TP 4,
  // calibration case vllm-v1-h100-tp4-qwen3-235b-a22b-fp8). No MoE model is in the catalog;
  // stack-defined ones get this.
  const moeReserve = moe ? MOE_RESERVE_GIB * GiB : 0;
  const forward = a.maxNumBatchedTokens * (3 * inter + 4 * hidden) * w;
  if (a.pooling) return forward + vision + moeReserve;
  const rows = Math.min(a.maxNumSeqs, a.maxNumBatchedTokens);
  return Math.max(forward, rows * vocab * acc.samplerBytes) + vision + moeReserve;
}

/**
 * Memory in use when SGLang takes its baseline ("avail mem" before loading weights), GiB per GPU:
 * the planned overhead without its CUDA-graph share (that comes later, out of 1 − f), plus 0.5 GiB
 * on own-hardware desktop cards, which often drive a display or run under WSL. SGLang's pool is
 * f × (total − this) − weights. Calibrated on the SGLang cases: RTX 3090 under WSL at TP 1, L4 at
 * TP 4 (avail 21.63 GiB after NCCL init), H100 at TP 1 and TP 4.
 */
export function sglangPreLoadGiB(plannedOverheadGiB: number, desktop: boolean): number {
  return plannedOverheadGiB - SGLANG_RULE.graphsGiB + (desktop ? 0.5 : 0);
}

export interface OverheadInput {
  engine: EngineId;
  tp: number;
  /**
   * GPUs of the replica linked by NVLink/NVSwitch (vLLM's custom all-reduce then maps IPC buffers).
   */
  nvlink: boolean;
  eager: boolean;
  /** The release's accounting (memoryAccounting); default: the engine's newest. */
  accounting?: MemoryAccounting;
}

/**
 * Memory outside PyTorch's allocator that the release counts inside its budget, per GPU, GiB: the
 * CUDA context's share, NCCL / custom all-reduce buffers for TP, and CUDA graphs — each only where
 * that release measures it inside the budget (MemoryAccounting, by release).
 */
export function overheadGiB(o: OverheadInput): number {
  const acc = o.accounting ?? memoryAccounting(o.engine);
  const [base, perGpu] = o.nvlink ? acc.comm.nvlink : acc.comm.pcie;
  const comm = o.tp <= 1 ? 0 : base + perGpu * o.tp;
  const graphs = o.eager ? 0 : acc.graphsGiB;
  return acc.contextGiB + comm + graphs;
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
