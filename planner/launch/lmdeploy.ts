// lmdeploy launch arguments (TurboMind backend, `lmdeploy serve api_server`).
import { ENGINES } from "../catalog/engines";
import type { LaunchInput } from "../types";
import {
  hfEnv,
  memoryShare,
  keyVariable,
  needsRemoteCode,
  pythonKeyLauncher,
  reasoningParser,
  toolParser,
  type EngineArgs,
} from "./common";

export function lmdeployArgs(input: LaunchInput): EngineArgs {
  const spec = ENGINES.lmdeploy;
  // `lmdeploy serve api_server …` (console script lmdeploy = lmdeploy.cli:run), with the key
  // handed over in-process (see pythonKeyLauncher).
  const args = [
    ...pythonKeyLauncher(
      keyVariable(spec),
      "--api-keys",
      "sys.argv[0] = 'lmdeploy'; from lmdeploy.cli import run; run()",
    ),
    "serve",
    "api_server",
    input.source,
    "--backend",
    "turbomind",
    "--server-name",
    "0.0.0.0",
    "--server-port",
    String(input.port),
    "--model-name",
    input.model.servedName,
    "--dtype",
    input.dtype,
    "--tp",
    String(input.tensorParallel),
    "--session-len",
    String(input.maxModelLen),
    "--max-batch-size",
    String(input.maxNumSeqs),
    "--max-prefill-token-num",
    String(input.maxNumBatchedTokens),
    spec.memoryKnob.name,
    memoryShare(input)!,
    "--quant-policy",
    spec.kvCacheDtypes[input.kvCacheDtype]!.value,
  ];
  if (input.quantization === "awq" || input.quantization === "gptq")
    args.push("--model-format", input.quantization);
  if (needsRemoteCode(input.model)) args.push("--trust-remote-code");
  const reasoning = reasoningParser(spec, input.model);
  if (reasoning) args.push("--reasoning-parser", reasoning);
  const tools = toolParser("lmdeploy", input.model);
  if (tools) args.push("--tool-call-parser", tools);
  return { args, env: hfEnv(input.modelDir) };
}
