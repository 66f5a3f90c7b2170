// Speculative decoding (seed 004, §4.4): a cheap proposer drafts a few tokens, the served model
// checks them in one forward pass. Three kinds, as a pool option (`speculative`):
//   ngram  — proposals matched in the prompt; no second model, no memory (vLLM runs the matcher on
//            the CPU; SGLang keeps a small n-gram cache);
//   draft  — a small model of the same family and vocabulary, with its own weights and KV cache;
//   eagle / eagle3 — EAGLE heads trained for the served model: one decoder layer of its shape
//            reading its hidden states, with their own weights and one layer of KV cache.
// What each pinned engine takes (checked 2026-12-01):
//   vLLM 0.31: `--speculative-config` with a JSON object {"method": "ngram" | "draft_model" |
//     "eagle" | "eagle3", "model", "num_speculative_tokens", "prompt_lookup_max"} (docs.vllm.ai
//     features/speculative_decoding: n_gram.md, draft_model.md, eagle.md; draft models are back in
//     V1 since vllm-project/vllm#24322, merged 2025-09). Not with pipeline parallelism ("speculative
//     decoding in vLLM is not compatible with pipeline parallelism", docs v0.7–v0.14).
//   SGLang 0.5.21: `--speculative-algorithm NGRAM | STANDALONE | EAGLE | EAGLE3`,
//     `--speculative-draft-model-path`, `--speculative-num-steps`, `--speculative-eagle-topk`,
//     `--speculative-num-draft-tokens` (docs.sglang.io advanced_features/speculative_decoding).
//   lmdeploy, llama.cpp, Ollama: not offered by gpufleet (Ollama has none; the others' draft
//     options are not wired here) — a pin is refused naming the key.
// Memory: the draft's weights are added to the replica's weights and its layers' KV bytes to every
// token's (vLLM allocates the drafter's layers in the same KV pool; SGLang sizes the draft pool to
// the target's token count), so weights + activations + overhead + KV stay within the budget.
import { findModel } from "./catalog/models";
import {
  GiB,
  headDim,
  kvBytesPerLayerToken,
  kvDtypeBytes,
  parseRelease,
  weightBytes,
} from "./memory";
import { refusesFp16 } from "./support";
import type {
  Dtype,
  EngineId,
  KvCacheDtype,
  ModelSpec,
  SpeculativeMethod,
  SpeculativePlan,
  SpeculativeSpec,
} from "./types";

/** Engines that take each method, with the engine's own name for it. */
export const SPECULATIVE_ENGINE_NAMES: Readonly<
  Record<SpeculativeMethod, Partial<Record<EngineId, string>>>
> = {
  ngram: { vllm: "ngram", sglang: "NGRAM" },
  draft: { vllm: "draft_model", sglang: "STANDALONE" },
  eagle: { vllm: "eagle", sglang: "EAGLE" },
  eagle3: { vllm: "eagle3", sglang: "EAGLE3" },
};

/** Tokens proposed per step when the pool gives none (the engines' documented examples). */
export const DEFAULT_SPECULATIVE_TOKENS: Readonly<Record<SpeculativeMethod, number>> = {
  // vLLM n_gram.md: num_speculative_tokens 5, prompt_lookup_max 4.
  ngram: 5,
  // vLLM draft_model.md: 5 tokens; vllm#24322 benchmarks 3 (higher acceptance per token).
  draft: 3,
  // vLLM eagle.md examples and SGLang's EAGLE-3 example (--speculative-num-steps 3).
  eagle: 3,
  eagle3: 3,
};

/**
 * The drafter's share of runtime memory the plan reserves beside the served model's (its CUDA
 * graphs and buffers), GiB per GPU. ESTIMATE: no start-up log with a drafter is in the calibration
 * table yet; 0.25 GiB is a third of the served model's graph estimate of vLLM 0.21+.
 */
export const DRAFTER_RESERVE_GIB = 0.25;

