// Ollama launch (ENTRYPOINT /bin/ollama, CMD serve): everything is configured through the
// environment.
import { ENGINES } from "../catalog/engines";
import type { LaunchInput } from "../types";
import type { EngineArgs } from "./common";

export function ollamaArgs(input: LaunchInput): EngineArgs {
  const spec = ENGINES.ollama;
  const env: Record<string, string> = {
    OLLAMA_HOST: `0.0.0.0:${input.port}`,
    OLLAMA_MODELS: `${input.modelDir}/ollama`,
    [spec.memoryKnob.name]: String(input.maxModelLen),
    OLLAMA_NUM_PARALLEL: String(input.maxNumSeqs),
    OLLAMA_MAX_LOADED_MODELS: "1",
    // Keep the model loaded (the default unloads after 5 minutes idle and the next request pays a
    // cold load).
    OLLAMA_KEEP_ALIVE: "-1",
    // The model directory is mounted read-only: never prune blobs at start.
    OLLAMA_NOPRUNE: "1",
    OLLAMA_FLASH_ATTENTION: "1",
  };
  if (input.kvCacheDtype !== "auto")
    env.OLLAMA_KV_CACHE_TYPE = spec.kvCacheDtypes[input.kvCacheDtype]!.value;
  return { args: ["serve"], env };
}
