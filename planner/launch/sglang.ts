// SGLang launch arguments (image lmsysorg/sglang has no entrypoint: args start with python3 -m
// sglang.launch_server).
import { ENGINES } from "../catalog/engines";
import { ccValue } from "../support";
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

export function sglangArgs(input: LaunchInput): EngineArgs {
  const spec = ENGINES.sglang;
  const cc = ccValue(input.gpu.computeCapability);
  const turing = cc < 80;
  // `python3 -m sglang.launch_server …`, with the key handed over in-process (see
  // pythonKeyLauncher): runpy runs the module as __main__ exactly as `-m` does.
  const args = [
    ...pythonKeyLauncher(
      keyVariable(spec),
      "--api-key",
      "import runpy; runpy.run_module('sglang.launch_server', run_name='__main__', alter_sys=True)",
    ),
    "--model-path",
    input.source,
    "--served-model-name",
    input.model.servedName,
    "--host",
    "0.0.0.0",
    "--port",
    String(input.port),
    "--dtype",
    input.dtype,
    "--context-length",
    String(input.maxModelLen),
    spec.memoryKnob.name,
    memoryShare(input)!,
    "--max-running-requests",
    String(input.maxNumSeqs),
    "--chunked-prefill-size",
    String(input.maxNumBatchedTokens),
    "--tp-size",
    String(input.tensorParallel),
  ];
  if (input.kvCacheDtype === "fp8") {
    args.push("--kv-cache-dtype", cc >= 89 ? "fp8_e4m3" : spec.kvCacheDtypes.fp8!.value);
  }
  if (input.quantization === "fp8" && !input.model.weightsQuantization)
    args.push("--quantization", "fp8");
  if (turing) args.push("--attention-backend", "triton", "--sampling-backend", "pytorch");
  args.push("--enable-metrics");
  if (needsRemoteCode(input.model)) args.push("--trust-remote-code");
  const reasoning = reasoningParser(spec, input.model);
  if (reasoning) args.push("--reasoning-parser", reasoning);
  const tools = toolParser("sglang", input.model);
  if (tools) args.push("--tool-call-parser", tools);
  const env = hfEnv(input.modelDir);
  if (turing) {
    // Seed 003: FlashInfer writes its JIT workspace under $HOME (PermissionError on /home/sglang
    // otherwise); TORCH_CUDA_ARCH_LIST limits JIT builds to the GPU's architecture.
    env.HOME = "/tmp";
    env.FLASHINFER_WORKSPACE_DIR = "/tmp/flashinfer";
    env.TORCH_CUDA_ARCH_LIST = input.gpu.computeCapability;
  }
  return { args, env };
}