/**
 * The single-stream decode speed-up each method has shown, with where it was measured. A range:
 * the gain depends on how often proposals are accepted (the workload), and under heavy batching it
 * may vanish or invert.
 */
export const SPECULATIVE_EFFECTS: Readonly<
  Record<SpeculativeMethod, { low: number; high: number; source: string }>
> = {
  ngram: {
    low: 0.9,
    high: 2.8,
    source:
      "vllm-project/vllm#8439 (Qwen2-7B, 5 tokens: 0.89× on free text); vllm#19254 (vLLM 0.9, Qwen3-32B-FP8, 3 tokens: mean acceptance length 2.2–2.8, the ceiling of the gain; slower under heavy load)",
  },
  draft: {
    low: 0.7,
    high: 1.6,
    source:
      "vllm-project/vllm#15025 (vLLM 0.7.3, SmolLM2-1.7B with a 135M draft, 5 tokens: ~30 % slower); ggml-org/llama.cpp#10664 (Qwen2.5-7B with a 0.5B draft: +59.5 %); vllm#24322 (V1 draft models: higher throughput within the Qwen3 family)",
  },
  eagle: {
    low: 1.0,
    high: 1.54,
    source:
      "SGLang docs, advanced_features/speculative_decoding (Llama-3.1-8B-Instruct, MT-Bench, 1 × H100, batch 1: 158 → 244 tokens/s with EAGLE-2)",
  },
  eagle3: {
    low: 1.0,
    high: 2.36,
    source:
      "SGLang docs, advanced_features/speculative_decoding (Llama-3.1-8B-Instruct, MT-Bench, 1 × H100, batch 1: 158 → 373 tokens/s with EAGLE-3)",
  },
};

/** A speculative option resolved against the served model: the drafter's memory and launch. */
export interface ResolvedSpeculative {
  spec: SpeculativeSpec & { tokens: number };
  /** The draft model (method draft), or undefined. */
  draft?: ModelSpec;
  /** Repository of the drafter's weights (draft model or EAGLE heads), or undefined (ngram). */
  source?: string;
}

/**
 * Resolves a pool's speculative option against its served model; problems are pushed with the
 * config path `${at}.speculative…` and undefined is returned.
 */
export function resolveSpeculative(
  spec: SpeculativeSpec,
  model: ModelSpec,
  extra: readonly ModelSpec[],
  at: string,
  problems: string[],
): ResolvedSpeculative | undefined {
  const tokens = spec.tokens ?? DEFAULT_SPECULATIVE_TOKENS[spec.method];
  const resolved = { ...spec, tokens };
  if (spec.method === "ngram") {
    if (spec.model !== undefined) {
      problems.push(`${at}.speculative.model: n-gram speculation uses no model; remove model`);
      return undefined;
    }
    return { spec: resolved };
  }
  if (spec.model === undefined) {
    problems.push(
      `${at}.speculative.model: required for method ${spec.method} (${spec.method === "draft" ? "a small model of the same family: a catalog id, served name or gpufleet:models id" : "the Hugging Face repo of EAGLE heads trained for " + model.id})`,
    );
    return undefined;
  }
  if (spec.promptLookupMax !== undefined) {
    problems.push(
      `${at}.speculative.promptLookupMax: only for method ngram (it bounds the n-gram matched in the prompt)`,
    );
    return undefined;
  }
  if (spec.method !== "draft") return { spec: resolved, source: spec.model };
  const draft = findModel(spec.model, extra);
  if (!draft) {
    problems.push(
      `${at}.speculative.model: unknown draft model "${spec.model}"; give a catalog id or served name, or describe it under gpufleet:models (its config.json decides its memory)`,
    );
    return undefined;
  }
  if (draft.id === model.id) {
    problems.push(`${at}.speculative.model: the draft is the served model itself (${model.id})`);
    return undefined;
  }
  if (draft.arch.vocab_size !== model.arch.vocab_size) {
    problems.push(
      `${at}.speculative.model: ${draft.id} has a vocabulary of ${draft.arch.vocab_size}, ${model.id} of ${model.arch.vocab_size}: a draft model must share the served model's tokenizer`,
    );
    return undefined;
  }
  if (draft.paramsB >= model.paramsB) {
    problems.push(
      `${at}.speculative.model: ${draft.id} (${draft.paramsB}B) is not smaller than ${model.id} (${model.paramsB}B): a draft must be cheap to run`,
    );
    return undefined;
  }
  return { spec: resolved, draft, source: draft.artifacts.hf ?? draft.id };
}

