// Escape hatches: a pool's `extraArgs` (appended to the engine's command line) and `env` (added to
// its environment), passed through to every target from the plan. What the planner decides is
// refused by name with the key that sets it: a second `--port` or `--max-num-seqs` on the command
// line would silently undo the plan (argparse keeps the last value), and a flag that changes
// memory would make the memory plan wrong. Pure.
import type { EngineId, ReplicaPlan } from "./types";

/** Why a flag or variable is the planner's: the key (or fact) that sets it. */
interface Owner {
  /** "memory": changes what the memory plan sized; "owned": a value the plan sets. */
  kind: "memory" | "owned";
  /** The config key to use instead, or what sets it. */
  use: string;
}

const own = (use: string): Owner => ({ kind: "owned", use });
const mem = (use: string): Owner => ({ kind: "memory", use });

const MODEL = own("the pool's model (and servedName under gpufleet:models)");
const HOST = own(
  "nothing: engines listen on 0.0.0.0 with host networking; the proxy is the way in",
);
const PORT = own(
  "nothing: each replica listens on 8000 + its first GPU index; proxyPort sets the proxy's",
);
const DTYPE = own("nothing: bfloat16 from compute capability 8.0, float16 below (the GPU decides)");
const UTIL = mem("gpuMemoryUtilization");
const SEQS = mem("maxNumSeqs");
const BATCH = mem("maxNumBatchedTokens");
const CONTEXT = mem("maxModelLen");
const KV = mem("kvCacheDtype");
const QUANT = mem("quantization");
const TP = mem("tensorParallel");
const LAYOUT = mem("nothing: the multi-node layout (nodes × TP × PP) is the planner's");
const KEY = own("gpufleet:apiKey (a Pulumi secret; the engine reads it from a root-only file)");
const TASK = own("task");
const SPEC = mem(
  "speculative (speculative decoding needs its draft weights and KV cache in the memory plan)",
);
const GRAPHS = mem("gpuMemoryUtilization (CUDA graph memory is counted in the plan)");
const CACHE = own("nothing: weights come from the host's read-only, pre-downloaded model cache");
const CONFIG = own("extraArgs flags one by one (a config file could set any planned value)");

