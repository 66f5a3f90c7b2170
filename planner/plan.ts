// The planner: per pool, which model, engine, quantization, KV dtype, context, utilization and
// tensor parallelism start without running out of memory and serve the most tokens. Pure: plain
// data in and out. This file orchestrates; the steps live beside it: hardware.ts (what the pool
// runs on), search.ts (which combination), fit.ts (its memory), explain.ts (why), assemble.ts (the
// plan), support.ts and catalog/engines.ts (what each engine can do), launch/ (how it starts).
import { PRICES_AS_OF } from "./catalog/instances";
import { MODELS, findModel } from "./catalog/models";
import { assemblePoolPlan, planReplicas } from "./assemble";
import { explain, explainPooling, poolingWarnings, warningsFor } from "./explain";
import { fitPooling, type Accounting, type Fit } from "./fit";
import { resolveHardware, type Hardware } from "./hardware";
import { round } from "./memory";
import { MODEL_PRIORITY, GOOD_CONTEXT, TASK_MODEL_PRIORITY, categoryOf } from "./policy";
import { describeRejections, type Rejection } from "./rejection";
import { headSplitMessage, modelCandidates, searchModel } from "./search";
import { passthroughProblems, withPassthrough } from "./passthrough";
import { hostDriverOf, releasePinOf, resolveRelease, type ReleasePin } from "./release";
import {
  resolveSpeculative,
  speculativeReleaseProblem,
  type ResolvedSpeculative,
} from "./speculative";
import { knownTags, resolveOllamaPins } from "./ollama";
import {
  TENSOR_PARALLEL_SIZES,
  computeDtype,
  supportRejections,
  tensorParallelOptions,
} from "./support";
import type { FleetPlan, ModelSpec, PoolPlan, PoolSpec, ReplicaPlan, VramCategory } from "./types";

export type { Accounting } from "./fit";
export { assumesNvlink } from "./hardware";

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
   * start-up logs of vLLM before v0.21 sets `vllmGraphsInBudget: false` (graphs were captured
   * outside the budget then).
   */
  accounting?: Accounting;
}

/** What every pool's planning step gets. */
interface PoolContext {
  pool: PoolSpec;
  /** Config path of the pool, e.g. `gpufleet:pools[1]`. */
  at: string;
  hw: Hardware;
  category: VramCategory;
  extra: readonly ModelSpec[];
  modelDir: string;
  accounting: Accounting;
  problems: string[];
  /** The pool's release pin (engineVersion / memoryAccounting), if any. */
  releasePin?: ReleasePin;
  /** Warnings of the whole pool (e.g. an unlisted engine release). */
  poolWarnings: string[];
}

/**
 * The pool's replicas as planned, with its extraArgs and env passed through; problems of owned
 * flags or variables (the planned env of the chosen engine included) are added by key.
 */
function finishReplicas(c: PoolContext, replicas: ReplicaPlan[]): ReplicaPlan[] | undefined {
  const { pool, at, problems } = c;
  const first = replicas[0];
  if (!first) return replicas;
  const found = passthroughProblems(first.engine, pool.extraArgs, pool.env, at, first.env);
  if (found.length > 0) {
    problems.push(...found);
    return undefined;
  }
  return replicas.map((r) => withPassthrough(r, pool.extraArgs, pool.env));
}

/**
 * Pinned values that are wrong whatever else is chosen: checked before searching, each with a fix.
 */
