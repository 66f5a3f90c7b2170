// The planner: per pool, which model, engine, quantization, KV dtype, context, utilization and
// tensor
// parallelism start without running out of memory and serve the most tokens. Pure: plain data in
// and out.
import { GPUS, findGpu } from "./catalog/gpus";
import {
  INSTANCE_TYPES,
  PRICES_AS_OF,
  findInstanceType,
  instanceTypesOfFamily,
} from "./catalog/instances";
import { MODELS, findModel } from "./catalog/models";
import {
  buildLaunch,
  checkEngineSupport,
  computeDtype,
  supportedKvCacheDtypes,
  supportedQuantizations,
} from "./engines";
import { estimateColdStartSeconds, estimateDecodeTokensPerSecond } from "./estimates";
import {
  GiB,
  ceil2,
  isEncoderOnly,
  type ProfileKind,
  activationBytes,
  attentionLayers,
  floorTo,
  kvBytesPerSeqToken,
  overheadGiB,
  round,
  SWA_PADDING_TOKENS,
  weightBytes,
} from "./memory";
import {
  CONTEXT_STEPS,
  DEFAULT_MIN_CONCURRENCY,
  DEFAULT_PROXY_PORT,
  FIRST_ENGINE_PORT,
  GOOD_CONTEXT,
  MAX_NUM_SEQS_CAP,
  MIN_CONTEXT,
  MODEL_PRIORITY,
  TASK_MODEL_PRIORITY,
  categoryOf,
  defaultBatchedTokens,
  defaultUtilization,
  enginePriority,
  fp8KvHazard,
} from "./policy";
import type {
  Dtype,
  EngineId,
  FleetPlan,
  GpuId,
  GpuSpec,
  InstanceTypeSpec,
  KvCacheDtype,
  MemoryBreakdown,
  ModelSpec,
  PoolPlan,
  PoolSpec,
  Quantization,
  Reason,
  ReplicaPlan,
  VramCategory,
} from "./types";
import { GPU_IDS } from "./types";

/**
 * Everything wrong with a config that the planner found, one line per problem with its config path.
 */
export class PlanError extends Error {
  constructor(public readonly problems: string[]) {
    super(`the stack cannot be planned:\n  ${problems.join("\n  ")}`);
    this.name = "PlanError";
  }
}

export interface PlanInput {
  stack: string;
  pools: readonly PoolSpec[];
  /** Models added by the stack (gpufleet:models), searched before the catalog. */
  models?: readonly ModelSpec[];
  /** Where the host's model cache is mounted in engine containers. */
  modelDir?: string;
  /**
   * Engine memory accounting to plan for. Default: the pinned versions'. Calibration against
   * start-up logs
   * of vLLM before v0.21 sets `vllmGraphsInBudget: false` (graphs were captured outside the budget
   * then).
   */
  accounting?: Accounting;
}

/** Engine memory accounting (see PlanInput.accounting). */
export interface Accounting {
  vllmGraphsInBudget?: boolean;
  vllmProfile?: ProfileKind;
}

/** One fully evaluated way to run a model on a GPU group. */
interface Fit {
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
}

interface FitRequest {
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
}

/**
 * Multimodal models profile a dummy image batch through their vision tower (ESTIMATE, no
 * calibration case yet).
 */
const VISION_RESERVE_GIB = 1;
const ccOf = (gpu: GpuSpec): number => Number(gpu.computeCapability);

/** Context candidates for a model: its maximum, then the usual steps below it, largest first. */
function contextCandidates(model: ModelSpec): number[] {
  const max = model.arch.max_position_embeddings;
  return [...new Set([max, ...CONTEXT_STEPS.filter((c) => c < max)])].sort((a, b) => b - a);
}

/**
 * Memory of one replica with the given choices, or the reason it does not fit. Everything is per
 * GPU;
 * components are rounded up and the KV cache down, so the rounded figures still sum within budget.
 */
