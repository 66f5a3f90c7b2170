// Explain: the reasons and warnings a plan carries for each decision.
import { isGgufEngine } from "./catalog/engines";
import { KV_UNCERTAINTY, isCausal, type Fit } from "./fit";
import type { Hardware } from "./hardware";
import { SWA_PADDING_TOKENS, attentionLayers } from "./memory";
import {
  CONTEXT_STEPS,
  DEFAULT_MIN_CONCURRENCY,
  GOOD_CONTEXT,
  MAX_NUM_SEQS_CAP,
  MODEL_PRIORITY,
  TASK_MODEL_PRIORITY,
  enginePriority,
  fp8KvHazard,
} from "./policy";
import { ccValue, supportedKvCacheDtypes } from "./support";
import type { GpuSpec, PoolSpec, Reason, VramCategory } from "./types";

const UTILIZATION_RULE = "seed 000's rule: (free − 1.5 GiB) / total, clamped to [0.50, 0.92]";

/** Why each choice of a chat replica was made; `skipped` lists the engines passed over. */
export function explain(
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
    hazard &&
    ccValue(hw.gpu.computeCapability) >= 89 &&
    supportedKvCacheDtypes(fit.engine, hw.gpu).includes("fp8")
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
    why: pinned(pool.gpuMemoryUtilization) ? "pinned by config" : UTILIZATION_RULE,
  });
  r.push({
    field: "maxNumSeqs",
    why: pinned(pool.maxNumSeqs)
      ? "pinned by config"
      : isGgufEngine(fit.engine)
        ? `${fit.maxNumSeqs} slots of ${fit.maxModelLen} tokens each`
        : `power of two (8–${MAX_NUM_SEQS_CAP}) of sequences the cache keeps running at ~512 tokens each`,
  });
  return r;
}

/** What a person should know about a chat replica's plan. */
export function warningsFor(fit: Fit, gpu: GpuSpec): string[] {
  const w: string[] = [];
  if (fit.shortfall !== undefined) {
    w.push(
      `maxModelLen ${fit.maxModelLen} is pinned and the planned KV cache (${fit.memory.kvTokens} tokens) falls short of what it must hold by ${(fit.shortfall * 100).toFixed(1)} %, less than the memory model's measured uncertainty (${KV_UNCERTAINTY * 100} %): planned as pinned, but the engine may refuse to start (vLLM: "max seq len … larger than the maximum number of tokens that can be stored in KV cache"); lower maxModelLen or minConcurrency, or raise gpuMemoryUtilization, to be sure`,
    );
  }
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
  if (fit.engine !== "vllm") {
    w.push(
      `${fit.engine}'s memory knob is derived from the vLLM-style budget; the planner is calibrated on vLLM and SGLang start-up logs, and rounds the knob down`,
    );
  }
  if (fit.concurrency < 4 && !isGgufEngine(fit.engine)) {
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

/** Why each choice of an embedding or rerank replica was made. */
export function explainPooling(
  fit: Fit,
  pool: PoolSpec,
  hw: Hardware,
  task: "embedding" | "rerank",
): Reason[] {
  return [
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
      why: pool.gpuMemoryUtilization !== undefined ? "pinned by config" : UTILIZATION_RULE,
    },
  ];
}

/** What a person should know about an embedding or rerank replica's plan. */
export function poolingWarnings(fit: Fit): string[] {
  return isCausal(fit.model)
    ? []
    : [
        `${fit.model.id} is an encoder-only model: no KV cache; most of the GPU stays free — a small GPU (g4dn, g6) is enough`,
      ];
}
