// vLLM launch arguments (image vllm/vllm-openai, ENTRYPOINT `vllm serve`: the model is the first
// positional argument).
import { ENGINES } from "../catalog/engines";
import type { LaunchInput } from "../types";
import {
  hfEnv,
  memoryShare,
  needsRemoteCode,
  reasoningParser,
  toolParser,
  type EngineArgs,
} from "./common";

export function vllmArgs(input: LaunchInput): EngineArgs {
  const spec = ENGINES.vllm;
  const pooling = input.task === "embedding" || input.task === "rerank";
  const args = [
    input.source,
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
  if (reasoning) args.push("--reasoning-parser", reasoning);
  const tools = toolParser("vllm", input.model);
  if (tools) args.push("--enable-auto-tool-choice", "--tool-call-parser", tools);
  // Turing: v0.31 auto-selects TRITON_ATTN (FlashInfer's floor is 8.0 since #45375); no
  // VLLM_ATTENTION_BACKEND is needed, and that variable was replaced by --attention-backend anyway.
  return { args, env };
}