export function fitReplica(r: FitRequest): Fit | string {
  const dtype = computeDtype(r.gpu, r.model);
  const budget = r.util * r.gpu.memoryGiB;
  const weightsGiB = ceil2(weightBytes(r.model, r.quantization, dtype) / r.tp / GiB);
  const overhead = ceil2(
    overheadGiB({
      engine: r.engine,
      tp: r.tp,
      architecture: r.gpu.architecture,
      nvlink: r.nvlink,
      eager: false,
      graphsInBudget: r.engine !== "vllm" || (r.accounting.vllmGraphsInBudget ?? true),
      profile: r.engine === "vllm" ? (r.accounting.vllmProfile ?? "v1") : undefined,
    }),
  );
  const batched = r.maxNumBatchedTokens ?? defaultBatchedTokens(r.gpu.memoryGiB);
  const gguf = r.engine === "llamacpp" || r.engine === "ollama";
  const activation = (seqs: number): number =>
    ceil2(
      activationBytes({
        engine: r.engine,
        arch: r.model.arch,
        tp: r.tp,
        maxNumBatchedTokens: batched,
        maxNumSeqs: seqs,
        dtype,
        profile: r.engine === "vllm" ? (r.accounting.vllmProfile ?? "v1") : "v1",
        visionReserveGiB: r.model.extraParamsB ? VISION_RESERVE_GIB : 0,
      }) / GiB,
    );
  const tokensAt = (kv: number, len: number): number =>
    Math.floor(
      (kv * GiB) /
        kvBytesPerSeqToken(r.model.arch, r.kvCacheDtype, dtype, r.tp, len, r.engine === "vllm"),
    );
  const kvFor = (act: number): number => floorTo(budget - weightsGiB - act - overhead);
  /**
   * Sequences the cache keeps running at ~512 tokens each: a power of two between 8 and the cap.
   */
  const seqsFor = (tokens: number): number =>
    Math.max(8, Math.min(MAX_NUM_SEQS_CAP, 2 ** Math.floor(Math.log2(Math.max(1, tokens / 512)))));

  const largestAct = activation(r.maxNumSeqs ?? MAX_NUM_SEQS_CAP);
  const smallestAct = activation(r.maxNumSeqs ?? 8);
  if (kvFor(smallestAct) <= 0.05) {
    const fixed = weightsGiB + smallestAct + overhead;
    return `needs ${round(fixed, 1)} GiB per GPU (weights ${weightsGiB}, activations ${smallestAct}, runtime ${overhead}) before any KV cache; the budget is ${round(budget, 1)} GiB (${r.util} × ${r.gpu.memoryGiB} GiB)`;
  }

  /**
   * Settles sequences and activations for one context: the sampler's warm-up grows with
   * max_num_seqs,
   * which is chosen from the tokens the cache holds. Starts from the cap and lowers it once;
   * lowering it
   * only frees memory, so the second answer is consistent (its cache holds at least what was
   * assumed).
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
  let chosen: { len: number; seqs: number; act: number; kvGiB: number; tokens: number } | undefined;
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
  }
  if (!chosen) {
    const len = last?.len ?? MIN_CONTEXT;
    return `its KV cache (${last?.kvGiB ?? 0} GiB per GPU) holds ${last?.tokens ?? 0} tokens, fewer than ${r.minConcurrency} × ${len} (minConcurrency × maxModelLen)`;
  }
  const { len } = chosen;
  const perToken = kvBytesPerSeqToken(
    r.model.arch,
    r.kvCacheDtype,
    dtype,
    r.tp,
    len,
    r.engine === "vllm",
  );
  // llama.cpp and Ollama allocate exactly context × slots (each slot the full context); vLLM,
  // SGLang and
  // lmdeploy take the whole remaining budget and run as many sequences as it holds.
  const slots = Math.max(1, Math.min(r.maxNumSeqs ?? 8, Math.floor(chosen.tokens / len)));
  const kvTokens = gguf ? slots * len : chosen.tokens;
  return {
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
  };
}

interface Hardware {
  gpu: GpuSpec;
  gpuCount: number;
  instance: InstanceTypeSpec | null;
  /**
   * NVLink between the GPUs: from the instance type; for own hardware assumed for SXM-class GPUs
   * (the larger overhead, so the safer guess).
   */
  nvlink: boolean;
}

const SXM_CLASS: ReadonlySet<string> = new Set([
  "V100-16GB",
  "V100-32GB",
  "A100-40GB",
  "A100-80GB",
  "H100",
  "H200",
]);

/** NVLink assumed for own hardware of SXM-class GPUs: the larger overhead, so the safer guess. */
export function assumesNvlink(gpu: GpuId): boolean {
  return SXM_CLASS.has(gpu);
}

function resolveHardware(pool: PoolSpec, at: string, problems: string[]): Hardware | undefined {
  if (pool.instanceType !== undefined) {
    const instance = findInstanceType(pool.instanceType);
    if (!instance) {
      const family = pool.instanceType.split(".")[0] ?? "";
      const same = instanceTypesOfFamily(family).map((t) => t.name);
      const hint =
        same.length > 0
          ? `known ${family}.* types: ${same.join(", ")}`
          : `known GPU families: ${[...new Set(INSTANCE_TYPES.map((t) => t.family))].join(", ")}`;
      problems.push(`${at}.instanceType: unknown instance type "${pool.instanceType}"; ${hint}`);
      return undefined;
    }
    return {
      gpu: GPUS[instance.gpu],
      gpuCount: instance.gpuCount,
      instance,
      nvlink: instance.nvlink,
    };
  }
  const gpu = findGpu(pool.gpu ?? "");
  if (!gpu) {
    problems.push(`${at}.gpu: unknown GPU "${pool.gpu}"; known: ${GPU_IDS.join(", ")}`);
    return undefined;
  }
  return { gpu, gpuCount: pool.gpuCount ?? 1, instance: null, nvlink: assumesNvlink(gpu.id) };
}

/**
 * Tensor-parallel sizes to try: divisors of the GPU count that split the attention and KV heads.
 */
function tensorParallelOptions(model: ModelSpec, gpuCount: number): number[] {
  const out: number[] = [];
  for (const tp of [1, 2, 4, 8, 16]) {
    if (tp > gpuCount || gpuCount % tp !== 0) continue;
    if (model.arch.num_attention_heads % tp !== 0 || model.arch.num_key_value_heads % tp !== 0)
      continue;
    out.push(tp);
  }
  return out;
}

interface Search {
  fit?: Fit;
  /** Why each rejected combination was rejected, for errors and for the plan's reasons. */
  rejected: string[];
}

/**
 * For one model: try tensor-parallel sizes from 1 up, engines in priority order, quantizations and
 * KV
 * dtypes in preference order. A combination reaching GOOD_CONTEXT wins at once; otherwise the one
 * with
 * the longest context at the smallest TP.
 */
