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
    // Every model the plan gives this instance stays loaded: their weights and KV caches are
    // planned side by side (planner/ollama.ts).
    OLLAMA_MAX_LOADED_MODELS: String(input.loadedModels ?? 1),
    // Keep the model loaded (the default unloads after 5 minutes idle and the next request pays a
    // cold load).
    OLLAMA_KEEP_ALIVE: "-1",
    // The store is shared with the download step and the other replicas of the host: never prune
    // blobs at start (only <cache>/ollama is writable, for the names gpufleet-ollama-models adds).
    OLLAMA_NOPRUNE: "1",
    OLLAMA_FLASH_ATTENTION: "1",
  };
  if (input.kvCacheDtype !== "auto")
    env.OLLAMA_KV_CACHE_TYPE = spec.kvCacheDtypes[input.kvCacheDtype]!.value;
  return { args: ["serve"], env };
}
