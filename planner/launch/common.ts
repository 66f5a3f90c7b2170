// What every engine's launch builder shares: the memory knob's value, the HF cache environment,
// and the per-model parser and trust choices.
import { ENGINES } from "../catalog/engines";
import { sglangPreLoadGiB } from "../memory";
import type { EngineSpec } from "../catalog/engines";
import type { EngineId, LaunchInput, ModelSpec } from "../types";

/** Rounds down to 2 decimals (a memory share must never be rounded up). */
export function floor2(x: number): number {
  // The epsilon absorbs binary noise such as 0.29 * 100 = 28.999999999999996.
  return Math.floor(x * 100 + 1e-9) / 100;
}

/**
 * The memory share of an engine whose knob is a share ("total" / "free"), as its flag value; null
 * for token-count knobs (llama.cpp, Ollama).
 */
export function memoryShare(input: LaunchInput): string | null {
  const m = input.memory;
  switch (input.engine) {
    case "vllm":
      return floor2(input.gpuMemoryUtilization).toFixed(2);
    case "sglang":
      // SGLang sizes its pool as free_after_load − free_before_load × (1 − f): with f ×
      // free_before_load = weights + KV the pool equals the planned KV
      // (model_runner_kv_cache_mixin.py, _profile_available_bytes).
      return floor2(
        (m.weightsGiB + m.kvCacheGiB) /
          (input.gpu.memoryGiB - sglangPreLoadGiB(m.overheadGiB, !input.gpu.cloud)),
      ).toFixed(2);
    case "lmdeploy": {
      const free = input.gpu.memoryGiB - m.weightsGiB - m.overheadGiB;
      // TurboMind rejects r ≥ 1 (turbomind.cc TM_CHECK_LT(cache_ratio, 1.)).
      return Math.min(0.99, floor2(m.kvCacheGiB / free)).toFixed(2);
    }
    case "llamacpp":
    case "ollama":
      return null;
  }
}

/**
 * Memory-knob value for a launch: the share (vllm/sglang/lmdeploy) or the token count
 * (llama.cpp/Ollama).
 */
export function memoryKnobFor(input: LaunchInput): string {
  switch (input.engine) {
    case "llamacpp":
      return `-c ${input.maxModelLen * input.maxNumSeqs} --parallel ${input.maxNumSeqs}`;
    case "ollama":
      return `OLLAMA_CONTEXT_LENGTH=${input.maxModelLen} OLLAMA_NUM_PARALLEL=${input.maxNumSeqs}`;
    default:
      return `${ENGINES[input.engine].memoryKnob.name} ${memoryShare(input)}`;
  }
}

export function hfEnv(modelDir: string): Record<string, string> {
  // The host cache is the HF cache layout (`${modelDir}/hub/models--org--name/snapshots/<rev>`),
  // pre-downloaded before the engine starts (seed 003). Engines resolve the repo id there; offline
  // mode forbids any download at boot. The cache is mounted read-only: transformers' remote-code
  // modules cache must live elsewhere. On a single host NCCL needs nothing set: it probes P2P
  // itself and falls back to shared memory (which --ipc=host provides), and with host networking
  // its bootstrap uses loopback.
  return {
    HF_HOME: modelDir,
    HF_HUB_OFFLINE: "1",
    TRANSFORMERS_OFFLINE: "1",
    HF_MODULES_CACHE: "/tmp/hf_modules",
  };
}

/** Model types whose code is not in transformers and so needs --trust-remote-code. */
const TRUST_REMOTE_CODE_MODEL_TYPES = new Set([
  "chatglm",
  "internlm",
  "internlm2",
  "qwen",
  "baichuan",
  "minicpm",
  "deepseek",
]);

export function needsRemoteCode(model: ModelSpec): boolean {
  return TRUST_REMOTE_CODE_MODEL_TYPES.has(model.arch.model_type);
}

/** Tool-call parser of the pinned version for Qwen-family models, or null. */
export function toolParser(engine: EngineId, model: ModelSpec): string | null {
  const t = model.arch.model_type;
  const qwen = t === "qwen2" || t === "qwen3" || t === "qwen2_moe" || t === "qwen3_moe";
  if (!qwen) return null;
  switch (engine) {
    case "vllm":
      return "hermes";
    case "sglang":
      return "qwen25";
    case "lmdeploy":
      return t.startsWith("qwen3") ? "qwen3" : "qwen2d5";
    default:
      return null;
  }
}

/** Reasoning parser of the pinned version for the model's family, or undefined. */
export function reasoningParser(spec: EngineSpec, model: ModelSpec): string | undefined {
  return model.reasoning ? spec.reasoningParsers[model.reasoning] : undefined;
}

/** The environment variable an engine's key arrives in (its catalog entry delivers it by env). */
export function keyVariable(spec: EngineSpec): string {
  if (spec.apiKey.kind !== "env")
    throw new Error(`${spec.id} takes no API key from the environment`);
  return spec.apiKey.variable;
}

/** A launch builder's part: what only the engine knows. */
export interface EngineArgs {
  args: string[];
  env: Record<string, string>;
}

/**
 * The start of a Python engine's command line that hands it the API key without putting the key
 * on any command line: the key arrives in the environment (docker `-e NAME` copies it from the
 * unit's root-only EnvironmentFile), and this launcher moves it into the engine's own argument list
 * inside the process — `sys.argv` of the running interpreter, which /proc/<pid>/cmdline, `ps`,
 * `systemctl status` and `docker inspect` never show — and removes it from the environment the
 * engine's workers inherit. For engines whose key has no environment variable or file of its own
 * (SGLang 0.5.21: sgl-project/sglang#36346, still open; lmdeploy 0.17: `--api-keys` only).
 * `start` runs the engine with the prepared `sys.argv`.
 */
export function pythonKeyLauncher(variable: string, flag: string, start: string): string[] {
  if (!/^[A-Z][A-Z0-9_]*$/.test(variable) || !/^--[a-z-]+$/.test(flag))
    throw new Error(`pythonKeyLauncher: bad variable ${variable} or flag ${flag}`);
  const prelude =
    `import os, sys; key = os.environ.pop('${variable}', ''); ` +
    `sys.argv += ['${flag}', key] if key else []`;
  return ["python3", "-c", `${prelude}; ${start}`];
}