function searchModel(
  pool: PoolSpec,
  hw: Hardware,
  model: ModelSpec,
  category: VramCategory,
  accounting: Accounting,
): Search {
  const rejected: string[] = [];
  if (pool.maxModelLen !== undefined && pool.maxModelLen > model.arch.max_position_embeddings) {
    return {
      rejected: [
        `maxModelLen ${pool.maxModelLen} is longer than ${model.id} allows (${model.arch.max_position_embeddings})`,
      ],
    };
  }
  if (
    pool.tensorParallel !== undefined &&
    !tensorParallelOptions(model, hw.gpuCount).includes(pool.tensorParallel)
  ) {
    return {
      rejected: [
        `tensorParallel ${pool.tensorParallel} does not divide ${model.id}'s ${model.arch.num_key_value_heads} KV heads`,
      ],
    };
  }
  const minConcurrency = pool.minConcurrency ?? DEFAULT_MIN_CONCURRENCY;
  const util = pool.gpuMemoryUtilization ?? defaultUtilization(hw.gpu.memoryGiB);
  const tps =
    pool.tensorParallel !== undefined
      ? [pool.tensorParallel]
      : tensorParallelOptions(model, hw.gpuCount);
  let best: Fit | undefined;
  for (const tp of tps) {
    const engines = pool.engine !== "auto" ? [pool.engine] : enginePriority(category, tp);
    for (const engine of engines) {
      const quants =
        pool.quantization !== undefined
          ? [pool.quantization]
          : supportedQuantizations(engine, hw.gpu, model);
      if (quants.length === 0) {
        const why = checkEngineSupport({
          engine,
          gpu: hw.gpu,
          model,
          quantization: "none",
          kvCacheDtype: "auto",
          dtype: computeDtype(hw.gpu, model),
          tensorParallel: tp,
        });
        const ggufEngine = engine === "llamacpp" || engine === "ollama";
        const noArtifact =
          ggufEngine && !(engine === "ollama" ? model.artifacts.ollama : model.artifacts.gguf);
        rejected.push(
          noArtifact
            ? `${model.id} has no ${engine === "ollama" ? "Ollama tag" : "GGUF file"} in the catalog (add \`${engine === "ollama" ? "ollama" : "gguf"}\` to it under gpufleet:models)`
            : (why[0] ?? `${engine}: no weight format of ${model.id} it can load on ${hw.gpu.id}`),
        );
        continue;
      }
      for (const quantization of quants) {
        const kvs =
          pool.kvCacheDtype !== undefined
            ? [pool.kvCacheDtype]
            : unpinnedKvCacheDtypes(engine, hw.gpu, model);
        // Within one weight format, the KV dtype that gives the longest context (ties: the exact
        // one).
        let bestKv: Fit | undefined;
        for (const kvCacheDtype of kvs) {
          const dtype = computeDtype(hw.gpu, model);
          const unsupported = checkEngineSupport({
            engine,
            gpu: hw.gpu,
            model,
            quantization,
            kvCacheDtype,
            dtype,
            tensorParallel: tp,
          });
          if (unsupported.length > 0) {
            rejected.push(...unsupported);
            continue;
          }
          const fit = fitReplica({
            gpu: hw.gpu,
            model,
            engine,
            quantization,
            kvCacheDtype,
            tp,
            util,
            maxModelLen: pool.maxModelLen,
            maxNumSeqs: pool.maxNumSeqs,
            maxNumBatchedTokens: pool.maxNumBatchedTokens,
            minConcurrency,
            nvlink: hw.nvlink,
            accounting,
          });
          if (typeof fit === "string") {
            rejected.push(`${engine} ${quantization} kv ${kvCacheDtype} TP ${tp}: ${fit}`);
            continue;
          }
          if (!bestKv || fit.maxModelLen > bestKv.maxModelLen) bestKv = fit;
        }
        if (!bestKv) continue;
        const good =
          bestKv.maxModelLen >= Math.min(GOOD_CONTEXT, model.arch.max_position_embeddings);
        if (good || pool.maxModelLen !== undefined) return { fit: bestKv, rejected };
        if (!best || bestKv.maxModelLen > best.maxModelLen) best = bestKv;
      }
    }
    if (best) return { fit: best, rejected };
  }
  return { fit: best, rejected };
}

/**
 * KV dtypes an unpinned pool tries: "auto", and an 8-bit cache only where it is native (compute
 * capability ≥ 8.9,
 * DESIGN.md), fp8 never for a model it breaks (policy.ts fp8KvHazard). A pin on 8.0–8.8 is honoured
 * where the engine
 * has a software path, a pin on a hazardous model with a warning.
 */
function unpinnedKvCacheDtypes(engine: EngineId, gpu: GpuSpec, model: ModelSpec): KvCacheDtype[] {
  return supportedKvCacheDtypes(engine, gpu).filter(
    (k) => k === "auto" || (ccOf(gpu) >= 8.9 && !(k === "fp8" && fp8KvHazard(model))),
  );
}

function modelCandidates(
  pool: PoolSpec,
  category: VramCategory,
  extra: readonly ModelSpec[],
): ModelSpec[] {
  if (pool.model !== "auto") {
    const m = findModel(pool.model, extra);
    return m ? [m] : [];
  }
  const ids = MODEL_PRIORITY[category];
  const listed = ids
    .map((id) => findModel(id, extra))
    .filter((m): m is ModelSpec => m !== undefined);
  if (pool.engine !== "llamacpp" && pool.engine !== "ollama") return listed;
  // A pinned GGUF engine needs a GGUF file or an Ollama tag: after the category's list, the largest
  // catalog
  // models that ship one.
  const artifact = (m: ModelSpec): boolean =>
    pool.engine === "ollama" ? !!m.artifacts.ollama : !!m.artifacts.gguf;
  const more = [...extra, ...MODELS]
    .filter((m) => artifact(m) && !listed.includes(m))
    .sort((a, b) => b.paramsB - a.paramsB);
  return [...listed, ...more];
}