/** Flags each engine's planner owns, by the name the engine's parser knows. */
export const OWNED_FLAGS: Readonly<Record<EngineId, Readonly<Record<string, Owner>>>> = {
  vllm: {
    "--model": MODEL,
    "--served-model-name": MODEL,
    "--host": HOST,
    "--port": PORT,
    "--uds": PORT,
    "--dtype": DTYPE,
    "--max-model-len": CONTEXT,
    "--gpu-memory-utilization": UTIL,
    "--kv-cache-memory-bytes": UTIL,
    "--kv-cache-memory": UTIL,
    "--num-gpu-blocks-override": UTIL,
    "--cpu-offload-gb": UTIL,
    "--max-num-seqs": SEQS,
    "--max-num-batched-tokens": BATCH,
    "--kv-cache-dtype": KV,
    "--quantization": QUANT,
    "-q": QUANT,
    "--tensor-parallel-size": TP,
    "-tp": TP,
    "--data-parallel-size": TP,
    "-dp": TP,
    "--pipeline-parallel-size": LAYOUT,
    "-pp": LAYOUT,
    "--nnodes": LAYOUT,
    "--node-rank": LAYOUT,
    "--master-addr": LAYOUT,
    "--master-port": LAYOUT,
    "--headless": LAYOUT,
    "--distributed-executor-backend": LAYOUT,
    "--api-key": KEY,
    "--runner": TASK,
    "--convert": TASK,
    "--task": TASK,
    "--download-dir": CACHE,
    "--speculative-config": SPEC,
    "--speculative-model": SPEC,
    "--num-speculative-tokens": SPEC,
    "--compilation-config": GRAPHS,
    "-O": GRAPHS,
    "--cuda-graph-sizes": GRAPHS,
    "--max-cudagraph-capture-size": GRAPHS,
    "--max-seq-len-to-capture": GRAPHS,
    "--config": CONFIG,
  },
  sglang: {
    "--model-path": MODEL,
    "--model": MODEL,
    "--served-model-name": MODEL,
    "--host": HOST,
    "--port": PORT,
    "--dtype": DTYPE,
    "--context-length": CONTEXT,
    "--mem-fraction-static": UTIL,
    "--max-total-tokens": UTIL,
    "--max-prefill-tokens": BATCH,
    "--cpu-offload-gb": UTIL,
    "--max-running-requests": SEQS,
    "--chunked-prefill-size": BATCH,
    "--kv-cache-dtype": KV,
    "--quantization": QUANT,
    "--tp-size": TP,
    "--tp": TP,
    "--tensor-parallel-size": TP,
    "--dp-size": TP,
    "--dp": TP,
    "--pp-size": LAYOUT,
    "--pipeline-parallel-size": LAYOUT,
    "--nnodes": LAYOUT,
    "--node-rank": LAYOUT,
    "--dist-init-addr": LAYOUT,
    "--api-key": KEY,
    "--is-embedding": TASK,
    "--download-dir": CACHE,
    "--speculative-algorithm": SPEC,
    "--speculative-draft-model-path": SPEC,
    "--speculative-num-steps": SPEC,
    "--speculative-eagle-topk": SPEC,
    "--speculative-num-draft-tokens": SPEC,
    "--cuda-graph-max-bs": GRAPHS,
    "--cuda-graph-bs": GRAPHS,
    "--config": CONFIG,
  },
  lmdeploy: {
    "--server-name": HOST,
    "--server-port": PORT,
    "--model-name": MODEL,
    "--dtype": DTYPE,
    "--tp": TP,
    "--session-len": CONTEXT,
    "--max-batch-size": SEQS,
    "--max-prefill-token-num": BATCH,
    "--cache-max-entry-count": UTIL,
    "--quant-policy": KV,
    "--model-format": QUANT,
    "--api-keys": KEY,
    "--backend": own("nothing: the TurboMind backend, whose memory the plan models"),
    "--download-dir": CACHE,
  },
  llamacpp: {
    "-m": MODEL,
    "--model": MODEL,
    "-mu": MODEL,
    "--model-url": MODEL,
    "-hf": MODEL,
    "-hfr": MODEL,
    "--hf-repo": MODEL,
    "-hff": MODEL,
    "--hf-file": MODEL,
    "-a": MODEL,
    "--alias": MODEL,
    "--host": HOST,
    "--port": PORT,
    "-c": CONTEXT,
    "--ctx-size": CONTEXT,
    "-np": SEQS,
    "--parallel": SEQS,
    "-b": BATCH,
    "--batch-size": BATCH,
    "-ub": BATCH,
    "--ubatch-size": BATCH,
    "-ngl": own("nothing: every layer is offloaded to the GPU (the memory plan assumes it)"),
    "--gpu-layers": own(
      "nothing: every layer is offloaded to the GPU (the memory plan assumes it)",
    ),
    "--n-gpu-layers": own(
      "nothing: every layer is offloaded to the GPU (the memory plan assumes it)",
    ),
    "-ctk": KV,
    "--cache-type-k": KV,
    "-ctv": KV,
    "--cache-type-v": KV,
    "-fa": own("nothing: flash attention stays on (a quantized KV cache needs it)"),
    "--flash-attn": own("nothing: flash attention stays on (a quantized KV cache needs it)"),
    "-sm": TP,
    "--split-mode": TP,
    "-ts": TP,
    "--tensor-split": TP,
    "-mg": TP,
    "--main-gpu": TP,
    "--api-key": KEY,
    "--api-key-file": KEY,
  },
  ollama: {},
};