function checkPins(c: PoolContext, model: ModelSpec | undefined): void {
  const { pool, at, hw, problems } = c;
  if (pool.tensorParallel !== undefined) {
    const split = model ? headSplitMessage(model, pool.tensorParallel) : undefined;
    if (hw.gpuCount % pool.tensorParallel !== 0) {
      const ok = TENSOR_PARALLEL_SIZES.filter((t) => t <= hw.gpuCount && hw.gpuCount % t === 0);
      problems.push(
        `${at}.tensorParallel: ${pool.tensorParallel} does not divide the pool's ${hw.gpuCount} GPU(s); use one of ${ok.join(", ")}`,
      );
    } else if (model && split) {
      const ok = tensorParallelOptions(model, hw.gpuCount);
      problems.push(
        `${at}.tensorParallel: ${pool.tensorParallel} ${split}; use one of ${ok.join(", ") || "1"}`,
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

/** The config key a failed pinned plan is reported under: the most specific pin. */
function pinnedField(pool: PoolSpec): string {
  if (pool.speculative !== undefined) return "speculative";
  if (pool.extraModels?.length) return "extraModels";
  if (pool.kvCacheDtype !== undefined) return "kvCacheDtype";
  if (pool.quantization !== undefined) return "quantization";
  if (pool.engineVersion !== undefined) return "engineVersion";
  if (pool.engine !== "auto") return "engine";
  if (pool.maxModelLen !== undefined) return "maxModelLen";
  return "model";
}

function describePins(pool: PoolSpec): string {
  const parts: string[] = [`model ${pool.model}`];
  if (pool.engine !== "auto") parts.push(`engine ${pool.engine}`);
  if (pool.engineVersion !== undefined) parts.push(`engineVersion ${pool.engineVersion}`);
  if (pool.quantization !== undefined) parts.push(`quantization ${pool.quantization}`);
  if (pool.kvCacheDtype !== undefined) parts.push(`kvCacheDtype ${pool.kvCacheDtype}`);
  if (pool.maxModelLen !== undefined) parts.push(`maxModelLen ${pool.maxModelLen}`);
  if (pool.tensorParallel !== undefined) parts.push(`tensorParallel ${pool.tensorParallel}`);
  if (pool.gpuMemoryUtilization !== undefined)
    parts.push(`gpuMemoryUtilization ${pool.gpuMemoryUtilization}`);
  if (pool.speculative !== undefined) parts.push(`speculative ${pool.speculative.method}`);
  if (pool.extraModels?.length) parts.push(`extraModels ${pool.extraModels.join(" ")}`);
  return parts.join(", ");
}

/**
 * An embedding or rerank pool: vLLM's pooling runner, one replica per GPU unless the model needs
 * more.
 */
function planTaskPool(c: PoolContext): PoolPlan | undefined {
  const { pool, at, hw, extra, problems } = c;
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
  if (pool.tensorParallel !== undefined && hw.gpuCount % pool.tensorParallel !== 0) {
    problems.push(
      `${at}.tensorParallel: ${pool.tensorParallel} does not divide the pool's ${hw.gpuCount} GPU(s)`,
    );
    return undefined;
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
  const rejected: Rejection[] = [];
  let fit: Fit | undefined;
  for (const model of candidates) {
    const tps =
      pool.tensorParallel !== undefined
        ? [pool.tensorParallel]
        : tensorParallelOptions(model, hw.gpuCount);
    for (const tp of tps) {
      const unsupported = supportRejections({
        engine: "vllm",
        gpu: hw.gpu,
        model,
        quantization: "none",
        kvCacheDtype: "auto",
        dtype: computeDtype(hw.gpu, model),
        tensorParallel: tp,
        releasePin: c.releasePin,
        hostDriver: hw.driver,
        task,
      });
      if (unsupported.length > 0) {
        rejected.push(...unsupported);
        break;
      }
      const result = fitPooling({
        pool,
        gpu: hw.gpu,
        nvlink: hw.nvlink,
        model,
        tp,
        accounting: c.accounting,
      });
      if ("rejection" in result) {
        rejected.push(result.rejection);
        continue;
      }
      fit = result.fit;
      break;
    }
    if (fit) break;
  }
  if (!fit) {
    problems.push(
      `${at}${pool.model !== "auto" ? ".model" : ""}: no ${task} model fits ${hw.gpuCount} × ${hw.gpu.id}: ${describeRejections(rejected).slice(0, 3).join("; ")}`,
    );
    return undefined;
  }
  const replicas = finishReplicas(
    c,
    planReplicas(fit, hw, c.modelDir, explainPooling(fit, pool, hw, task), poolingWarnings(fit), {
      releasePin: c.releasePin,
      hostDriver: hw.driver,
    }),
  );
  if (!replicas) return undefined;
  return assemblePoolPlan(pool, task, hw, c.category, replicas, c.poolWarnings);
}

/** A chat pool: the first model of the category's list (or the pinned one) that fits. */
function planChatPool(context: PoolContext): PoolPlan | undefined {
  const before0 = context.problems.length;
  const ollama = resolveOllamaPins(context.pool, context.extra, context.at, context.problems);
  if (context.problems.length > before0) return undefined;
  const c: PoolContext = { ...context, pool: ollama.pool };
  const { pool, at, hw, category, extra, problems } = c;
  const candidates = ollama.model ? [ollama.model] : modelCandidates(pool, category, extra);
  const pinnedModel = pool.model !== "auto" ? candidates[0] : undefined;
  if (pinnedModel && (pinnedModel.task ?? "chat") !== "chat") {
    problems.push(
      `${at}.model: ${pinnedModel.id} is a${pinnedModel.task === "embedding" ? "n embedding" : " rerank"} model; set task: ${pinnedModel.task} on this pool, or pin a chat model`,
    );
    return undefined;
  }
  if (pool.model !== "auto" && candidates.length === 0) {
    const known = [...extra, ...MODELS].map((m) => m.servedName);
    problems.push(
      pool.model.includes(":")
        ? `${at}.model: unknown Ollama tag "${pool.model}"; known tags: ${knownTags(extra).join(", ")}, or describe the model under gpufleet:models with ollama: { tag, quantization }`
        : `${at}.model: unknown model "${pool.model}"; give a catalog id or served name (${known.join(", ")}), or describe it under gpufleet:models`,
    );
    return undefined;
  }
  const before = problems.length;
  checkPins(c, pinnedModel);
  let speculative: ResolvedSpeculative | undefined;
  if (pool.speculative !== undefined) {
    if (pool.speculative.method !== "ngram" && !pinnedModel) {
      problems.push(
        `${at}.speculative.method: ${pool.speculative.method} drafts for one served model; pin the pool's model (or use ngram)`,
      );
    } else if (
      pool.engine !== "auto" &&
      speculativeReleaseProblem(pool.engine, pool.engineVersion)
    ) {
      problems.push(
        `${at}.speculative: ${speculativeReleaseProblem(pool.engine, pool.engineVersion)}`,
      );
    } else if (candidates[0]) {
      speculative = resolveSpeculative(
        pool.speculative,
        pinnedModel ?? candidates[0],
        extra,
        at,
        problems,
      );
    }
  }
  if (problems.length > before) return undefined;

  const skipped: string[] = [];
  let found: { fit: Fit; rejected: Rejection[] } | undefined;
  let fallback: { fit: Fit; rejected: Rejection[] } | undefined;
  const listed = new Set(MODEL_PRIORITY[category]);
  for (const model of candidates) {
    const s = searchModel(
      pool,
      hw,
      model,
      category,
      c.accounting,
      speculative,
      ollama.extras.length > 0 ? ollama.extras : undefined,
    );
    if (s.fit) {
      // Beyond the category's own list (GGUF engines' extra candidates), take the largest model
      // that reaches a good context; a cramped fit only when nothing better fits.
      const good = s.fit.maxModelLen >= Math.min(GOOD_CONTEXT, model.arch.max_position_embeddings);
      if (pool.model !== "auto" || listed.has(model.id) || good) {
        found = { fit: s.fit, rejected: s.rejected };
        break;
      }
      fallback ??= { fit: s.fit, rejected: s.rejected };
      skipped.push(`${model.id}: only ${s.fit.maxModelLen} tokens of context`);
      continue;
    }
    const lines = describeRejections(s.rejected);
    skipped.push(`${model.id}: ${lines[0] ?? "no engine can run it here"}`);
    if (pool.model !== "auto") {
      problems.push(
        `${at}.${pinnedField(pool)}: ${describePins(pool)} cannot run on ${hw.gpuCount} × ${hw.gpu.id} (${hw.gpu.memoryGiB} GiB, compute capability ${hw.gpu.computeCapability}): ${lines.slice(0, 4).join("; ")}`,
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
  // The engines passed over (what they cannot run here), not the memory fits of the one chosen.
  const engineSkips = describeRejections(found.rejected.filter((r) => r.stage !== "fit"));
  const replicas = finishReplicas(
    c,
    planReplicas(
      fit,
      hw,
      c.modelDir,
      explain(fit, pool, hw, category, engineSkips),
      warningsFor(fit, hw.gpu),
      { releasePin: c.releasePin, hostDriver: hw.driver },
    ),
  );
  if (!replicas) return undefined;
  return assemblePoolPlan(pool, pool.task ?? "chat", hw, category, replicas, [
    ...c.poolWarnings,
    ...skipped.map((s) => `skipped ${s}`),
  ]);
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
  const pools: PoolPlan[] = [];
  input.pools.forEach((pool, i) => {
    const at = `gpufleet:pools[${i}]`;
    const hw = resolveHardware(pool, at, problems);
    if (!hw) return;
    hw.driver = hostDriverOf(pool, at);
    const releasePin = releasePinOf(pool);
    let accounting = input.accounting ?? {};
    const poolWarnings: string[] = [];
    if (releasePin) {
      if (pool.engine === "auto") {
        problems.push(
          `${at}.${releasePin.engineVersion !== undefined ? "engineVersion" : "memoryAccounting"}: a release belongs to one engine; pin engine too`,
        );
        return;
      }
      const release = resolveRelease(pool.engine, hw.gpu, releasePin);
      if ("problem" in release) {
        problems.push(`${at}.${release.problem.key}: ${release.problem.message}`);
        return;
      }
      // The pinned release's memory accounting (an unlisted one: the listed release it names).
      accounting = { ...accounting, [pool.engine]: release.behavesAs };
      if (release.unlisted) poolWarnings.push(release.unlisted);
    }
    const c: PoolContext = {
      pool,
      at,
      hw,
      category: categoryOf(hw.gpu.memoryGiB),
      extra: input.models ?? [],
      modelDir: input.modelDir ?? "/models",
      accounting,
      problems,
      releasePin,
      poolWarnings,
    };
    const plan = (pool.task ?? "chat") === "chat" ? planChatPool(c) : planTaskPool(c);
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