/**
 * Pinned values that are wrong whatever else is chosen: checked before searching, each with a fix.
 */
function checkPins(
  pool: PoolSpec,
  at: string,
  hw: Hardware,
  model: ModelSpec | undefined,
  problems: string[],
): void {
  if (pool.tensorParallel !== undefined) {
    if (hw.gpuCount % pool.tensorParallel !== 0) {
      const ok = [1, 2, 4, 8, 16].filter((t) => t <= hw.gpuCount && hw.gpuCount % t === 0);
      problems.push(
        `${at}.tensorParallel: ${pool.tensorParallel} does not divide the pool's ${hw.gpuCount} GPU(s); use one of ${ok.join(", ")}`,
      );
    } else if (model && model.arch.num_key_value_heads % pool.tensorParallel !== 0) {
      const ok = tensorParallelOptions(model, hw.gpuCount);
      problems.push(
        `${at}.tensorParallel: ${pool.tensorParallel} does not divide ${model.id}'s ${model.arch.num_key_value_heads} KV heads; use one of ${ok.join(", ") || "1"}`,
      );
    } else if (model && model.arch.num_attention_heads % pool.tensorParallel !== 0) {
      problems.push(
        `${at}.tensorParallel: ${pool.tensorParallel} does not divide ${model.id}'s ${model.arch.num_attention_heads} attention heads`,
      );
    }
  }
  if (
    model &&
    pool.maxModelLen !== undefined &&
    pool.maxModelLen > model.arch.max_position_embeddings
  ) {
    problems.push(
      `${at}.maxModelLen: ${pool.maxModelLen} is longer than ${model.id} allows (max_position_embeddings ${model.arch.max_position_embeddings}); use at most ${model.arch.max_position_embeddings}`,
    );
  }
  if (
    model &&
    pool.quantization !== undefined &&
    model.weightsQuantization &&
    pool.quantization !== model.weightsQuantization
  ) {
    problems.push(
      `${at}.quantization: ${model.id} ships ${model.weightsQuantization} weights; it cannot be served as ${pool.quantization} (remove the pin or use "${model.weightsQuantization}")`,
    );
  }
}

function sourceOf(model: ModelSpec, engine: EngineId, quantization: Quantization): string {
  if (engine === "ollama") return model.artifacts.ollama?.tag ?? model.id;
  if (engine === "llamacpp") {
    const g = model.artifacts.gguf;
    return g ? `${g.repo}/${g.file}` : model.id;
  }
  if (quantization === "awq") return model.artifacts.awq ?? model.id;
  if (quantization === "gptq") return model.artifacts.gptq ?? model.id;
  if (quantization === "fp8") return model.artifacts.fp8 ?? model.artifacts.hf ?? model.id;
  return model.artifacts.hf ?? model.id;
}

function explain(
  fit: Fit,
  pool: PoolSpec,
  hw: Hardware,
  category: VramCategory,
  skipped: string[],
): Reason[] {
  const pinned = (v: unknown): boolean => v !== undefined && v !== "auto";
  // fp8 KV would have been native here, but unpinnedKvCacheDtypes left it out for this model.
  const hazard = fp8KvHazard(fit.model);
  const fp8Refused =
    hazard && ccOf(hw.gpu) >= 8.9 && supportedKvCacheDtypes(fit.engine, hw.gpu).includes("fp8")
      ? hazard
      : undefined;
  const r: Reason[] = [];
  r.push({
    field: "model",
    why: pinned(pool.model)
      ? `pinned by config`
      : `first of the ${category} priority list (${MODEL_PRIORITY[category].join(" → ")}) that fits ${hw.gpu.id}`,
  });
  r.push({
    field: "engine",
    why: pinned(pool.engine)
      ? "pinned by config"
      : `first of ${enginePriority(category, fit.tp).join(" → ")} that runs it on compute capability ${hw.gpu.computeCapability}` +
        (skipped.length > 0 ? `; skipped: ${skipped.slice(0, 3).join("; ")}` : ""),
  });
  r.push({
    field: "tensorParallel",
    why: pinned(pool.tensorParallel)
      ? "pinned by config"
      : fit.tp === 1
        ? "fits one GPU: one replica per GPU"
        : `smallest tensor-parallel size that fits (${fit.tp} of ${hw.gpuCount} GPUs)`,
  });
  r.push({
    field: "quantization",
    why: pinned(pool.quantization)
      ? "pinned by config"
      : fit.quantization === "none"
        ? `${fit.dtype} weights fit with ${fit.maxModelLen} tokens of context`
        : `${fit.quantization}: the first format (model dtype → fp8 → AWQ → GGUF) whose weights leave room for ${Math.min(GOOD_CONTEXT, fit.model.arch.max_position_embeddings)} tokens of context, or the longest context`,
  });
  r.push({
    field: "dtype",
    why:
      fit.dtype === "bfloat16"
        ? `compute capability ${hw.gpu.computeCapability} ≥ 8.0 runs bfloat16`
        : `compute capability ${hw.gpu.computeCapability} < 8.0 has no bfloat16: float16`,
  });
  r.push({
    field: "kvCacheDtype",
    why: pinned(pool.kvCacheDtype)
      ? "pinned by config"
      : fit.kvCacheDtype === "auto"
        ? fp8Refused
          ? `same as the model dtype, never fp8 here: ${fp8Refused}`
          : "same as the model dtype: exact, and long enough context"
        : `${fit.kvCacheDtype} doubles the tokens the cache holds`,
  });
  r.push({
    field: "maxModelLen",
    why: pinned(pool.maxModelLen)
      ? `pinned by config; the cache holds ${fit.concurrency} such sequences`
      : `largest of {model max ${fit.model.arch.max_position_embeddings}, ${CONTEXT_STEPS.join(", ")}} whose KV cache holds ${pool.minConcurrency ?? DEFAULT_MIN_CONCURRENCY} full-length sequences (minConcurrency); holds ${fit.concurrency}`,
  });
  r.push({
    field: "gpuMemoryUtilization",
    why: pinned(pool.gpuMemoryUtilization)
      ? "pinned by config"
      : `seed 000's rule: (free − 1.5 GiB) / total, clamped to [0.50, 0.92]`,
  });
  r.push({
    field: "maxNumSeqs",
    why: pinned(pool.maxNumSeqs)
      ? "pinned by config"
      : fit.engine === "llamacpp" || fit.engine === "ollama"
        ? `${fit.maxNumSeqs} slots of ${fit.maxModelLen} tokens each`
        : `power of two (8–${MAX_NUM_SEQS_CAP}) of sequences the cache keeps running at ~512 tokens each`,
  });
  return r;
}

