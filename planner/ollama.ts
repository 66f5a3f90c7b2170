// Ollama pools: models named by their Ollama tag ("qwen3:8b"), the name clients send, and several
// models on one Ollama instance.
//
// Ollama answers to the names in its own store (server/routes.go: /api/chat, /v1/chat/completions
// look the request's `model` up among the pulled manifests, "model 'x' not found" otherwise;
// envconfig/config.go OLLAMA_MAX_LOADED_MODELS, OLLAMA_NUM_PARALLEL; /api/copy adds a name for a
// pulled model — read in the v0.32.15 tree, 2026-08-19). So the served name a pool's clients send
// must be a name Ollama holds: a pool that names its model by tag is served under that tag; one
// that names it by Hugging Face id or catalog served name gets that name added on the host
// (gpufleet-ollama-models: POST /api/copy tag → served name), and each model is loaded once at
// start (POST /api/generate with keep_alive -1) so the first client does not pay the load.
//
// Several models on one instance: OLLAMA_NUM_PARALLEL and the context length are global, so every
// model gets the same slots × context; the plan holds all of them loaded at once (their weights,
// compute buffers and KV caches side by side in the budget) and sets OLLAMA_MAX_LOADED_MODELS to
// their number.
import { MODELS, findModel, isOllamaTagOf } from "./catalog/models";
import { GiB, activationBytes, kvBytesPerSeqToken, weightBytes } from "./memory";
import type { Dtype, KvCacheDtype, ModelSpec, PoolSpec } from "./types";

export interface OllamaPins {
  /** The pool as searched: engine ollama when the model is named by its tag. */
  pool: PoolSpec;
  /** The pinned model with its served name (the tag, when named by it), or undefined. */
  model?: ModelSpec;
  /** Further models the instance serves, each with its served name. */
  extras: ModelSpec[];
}

/** The served name of a model a pool names `name`: the tag when named by it, else its own. */
function served(model: ModelSpec, name: string): ModelSpec {
  return isOllamaTagOf(model, name) ? { ...model, servedName: model.artifacts.ollama!.tag } : model;
}

/**
 * Reads a pool's Ollama pins: a model named by its Ollama tag (served under that tag, engine
 * ollama) and `extraModels`. Problems are pushed naming the key; returns what to plan.
 */
export function resolveOllamaPins(
  pool: PoolSpec,
  extra: readonly ModelSpec[],
  at: string,
  problems: string[],
): OllamaPins {
  let planned = pool;
  let model: ModelSpec | undefined;
  if (pool.model !== "auto") {
    const m = findModel(pool.model, extra);
    if (m && isOllamaTagOf(m, pool.model)) {
      if (pool.engine !== "auto" && pool.engine !== "ollama") {
        problems.push(
          `${at}.engine: "${pool.model}" is an Ollama tag, served by engine ollama; to run ${m.id} on ${pool.engine}, name it model: ${m.id}`,
        );
      } else planned = { ...pool, engine: "ollama" };
      model = served(m, pool.model);
    }
  }
  const extras: ModelSpec[] = [];
  const names = (pool.extraModels ?? []).map((n) => n.trim());
  if (names.length === 0) return { pool: planned, model, extras };
  if (planned.engine !== "ollama") {
    problems.push(
      `${at}.extraModels: only Ollama serves several models from one instance; set engine: ollama (or name the model by its Ollama tag)`,
    );
    return { pool: planned, model, extras };
  }
  if (pool.model === "auto") {
    problems.push(`${at}.extraModels: pin the pool's model too (the first the instance serves)`);
    return { pool: planned, model, extras };
  }
  const primary = model ?? findModel(pool.model, extra);
  const seen = new Set([primary?.servedName.toLowerCase()]);
  const ids = new Set([primary?.id]);
  names.forEach((name, i) => {
    const m = findModel(name, extra);
    if (!m) {
      const tags = knownTags(extra).join(", ");
      problems.push(
        `${at}.extraModels[${i}]: unknown model "${name}"; give an Ollama tag (${tags}), a catalog id or served name, or describe it under gpufleet:models with ollama.tag`,
      );
      return;
    }
    if (!m.artifacts.ollama) {
      problems.push(
        `${at}.extraModels[${i}]: ${m.id} has no Ollama tag in the catalog; add ollama: { tag, quantization } to it under gpufleet:models`,
      );
      return;
    }
    const s = served(m, name);
    if (ids.has(m.id)) {
      problems.push(
        `${at}.extraModels[${i}]: ${m.id} is already served by this pool (one name each)`,
      );
      return;
    }
    ids.add(m.id);
    if (seen.has(s.servedName.toLowerCase())) {
      problems.push(`${at}.extraModels[${i}]: ${s.servedName} is already served by this pool`);
      return;
    }
    seen.add(s.servedName.toLowerCase());
    extras.push(s);
  });
  return { pool: planned, model, extras };
}

/** Every Ollama tag the stack's models and the catalog know. */
export function knownTags(extra: readonly ModelSpec[]): string[] {
  return [...extra, ...MODELS].flatMap((m) => (m.artifacts.ollama ? [m.artifacts.ollama.tag] : []));
}

/** What the extra models of an Ollama instance add per GPU: weights, compute buffers, KV per token. */
export function colocatedMemory(
  models: readonly ModelSpec[],
  dtype: Dtype,
  kv: KvCacheDtype,
  len: number,
): { weightBytes: number; kvBytesPerToken: number; reserveGiB: number } {
  let w = 0;
  let perToken = 0;
  let reserve = 0;
  for (const m of models) {
    w += weightBytes(m, m.artifacts.ollama!.quantization, dtype);
    // llama.cpp's runner allocates every layer's cache at full context (no sliding-window saving).
    perToken += kvBytesPerSeqToken(m.arch, kv, dtype, 1, len, false);
    reserve +=
      activationBytes({
        engine: "ollama",
        arch: m.arch,
        tp: 1,
        maxNumBatchedTokens: 512,
        maxNumSeqs: 1,
        dtype,
      }) / GiB;
  }
  return { weightBytes: w, kvBytesPerToken: perToken, reserveGiB: reserve };
}
