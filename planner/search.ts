// Search: for one model, every engine, tensor-parallel size, weight format and KV dtype the pool
// allows, in preference order; the first that reaches a good context wins, else the longest.
import { ENGINES, isGgufEngine } from "./catalog/engines";
import { MODELS, findModel } from "./catalog/models";
import { fitReplica, type Accounting, type Fit } from "./fit";
import { speculativeProblem, type ResolvedSpeculative } from "./speculative";
import type { Hardware } from "./hardware";
import {
  DEFAULT_MIN_CONCURRENCY,
  GOOD_CONTEXT,
  MODEL_PRIORITY,
  defaultUtilization,
  enginePriority,
  fp8KvHazard,
} from "./policy";
import type { Rejection } from "./rejection";
import { releasePinOf } from "./release";
import {
  ccValue,
  checkEngineSupport,
  computeDtype,
  ggufArtifactName,
  ggufArtifactOf,
  splitsHeads,
  supportedKvCacheDtypes,
  supportedQuantizations,
  supportRejections,
  tensorParallelOptions,
} from "./support";
import type { EngineId, GpuSpec, KvCacheDtype, ModelSpec, PoolSpec, VramCategory } from "./types";

export interface Search {
  fit?: Fit;
  /** Why each rejected combination was rejected, for errors and for the plan's reasons. */
  rejected: Rejection[];
}

/**
 * KV dtypes an unpinned pool tries: "auto", and an 8-bit cache only where it is native (compute
 * capability ≥ 8.9, DESIGN.md), fp8 never for a model it breaks (policy.ts fp8KvHazard). A pin on
 * 8.0–8.8 is honoured where the engine has a software path, a pin on a hazardous model with a
 * warning.
 */
export function unpinnedKvCacheDtypes(
  engine: EngineId,
  gpu: GpuSpec,
  model: ModelSpec,
): KvCacheDtype[] {
  return supportedKvCacheDtypes(engine, gpu).filter(
    (k) =>
      k === "auto" ||
      (ccValue(gpu.computeCapability) >= 89 && !(k === "fp8" && fp8KvHazard(model))),
  );
}

/** The message of a pinned tensor-parallel size the model's heads do not split into. */
export function headSplitMessage(model: ModelSpec, tp: number): string | undefined {
  const s = splitsHeads(model, tp);
  if (!s.kv) return `does not divide ${model.id}'s ${model.arch.num_key_value_heads} KV heads`;
  if (!s.attention)
    return `does not divide ${model.id}'s ${model.arch.num_attention_heads} attention heads`;
  return undefined;
}