function warningsFor(fit: Fit, gpu: GpuSpec): string[] {
  const w: string[] = [];
  if (fit.model.unconfirmed) w.push(fit.model.unconfirmed);
  const hazard = fit.kvCacheDtype === "fp8" ? fp8KvHazard(fit.model) : undefined;
  if (hazard) {
    w.push(
      `kvCacheDtype fp8 is pinned: ${hazard}; unpin it unless the checkpoint ships calibrated KV scales`,
    );
  }
  const layers = attentionLayers(fit.model.arch);
  if (layers.sliding > 0) {
    w.push(
      fit.engine === "vllm"
        ? `${fit.model.id} has ${layers.sliding} sliding-window layers (window ${layers.window}); vLLM's hybrid KV-cache manager keeps only the window of them, and the plan counts window + ${SWA_PADDING_TOKENS} tokens per sequence (no calibration case yet: an estimate)`
        : `${fit.model.id} has ${layers.sliding} sliding-window layers (window ${layers.window}); they are counted as full attention for ${fit.engine} (safe; the engine may hold more tokens than planned)`,
    );
  }
  if (
    fit.engine === "sglang" ||
    fit.engine === "lmdeploy" ||
    fit.engine === "ollama" ||
    fit.engine === "llamacpp"
  ) {
    w.push(
      `${fit.engine}'s memory knob is derived from the vLLM-style budget; the planner is calibrated on vLLM and SGLang start-up logs, and rounds the knob down`,
    );
  }
  if (fit.concurrency < 4 && fit.engine !== "llamacpp" && fit.engine !== "ollama") {
    w.push(
      `the KV cache holds only ${fit.concurrency} full-length sequences: long requests will queue`,
    );
  }
  if (gpu.memoryGiB < 10 && fit.model.paramsB > 3) {
    w.push(
      `a ${fit.model.paramsB}B model on a ${gpu.memoryGiB} GiB GPU leaves little room for batching`,
    );
  }
  return w;
}

function planReplicas(fit: Fit, hw: Hardware, modelDir: string): ReplicaPlan[] {
  const replicas: ReplicaPlan[] = [];
  const count = Math.floor(hw.gpuCount / fit.tp);
  const source = sourceOf(fit.model, fit.engine, fit.quantization);
  for (let i = 0; i < count; i++) {
    const gpus = Array.from({ length: fit.tp }, (_, k) => i * fit.tp + k);
    const port = FIRST_ENGINE_PORT + (gpus[0] ?? 0);
    const launch = buildLaunch({
      engine: fit.engine,
      task: fit.model.task ?? "chat",
      model: fit.model,
      gpu: hw.gpu,
      gpus,
      tensorParallel: fit.tp,
      port,
      dtype: fit.dtype,
      quantization: fit.quantization,
      kvCacheDtype: fit.kvCacheDtype,
      maxModelLen: fit.maxModelLen,
      gpuMemoryUtilization: fit.util,
      maxNumSeqs: fit.maxNumSeqs,
      maxNumBatchedTokens: fit.maxNumBatchedTokens,
      memory: fit.memory,
      source,
      modelDir,
    });
    const weightsGB = (fit.memory.weightsGiB * fit.tp * GiB) / 1e9;
    replicas.push({
      gpus,
      tensorParallel: fit.tp,
      port,
      engine: fit.engine,
      image: launch.image,
      model: {
        id: fit.model.id,
        servedName: fit.model.servedName,
        paramsB: fit.model.paramsB,
        dtype: fit.dtype,
        quantization: fit.quantization,
        source,
        gated: fit.model.gated,
      },
      maxModelLen: fit.maxModelLen,
      gpuMemoryUtilization: fit.util,
      kvCacheDtype: fit.kvCacheDtype,
      maxNumSeqs: fit.maxNumSeqs,
      maxNumBatchedTokens: fit.maxNumBatchedTokens,
      concurrency: fit.concurrency,
      memory: fit.memory,
      args: launch.args,
      env: launch.env,
      apiKey: launch.apiKey,
      needsIpcHost: launch.needsIpcHost,
      healthPath: launch.healthPath,
      modelsPath: launch.modelsPath,
      metricsPath: launch.metricsPath,
      memoryKnob: launch.memoryKnob,
      estimates: {
        coldStartSeconds: estimateColdStartSeconds(
          fit.engine,
          weightsGB,
          hw.instance?.networkGbps ?? null,
        ),
        decodeTokensPerSecond: estimateDecodeTokensPerSecond(hw.gpu, fit.tp, weightsGB),
      },
      reasons: [],
      warnings: [],
    });
  }
  return replicas;
}