/**
 * The oldest listed release of each engine whose speculative flags gpufleet emits: vLLM's V1
 * `--speculative-config` with every method here (draft_model only since vllm-project/vllm#24322,
 * 2025-09; the v0.10–v0.14 docs still warn "speculative decoding with a draft model is not
 * supported") — 0.15.1 is the first listed release after it; SGLang's STANDALONE and NGRAM
 * algorithms of the 0.5 series, whose docs were read — 0.5.19 is the oldest such listed release.
 */
export const SPECULATIVE_SINCE: Partial<Record<EngineId, string>> = {
  vllm: "0.15.1",
  sglang: "0.5.19",
};

/** Why the pinned release cannot run the option (engineVersion), or undefined. */
export function speculativeReleaseProblem(
  engine: EngineId,
  version: string | undefined,
): string | undefined {
  const since = SPECULATIVE_SINCE[engine];
  if (version === undefined || since === undefined) return undefined;
  const v = parseRelease(version);
  const s = parseRelease(since)!;
  if (!v) return undefined;
  const key = (x: readonly number[]): number => x[0]! * 1e6 + x[1]! * 1e3 + x[2]!;
  return key(v) < key(s)
    ? `${engine} ${version} predates the speculative flags gpufleet emits (${engine} ≥ ${since}); raise engineVersion or remove speculative`
    : undefined;
}

/** Why an engine / GPU / layout cannot run the option, or undefined when it can. */
export function speculativeProblem(
  r: ResolvedSpeculative,
  engine: EngineId,
  tp: number,
  dtype: Dtype,
  pipelineParallel = 1,
): string | undefined {
  const name = SPECULATIVE_ENGINE_NAMES[r.spec.method][engine];
  if (name === undefined) {
    const engines = Object.keys(SPECULATIVE_ENGINE_NAMES[r.spec.method]).join(", ");
    return `${engine} is not offered speculative decoding (${r.spec.method}) by gpufleet; ${engines} run it`;
  }
  if (pipelineParallel > 1 && engine === "vllm")
    return "vLLM's speculative decoding does not run with pipeline parallelism (a multi-node layout)";
  const draft = r.draft;
  if (draft) {
    if (dtype === "float16" && refusesFp16(draft))
      return `the draft ${draft.id} refuses float16, the only half dtype below compute capability 8.0`;
    if (draft.arch.num_key_value_heads % tp !== 0 && tp > 1)
      return `the draft ${draft.id} runs with the served model's tensor parallel size ${tp}, which does not divide its ${draft.arch.num_key_value_heads} KV heads`;
  }
  return undefined;
}

/**
 * EAGLE heads as the planner counts them, an upper bound: one decoder layer of the served model's
 * shape whose attention reads twice the hidden size (the token embedding beside the hidden state),
 * the fusion layer over 2 (EAGLE) or 3 (EAGLE-3) hidden states, and for EAGLE-3 its own LM head,
 * counted over the served model's whole vocabulary (checkpoints often use a smaller draft
 * vocabulary). EAGLE and EAGLE-2 heads reuse the served model's embedding and LM head, and vLLM
 * shares the embedding with EAGLE-3 heads that ship none. yuhuili/EAGLE3-LLaMA3.1-Instruct-8B
 * ships ~0.85 GB of bf16 weights (32,000-entry draft vocabulary); this counts ~1.6 GB for it.
 */
