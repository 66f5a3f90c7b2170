// Which release of each engine first took each flag the launch builders emit, so that a pool
// pinned to an older release is never handed a flag it would reject ("unrecognized arguments").
// Only the order against the releases in catalog/releases.ts matters: a flag whose first release
// is at or before the oldest listed release is available everywhere. A test walks every listed
// release and checks that every flag the builders emit is in this table and available.
import type { EngineId } from "../types";

/** Flag → the first release that takes it, with the source in a comment beside each. */
export const FLAG_SINCE: Readonly<Record<EngineId, Readonly<Record<string, string>>>> = {
  vllm: {
    // vllm/engine/arg_utils.py and vllm/entrypoints/openai/cli_args.py, present in every listed
    // release from 0.6.4 (v0.6.4.post1 tree): model, server and memory flags.
    "--model": "0.1.0",
    "--served-model-name": "0.1.0",
    "--host": "0.1.0",
    "--port": "0.1.0",
    "--dtype": "0.1.0",
    "--max-model-len": "0.1.0",
    "--gpu-memory-utilization": "0.1.0",
    "--max-num-seqs": "0.1.0",
    "--max-num-batched-tokens": "0.1.0",
    "--tensor-parallel-size": "0.1.0",
    "--quantization": "0.1.0",
    "--trust-remote-code": "0.1.0",
    // fp8 KV cache values from 0.4.0 (docs "FP8 E4M3 KV Cache", v0.4.0).
    "--kv-cache-dtype": "0.4.0",
    "--enable-chunked-prefill": "0.4.0",
    // Tool calling: vllm-project/vllm#5649 (hermes parser), released in 0.6.0.
    "--enable-auto-tool-choice": "0.6.0",
    "--tool-call-parser": "0.6.0",
    // Before 0.9.0 the parser needed --enable-reasoning (added 0.7, vllm-project/vllm#12473), which
    // 0.8.5 builds reject as "unrecognized" (vllm-project/vllm#18538); from 0.9.0 the parser alone
    // enables it (vllm-project/vllm#17452, #18404: "deprecated starting from v0.9.0").
    "--reasoning-parser": "0.9.0",
    // vllm-project/vllm#21470 "Replace --task with --runner and --convert" (merged 2025-07), 0.10.1.
    "--runner": "0.10.1",
    "--convert": "0.10.1",
    // Multi-node without Ray (planner/multinode.ts): the multiprocessing executor's node flags.
    "--pipeline-parallel-size": "0.5.1",
    "--node-rank": "0.11.0",
    "--master-addr": "0.11.0",
    "--nnodes": "0.11.0",
    "--headless": "0.11.0",
  },
  sglang: {
    // python/sglang/srt/server_args.py: every flag below is in v0.4.8.post1 (seed 003's release,
    // the oldest listed), which seed 003 launched with --model-path, --host, --port, --dtype and
    // --trust-remote-code; the qwen3 reasoning parser shipped with Qwen3 support in 0.4.6.
    "--model-path": "0.4.8",
    "--served-model-name": "0.4.8",
    "--host": "0.4.8",
    "--port": "0.4.8",
    "--dtype": "0.4.8",
    "--context-length": "0.4.8",
    "--mem-fraction-static": "0.4.8",
    "--max-running-requests": "0.4.8",
    "--chunked-prefill-size": "0.4.8",
    "--tp-size": "0.4.8",
    "--kv-cache-dtype": "0.4.8",
    "--quantization": "0.4.8",
    "--attention-backend": "0.4.8",
    "--sampling-backend": "0.4.8",
    "--enable-metrics": "0.4.8",
    "--trust-remote-code": "0.4.8",
    "--reasoning-parser": "0.4.6",
    "--tool-call-parser": "0.4.8",
    "--pp-size": "0.4.8",
    "--nnodes": "0.4.8",
    "--node-rank": "0.4.8",
    "--dist-init-addr": "0.4.8",
  },
  lmdeploy: {
    // lmdeploy/cli/serve.py and cli/utils.py (v0.16.0 tree; one release listed, 0.17.0).
    "--backend": "0.16.0",
    "--server-name": "0.16.0",
    "--server-port": "0.16.0",
    "--model-name": "0.16.0",
    "--dtype": "0.16.0",
    "--tp": "0.16.0",
    "--session-len": "0.16.0",
    "--max-batch-size": "0.16.0",
    "--max-prefill-token-num": "0.16.0",
    "--cache-max-entry-count": "0.16.0",
    "--quant-policy": "0.16.0",
    "--model-format": "0.16.0",
    "--trust-remote-code": "0.16.0",
    "--reasoning-parser": "0.16.0",
    "--tool-call-parser": "0.16.0",
  },
  llamacpp: {
    // common/arg.cpp at the listed build (b11459); `-fa on|off|auto` takes a value since the flash
    // attention auto mode (2025), earlier builds took a bare -fa.
    "-m": "b11459",
    "--host": "b11459",
    "--port": "b11459",
    "--alias": "b11459",
    "-c": "b11459",
    "--parallel": "b11459",
    "-ngl": "b11459",
    "-fa": "b11459",
    "-b": "b11459",
    "--cache-type-k": "b11459",
    "--cache-type-v": "b11459",
    "--split-mode": "b11459",
    "--metrics": "b11459",
    "--jinja": "b11459",
    "--reasoning-format": "b11459",
  },
  // Ollama takes `serve` and is configured through its environment.
  ollama: {},
};

/** "0.6.4.post1" → [0, 6, 4]; "b11459" → [11459, 0, 0]. */
export function versionKey(version: string): [number, number, number] {
  const b = /^b(\d+)$/.exec(version);
  if (b) return [Number(b[1]), 0, 0];
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) throw new RangeError(`"${version}" holds no version number`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** Compares two versions of one engine (negative: a is older). */
export function compareVersions(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  for (let i = 0; i < 3; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
  return 0;
}

/** Whether `version` of the engine takes `flag` (unknown flags: false). */
export function releaseHasFlag(engine: EngineId, version: string, flag: string): boolean {
  const since = FLAG_SINCE[engine][flag];
  return since !== undefined && compareVersions(version, since) >= 0;
}
