// Fit: the memory of one replica with given choices (model, engine, weight format, KV dtype, TP,
// utilization), and the longest context and the sequences that fit it, or why nothing fits.
// Everything is per GPU; components are rounded up and the KV cache down, so the rounded figures
// still sum within budget.
import { isGgufEngine } from "./catalog/engines";
import {
  GiB,
  activationBytes,
  ceil2,
  floorTo,
  isEncoderOnly,
  kvBytesPerSeqToken,
  overheadGiB,
  round,
  weightBytes,
  memoryAccounting,
} from "./memory";
import {
  CONTEXT_STEPS,
  DEFAULT_MIN_CONCURRENCY,
  MAX_NUM_SEQS_CAP,
  MIN_CONTEXT,
  defaultBatchedTokens,
  defaultUtilization,
} from "./policy";
import type { Rejection } from "./rejection";
import { colocatedMemory } from "./ollama";
import { drafterMemory, speculativePlan, type ResolvedSpeculative } from "./speculative";
import { computeDtype } from "./support";
import type {
  Dtype,
  EngineId,
  GpuSpec,
  KvCacheDtype,
  MemoryBreakdown,
  ModelSpec,
  PoolSpec,
  Quantization,
  SpeculativePlan,
} from "./types";

/**
 * The engine release per engine whose memory accounting a plan follows ("0.6.4"); default: the
 * newest release the memory model knows (planner/memory.ts memoryAccounting). Calibration against
 * start-up logs of older releases sets it (see PlanInput.accounting).
 */
export type Accounting = Partial<Record<EngineId, string>>;

/**
 * How far the memory model may under-state an engine's KV cache: the largest under-statement on the
 * judged calibration cases (`npm run calibrate`, -6.2 % after the release split of issue 13,
 * 2026-12-01), rounded down to a whole percent. A pinned maxModelLen whose planned KV cache falls
 * short of minConcurrency × maxModelLen by less than this is planned with a warning instead of
 * refused: the engine has been seen to hold that much more than planned. test/planner/
 * calibration.test.ts keeps it within what the table measures.
 */
export const KV_UNCERTAINTY = 0.06;

/** One fully evaluated way to run a model on a GPU group. */
export interface Fit {
  model: ModelSpec;
  engine: EngineId;
  quantization: Quantization;
  kvCacheDtype: KvCacheDtype;
  dtype: Dtype;
  tp: number;
  util: number;
  maxModelLen: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  concurrency: number;
  memory: MemoryBreakdown;
  /**
   * Set when a pinned maxModelLen is planned although its KV cache falls short of minConcurrency ×
   * maxModelLen by less than KV_UNCERTAINTY: the share it falls short by (0 < shortfall <
   * KV_UNCERTAINTY).
   */
  shortfall?: number;
  /** Speculative decoding: the option as resolved and what the plan shows (its memory is inside). */
  speculative?: { resolved: ResolvedSpeculative; plan: SpeculativePlan };
  /** Ollama: the further models loaded beside this one (their memory is inside). */
  colocated?: readonly ModelSpec[];
}

/** A fit, or the rejection saying why there is none. */
export type FitResult = { fit: Fit } | { rejection: Rejection };

export interface FitRequest {
  gpu: GpuSpec;
  model: ModelSpec;
  engine: EngineId;
  quantization: Quantization;
  kvCacheDtype: KvCacheDtype;
  tp: number;
  util: number;
  maxModelLen?: number;
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  minConcurrency: number;
  /** The replica's GPUs are linked by NVLink/NVSwitch. */
  nvlink: boolean;
  accounting: Accounting;
  /** Speculative decoding: the drafter's weights, KV and reserve join the replica's. */
  speculative?: ResolvedSpeculative;
  /** Ollama: further models loaded beside this one (same context and slots), counted with it. */
  colocated?: readonly ModelSpec[];
}

/**
 * Multimodal models profile a dummy image batch through their vision tower (ESTIMATE, no
 * calibration case yet).
 */
const VISION_RESERVE_GIB = 1;

/** Context candidates for a model: its maximum, then the usual steps below it, largest first. */
function contextCandidates(model: ModelSpec): number[] {
  const max = model.arch.max_position_embeddings;
  return [...new Set([max, ...CONTEXT_STEPS.filter((c) => c < max)])].sort((a, b) => b - a);
}