export function eagleHeadParams(model: ModelSpec, method: "eagle" | "eagle3"): number {
  const a = model.arch;
  const h = a.hidden_size;
  const hd = headDim(a);
  const q = a.num_attention_heads * hd;
  const kv = a.num_key_value_heads * hd;
  const attn = 2 * h * (q + 2 * kv) + q * h;
  // A dense MLP of the served model's intermediate size (EAGLE heads of MoE models are dense).
  const mlp = 3 * h * a.intermediate_size;
  const fuse = (method === "eagle3" ? 3 : 2) * h * h;
  const lmHead = method === "eagle3" ? a.vocab_size * h : 0;
  return attn + mlp + fuse + lmHead;
}

/** Drafter weights per GPU (bytes), and KV bytes per token per GPU its layers add. */
export function drafterMemory(
  r: ResolvedSpeculative,
  model: ModelSpec,
  dtype: Dtype,
  kv: KvCacheDtype,
  tp: number,
): { weightBytes: number; kvBytesPerToken: number; reserveGiB: number } {
  if (r.spec.method === "ngram") return { weightBytes: 0, kvBytesPerToken: 0, reserveGiB: 0 };
  if (r.draft) {
    const d = r.draft;
    return {
      weightBytes: weightBytes(d, d.weightsQuantization ?? "none", dtype) / tp,
      kvBytesPerToken: kvBytesPerLayerToken(d.arch, kv, dtype, tp) * d.arch.num_hidden_layers,
      reserveGiB: DRAFTER_RESERVE_GIB,
    };
  }
  const params = eagleHeadParams(model, r.spec.method as "eagle" | "eagle3");
  // The heads are replicated on every rank of a TP group except their attention and MLP, which
  // vLLM shards like the served model's layers; counting them whole on every GPU over-counts.
  return {
    weightBytes: params * kvDtypeBytes("auto", dtype),
    kvBytesPerToken: kvBytesPerLayerToken(model.arch, kv, dtype, tp),
    reserveGiB: DRAFTER_RESERVE_GIB,
  };
}

/** The engine arguments that switch the option on. */
export function speculativeArgs(r: ResolvedSpeculative, engine: EngineId): string[] {
  const name = SPECULATIVE_ENGINE_NAMES[r.spec.method][engine]!;
  const n = r.spec.tokens;
  if (engine === "vllm") {
    const config: Record<string, string | number> = { method: name };
    if (r.source !== undefined) config.model = r.source;
    config.num_speculative_tokens = n;
    if (r.spec.method === "ngram") config.prompt_lookup_max = r.spec.promptLookupMax ?? 4;
    return ["--speculative-config", JSON.stringify(config)];
  }
  // SGLang: a chain of n steps (top-k 1) proposing n draft tokens, the documented EAGLE example's
  // shape; NGRAM reads --speculative-num-draft-tokens only.
  const args = ["--speculative-algorithm", name];
  if (r.source !== undefined) args.push("--speculative-draft-model-path", r.source);
  if (r.spec.method !== "ngram")
    args.push("--speculative-num-steps", String(n), "--speculative-eagle-topk", "1");
  args.push("--speculative-num-draft-tokens", String(r.spec.method === "ngram" ? n : n + 1));
  return args;
}

/** What the plan shows about the option. */
export function speculativePlan(
  r: ResolvedSpeculative,
  engine: EngineId,
  mem: { weightBytes: number; kvBytesPerToken: number; reserveGiB: number },
): SpeculativePlan {
  const effect = SPECULATIVE_EFFECTS[r.spec.method];
  return {
    method: r.spec.method,
    engineMethod: SPECULATIVE_ENGINE_NAMES[r.spec.method][engine]!,
    tokens: r.spec.tokens,
    draft:
      r.source === undefined
        ? null
        : {
            source: r.source,
            weightsGiB: Math.ceil((mem.weightBytes / GiB) * 100) / 100,
            kvBytesPerToken: Math.round(mem.kvBytesPerToken),
            reserveGiB: mem.reserveGiB,
          },
    expectedSpeedup: effect,
  };
}