/** Variables the plan sets or that carry secrets, for every engine. */
export const OWNED_ENV: Readonly<Record<string, Owner>> = {
  CUDA_VISIBLE_DEVICES: own("nothing: docker --gpus / the GPU request hands each replica its GPUs"),
  NVIDIA_VISIBLE_DEVICES: own(
    "nothing: docker --gpus / the GPU request hands each replica its GPUs",
  ),
  HF_HOME: CACHE,
  HF_HUB_CACHE: CACHE,
  HUGGINGFACE_HUB_CACHE: CACHE,
  TRANSFORMERS_CACHE: CACHE,
  HF_HUB_OFFLINE: CACHE,
  TRANSFORMERS_OFFLINE: CACHE,
  HF_MODULES_CACHE: CACHE,
  HF_TOKEN: own("gpufleet:hfToken (a Pulumi secret, fetched at boot, never in the plan)"),
  HUGGING_FACE_HUB_TOKEN: own(
    "gpufleet:hfToken (a Pulumi secret, fetched at boot, never in the plan)",
  ),
  VLLM_API_KEY: KEY,
  SGLANG_API_KEY: KEY,
  LMDEPLOY_API_KEY: KEY,
  LLAMA_API_KEY: KEY,
  VLLM_PORT: PORT,
  VLLM_HOST_IP: LAYOUT,
  VLLM_NO_USAGE_STATS: own("nothing: usage statistics stay off"),
  DO_NOT_TRACK: own("nothing: usage statistics stay off"),
  OLLAMA_HOST: PORT,
  OLLAMA_MODELS: CACHE,
  OLLAMA_CONTEXT_LENGTH: CONTEXT,
  OLLAMA_NUM_PARALLEL: SEQS,
  OLLAMA_MAX_LOADED_MODELS: mem("nothing: how many models stay loaded is planned from memory"),
  OLLAMA_KV_CACHE_TYPE: KV,
  OLLAMA_GPU_OVERHEAD: UTIL,
  OLLAMA_FLASH_ATTENTION: own("nothing: flash attention stays on (a quantized KV cache needs it)"),
};

/** Names that look like secrets: a value in `env` lands in the plan and the user data. */
const SECRET_NAME = /(TOKEN|SECRET|PASSW|CREDENTIAL|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY)/i;
/** Values that look like secrets (HF tokens, AWS access keys, OpenAI-style keys, PEM keys). */
const SECRET_VALUE =
  /(^|[^A-Za-z0-9])(hf_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|sk-[A-Za-z0-9_-]{20,})|-----BEGIN [A-Z ]*PRIVATE KEY/;
/** Control characters (newline, NUL, …) would split a unit line, an env file or a YAML scalar. */
const CONTROL = /[\u0000-\u001f\u007f]/;
/** POSIX-style variable names (letters, digits, underscore; not starting with a digit). */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** The flag name of an extraArgs entry ("--max_num_seqs=8" → "--max-num-seqs"), or null. */
export function flagName(entry: string): string | null {
  if (!entry.startsWith("-") || entry === "-" || /^-\d/.test(entry)) return null;
  const name = entry.split("=")[0]!;
  // vLLM's FlexibleArgumentParser reads underscores as dashes; other parsers would reject them.
  const dashed = name.startsWith("--") ? `--${name.slice(2).replace(/_/g, "-")}` : name;
  // -O3 / -O.level = vLLM's optimization level (-O takes its value attached).
  return /^-O/.test(dashed) ? "-O" : dashed;
}

/**
 * The owner of a flag: exact, or a long option abbreviated to a prefix of an owned one (argparse
 * accepts unambiguous prefixes: `--gpu-memory-util` is `--gpu-memory-utilization`).
 */
function ownerOfFlag(engine: EngineId, flag: string): [string, Owner] | undefined {
  const table = OWNED_FLAGS[engine];
  const exact = table[flag];
  if (exact) return [flag, exact];
  if (!flag.startsWith("--") || flag.length < 4) return undefined;
  const hit = Object.entries(table).find(([f]) => f.startsWith("--") && f.startsWith(flag));
  return hit;
}

function describe(what: string, owner: Owner): string {
  return owner.kind === "memory"
    ? `${what} changes what the memory plan sizes; ${owner.use === "gpuMemoryUtilization" || owner.use.startsWith("nothing") ? `use ${owner.use}` : `pin it with ${owner.use}`} instead`
    : `${what} is set by gpufleet; use ${owner.use} instead`;
}