/** Sequences the cache keeps running at ~512 tokens each: a power of two between 8 and the cap. */
function seqsFor(tokens: number): number {
  return Math.max(
    8,
    Math.min(MAX_NUM_SEQS_CAP, 2 ** Math.floor(Math.log2(Math.max(1, tokens / 512)))),
  );
}

/** The fixed runtime overhead per GPU of an engine with this accounting, GiB (rounded up). */
function overheadFor(
  engine: EngineId,
  tp: number,
  gpu: GpuSpec,
  nvlink: boolean,
  accounting: Accounting,
): number {
  return ceil2(
    overheadGiB({
      engine,
      tp,
      nvlink,
      eager: false,
      accounting: memoryAccounting(engine, accounting[engine]),
    }),
  );
}

function rejectFit(r: FitRequest, message: string): { rejection: Rejection } {
  return {
    rejection: {
      stage: "fit",
      model: r.model.id,
      engine: r.engine,
      tp: r.tp,
      quantization: r.quantization,
      kvCacheDtype: r.kvCacheDtype,
      message,
    },
  };
}

/** Memory of one chat replica with the given choices, or the reason it does not fit. */
export function fitReplica(r: FitRequest): FitResult {
  const dtype = computeDtype(r.gpu, r.model);
  const budget = r.util * r.gpu.memoryGiB;
  const spec = r.speculative
    ? drafterMemory(r.speculative, r.model, dtype, r.kvCacheDtype, r.tp)
    : { weightBytes: 0, kvBytesPerToken: 0, reserveGiB: 0 };
  const others = r.colocated?.length
    ? colocatedMemory(r.colocated, dtype, r.kvCacheDtype, r.maxModelLen ?? 4096)
    : { weightBytes: 0, kvBytesPerToken: 0, reserveGiB: 0 };
  // Memory beside the model's own: a drafter, or the other models of one Ollama instance.
  const drafter = {
    weightBytes: spec.weightBytes + others.weightBytes,
    kvBytesPerToken: spec.kvBytesPerToken + others.kvBytesPerToken,
    reserveGiB: spec.reserveGiB + others.reserveGiB,
  };
  const weightsGiB = ceil2(
    (weightBytes(r.model, r.quantization, dtype) / r.tp + drafter.weightBytes) / GiB,
  );
  const overhead = ceil2(
    overheadFor(r.engine, r.tp, r.gpu, r.nvlink, r.accounting) + drafter.reserveGiB,
  );
  const batched = r.maxNumBatchedTokens ?? defaultBatchedTokens(r.gpu.memoryGiB);
  const gguf = isGgufEngine(r.engine);
  const activation = (seqs: number): number =>
    ceil2(
      activationBytes({
        engine: r.engine,
        arch: r.model.arch,
        tp: r.tp,
        maxNumBatchedTokens: batched,
        maxNumSeqs: seqs,
        dtype,
        accounting: memoryAccounting(r.engine, r.accounting[r.engine]),
        visionReserveGiB: r.model.extraParamsB ? VISION_RESERVE_GIB : 0,
      }) / GiB,
    );
  const tokensAt = (kv: number, len: number): number =>
    Math.floor(
      (kv * GiB) /
        (kvBytesPerSeqToken(r.model.arch, r.kvCacheDtype, dtype, r.tp, len, r.engine === "vllm") +
          drafter.kvBytesPerToken),
    );
  const kvFor = (act: number): number => floorTo(budget - weightsGiB - act - overhead);

  const largestAct = activation(r.maxNumSeqs ?? MAX_NUM_SEQS_CAP);
  const smallestAct = activation(r.maxNumSeqs ?? 8);
  if (kvFor(smallestAct) <= 0.05) {
    const fixed = weightsGiB + smallestAct + overhead;
    return rejectFit(
      r,
      `needs ${round(fixed, 1)} GiB per GPU (weights ${weightsGiB}, activations ${smallestAct}, runtime ${overhead}) before any KV cache; the budget is ${round(budget, 1)} GiB (${r.util} × ${r.gpu.memoryGiB} GiB)`,
    );
  }

  /**
   * Settles sequences and activations for one context: the sampler's warm-up grows with
   * max_num_seqs, which is chosen from the tokens the cache holds. Starts from the cap and lowers
   * it once; lowering it only frees memory, so the second answer is consistent (its cache holds at
   * least what was assumed).
   */
  const settle = (len: number): { seqs: number; act: number; kvGiB: number; tokens: number } => {
    if (r.maxNumSeqs !== undefined || gguf) {
      const kvGiB = kvFor(largestAct);
      return { seqs: r.maxNumSeqs ?? 8, act: largestAct, kvGiB, tokens: tokensAt(kvGiB, len) };
    }
    const first = tokensAt(kvFor(largestAct), len);
    const seqs = seqsFor(Math.max(first, 0));
    const act = activation(seqs);
    const kvGiB = kvFor(act);
    return { seqs, act, kvGiB, tokens: tokensAt(kvGiB, len) };
  };

  const lengths = r.maxModelLen !== undefined ? [r.maxModelLen] : contextCandidates(r.model);
  let chosen:
    | { len: number; seqs: number; act: number; kvGiB: number; tokens: number; shortfall?: number }
    | undefined;
  let last: { len: number; tokens: number; kvGiB: number } | undefined;
  for (const len of lengths) {
    if (
      r.maxModelLen === undefined &&
      len < MIN_CONTEXT &&
      len < r.model.arch.max_position_embeddings
    )
      break;
    const s = settle(len);
    last = { len, tokens: s.tokens, kvGiB: s.kvGiB };
    if (s.kvGiB > 0 && s.tokens >= r.minConcurrency * len) {
      chosen = { len, ...s };
      break;
    }
    // A pinned context the estimate misses by less than the model's measured uncertainty: the
    // engine may well start; plan it and say so (the warning names the shortfall). Not for
    // llama.cpp / Ollama: they allocate exactly context × slots, so a short cache cannot start.
    const short = 1 - s.tokens / (r.minConcurrency * len);
    if (r.maxModelLen !== undefined && !gguf && s.kvGiB > 0 && short < KV_UNCERTAINTY) {
      chosen = { len, ...s, shortfall: short };
      break;
    }
  }
  if (!chosen) {
    const len = last?.len ?? MIN_CONTEXT;
    return rejectFit(
      r,
      `its KV cache (${last?.kvGiB ?? 0} GiB per GPU) holds ${last?.tokens ?? 0} tokens, fewer than ${r.minConcurrency} × ${len} (minConcurrency × maxModelLen)`,
    );
  }
  const { len } = chosen;
  const perToken =
    kvBytesPerSeqToken(r.model.arch, r.kvCacheDtype, dtype, r.tp, len, r.engine === "vllm") +
    drafter.kvBytesPerToken;
  // llama.cpp and Ollama allocate exactly context × slots (each slot the full context); vLLM,
  // SGLang and lmdeploy take the whole remaining budget and run as many sequences as it holds.
  const slots = Math.max(1, Math.min(r.maxNumSeqs ?? 8, Math.floor(chosen.tokens / len)));
  const kvTokens = gguf ? slots * len : chosen.tokens;
  return {
    fit: {
      model: r.model,
      engine: r.engine,
      quantization: r.quantization,
      kvCacheDtype: r.kvCacheDtype,
      dtype,
      tp: r.tp,
      util: r.util,
      maxModelLen: len,
      maxNumSeqs: gguf ? slots : chosen.seqs,
      maxNumBatchedTokens: gguf ? Math.min(batched, len) : batched,
      concurrency: gguf ? slots : round(chosen.tokens / len, 2),
      memory: {
        weightsGiB,
        activationGiB: chosen.act,
        overheadGiB: overhead,
        kvCacheGiB: gguf ? Math.max(floorTo((kvTokens * perToken) / GiB), 0.01) : chosen.kvGiB,
        kvBytesPerToken: Math.round(perToken),
        kvTokens,
      },
      ...(chosen.shortfall !== undefined ? { shortfall: chosen.shortfall } : {}),
      ...(r.speculative
        ? {
            speculative: {
              resolved: r.speculative,
              plan: speculativePlan(r.speculative, r.engine, spec),
            },
          }
        : {}),
      ...(r.colocated?.length ? { colocated: r.colocated } : {}),
    },
  };
}

