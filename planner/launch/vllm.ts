// vLLM launch arguments (image vllm/vllm-openai, ENTRYPOINT `vllm serve`: the model is the first
// positional argument).
import { ENGINES } from "../catalog/engines";
import type { ResolvedRelease } from "../release";
import type { LaunchInput } from "../types";
import { compareVersions, releaseHasFlag } from "./flags";
import {
  hfEnv,
  memoryShare,
  needsRemoteCode,
  reasoningParser,
  toolParser,
  type EngineArgs,
} from "./common";

export function vllmArgs(input: LaunchInput, release?: ResolvedRelease): EngineArgs {
  const spec = ENGINES.vllm;
  const pooling = input.task === "embedding" || input.task === "rerank";
  // The release whose flags apply (an unlisted one behaves as the listed release it names).
  const as = release?.behavesAs ?? spec.version;
  const has = (flag: string): boolean => releaseHasFlag("vllm", as, flag);
  const args = [
    // Images up to 0.15 start the api_server module, which takes the model as --model only.
    ...(release?.modelFlag ? ["--model", input.source] : [input.source]),
    "--served-model-name",
    input.model.servedName,
    "--host",
    "0.0.0.0",
    "--port",
    String(input.port),
    "--dtype",
    input.dtype,
    "--max-model-len",
    String(input.maxModelLen),
    spec.memoryKnob.name,
    memoryShare(input)!,
    "--max-num-seqs",
    String(input.maxNumSeqs),
    "--max-num-batched-tokens",
    String(input.maxNumBatchedTokens),
  ];
  // The V0 engine (before 0.8) refuses max_num_batched_tokens below max_model_len unless chunked
  // prefill is on (vllm/config.py SchedulerConfig._verify_args).
  if (compareVersions(as, "0.8.0") < 0 && input.maxNumBatchedTokens < input.maxModelLen)
    args.push("--enable-chunked-prefill");
  const env = { ...hfEnv(input.modelDir), VLLM_NO_USAGE_STATS: "1", DO_NOT_TRACK: "1" };
  if (pooling) {
    // Pooling runner (vLLM docs, "Pooling models": --runner pooling; --convert embed adapts a
    // *ForCausalLM checkpoint such as Qwen3-Embedding to an embedding model). Serves
    // /v1/embeddings, /v1/rerank, /v1/score.
    args.push("--tensor-parallel-size", String(input.tensorParallel), "--runner", "pooling");
    const causal = input.model.arch.architectures.some((a) => a.endsWith("ForCausalLM"));
    if (input.task === "embedding" && causal) args.push("--convert", "embed");
    if (needsRemoteCode(input.model)) args.push("--trust-remote-code");
    return { args, env };
  }
  args.push(
    "--kv-cache-dtype",
    spec.kvCacheDtypes[input.kvCacheDtype]!.value,
    "--tensor-parallel-size",
    String(input.tensorParallel),
  );
  // Pre-quantized AWQ/GPTQ repos are detected from config.json (awq_marlin/gptq_marlin on ≥ 8.0);
  // forcing --quantization awq would pin the slower kernel. Only load-time quantizations are named.
  if (input.quantization === "fp8" && !input.model.weightsQuantization)
    args.push("--quantization", "fp8");
  if (input.quantization === "bitsandbytes") args.push("--quantization", "bitsandbytes");
  if (needsRemoteCode(input.model)) args.push("--trust-remote-code");
  const reasoning = reasoningParser(spec, input.model);
  if (reasoning && has("--reasoning-parser")) args.push("--reasoning-parser", reasoning);
  const tools = toolParser("vllm", input.model);
  if (tools && has("--tool-call-parser"))
    args.push("--enable-auto-tool-choice", "--tool-call-parser", tools);
  // Turing: v0.31 auto-selects TRITON_ATTN (FlashInfer's floor is 8.0 since #45375); no
  // VLLM_ATTENTION_BACKEND is needed, and that variable was replaced by --attention-backend anyway.
  return { args, env };
}