/**
 * Usable positions: RoBERTa-family configs count two padding offsets in max_position_embeddings.
 */
function usablePositions(model: ModelSpec): number {
  const roberta = model.arch.model_type.includes("roberta");
  return model.arch.max_position_embeddings - (roberta ? 2 : 0);
}

const isCausal = (m: ModelSpec): boolean => !isEncoderOnly(m.arch);

/**
 * Memory of an embedding or rerank replica on vLLM's pooling runner. Encoder-only models (BERT,
 * XLM-R) keep
 * no KV cache; decoder embedding models (Qwen3-Embedding) do, sized as for chat. Pooling models run
 * without
 * chunked prefill, so one batch must hold a whole sequence: max_num_batched_tokens ≥ max_model_len.
 */
function fitPooling(
  pool: PoolSpec,
  hw: Hardware,
  model: ModelSpec,
  tp: number,
  accounting: Accounting,
): Fit | string {
  const gpu = hw.gpu;
  const dtype = computeDtype(gpu, model);
  const util = pool.gpuMemoryUtilization ?? defaultUtilization(gpu.memoryGiB);
  const limit = usablePositions(model);
  const maxModelLen = pool.maxModelLen ?? Math.min(limit, 8192);
  if (maxModelLen > limit)
    return `maxModelLen ${maxModelLen} is longer than ${model.id} allows (${limit})`;
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
    }) / GiB,
  );
  const overhead = ceil2(
    overheadGiB({
      engine: "vllm",
      tp,
      architecture: gpu.architecture,
      nvlink: hw.nvlink,
      eager: false,
      graphsInBudget: accounting.vllmGraphsInBudget ?? true,
      profile: accounting.vllmProfile ?? "v1",
    }),
  );
  const budget = util * gpu.memoryGiB;
  const kvGiB = floorTo(budget - weightsGiB - act - overhead);
  if (kvGiB <= 0) {
    return `needs ${round(weightsGiB + act + overhead, 1)} GiB per GPU (weights ${weightsGiB}, activations ${act} for ${batched} tokens, runtime ${overhead}); the budget is ${round(budget, 1)} GiB`;
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
    };
  }
  const perToken = kvBytesPerSeqToken(model.arch, "auto", dtype, tp, maxModelLen, true);
  const kvTokens = Math.floor((kvGiB * GiB) / perToken);
  if (kvTokens < minConcurrency * maxModelLen) {
    return `its KV cache (${kvGiB} GiB per GPU) holds ${kvTokens} tokens, fewer than ${minConcurrency} × ${maxModelLen}`;
  }
  const seqs =
    pool.maxNumSeqs ??
    Math.max(
      8,
      Math.min(MAX_NUM_SEQS_CAP, 2 ** Math.floor(Math.log2(Math.max(1, kvTokens / 512)))),
    );
  return {
    ...base,
    maxNumSeqs: seqs,
    concurrency: round(kvTokens / maxModelLen, 2),
    memory: {
      weightsGiB,
      activationGiB: act,
      overheadGiB: overhead,
      kvCacheGiB: kvGiB,
      kvBytesPerToken: Math.round(perToken),
      kvTokens,
    },
  };
}

/**
 * An embedding or rerank pool: vLLM's pooling runner, one replica per GPU unless the model needs
 * more.
 */