/**
 * Usable positions: RoBERTa-family configs count two padding offsets in max_position_embeddings.
 */
export function usablePositions(model: ModelSpec): number {
  const roberta = model.arch.model_type.includes("roberta");
  return model.arch.max_position_embeddings - (roberta ? 2 : 0);
}

export const isCausal = (m: ModelSpec): boolean => !isEncoderOnly(m.arch);

export interface PoolingRequest {
  pool: PoolSpec;
  gpu: GpuSpec;
  nvlink: boolean;
  model: ModelSpec;
  tp: number;
  accounting: Accounting;
}

/**
 * Memory of an embedding or rerank replica on vLLM's pooling runner. Encoder-only models (BERT,
 * XLM-R) keep no KV cache; decoder embedding models (Qwen3-Embedding) do, sized as for chat.
 * Pooling models run without chunked prefill, so one batch must hold a whole sequence:
 * max_num_batched_tokens ≥ max_model_len.
 */
export function fitPooling(q: PoolingRequest): FitResult {
  const { pool, gpu, model, tp } = q;
  const dtype = computeDtype(gpu, model);
  const util = pool.gpuMemoryUtilization ?? defaultUtilization(gpu.memoryGiB);
  const reject = (message: string): { rejection: Rejection } => ({
    rejection: {
      stage: "fit",
      model: model.id,
      engine: "vllm",
      tp,
      quantization: "none",
      kvCacheDtype: "auto",
      message: `${model.id}: ${message}`,
    },
  });
  const limit = usablePositions(model);
  const maxModelLen = pool.maxModelLen ?? Math.min(limit, 8192);
  if (maxModelLen > limit)
    return reject(`maxModelLen ${maxModelLen} is longer than ${model.id} allows (${limit})`);
  const batched = Math.max(
    pool.maxNumBatchedTokens ?? defaultBatchedTokens(gpu.memoryGiB),
    maxModelLen,
  );
  const weightsGiB = ceil2(weightBytes(model, "none", dtype) / tp / GiB);
  const act = ceil2(
    activationBytes({
      engine: "vllm",
      arch: model.arch,
      tp,
      maxNumBatchedTokens: batched,
      maxNumSeqs: 1,
      dtype,
      pooling: true,
      accounting: memoryAccounting("vllm", q.accounting.vllm),
    }) / GiB,
  );
  const overhead = overheadFor("vllm", tp, gpu, q.nvlink, q.accounting);
  const budget = util * gpu.memoryGiB;
  const kvGiB = floorTo(budget - weightsGiB - act - overhead);
  if (kvGiB <= 0) {
    return reject(
      `needs ${round(weightsGiB + act + overhead, 1)} GiB per GPU (weights ${weightsGiB}, activations ${act} for ${batched} tokens, runtime ${overhead}); the budget is ${round(budget, 1)} GiB`,
    );
  }
  const minConcurrency = pool.minConcurrency ?? DEFAULT_MIN_CONCURRENCY;
  const base = {
    model,
    engine: "vllm" as const,
    quantization: "none" as const,
    kvCacheDtype: "auto" as const,
    dtype,
    tp,
    util,
    maxModelLen,
    maxNumBatchedTokens: batched,
  };
  if (!isCausal(model)) {
    const seqs = pool.maxNumSeqs ?? 64;
    return {
      fit: {
        ...base,
        maxNumSeqs: seqs,
        concurrency: seqs,
        memory: {
          weightsGiB,
          activationGiB: act,
          overheadGiB: overhead,
          kvCacheGiB: 0,
          kvBytesPerToken: 0,
          kvTokens: 0,
        },
      },
    };
  }
  const perToken = kvBytesPerSeqToken(model.arch, "auto", dtype, tp, maxModelLen, true);
  const kvTokens = Math.floor((kvGiB * GiB) / perToken);
  if (kvTokens < minConcurrency * maxModelLen) {
    return reject(
      `its KV cache (${kvGiB} GiB per GPU) holds ${kvTokens} tokens, fewer than ${minConcurrency} × ${maxModelLen}`,
    );
  }
  return {
    fit: {
      ...base,
      maxNumSeqs: pool.maxNumSeqs ?? seqsFor(kvTokens),
      concurrency: round(kvTokens / maxModelLen, 2),
      memory: {
        weightsGiB,
        activationGiB: act,
        overheadGiB: overhead,
        kvCacheGiB: kvGiB,
        kvBytesPerToken: Math.round(perToken),
        kvTokens,
      },
    },
  };
}
