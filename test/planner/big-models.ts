// Models larger than any single host, for the multi-node planner's tests (test/kubernetes and
// test/planner): their config.json as the stack's gpufleet:models would give them.
import { modelSchema, toModelSpec } from "../../config";

// config.json of meta-llama/Llama-3.1-405B-Instruct and Qwen/Qwen3-235B-A22B-Instruct-2507
// (huggingface.co, checked 2026-12-01); Qwen3's total/active parameters from its model card.
export const LLAMA_405B = toModelSpec(
  modelSchema.parse({
    id: "meta-llama/Llama-3.1-405B-Instruct",
    gated: true,
    config: {
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
    },
  }),
  0,
);
export const QWEN3_235B = toModelSpec(
  modelSchema.parse({
    id: "Qwen/Qwen3-235B-A22B-Instruct-2507",
    paramsB: 235.09,
    activeParamsB: 22.14,
    config: {
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
      max_position_embeddings: 262144,
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
    },
  }),
  1,
);
export const BIG_MODELS = [LLAMA_405B, QWEN3_235B];