function planTaskPool(
  pool: PoolSpec,
  at: string,
  hw: Hardware,
  category: VramCategory,
  extra: readonly ModelSpec[],
  modelDir: string,
  accounting: Accounting,
  problems: string[],
): PoolPlan | undefined {
  const task = pool.task as "embedding" | "rerank";
  if (pool.engine !== "auto" && pool.engine !== "vllm") {
    problems.push(
      `${at}.engine: ${task} pools run on vLLM's pooling runner; ${pool.engine} is for chat pools (use engine: vllm or auto)`,
    );
    return undefined;
  }
  for (const [key, value] of [
    ["quantization", pool.quantization],
    ["kvCacheDtype", pool.kvCacheDtype],
  ] as const) {
    if (value !== undefined && value !== "none" && value !== "auto") {
      problems.push(
        `${at}.${key}: ${task} pools serve the model's own weights and KV dtype; remove ${key}`,
      );
      return undefined;
    }
  }
  let candidates: ModelSpec[];
  if (pool.model !== "auto") {
    const m = findModel(pool.model, extra);
    if (!m) {
      const known = [...extra, ...MODELS].filter((x) => x.task === task).map((x) => x.id);
      problems.push(
        `${at}.model: unknown ${task} model "${pool.model}"; known: ${known.join(", ")}, or describe it under gpufleet:models with task: ${task}`,
      );
      return undefined;
    }
    if ((m.task ?? "chat") !== task) {
      problems.push(
        `${at}.model: ${m.id} is a ${m.task ?? "chat"} model, not a${task === "embedding" ? "n embedding" : " rerank"} model; pin one of ${TASK_MODEL_PRIORITY[task].join(", ")}`,
      );
      return undefined;
    }
    candidates = [m];
  } else {
    candidates = TASK_MODEL_PRIORITY[task]
      .map((id) => findModel(id, extra))
      .filter((m): m is ModelSpec => m !== undefined);
  }
  const rejected: string[] = [];
  let fit: Fit | undefined;
  for (const model of candidates) {
    if (pool.tensorParallel !== undefined && hw.gpuCount % pool.tensorParallel !== 0) {
      problems.push(
        `${at}.tensorParallel: ${pool.tensorParallel} does not divide the pool's ${hw.gpuCount} GPU(s)`,
      );
      return undefined;
    }
    const tps =
      pool.tensorParallel !== undefined
        ? [pool.tensorParallel]
        : tensorParallelOptions(model, hw.gpuCount);
    for (const tp of tps) {
      const dtype = computeDtype(hw.gpu, model);
      const unsupported = checkEngineSupport({
        engine: "vllm",
        gpu: hw.gpu,
        model,
        quantization: "none",
        kvCacheDtype: "auto",
        dtype,
        tensorParallel: tp,
      });
      if (unsupported.length > 0) {
        rejected.push(...unsupported);
        break;
      }
      const f = fitPooling(pool, hw, model, tp, accounting);
      if (typeof f === "string") {
        rejected.push(`${model.id} TP ${tp}: ${f}`);
        continue;
      }
      fit = f;
      break;
    }
    if (fit) break;
  }
  if (!fit) {
    problems.push(
      `${at}${pool.model !== "auto" ? ".model" : ""}: no ${task} model fits ${hw.gpuCount} × ${hw.gpu.id}: ${[...new Set(rejected)].slice(0, 3).join("; ")}`,
    );
    return undefined;
  }
  const replicas = planReplicas(fit, hw, modelDir);
  const reasons: Reason[] = [
    {
      field: "model",
      why:
        pool.model !== "auto"
          ? "pinned by config"
          : `first of the ${task} list (${TASK_MODEL_PRIORITY[task].join(" → ")}) that fits ${hw.gpu.id}`,
    },
    {
      field: "engine",
      why: `vLLM's pooling runner serves /v1/embeddings${task === "rerank" ? ", /v1/rerank and /v1/score" : ""}`,
    },
    {
      field: "tensorParallel",
      why:
        fit.tp === 1
          ? "fits one GPU: one replica per GPU"
          : `smallest tensor-parallel size that fits (${fit.tp})`,
    },
    { field: "quantization", why: `the model's own weights in ${fit.dtype}` },
    {
      field: "kvCacheDtype",
      why: isCausal(fit.model)
        ? "same as the model dtype"
        : "an encoder-only model keeps no KV cache",
    },
    {
      field: "maxModelLen",
      why:
        pool.maxModelLen !== undefined
          ? "pinned by config"
          : `the model's usable positions, at most 8192; one batch holds a whole sequence (max_num_batched_tokens ${fit.maxNumBatchedTokens})`,
    },
    {
      field: "gpuMemoryUtilization",
      why:
        pool.gpuMemoryUtilization !== undefined
          ? "pinned by config"
          : "seed 000's rule: (free − 1.5 GiB) / total, clamped to [0.50, 0.92]",
    },
  ];
  for (const r of replicas) {
    r.reasons = reasons;
    r.warnings = isCausal(fit.model)
      ? []
      : [
          `${fit.model.id} is an encoder-only model: no KV cache; most of the GPU stays free — a small GPU (g4dn, g6) is enough`,
        ];
  }
  return assemblePoolPlan(pool, task, hw, category, replicas, []);
}

/**
 * The pool-level part of a plan: hardware, price, quota, proxy port; the instance type's purchase
 * note first.
 */
function assemblePoolPlan(
  pool: PoolSpec,
  task: PoolPlan["task"],
  hw: Hardware,
  category: VramCategory,
  replicas: ReplicaPlan[],
  warnings: string[],
): PoolPlan {
  const price = hw.instance ? hw.instance.pricePerHour * pool.count : 0;
  return {
    name: pool.name,
    task,
    instanceType: hw.instance?.name ?? null,
    count: pool.count,
    gpu: {
      model: hw.gpu.id,
      count: hw.gpuCount,
      memoryGiB: hw.gpu.memoryGiB,
      computeCapability: hw.gpu.computeCapability,
    },
    category,
    costPerHour: round(price, 3),
    proxyPort: pool.proxyPort ?? DEFAULT_PROXY_PORT,
    vcpuQuota: hw.instance
      ? { quota: hw.instance.vcpuQuota, vcpus: hw.instance.vcpus * pool.count }
      : null,
    localNvmeGB: hw.instance?.localNvmeGB ?? 0,
    networkGbps: hw.instance?.networkGbps ?? null,
    replicas,
    warnings: hw.instance?.purchaseNote ? [hw.instance.purchaseNote, ...warnings] : warnings,
  };
}