/** Shape problems of one value (extraArgs entry or env value), without a path. */
export function valueShapeProblem(value: string): string | undefined {
  if (value.length > 4096) return "is longer than 4096 characters";
  if (CONTROL.test(value)) return "holds a control character (newline, NUL, …)";
  // Kubernetes expands $(NAME) in args and env values: the API key variable would reach argv.
  if (value.includes("$(")) return 'holds "$(", which Kubernetes expands to another variable';
  if (SECRET_VALUE.test(value))
    return "looks like a secret (token or key): secrets never go into the plan or user data; gpufleet:hfToken and gpufleet:apiKey are Pulumi secrets fetched at boot";
  return undefined;
}

/**
 * Every problem of a pool's extraArgs and env for `engine`, one line each with its config path.
 * `planned` is a replica's planned environment: a variable the plan sets is owned too.
 */
export function passthroughProblems(
  engine: EngineId | "auto",
  extraArgs: readonly string[] | undefined,
  env: Readonly<Record<string, string>> | undefined,
  at: string,
  planned: Readonly<Record<string, string>> = {},
): string[] {
  const problems: string[] = [];
  if (extraArgs && extraArgs.length > 0) {
    if (engine === "auto") {
      problems.push(
        `${at}.extraArgs: flags are engine-specific; pin engine (vllm, sglang, lmdeploy, llamacpp) to pass them`,
      );
    } else if (engine === "ollama") {
      problems.push(
        `${at}.extraArgs: Ollama takes no flags beyond "serve" (it is configured by its environment); use env`,
      );
    } else {
      extraArgs.forEach((entry, k) => {
        const path = `${at}.extraArgs[${k}]`;
        const shape = valueShapeProblem(entry);
        if (shape) return problems.push(`${path}: ${shape}`);
        if (entry.trim() === "") return problems.push(`${path}: is empty`);
        if (entry === "--")
          return problems.push(`${path}: "--" would end the options; the model is the planner's`);
        if (k === 0 && !entry.startsWith("-"))
          return problems.push(
            `${path}: "${entry}" is not a flag (a leading positional argument would be taken for the model); start with a flag`,
          );
        const flag = flagName(entry);
        if (flag === null) return;
        const hit = ownerOfFlag(engine, flag);
        if (hit) {
          const what = flag === hit[0] ? `"${flag}"` : `"${flag}" (= "${hit[0]}")`;
          problems.push(`${path}: ${describe(what, hit[1])}`);
        }
      });
    }
  }
  for (const [name, value] of Object.entries(env ?? {})) {
    const path = `${at}.env.${name}`;
    if (!ENV_NAME.test(name)) {
      problems.push(
        `${path}: not a variable name (letters, digits and underscores, not starting with a digit)`,
      );
      continue;
    }
    const owner = OWNED_ENV[name.toUpperCase()];
    if (owner) {
      problems.push(`${path}: ${describe(name, owner)}`);
      continue;
    }
    if (name in planned) {
      problems.push(
        `${path}: ${name} is set by gpufleet for this engine (${name}=${planned[name]}); remove it`,
      );
      continue;
    }
    if (SECRET_NAME.test(name)) {
      problems.push(
        `${path}: looks like a secret's name: secrets never go into the plan or user data (gpufleet:hfToken and gpufleet:apiKey are Pulumi secrets fetched at boot)`,
      );
      continue;
    }
    const shape = valueShapeProblem(value);
    if (shape) problems.push(`${path}: ${shape}`);
  }
  return problems;
}

/** A replica with the pool's extraArgs appended (each once) and env added. */
export function withPassthrough(
  replica: ReplicaPlan,
  extraArgs: readonly string[] | undefined,
  env: Readonly<Record<string, string>> | undefined,
): ReplicaPlan {
  if (!extraArgs?.length && !env) return replica;
  const args = [...replica.args];
  const extra = extraArgs ?? [];
  extra.forEach((a, k) => {
    // A boolean flag the planner already emits (--trust-remote-code) is not repeated.
    const bare = a.startsWith("-") && !a.includes("=") && !(extra[k + 1] ?? "-x").match(/^[^-]/);
    if (bare && args.includes(a)) return;
    args.push(a);
  });
  return { ...replica, args, env: { ...replica.env, ...(env ?? {}) } };
}
