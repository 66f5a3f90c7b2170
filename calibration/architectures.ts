// config.json values of models outside the planner's well-known list (planner/catalog/models.ts),
// each with its source and the date it was read: the calibration table's models (calibration/cases.ts)
// and the big models the multi-node planner's tests and the benchmark plan. Pure data, no logic.
import type { ModelArchitecture } from "../planner/types";

// Qwen/Qwen3-0.6B config.json (https://huggingface.co/Qwen/Qwen3-0.6B/blob/main/config.json, read
// 2026-11-21):
// 28 layers, 16 heads, 8 KV heads, head_dim 128, hidden 1024, intermediate 3072, vocab 151936,
// 40960 positions, tied.
export const QWEN3_0_6B: ModelArchitecture & { paramsB: number } = {
  architectures: ["Qwen3ForCausalLM"],
  model_type: "qwen3",
  num_hidden_layers: 28,
  num_attention_heads: 16,
  num_key_value_heads: 8,
  head_dim: 128,
  hidden_size: 1024,
  intermediate_size: 3072,
  vocab_size: 151936,
  max_position_embeddings: 40960,
  torch_dtype: "bfloat16",
  tie_word_embeddings: true,
  paramsB: 0.596,
};

export const META_LLAMA_3_8B: ModelArchitecture & { paramsB: number } = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 128,
  hidden_size: 4096,
  intermediate_size: 14336,
  vocab_size: 128256,
  max_position_embeddings: 8192,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 8.03,
};

// Qwen/Qwen3-235B-A22B config.json (huggingface.co, read 2026-11-21): 94 layers, 64 heads, 4 KV heads,
// head_dim 128, 128 experts (8 active), 40960 positions; its -Instruct-2507 release has 262144.
export const QWEN3_235B_A22B: ModelArchitecture & { paramsB: number } = {
  architectures: ["Qwen3MoeForCausalLM"],
  model_type: "qwen3_moe",
  num_hidden_layers: 94,
  num_attention_heads: 64,
  num_key_value_heads: 4,
  head_dim: 128,
  hidden_size: 4096,
  intermediate_size: 12288,
  moe_intermediate_size: 1536,
  num_experts: 128,
  num_experts_per_tok: 8,
  vocab_size: 151936,
  max_position_embeddings: 40960,
  sliding_window: null,
  use_sliding_window: false,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 235,
};

export const QWQ_32B: ModelArchitecture & { paramsB: number } = {
  architectures: ["Qwen2ForCausalLM"],
  model_type: "qwen2",
  num_hidden_layers: 64,
  num_attention_heads: 40,
  num_key_value_heads: 8,
  hidden_size: 5120,
  intermediate_size: 27648,
  vocab_size: 152064,
  // SGLang logged context_len=131072 for this checkpoint, i.e. config max_position_embeddings
  // 131072.
  max_position_embeddings: 131072,
  use_sliding_window: false,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 32.8,
};

export const R1_DISTILL_QWEN_7B: ModelArchitecture & { paramsB: number } = {
  architectures: ["Qwen2ForCausalLM"],
  model_type: "qwen2",
  num_hidden_layers: 28,
  num_attention_heads: 28,
  num_key_value_heads: 4,
  hidden_size: 3584,
  intermediate_size: 18944,
  vocab_size: 152064,
  max_position_embeddings: 131072,
  sliding_window: 4096,
  use_sliding_window: false,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 7.62,
};

export const R1_DISTILL_QWEN_14B: ModelArchitecture & { paramsB: number } = {
  architectures: ["Qwen2ForCausalLM"],
  model_type: "qwen2",
  num_hidden_layers: 48,
  num_attention_heads: 40,
  num_key_value_heads: 8,
  hidden_size: 5120,
  intermediate_size: 13824,
  vocab_size: 152064,
  max_position_embeddings: 131072,
  use_sliding_window: false,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 14.8,
};

/**
 * Llama-3.2-11B-Vision: text_config of the mllama checkpoint (40 decoder layers incl. 8
 * cross-attention).
 */
export const LLAMA_32_11B_VISION: ModelArchitecture & { paramsB: number } = {
  architectures: ["MllamaForConditionalGeneration"],
  model_type: "mllama",
  num_hidden_layers: 40,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  head_dim: 128,
  hidden_size: 4096,
  intermediate_size: 14336,
  vocab_size: 128256,
  max_position_embeddings: 131072,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 10.6,
};

export const LLAMA_2_7B: ModelArchitecture & { paramsB: number } = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 32,
  hidden_size: 4096,
  intermediate_size: 11008,
  vocab_size: 32000,
  max_position_embeddings: 4096,
  torch_dtype: "float16",
  tie_word_embeddings: false,
  paramsB: 6.74,
};

export const LLAMA_2_70B: ModelArchitecture & { paramsB: number } = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  num_hidden_layers: 80,
  num_attention_heads: 64,
  num_key_value_heads: 8,
  hidden_size: 8192,
  intermediate_size: 28672,
  vocab_size: 32000,
  max_position_embeddings: 4096,
  torch_dtype: "float16",
  tie_word_embeddings: false,
  paramsB: 69.0,
};

export const QWEN3_30B_A3B: ModelArchitecture & { paramsB: number } = {
  architectures: ["Qwen3MoeForCausalLM"],
  model_type: "qwen3_moe",
  num_hidden_layers: 48,
  num_attention_heads: 32,
  num_key_value_heads: 4,
  head_dim: 128,
  hidden_size: 2048,
  intermediate_size: 6144,
  moe_intermediate_size: 768,
  num_experts: 128,
  num_experts_per_tok: 8,
  vocab_size: 151936,
  max_position_embeddings: 262144,
  use_sliding_window: false,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
  paramsB: 30.5,
};

// meta-llama/Llama-3.1-405B-Instruct config.json (huggingface.co, read 2026-12-01): 126 layers,
// 128 heads, 8 KV heads, hidden 16384, intermediate 53248, vocab 128256, 131072 positions, untied
// (parameters counted from these). Larger than any single host: the multi-node planner's case.
export const LLAMA_31_405B: ModelArchitecture = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  num_hidden_layers: 126,
  num_attention_heads: 128,
  num_key_value_heads: 8,
  hidden_size: 16384,
  intermediate_size: 53248,
  vocab_size: 128256,
  max_position_embeddings: 131072,
  torch_dtype: "bfloat16",
  tie_word_embeddings: false,
};
