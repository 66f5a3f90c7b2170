// The default policy: VRAM categories, model priorities and engine priorities.
// Seed 000 (../shared/seeds/000_*.txt, "Логика автовыбора") is kept exactly where it speaks;
// DESIGN.md
// extends it above 44 GiB and below 10 GiB.
import type { EngineId, ModelSpec, VramCategory } from "./types";

/**
 * Lower bounds (per-GPU memory as the CUDA runtime reports it, GiB) of each category, largest
 * first.
 */
const CATEGORY_FLOORS: ReadonlyArray<[VramCategory, number]> = [
  ["141gb", 100],
  ["80gb", 64],
  ["48gb", 44],
  ["32gb", 30],
  ["24gb", 22],
  ["16gb", 14],
  ["12gb", 10],
  ["small", 0],
];

/**
 * The category of a GPU whose CUDA runtime reports `memoryGiB`. Seed 000's table is by the VRAM the
 * card is sold with (RTX 3080: 10 GB → 12gb); the runtime reports less, by the driver's reserve
 * (RTX 3080 9.7 GiB, RTX 3090 23.5, T4 14.5), which put a 10 GB card under the 10 GB floor into
 * "small". Rounded up to a whole GiB the reported total is the nominal size again for every
 * catalog GPU (table test: test/catalog/hardware.test.ts).
 */
export function categoryOf(memoryGiB: number): VramCategory {
  const nominal = Math.ceil(memoryGiB - 1e-9);
  for (const [cat, floor] of CATEGORY_FLOORS) if (nominal >= floor) return cat;
  return "small";
}

const ORDER: readonly VramCategory[] = [
  "small",
  "12gb",
  "16gb",
  "24gb",
  "32gb",
  "48gb",
  "80gb",
  "141gb",
];
export function categoryAtLeast(cat: VramCategory, floor: VramCategory): boolean {
  return ORDER.indexOf(cat) >= ORDER.indexOf(floor);
}

/**
 * Model priority per category: the first that fits wins. 12gb–32gb are seed 000's tables verbatim,
 * except
 * that seed 000's first 32gb choice, IlyaGusev/saiga_gemma3_27b, is left out: two searches
 * (2026-11-21 and -22)
 * found no trace of that repository (IlyaGusev's Saiga collection has saiga_gemma3_12b, no 27B),
 * and an automatic
 * choice must download at boot. It stays in the catalog for a pin, with its warning. "small" is
 * DESIGN.md's;
 * the larger categories pick strong open models that fit one GPU or, on hosts with several, a
 * tensor-parallel
 * group (the planner tries one replica per GPU first).
 */
export const MODEL_PRIORITY: Readonly<Record<VramCategory, readonly string[]>> = {
  small: ["Qwen/Qwen2.5-1.5B-Instruct", "Qwen/Qwen2.5-0.5B-Instruct"],
  "12gb": ["Vikhrmodels/QVikhr-3-4B-Instruction", "IlyaGusev/saiga_mistral_7b"],
  "16gb": ["Vikhrmodels/QVikhr-3-8B-Instruction", "IlyaGusev/saiga_llama3_8b"],
  "24gb": ["IlyaGusev/saiga_nemo_12b", "Vikhrmodels/QVikhr-3-8B-Instruction"],
  "32gb": ["IlyaGusev/saiga_nemo_12b"],
  "48gb": ["Qwen/Qwen3-32B", "IlyaGusev/saiga_nemo_12b"],
  "80gb": ["Qwen/Qwen2.5-72B-Instruct", "meta-llama/Llama-3.3-70B-Instruct", "Qwen/Qwen3-32B"],
  "141gb": ["Qwen/Qwen2.5-72B-Instruct", "meta-llama/Llama-3.3-70B-Instruct", "Qwen/Qwen3-32B"],
};

/**
 * Models of embedding and rerank pools, first that fits wins (every GPU category: they are small).
 */
export const TASK_MODEL_PRIORITY: Readonly<Record<"embedding" | "rerank", readonly string[]>> = {
  embedding: ["BAAI/bge-m3", "Qwen/Qwen3-Embedding-0.6B"],
  rerank: ["BAAI/bge-reranker-v2-m3"],
};

/**
 * Engine priority (engine "auto"), seed 000: multi-GPU tensor parallel → lmdeploy → vllm; 32gb and
 * up →
 * vllm → sglang → lmdeploy; 24gb → sglang → vllm → lmdeploy; 16gb and below → vllm → sglang →
 * lmdeploy.
 * llama.cpp and Ollama close every list: they are the only engines for GPUs older than Volta (seed
 * 001).
 */
