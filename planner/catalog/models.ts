// Model catalog: pure data. Every architecture figure is the Hugging Face config.json field under
// its own name.
//
// How the figures were looked up (2026-11-21): the Hub itself was not reachable from the build
// machine, so each
// config.json was read from public copies of it (the repo's own config as indexed, duplicates such
// as
// "Duplicate from Qwen/Qwen2.5-72B-Instruct", quantized/fine-tuned derivatives that keep the base's
// config, and
// config fixtures vendored into inference engines' tests). `source` names the canonical config.json
// URL; a
// "NOT CONFIRMED" comment marks every figure that no copy of the config showed.
// paramsB: the Hub's "Model size" (safetensors metadata), cross-checked against the count the
// architecture implies
// (test/catalog/models.test.ts recomputes it). Ollama library default tags (`ollama pull
// name:size`) ship Q4_K_M,
// except llama3.2:1b, which ships Q8_0.
// Artifacts are listed only where the repo / file / tag was seen to exist; absent keys mean "not
// confirmed", not
// "does not exist".

import type { ModelArchitecture, ModelSpec } from "../types";

const LOOKED = "looked 2026-11-21";

function cfg(repo: string): string {
  return `https://huggingface.co/${repo}/blob/main/config.json (${LOOKED})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Shared architectures (a fine-tune copies its base's architecture; both are spelled out so the
// test can compare).

/**
 * Qwen/Qwen3-8B config.json (copies of it: "Copy config.json from Qwen/Qwen3-8B",
 * Sagicc/qwen3-8b-tokenizer).
 */
const QWEN3_8B_ARCH: ModelArchitecture = {
  architectures: ["Qwen3ForCausalLM"],
  model_type: "qwen3",
  num_hidden_layers: 36,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 128, // explicit: 4096 / 32 also gives 128 here, but Qwen3 sets it independently of hidden_size
  hidden_size: 4096,
  intermediate_size: 12288,
  vocab_size: 151936,
  max_position_embeddings: 40960,
  sliding_window: null,
  use_sliding_window: false,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
};

/**
 * Qwen/Qwen3-4B config.json (geometry from Qwen3 family tables and 4B GGUF metadata: 36 blocks,
 * 2560, 9728, 32/8 heads, 128 key length).
 */
/** Qwen/Qwen3-4B config.json (QVikhr-3-4B's base); also the calibration table's Qwen3-4B. */
export const QWEN3_4B_ARCH: ModelArchitecture = {
  architectures: ["Qwen3ForCausalLM"],
  model_type: "qwen3",
  num_hidden_layers: 36,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 128, // 32 × 128 = 4096 ≠ hidden 2560: head_dim must not be derived from hidden_size
  hidden_size: 2560,
  intermediate_size: 9728,
  vocab_size: 151936,
  max_position_embeddings: 40960, // original Qwen3-4B (the 2507 refresh has 262144)
  sliding_window: null,
  use_sliding_window: false,
  torch_dtype: "bfloat16",
  tie_word_embeddings: true,
};

/** mistralai/Mistral-Nemo-Instruct-2407 geometry, as in IlyaGusev/saiga_nemo_12b config.json. */
const MISTRAL_NEMO_ARCH: ModelArchitecture = {
  architectures: ["MistralForCausalLM"],
  model_type: "mistral",
  num_hidden_layers: 40,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 128, // 32 × 128 = 4096 ≠ hidden 5120
  hidden_size: 5120,
  intermediate_size: 14336,
  vocab_size: 131072,
  // As written in the config (Mistral's own 1024000). Mistral documents a 128k trained context for
  // Nemo; the planner
  // caps context by KV memory and its {32768, 16384, …} ladder anyway.
  max_position_embeddings: 1024000,
  sliding_window: null,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
};

/**
 * google/gemma-3-27b-it config.json → text_config (Gemma3ForConditionalGeneration; vision tower
 * counted in extraParamsB).
 */
const GEMMA3_27B_ARCH: ModelArchitecture = {
  architectures: ["Gemma3ForConditionalGeneration"],
  model_type: "gemma3", // top level; text_config.model_type is "gemma3_text"
  num_hidden_layers: 62,
  num_attention_heads: 32,
  num_key_value_heads: 16,
  head_dim: 128, // NOT hidden/heads (5376 / 32 = 168; 168 is query_pre_attn_scalar)
  hidden_size: 5376,
  intermediate_size: 21504,
  vocab_size: 262208,
  max_position_embeddings: 131072,
  sliding_window: 1024,
  sliding_window_pattern: 6, // 5 local : 1 global → 52 sliding + 10 full-attention layers
  torch_dtype: "bfloat16",
  // Not written in the 27B config; Gemma3TextConfig defaults to tied embeddings (Gemma always ties
  // them).
  tie_word_embeddings: true,
};

/**
 * Llama 3.x 70B geometry (meta-llama/Llama-3.1-70B-Instruct and Llama-3.3-70B-Instruct share it).
 */
const LLAMA_70B_ARCH: ModelArchitecture = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  num_hidden_layers: 80,
  num_attention_heads: 64,
  num_key_value_heads: 8,
  hidden_size: 8192,
  intermediate_size: 28672,
  vocab_size: 128256,
  max_position_embeddings: 131072,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
};

// ---------------------------------------------------------------------------------------------------------------

export const MODELS: readonly ModelSpec[] = [
  // ---- Russian fine-tunes named by seed 000's priority table
  // ----------------------------------------------------
  {
    id: "Vikhrmodels/QVikhr-3-4B-Instruction",
    servedName: "qvikhr-3-4b-instruction",
    // NOT CONFIRMED from this repo's safetensors metadata: full fine-tune of Qwen/Qwen3-4B (4.02B),
    // same shapes.
    paramsB: 4.02,
    baseModel: "Qwen/Qwen3-4B",
    // NOT CONFIRMED from this repo's config.json: taken from its base (model card: built on
    // Qwen3-4B, BF16, 40960 ctx).
    arch: { ...QWEN3_4B_ARCH },
    gated: false,
    // No GGUF / Ollama artifact confirmed (the card mentions GGUF and MLX variants; file names not
    // seen).
    artifacts: {},
    reasoning: "qwen3",
    source: `${cfg("Vikhrmodels/QVikhr-3-4B-Instruction")}; architecture of the base Qwen/Qwen3-4B, this repo's own config not read`,
  },
  {
    id: "Vikhrmodels/QVikhr-3-8B-Instruction",
    servedName: "qvikhr-3-8b-instruction",
    paramsB: 8.19, // NOT CONFIRMED from this repo: same shapes as Qwen/Qwen3-8B (8.19B)
    baseModel: "Qwen/Qwen3-8B",
    arch: { ...QWEN3_8B_ARCH }, // NOT CONFIRMED from this repo's config.json: taken from Qwen/Qwen3-8B
    gated: false,
    artifacts: {
      // Seen: https://huggingface.co/Vikhrmodels/QVikhr-3-8B-Instruction-GGUF/resolve/main/QVikhr-3-8B-Instruction-Q8_0.gguf
      // (a Q4_K_M file of the same name pattern was not seen, so the confirmed Q8_0 file is
      // listed).
      gguf: {
        repo: "Vikhrmodels/QVikhr-3-8B-Instruction-GGUF",
        file: "QVikhr-3-8B-Instruction-Q8_0.gguf",
        quantization: "gguf-q8_0",
      },
    },
    reasoning: "qwen3",
    source: `${cfg("Vikhrmodels/QVikhr-3-8B-Instruction")}; architecture of the base Qwen/Qwen3-8B, this repo's own config not read`,
  },
  {
    // The repo id the seed names is a LoRA adapter (adapter_config.json + adapter weights; PEFT
    // loads it onto
    // Open-Orca/Mistral-7B-OpenOrca): IlyaGusev/saiga_mistral_7b is the old name of
    // IlyaGusev/saiga_mistral_7b_lora
    // (the Saiga collection lists only *_lora, and code loading "IlyaGusev/saiga_mistral_7b" goes
    // through
    // PeftConfig). Engines need merged weights: artifacts.hf points to
    // IlyaGusev/saiga_mistral_7b_merged
    // ("Merged version of IlyaGusev/saiga_mistral_7b_lora", PyTorch .bin weights).
    id: "IlyaGusev/saiga_mistral_7b",
    servedName: "saiga-mistral-7b",
    paramsB: 7.24, // Mistral-7B-v0.1 (7.24B) with 2 added ChatML tokens (vocab 32002): +8.2M
    baseModel: "Open-Orca/Mistral-7B-OpenOrca",
    arch: {
      architectures: ["MistralForCausalLM"],
      model_type: "mistral",
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      hidden_size: 4096,
      intermediate_size: 14336,
      vocab_size: 32002, // OpenOrca's ChatML tokens (generation_config of the merged repo: eos_token_id 32000)
      max_position_embeddings: 32768,
      sliding_window: 4096, // Mistral v0.1: every layer slides (no pattern)
      // NOT CONFIRMED: the merged repo's config.json was not read; float16 assumed (merge of an
      // fp16 LoRA run;
      // the OpenOrca base is bfloat16). The planner picks the compute dtype from the GPU anyway.
      torch_dtype: "float16",
      tie_word_embeddings: false,
    },
    gated: false,
    artifacts: {
      hf: "IlyaGusev/saiga_mistral_7b_merged",
      // Seen in use: vLLM quantization "awq_marlin" on this repo (third-party quantization of the
      // merged weights).
      awq: "PrunaAI/IlyaGusev-saiga_mistral_7b_merged-AWQ-4bit-smashed",
      // IlyaGusev's own GGUF; llama.cpp's "q4_K" is its alias for Q4_K_M.
      gguf: {
        repo: "IlyaGusev/saiga_mistral_7b_gguf",
        file: "model-q4_K.gguf",
        quantization: "gguf-q4_k_m",
      },
    },
    source:
      "https://huggingface.co/IlyaGusev/saiga_mistral_7b_lora/blob/main/adapter_config.json (base_model_name_or_path " +
      "Open-Orca/Mistral-7B-OpenOrca) + Mistral-7B-v0.1 config geometry; " +
      `https://huggingface.co/IlyaGusev/saiga_mistral_7b_merged/blob/main/config.json not read (${LOOKED})`,
  },
  {
    id: "IlyaGusev/saiga_llama3_8b",
    servedName: "saiga-llama3-8b",
    paramsB: 8.03,
    baseModel: "meta-llama/Meta-Llama-3-8B-Instruct",
    arch: {
      architectures: ["LlamaForCausalLM"],
      model_type: "llama",
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      hidden_size: 4096,
      intermediate_size: 14336,
      vocab_size: 128256,
      max_position_embeddings: 8192, // Llama 3 (not 3.1): 8k context, rope_theta 500000, no rope_scaling
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
    },
    gated: false, // the fine-tune repo is not gated (its base meta-llama/Meta-Llama-3-8B-Instruct is)
    artifacts: {
      // Third-party AWQ of an earlier snapshot (6615aef) of this repo; the repo has since been
      // updated (v7).
      awq: "alekosus/saiga_llama3_8b_awq",
      gguf: {
        repo: "IlyaGusev/saiga_llama3_8b_gguf",
        file: "model-q4_K.gguf",
        quantization: "gguf-q4_k_m",
      },
    },
    source: `${cfg("IlyaGusev/saiga_llama3_8b")}; values as in IlyaGusev/saiga_llama3_8b_gguf/config.json and alekosus/saiga_llama3_8b_awq`,
  },
  {
    id: "IlyaGusev/saiga_nemo_12b",
    servedName: "saiga-nemo-12b",
    paramsB: 12.2,
    baseModel: "mistralai/Mistral-Nemo-Instruct-2407",
    arch: { ...MISTRAL_NEMO_ARCH },
    gated: false,
    artifacts: {
      gguf: {
        repo: "IlyaGusev/saiga_nemo_12b_gguf",
        file: "saiga_nemo_12b.Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
    },
    source: cfg("IlyaGusev/saiga_nemo_12b"),
  },
  {
    // NOT CONFIRMED THAT THIS REPO EXISTS. Seed 000 names it for the 32gb category, but IlyaGusev's
    // "Saiga"
    // collection (as last seen) lists saiga_gemma3_12b and no 27B, and no config, card or file of
    // IlyaGusev/saiga_gemma3_27b was found. Everything below is google/gemma-3-27b-it's. Verify
    // before relying on it.
    id: "IlyaGusev/saiga_gemma3_27b",
    servedName: "saiga-gemma3-27b",
    paramsB: 27.4, // NOT CONFIRMED: base gemma-3-27b-it incl. vision tower
    baseModel: "google/gemma-3-27b-it",
    arch: { ...GEMMA3_27B_ARCH }, // NOT CONFIRMED: base's (a text-only Gemma3ForCausalLM export would differ)
    gated: false, // NOT CONFIRMED (IlyaGusev's Gemma 2 Saiga is not gated; the Gemma base is)
    artifacts: {},
    extraParamsB: 0.4, // NOT CONFIRMED: base's SigLIP tower
    source: `${cfg("IlyaGusev/saiga_gemma3_27b")} NOT FOUND; architecture of google/gemma-3-27b-it`,
    unconfirmed:
      "IlyaGusev/saiga_gemma3_27b (seed 000's first choice for 32 GB GPUs) could not be confirmed to exist on 2026-11-21; if its download fails at boot, pin model: IlyaGusev/saiga_nemo_12b or google/gemma-3-27b-it (gated)",
  },

  // ---- Qwen2.5 Instruct
  // ------------------------------------------------------------------------------------------
  // Qwen2 configs carry a sliding_window value but use_sliding_window: false: every layer is full
  // attention.
  {
    id: "Qwen/Qwen2.5-0.5B-Instruct",
    servedName: "qwen2.5-0.5b-instruct",
    paramsB: 0.494,
    arch: {
      architectures: ["Qwen2ForCausalLM"],
      model_type: "qwen2",
      num_hidden_layers: 24,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      hidden_size: 896,
      intermediate_size: 4864,
      vocab_size: 151936,
      max_position_embeddings: 32768,
      sliding_window: 32768, // inactive; value as in the 0.5B/1.5B family configs
      use_sliding_window: false,
      torch_dtype: "bfloat16",
      tie_word_embeddings: true,
    },
    gated: false,
    artifacts: {
      awq: "Qwen/Qwen2.5-0.5B-Instruct-AWQ",
      gguf: {
        repo: "Qwen/Qwen2.5-0.5B-Instruct-GGUF",
        file: "qwen2.5-0.5b-instruct-q4_k_m.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "qwen2.5:0.5b", quantization: "gguf-q4_k_m" },
    },
    source: cfg("Qwen/Qwen2.5-0.5B-Instruct"),
  },
  {
    id: "Qwen/Qwen2.5-1.5B-Instruct",
    servedName: "qwen2.5-1.5b-instruct",
    paramsB: 1.54,
    arch: {
      architectures: ["Qwen2ForCausalLM"],
      model_type: "qwen2",
      num_hidden_layers: 28,
      num_attention_heads: 12,
      num_key_value_heads: 2,
      hidden_size: 1536,
      intermediate_size: 8960,
      vocab_size: 151936,
      max_position_embeddings: 32768,
      sliding_window: 32768, // inactive
      use_sliding_window: false,
      torch_dtype: "bfloat16",
      tie_word_embeddings: true,
    },
    gated: false,
    artifacts: {
      awq: "Qwen/Qwen2.5-1.5B-Instruct-AWQ",
      gguf: {
        repo: "Qwen/Qwen2.5-1.5B-Instruct-GGUF",
        file: "qwen2.5-1.5b-instruct-q4_k_m.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "qwen2.5:1.5b", quantization: "gguf-q4_k_m" },
    },
    source: cfg("Qwen/Qwen2.5-1.5B-Instruct"),
  },
  {
    id: "Qwen/Qwen2.5-7B-Instruct",
    servedName: "qwen2.5-7b-instruct",
    paramsB: 7.62,
    arch: {
      architectures: ["Qwen2ForCausalLM"],
      model_type: "qwen2",
      num_hidden_layers: 28,
      num_attention_heads: 28,
      num_key_value_heads: 4,
      hidden_size: 3584,
      intermediate_size: 18944,
      vocab_size: 152064,
      max_position_embeddings: 32768, // 131072 with YaRN rope_scaling, which the config does not enable
      sliding_window: 131072, // inactive
      use_sliding_window: false,
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
    },
    gated: false,
    artifacts: {
      awq: "Qwen/Qwen2.5-7B-Instruct-AWQ",
      // Qwen's own GGUF repo splits the 7B+ Q4_K_M into parts (…-00001-of-00002.gguf); bartowski's
      // is one file.
      gguf: {
        repo: "bartowski/Qwen2.5-7B-Instruct-GGUF",
        file: "Qwen2.5-7B-Instruct-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "qwen2.5:7b", quantization: "gguf-q4_k_m" },
    },
    source: cfg("Qwen/Qwen2.5-7B-Instruct"),
  },
  {
    id: "Qwen/Qwen2.5-14B-Instruct",
    servedName: "qwen2.5-14b-instruct",
    paramsB: 14.8,
    arch: {
      architectures: ["Qwen2ForCausalLM"],
      model_type: "qwen2",
      num_hidden_layers: 48,
      num_attention_heads: 40,
      num_key_value_heads: 8,
      hidden_size: 5120,
      intermediate_size: 13824,
      vocab_size: 152064,
      max_position_embeddings: 32768,
      sliding_window: 131072, // inactive
      use_sliding_window: false,
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
    },
    gated: false,
    artifacts: {
      awq: "Qwen/Qwen2.5-14B-Instruct-AWQ",
      gguf: {
        repo: "bartowski/Qwen2.5-14B-Instruct-GGUF",
        file: "Qwen2.5-14B-Instruct-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "qwen2.5:14b", quantization: "gguf-q4_k_m" },
    },
    // Geometry seen in copies of the Qwen2.5-14B config (same as DeepSeek-R1-Distill-Qwen-14B's,
    // which is built on it).
    source: cfg("Qwen/Qwen2.5-14B-Instruct"),
  },
  {
    id: "Qwen/Qwen2.5-32B-Instruct",
    servedName: "qwen2.5-32b-instruct",
    paramsB: 32.8,
    arch: {
      architectures: ["Qwen2ForCausalLM"],
      model_type: "qwen2",
      num_hidden_layers: 64,
      num_attention_heads: 40,
      num_key_value_heads: 8,
      hidden_size: 5120,
      intermediate_size: 27648,
      vocab_size: 152064,
      max_position_embeddings: 32768,
      sliding_window: 131072, // inactive
      use_sliding_window: false,
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
    },
    gated: false,
    artifacts: {
      awq: "Qwen/Qwen2.5-32B-Instruct-AWQ",
      gguf: {
        repo: "bartowski/Qwen2.5-32B-Instruct-GGUF",
        file: "Qwen2.5-32B-Instruct-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "qwen2.5:32b", quantization: "gguf-q4_k_m" },
    },
    source: cfg("Qwen/Qwen2.5-32B-Instruct"),
  },
  {
    id: "Qwen/Qwen2.5-72B-Instruct",
    servedName: "qwen2.5-72b-instruct",
    paramsB: 72.7,
    arch: {
      architectures: ["Qwen2ForCausalLM"],
      model_type: "qwen2",
      num_hidden_layers: 80,
      num_attention_heads: 64,
      num_key_value_heads: 8,
      hidden_size: 8192,
      intermediate_size: 29568,
      vocab_size: 152064,
      max_position_embeddings: 32768,
      sliding_window: 131072, // inactive (max_window_layers 70)
      use_sliding_window: false,
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
    },
    gated: false, // Qwen licence (not Apache) but not gated
    artifacts: {
      awq: "Qwen/Qwen2.5-72B-Instruct-AWQ",
      // One 47.4 GB file (Qwen's own repo splits it in 12 parts).
      gguf: {
        repo: "bartowski/Qwen2.5-72B-Instruct-GGUF",
        file: "Qwen2.5-72B-Instruct-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "qwen2.5:72b", quantization: "gguf-q4_k_m" },
    },
    source: `${cfg("Qwen/Qwen2.5-72B-Instruct")}; values as in XelotX/Qwen2.5-72B-Instruct-Original ("Duplicate from Qwen/Qwen2.5-72B-Instruct")`,
  },

  // ---- Qwen3
  // -----------------------------------------------------------------------------------------------------
  {
    id: "Qwen/Qwen3-8B",
    servedName: "qwen3-8b",
    paramsB: 8.19,
    arch: { ...QWEN3_8B_ARCH },
    gated: false,
    artifacts: {
      awq: "Qwen/Qwen3-8B-AWQ",
      fp8: "Qwen/Qwen3-8B-FP8",
      // Real name is capitalised; seed 001's "qwen3-8b-q4_k_m.gguf" is not a file of this repo.
      gguf: {
        repo: "Qwen/Qwen3-8B-GGUF",
        file: "Qwen3-8B-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "qwen3:8b", quantization: "gguf-q4_k_m" },
    },
    reasoning: "qwen3",
    source: cfg("Qwen/Qwen3-8B"),
  },
  {
    id: "Qwen/Qwen3-32B",
    servedName: "qwen3-32b",
    paramsB: 32.8,
    arch: {
      architectures: ["Qwen3ForCausalLM"],
      model_type: "qwen3",
      num_hidden_layers: 64,
      num_attention_heads: 64,
      num_key_value_heads: 8,
      head_dim: 128, // 64 × 128 = 8192 ≠ hidden 5120
      hidden_size: 5120,
      intermediate_size: 25600,
      vocab_size: 151936,
      max_position_embeddings: 40960,
      sliding_window: null,
      use_sliding_window: false,
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
    },
    gated: false,
    artifacts: {
      awq: "Qwen/Qwen3-32B-AWQ",
      fp8: "Qwen/Qwen3-32B-FP8",
      gguf: {
        repo: "Qwen/Qwen3-32B-GGUF",
        file: "Qwen3-32B-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "qwen3:32b", quantization: "gguf-q4_k_m" },
    },
    reasoning: "qwen3",
    source: cfg("Qwen/Qwen3-32B"),
  },

  // ---- DeepSeek R1 distill
  // ---------------------------------------------------------------------------------------
  {
    id: "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
    servedName: "deepseek-r1-distill-qwen-1.5b",
    paramsB: 1.78, // untied embeddings: 0.23B more than Qwen2.5-1.5B
    arch: {
      architectures: ["Qwen2ForCausalLM"],
      model_type: "qwen2",
      num_hidden_layers: 28,
      num_attention_heads: 12,
      num_key_value_heads: 2,
      hidden_size: 1536,
      intermediate_size: 8960,
      vocab_size: 151936,
      max_position_embeddings: 131072,
      sliding_window: null, // current config (early revisions had 4096); inactive either way
      use_sliding_window: false,
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
    },
    gated: false,
    artifacts: {
      gguf: {
        repo: "bartowski/DeepSeek-R1-Distill-Qwen-1.5B-GGUF",
        file: "DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "deepseek-r1:1.5b", quantization: "gguf-q4_k_m" },
    },
    reasoning: "deepseek_r1",
    source: cfg("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"),
  },

  // ---- Mistral
  // ---------------------------------------------------------------------------------------------------
  {
    id: "mistralai/Mistral-7B-Instruct-v0.3",
    servedName: "mistral-7b-instruct-v0.3",
    paramsB: 7.25,
    arch: {
      architectures: ["MistralForCausalLM"],
      model_type: "mistral",
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      hidden_size: 4096,
      intermediate_size: 14336,
      vocab_size: 32768, // v3 tokenizer
      max_position_embeddings: 32768,
      sliding_window: null, // v0.2+ dropped sliding-window attention
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
    },
    gated: true, // "agree to share your contact information" (auto-approved, but needs an HF token)
    artifacts: {
      gguf: {
        repo: "bartowski/Mistral-7B-Instruct-v0.3-GGUF",
        file: "Mistral-7B-Instruct-v0.3-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      // NOT CONFIRMED directly: the library's v0.2 twin "mistral:7b-instruct-v0.2-q4_K_M" and
      // "mistral:7b-instruct-q4_K_M"
      // were seen; the v0.3 tag follows the same naming. (The untagged mistral:7b default ships
      // Q4_0, not Q4_K_M.)
      ollama: { tag: "mistral:7b-instruct-v0.3-q4_K_M", quantization: "gguf-q4_k_m" },
    },
    source: cfg("mistralai/Mistral-7B-Instruct-v0.3"),
  },

  // ---- Meta Llama (all gated: Llama community licence acceptance)
  // -----------------------------------------------
  {
    id: "meta-llama/Llama-3.2-1B-Instruct",
    servedName: "llama-3.2-1b-instruct",
    paramsB: 1.24,
    arch: {
      architectures: ["LlamaForCausalLM"],
      model_type: "llama",
      num_hidden_layers: 16,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      head_dim: 64,
      hidden_size: 2048,
      intermediate_size: 8192,
      vocab_size: 128256,
      max_position_embeddings: 131072,
      torch_dtype: "bfloat16",
      tie_word_embeddings: true,
    },
    gated: true,
    artifacts: {
      gguf: {
        repo: "bartowski/Llama-3.2-1B-Instruct-GGUF",
        file: "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "llama3.2:1b", quantization: "gguf-q8_0" }, // the 1B default tag is Q8_0 (1.3 GB)
    },
    source: cfg("meta-llama/Llama-3.2-1B-Instruct"),
  },
  {
    id: "meta-llama/Llama-3.2-3B-Instruct",
    servedName: "llama-3.2-3b-instruct",
    paramsB: 3.21,
    arch: {
      architectures: ["LlamaForCausalLM"],
      model_type: "llama",
      num_hidden_layers: 28,
      num_attention_heads: 24,
      num_key_value_heads: 8,
      head_dim: 128,
      hidden_size: 3072,
      intermediate_size: 8192,
      vocab_size: 128256,
      max_position_embeddings: 131072,
      torch_dtype: "bfloat16",
      tie_word_embeddings: true,
    },
    gated: true,
    artifacts: {
      gguf: {
        repo: "bartowski/Llama-3.2-3B-Instruct-GGUF",
        file: "Llama-3.2-3B-Instruct-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "llama3.2:3b", quantization: "gguf-q4_k_m" },
    },
    source: cfg("meta-llama/Llama-3.2-3B-Instruct"),
  },
  {
    id: "meta-llama/Llama-3.1-8B-Instruct",
    servedName: "llama-3.1-8b-instruct",
    paramsB: 8.03,
    arch: {
      architectures: ["LlamaForCausalLM"],
      model_type: "llama",
      num_hidden_layers: 32,
      num_attention_heads: 32,
      num_key_value_heads: 8,
      hidden_size: 4096,
      intermediate_size: 14336,
      vocab_size: 128256,
      max_position_embeddings: 131072, // llama3 rope_scaling, factor 8 over 8192
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
    },
    gated: true,
    artifacts: {
      awq: "hugging-quants/Meta-Llama-3.1-8B-Instruct-AWQ-INT4",
      gguf: {
        repo: "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF",
        file: "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "llama3.1:8b", quantization: "gguf-q4_k_m" },
    },
    source: cfg("meta-llama/Llama-3.1-8B-Instruct"),
  },
  {
    id: "meta-llama/Llama-3.1-70B-Instruct",
    servedName: "llama-3.1-70b-instruct",
    paramsB: 70.6,
    arch: { ...LLAMA_70B_ARCH },
    gated: true,
    artifacts: {
      awq: "hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4",
      gguf: {
        repo: "bartowski/Meta-Llama-3.1-70B-Instruct-GGUF",
        file: "Meta-Llama-3.1-70B-Instruct-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "llama3.1:70b", quantization: "gguf-q4_k_m" },
    },
    source: cfg("meta-llama/Llama-3.1-70B-Instruct"),
  },
  {
    id: "meta-llama/Llama-3.3-70B-Instruct",
    servedName: "llama-3.3-70b-instruct",
    paramsB: 70.6,
    arch: { ...LLAMA_70B_ARCH },
    gated: true,
    artifacts: {
      // No AWQ / FP8 repo confirmed for 3.3.
      gguf: {
        repo: "bartowski/Llama-3.3-70B-Instruct-GGUF",
        file: "Llama-3.3-70B-Instruct-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "llama3.3:70b", quantization: "gguf-q4_k_m" },
    },
    source: cfg("meta-llama/Llama-3.3-70B-Instruct"),
  },

  // ---- Google Gemma 3
  // --------------------------------------------------------------------------------------------
  {
    id: "google/gemma-3-27b-it",
    servedName: "gemma-3-27b-it",
    paramsB: 27.4, // including the ~0.4B SigLIP vision tower + projector
    arch: { ...GEMMA3_27B_ARCH },
    gated: true, // Gemma Terms of Use, manual acceptance
    artifacts: {
      gguf: {
        repo: "bartowski/google_gemma-3-27b-it-GGUF",
        file: "google_gemma-3-27b-it-Q4_K_M.gguf",
        quantization: "gguf-q4_k_m",
      },
      ollama: { tag: "gemma3:27b", quantization: "gguf-q4_k_m" },
    },
    extraParamsB: 0.4, // SigLIP-So400m vision encoder (27 layers, hidden 1152) + multimodal projector
    source: `${cfg("google/gemma-3-27b-it")} (text_config); values as in vendored GEMMA3_27B_CONFIG test fixtures`,
  },

  // ---- Embedding and reranker models (pools with task: embedding / rerank; vLLM's pooling runner)
  // -----------------
  // Seed 001 serves an embedding and a reranker service beside chat; it names no model. These are
  // the common
  // multilingual choices (Russian included).
  {
    id: "BAAI/bge-m3",
    servedName: "bge-m3",
    paramsB: 0.568, // model card "568M"
    task: "embedding",
    // XLM-RoBERTa-large: 24 layers, 16 heads, hidden 1024, intermediate 4096, vocab 250002, 8194
    // positions
    // (8192 usable: RoBERTa offsets positions by the padding index). config.json says float32;
    // engines run it in
    // the GPU's half type. Values as commonly vendored for XLM-R large; not re-read from the Hub
    // (2026-11-21).
    arch: {
      architectures: ["XLMRobertaModel"],
      model_type: "xlm-roberta",
      num_hidden_layers: 24,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      hidden_size: 1024,
      intermediate_size: 4096,
      vocab_size: 250002,
      max_position_embeddings: 8194,
      torch_dtype: "float32",
      tie_word_embeddings: false,
    },
    gated: false,
    artifacts: {},
    source: `${cfg("BAAI/bge-m3")} (XLM-RoBERTa-large shape; not re-read 2026-11-21)`,
  },
  {
    id: "Qwen/Qwen3-Embedding-0.6B",
    servedName: "qwen3-embedding-0.6b",
    paramsB: 0.596,
    task: "embedding",
    // Qwen3-0.6B's shape with vocab 151669 and 32768 positions: published config as vendored in
    // public test
    // fixtures (architectures Qwen3ForCausalLM, hidden 1024, 28 layers, vocab 151669, 32768
    // positions), read 2026-11-21.
    arch: {
      architectures: ["Qwen3ForCausalLM"],
      model_type: "qwen3",
      num_hidden_layers: 28,
      num_attention_heads: 16,
      num_key_value_heads: 8,
      head_dim: 128,
      hidden_size: 1024,
      intermediate_size: 3072,
      vocab_size: 151669,
      max_position_embeddings: 32768,
      torch_dtype: "bfloat16",
      tie_word_embeddings: true,
    },
    gated: false,
    artifacts: {},
    source: `${cfg("Qwen/Qwen3-Embedding-0.6B")} (as vendored in public test fixtures, 2026-11-21)`,
  },
  {
    id: "BAAI/bge-reranker-v2-m3",
    servedName: "bge-reranker-v2-m3",
    paramsB: 0.568, // bge-m3's encoder with a one-logit classification head
    task: "rerank",
    arch: {
      architectures: ["XLMRobertaForSequenceClassification"],
      model_type: "xlm-roberta",
      num_hidden_layers: 24,
      num_attention_heads: 16,
      num_key_value_heads: 16,
      hidden_size: 1024,
      intermediate_size: 4096,
      vocab_size: 250002,
      max_position_embeddings: 8194,
      torch_dtype: "float32",
      tie_word_embeddings: false,
    },
    gated: false,
    artifacts: {},
    source: `${cfg("BAAI/bge-reranker-v2-m3")} (XLM-RoBERTa-large shape; not re-read 2026-11-21)`,
  },
];

/**
 * Finds a model by its exact Hugging Face id (case-insensitive) or its served name.
 * `extra` (e.g. models declared in stack config) is searched first, so it can shadow a built-in
 * entry.
 */
export function findModel(
  idOrServedName: string,
  extra: readonly ModelSpec[] = [],
): ModelSpec | undefined {
  const key = idOrServedName.trim().toLowerCase();
  if (key === "") return undefined;
  for (const list of [extra, MODELS]) {
    const hit = list.find((m) => m.id.toLowerCase() === key || m.servedName.toLowerCase() === key);
    if (hit) return hit;
  }
  // An Ollama tag ("qwen3:8b"): the model whose Ollama artifact it is.
  for (const list of [extra, MODELS])
    for (const m of list) if (m.artifacts.ollama?.tag.toLowerCase() === key) return m;
  return undefined;
}

/** Whether `name` is the model's Ollama tag (how a pool names a model it serves on Ollama). */
export function isOllamaTagOf(model: ModelSpec, name: string): boolean {
  return model.artifacts.ollama?.tag.toLowerCase() === name.trim().toLowerCase();
}