function planPool(
  pool: PoolSpec,
  index: number,
  extra: readonly ModelSpec[],
  modelDir: string,
  accounting: Accounting,
  problems: string[],
): PoolPlan | undefined {
  const at = `gpufleet:pools[${index}]`;
  const before = problems.length;
  const hw = resolveHardware(pool, at, problems);
  if (!hw) return undefined;
  const category = categoryOf(hw.gpu.memoryGiB);
  if ((pool.task ?? "chat") !== "chat")
    return planTaskPool(pool, at, hw, category, extra, modelDir, accounting, problems);
  const candidates = modelCandidates(pool, category, extra);
  if (
    candidates.length === 1 &&
    pool.model !== "auto" &&
    (candidates[0]!.task ?? "chat") !== "chat"
  ) {
    problems.push(
      `${at}.model: ${candidates[0]!.id} is a${candidates[0]!.task === "embedding" ? "n embedding" : " rerank"} model; set task: ${candidates[0]!.task} on this pool, or pin a chat model`,
    );
    return undefined;
  }
  if (pool.model !== "auto" && candidates.length === 0) {
    const known = [...extra, ...MODELS].map((m) => m.servedName);
    problems.push(
      `${at}.model: unknown model "${pool.model}"; give a catalog id or served name (${known.join(", ")}), or describe it under gpufleet:models`,
    );
    return undefined;
  }
  checkPins(pool, at, hw, pool.model !== "auto" ? candidates[0] : undefined, problems);
  if (problems.length > before) return undefined;

  const skipped: string[] = [];
  let found: { fit: Fit; rejected: string[] } | undefined;
  let fallback: { fit: Fit; rejected: string[] } | undefined;
  const listed = new Set(MODEL_PRIORITY[category]);
  for (const model of candidates) {
    const s = searchModel(pool, hw, model, category, accounting);
    if (s.fit) {
      // Beyond the category's own list (GGUF engines' extra candidates), take the largest model
      // that
      // reaches a good context; a cramped fit only when nothing better fits.
      const good = s.fit.maxModelLen >= Math.min(GOOD_CONTEXT, model.arch.max_position_embeddings);
      if (pool.model !== "auto" || listed.has(model.id) || good) {
        found = { fit: s.fit, rejected: s.rejected };
        break;
      }
      fallback ??= { fit: s.fit, rejected: s.rejected };
      skipped.push(`${model.id}: only ${s.fit.maxModelLen} tokens of context`);
      continue;
    }
    skipped.push(`${model.id}: ${s.rejected[0] ?? "no engine can run it here"}`);
    if (pool.model !== "auto") {
      const unique = [...new Set(s.rejected)].slice(0, 4);
      const field = pinnedField(pool);
      problems.push(
        `${at}.${field}: ${describePins(pool)} cannot run on ${hw.gpuCount} × ${hw.gpu.id} (${hw.gpu.memoryGiB} GiB, compute capability ${hw.gpu.computeCapability}): ${unique.join("; ")}`,
      );
      return undefined;
    }
  }
  found ??= fallback;
  if (!found) {
    const pinned = pinnedField(pool);
    problems.push(
      `${pinned === "model" ? at : `${at}.${pinned}`}: no model of the ${category} list fits ${hw.gpuCount} × ${hw.gpu.id} with ${describePins(pool)}: ${skipped.join(" | ")}`,
    );
    return undefined;
  }
  const fit = found.fit;
  const engineSkips = [
    ...new Set(found.rejected.filter((x) => !x.includes("TP") || x.includes("cannot"))),
  ];
  const replicas = planReplicas(fit, hw, modelDir);
  const reasons = explain(fit, pool, hw, category, engineSkips);
  const warnings = warningsFor(fit, hw.gpu);
  for (const rep of replicas) {
    rep.reasons = reasons;
    rep.warnings = warnings;
  }
  return assemblePoolPlan(
    pool,
    pool.task ?? "chat",
    hw,
    category,
    replicas,
    skipped.map((s) => `skipped ${s}`),
  );
}

/** The config key a failed pinned plan is reported under: the most specific pin. */
function pinnedField(pool: PoolSpec): string {
  if (pool.kvCacheDtype !== undefined) return "kvCacheDtype";
  if (pool.quantization !== undefined) return "quantization";
  if (pool.engine !== "auto") return "engine";
  if (pool.maxModelLen !== undefined) return "maxModelLen";
  return "model";
}

function describePins(pool: PoolSpec): string {
  const parts: string[] = [`model ${pool.model}`];
  if (pool.engine !== "auto") parts.push(`engine ${pool.engine}`);
  if (pool.quantization !== undefined) parts.push(`quantization ${pool.quantization}`);
  if (pool.kvCacheDtype !== undefined) parts.push(`kvCacheDtype ${pool.kvCacheDtype}`);
  if (pool.maxModelLen !== undefined) parts.push(`maxModelLen ${pool.maxModelLen}`);
  if (pool.tensorParallel !== undefined) parts.push(`tensorParallel ${pool.tensorParallel}`);
  if (pool.gpuMemoryUtilization !== undefined)
    parts.push(`gpuMemoryUtilization ${pool.gpuMemoryUtilization}`);
  return parts.join(", ");
}

/** Plans every pool; throws PlanError listing every problem of every pool at once. */
export function planFleet(input: PlanInput): FleetPlan {
  const problems: string[] = [];
  const names = new Map<string, number>();
  input.pools.forEach((p, i) => {
    const first = names.get(p.name);
    if (first !== undefined)
      problems.push(
        `gpufleet:pools[${i}].name: "${p.name}" is already the name of pools[${first}]`,
      );
    else names.set(p.name, i);
  });
  const extra = input.models ?? [];
  const pools: PoolPlan[] = [];
  input.pools.forEach((pool, i) => {
    const plan = planPool(
      pool,
      i,
      extra,
      input.modelDir ?? "/models",
      input.accounting ?? {},
      problems,
    );
    if (plan) pools.push(plan);
  });
  if (problems.length > 0) throw new PlanError(problems);
  return {
    stack: input.stack,
    costPerHour: round(
      pools.reduce((s, p) => s + p.costPerHour, 0),
      3,
    ),
    pricesAsOf: PRICES_AS_OF,
    pools,
  };
}
