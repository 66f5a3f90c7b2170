import type { ApiKeyDelivery, EngineId } from "../planner/types";
import type { DownloadKind } from "./layout";

/** What the renderer must know about an engine beyond its ReplicaPlan. */
export interface EngineRuntime {
  /**
   * How the engine receives the API key when the replica does not say (ReplicaPlan has no field for
   * it yet).
   */
  apiKey: ApiKeyDelivery;
  /** PyTorch engines share tensors between workers through /dev/shm: run them with --ipc=host. */
  needsIpcHost: boolean;
  /**
   * The engine's memory-fraction flag, which the bootstrap may lower when a GPU has less free
   * memory than planned.
   * "total": a fraction of total GPU memory (vLLM --gpu-memory-utilization, SGLang
   * --mem-fraction-static);
   * "free": a fraction of the memory left after the weights (lmdeploy --cache-max-entry-count).
   * null: none.
   */
  memoryKnob: { flag: string; kind: "total" | "free" } | null;
  /** How the model reaches the cache. */
  download: DownloadKind;
}

export const ENGINE_RUNTIME: Record<EngineId, EngineRuntime> = {
  vllm: {
    apiKey: { kind: "env", variable: "VLLM_API_KEY" },
    needsIpcHost: true,
    memoryKnob: { flag: "--gpu-memory-utilization", kind: "total" },
    download: "hf",
  },
  sglang: {
    apiKey: { kind: "arg", flag: "--api-key", variable: "SGLANG_API_KEY" },
    needsIpcHost: true,
    memoryKnob: { flag: "--mem-fraction-static", kind: "total" },
    download: "hf",
  },
  lmdeploy: {
    apiKey: { kind: "arg", flag: "--api-keys", variable: "LMDEPLOY_API_KEY" },
    needsIpcHost: true,
    memoryKnob: { flag: "--cache-max-entry-count", kind: "free" },
    download: "hf",
  },
  llamacpp: {
    // llama-server reads --api-key from LLAMA_API_KEY, which keeps the key out of the process list.
    apiKey: { kind: "env", variable: "LLAMA_API_KEY" },
    needsIpcHost: false,
    memoryKnob: null,
    download: "gguf",
  },
  ollama: {
    // Ollama checks no key; the on-host nginx does, for every engine.
    apiKey: { kind: "none" },
    needsIpcHost: false,
    memoryKnob: null,
    download: "ollama",
  },
};