/** For one model: the best fit on this hardware, and every rejection met on the way. */
export function searchModel(
  pool: PoolSpec,
  hw: Hardware,
  model: ModelSpec,
  category: VramCategory,
  accounting: Accounting,
  speculative?: ResolvedSpeculative,
  colocated?: readonly ModelSpec[],
): Search {
  const rejected: Rejection[] = [];
  const pin = (message: string): Search => ({
    rejected: [
      {
        stage: "pin",
        model: model.id,
        engine: pool.engine === "auto" ? "vllm" : pool.engine,
        tp: pool.tensorParallel ?? 1,
        quantization: pool.quantization ?? null,
        kvCacheDtype: pool.kvCacheDtype ?? null,
        message,
      },
    ],
  });
  if (pool.maxModelLen !== undefined && pool.maxModelLen > model.arch.max_position_embeddings) {
    return pin(
      `maxModelLen ${pool.maxModelLen} is longer than ${model.id} allows (${model.arch.max_position_embeddings})`,
    );
  }
  if (
    pool.tensorParallel !== undefined &&
    !tensorParallelOptions(model, hw.gpuCount).includes(pool.tensorParallel)
  ) {
    return pin(
      `tensorParallel ${pool.tensorParallel} ${headSplitMessage(model, pool.tensorParallel) ?? `does not divide the pool's ${hw.gpuCount} GPU(s)`}`,
    );
  }
  const minConcurrency = pool.minConcurrency ?? DEFAULT_MIN_CONCURRENCY;
  const util = pool.gpuMemoryUtilization ?? defaultUtilization(hw.gpu.memoryGiB);
  const dtype = computeDtype(hw.gpu, model);
  const tps =
    pool.tensorParallel !== undefined
      ? [pool.tensorParallel]
      : tensorParallelOptions(model, hw.gpuCount);
  let best: Fit | undefined;
  let withinUncertainty: Fit | undefined;
  for (const tp of tps) {
    const engines = pool.engine !== "auto" ? [pool.engine] : enginePriority(category, tp);
    for (const engine of engines) {
      // The pool's release pin and the hosts' driver (an engine whose images that driver cannot
      // start is skipped, or refused when pinned).
      const host = {
        releasePin: pool.engine === engine ? releasePinOf(pool) : undefined,
        hostDriver: hw.driver,
      };
      const notSpeculative = speculative && speculativeProblem(speculative, engine, tp, dtype);
      if (notSpeculative) {
        rejected.push({
          stage: "support",
          model: model.id,
          engine,
          tp,
          quantization: null,
          kvCacheDtype: null,
          message: `speculative ${speculative.spec.method}: ${notSpeculative}`,
        });
        continue;
      }
      const quants =
        pool.quantization !== undefined
          ? [pool.quantization]
          : supportedQuantizations(engine, hw.gpu, model);
      if (quants.length === 0) {
        const noArtifact = isGgufEngine(engine) && !ggufArtifactOf(model, engine);
        const why = checkEngineSupport({
          engine,
          gpu: hw.gpu,
          model,
          quantization: "none",
          kvCacheDtype: "auto",
          dtype,
          tensorParallel: tp,
          ...host,
        });
        rejected.push({
          stage: noArtifact ? "artifact" : "support",
          model: model.id,
          engine,
          tp,
          quantization: null,
          kvCacheDtype: null,
          message: noArtifact
            ? `${model.id} has no ${ggufArtifactName(engine)} in the catalog (add \`${ENGINES[engine].weights}\` to it under gpufleet:models)`
            : (why[0] ?? `${engine}: no weight format of ${model.id} it can load on ${hw.gpu.id}`),
        });
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
          const unsupported = supportRejections({
            engine,
            gpu: hw.gpu,
            model,
            quantization,
            kvCacheDtype,
            dtype,
            tensorParallel: tp,
            ...host,
          });
          if (unsupported.length > 0) {
            rejected.push(...unsupported);
            continue;
          }
          const result = fitReplica({
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
            speculative,
            colocated,
          });
          if ("rejection" in result) {
            rejected.push(result.rejection);
            continue;
          }
          if (
            !bestKv ||
            result.fit.maxModelLen > bestKv.maxModelLen ||
            (bestKv.shortfall !== undefined && result.fit.shortfall === undefined)
          )
            bestKv = result.fit;
        }
        if (!bestKv) continue;
        // A pinned context planned within the model's uncertainty only when nothing holds it fully.
        if (bestKv.shortfall !== undefined) {
          if (!withinUncertainty || bestKv.shortfall < withinUncertainty.shortfall!)
            withinUncertainty = bestKv;
          continue;
        }
        const good =
          bestKv.maxModelLen >= Math.min(GOOD_CONTEXT, model.arch.max_position_embeddings);
        if (good || pool.maxModelLen !== undefined) return { fit: bestKv, rejected };
        if (!best || bestKv.maxModelLen > best.maxModelLen) best = bestKv;
      }
    }
    if (best) return { fit: best, rejected };
  }
  return { fit: best ?? withinUncertainty, rejected };
}

/** The models a chat pool tries, in order. */
export function modelCandidates(
  pool: PoolSpec,
  category: VramCategory,
  extra: readonly ModelSpec[],
): ModelSpec[] {
  if (pool.model !== "auto") {
    const m = findModel(pool.model, extra);
    return m ? [m] : [];
  }
  const listed = MODEL_PRIORITY[category]
    .map((id) => findModel(id, extra))
    .filter((m): m is ModelSpec => m !== undefined);
  if (pool.engine === "auto" || !isGgufEngine(pool.engine)) return listed;
  // A pinned GGUF engine needs a GGUF file or an Ollama tag: after the category's list, the
  // largest catalog models that ship one.
  const engine = pool.engine;
  const more = [...extra, ...MODELS]
    .filter((m) => ggufArtifactOf(m, engine) !== undefined && !listed.includes(m))
    .sort((a, b) => b.paramsB - a.paramsB);
  return [...listed, ...more];
}