export function enginePriority(category: VramCategory, tensorParallel: number): EngineId[] {
  const ggufTail: EngineId[] = ["llamacpp", "ollama"];
  if (tensorParallel > 1) return ["lmdeploy", "vllm", ...ggufTail];
  if (categoryAtLeast(category, "32gb")) return ["vllm", "sglang", "lmdeploy", ...ggufTail];
  if (category === "24gb") return ["sglang", "vllm", "lmdeploy", ...ggufTail];
  return ["vllm", "sglang", "lmdeploy", ...ggufTail];
}

/**
 * Model families an uncalibrated fp8 KV cache breaks. vLLM and SGLang store fp8 KV with one scale
 * per layer (1.0 unless
 * the checkpoint ships k/v scales); Qwen2-architecture keys carry per-channel outliers (q/k/v bias,
 * no QK-norm) that
 * such a scale cannot hold. Measured: Qwen2.5-7B-Instruct perplexity 13.6 → 799 with fp8 KV on vLLM
 * 0.7.3 and
 * 6.8 → 4976 on 0.8.5, while Llama-3.1-8B, Mistral-7B-v0.3 and Qwen3-8B (QK-norm) moved < 0.4 %
 * (rasaha/symbolu,
 * "FP8 KV Cache as the Speed Tier — Evaluation Report", 2026-07-17); NVIDIA/TensorRT-LLM#4218 "FP8
 * KV Cache is Broken
 * for Qwen2.5" (2025-05-12); HabanaAI/vllm-fork#1598 disables it for Qwen2.5-7B-Instruct
 * (2025-07-16);
 * verl-project/verl#4435: Qwen2.5-Math-7B accuracy ~0 with fp8 KV (2026-03-29). Read 2026-11-22.
 * model_type as in config.json: the Qwen2 / Qwen2.5 family and what is built on it (QwQ,
 * DeepSeek-R1-Distill-Qwen).
 */
export const FP8_KV_HAZARD_MODEL_TYPES: ReadonlySet<string> = new Set([
  "qwen2",
  "qwen2_moe",
  "qwen2_vl",
  "qwen2_5_vl",
]);

/**
 * Why an fp8 KV cache is a hazard for this model, or undefined: the planner never picks fp8 KV for
 * such a model by itself.
 */
export function fp8KvHazard(model: Pick<ModelSpec, "id" | "arch">): string | undefined {
  if (!FP8_KV_HAZARD_MODEL_TYPES.has(model.arch.model_type)) return undefined;
  return (
    `${model.id} is a ${model.arch.model_type} model: its keys have outliers that an uncalibrated fp8 KV cache (one scale per layer) ` +
    `cannot hold, and answers degrade badly (Qwen2.5-7B perplexity 13.6 → 799 measured on vLLM)`
  );
}

/** Context candidates besides the model's maximum, largest first (DESIGN.md, "Context"). */
export const CONTEXT_STEPS = [32768, 16384, 8192, 4096] as const;
/** Below this a plan is not worth serving unless the user pinned it. */
export const MIN_CONTEXT = 4096;
/** A choice of quantization / KV dtype is "good enough" when it reaches this context: weight precision
 * matters more to answers than context beyond it (seed 000 serves 8B models in fp8 on 16 GB cards).
 * */
export const GOOD_CONTEXT = 8192;
/**
 * Full-length sequences the KV cache must hold (seed 000's example plans and DESIGN.md's reach 2).
 */
export const DEFAULT_MIN_CONCURRENCY = 2;
export const DEFAULT_PROXY_PORT = 8080;
export const FIRST_ENGINE_PORT = 8000;
/** vLLM's default cap on running sequences (vllm/config/scheduler.py, v0.11, read 2026-11-21). */
export const MAX_NUM_SEQS_CAP = 256;

/**
 * Memory utilization, seed 000: util = (free − 1.5 GB) / total, clamped to [0.50, 0.92]. At
 * planning time
 * nothing else runs on the GPU, but the driver and, on desktop cards, a display keep ~0.5 GiB.
 */
export function defaultUtilization(memoryGiB: number): number {
  const free = memoryGiB - 0.5;
  const util = (free - 1.5) / memoryGiB;
  return Math.floor(Math.min(0.92, Math.max(0.5, util)) * 100) / 100;
}

/** Tokens per prefill chunk: larger GPUs afford a larger activation peak for faster prefill. */
export function defaultBatchedTokens(memoryGiB: number): number {
  if (memoryGiB >= 40) return 8192;
  if (memoryGiB >= 20) return 4096;
  return 2048;
}
