// llama.cpp launch arguments (image ghcr.io/ggml-org/llama.cpp:server-cuda-*, entrypoint
// llama-server).
import { ENGINES } from "../catalog/engines";
import type { LaunchInput } from "../types";
import { reasoningParser, type EngineArgs } from "./common";

export function llamacppArgs(input: LaunchInput): EngineArgs {
  const spec = ENGINES.llamacpp;
  const file = input.model.artifacts.gguf?.file ?? input.source;
  const args = [
    "-m",
    `${input.modelDir}/gguf/${file}`,
    "--host",
    "0.0.0.0",
    "--port",
    String(input.port),
    "--alias",
    input.model.servedName,
    spec.memoryKnob.name,
    String(input.maxModelLen * input.maxNumSeqs),
    "--parallel",
    String(input.maxNumSeqs),
    "-ngl",
    "999",
    "-fa",
    "on",
    "-b",
    String(input.maxNumBatchedTokens),
  ];
  if (input.kvCacheDtype !== "auto") {
    const v = spec.kvCacheDtypes[input.kvCacheDtype]!.value;
    args.push("--cache-type-k", v, "--cache-type-v", v);
  }
  if (input.tensorParallel > 1) args.push("--split-mode", "layer");
  args.push("--metrics", "--jinja");
  const reasoning = reasoningParser(spec, input.model);
  if (reasoning) args.push("--reasoning-format", reasoning);
  return { args, env: {} };
}
