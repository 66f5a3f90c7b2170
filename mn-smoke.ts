import { toModelSpec } from "./config/plan-input";
import { planFleetMultiNode } from "./planner/multinode";
import { modelSchema } from "./config/schema";
const llama = toModelSpec(modelSchema.parse({ id: "meta-llama/Llama-3.1-405B-Instruct", gated: true, config: { architectures: ["LlamaForCausalLM"], model_type: "llama", num_hidden_layers: 126, num_attention_heads: 128, num_key_value_heads: 8, hidden_size: 16384, intermediate_size: 53248, vocab_size: 128256, max_position_embeddings: 131072, torch_dtype: "bfloat16", tie_word_embeddings: false } }), 0);
const qwen = toModelSpec(modelSchema.parse({ id: "Qwen/Qwen3-235B-A22B-Instruct-2507", paramsB: 235.09, activeParamsB: 22.14, config: { architectures: ["Qwen3MoeForCausalLM"], model_type: "qwen3_moe", num_hidden_layers: 94, num_attention_heads: 64, num_key_value_heads: 4, head_dim: 128, hidden_size: 4096, intermediate_size: 12288, moe_intermediate_size: 1536, num_experts: 128, num_experts_per_tok: 8, vocab_size: 151936, max_position_embeddings: 262144, torch_dtype: "bfloat16", tie_word_embeddings: false } }), 1);
for (const [m, gpu, q] of [[llama, "L4", "fp8"], [llama, "H100", "none"], [qwen, "L4", undefined], [qwen, "L4", "fp8"], [llama, "L4", "none"]] as const) {
  try {
    const p = planFleetMultiNode({ stack: "t", pools: [{ name: "big", gpu: gpu as any, gpuCount: 8, count: 1, model: m.id, engine: "auto", quantization: q as any }], models: [llama, qwen] });
    const r = p.pools[0]!.replicas[0]!;
    console.log(m.id, gpu, q, JSON.stringify(r.multiNode && [r.multiNode.nodes, r.multiNode.tensorParallel]), r.maxModelLen, r.model.quantization, JSON.stringify(r.memory), r.estimates);
  } catch (e) { console.log(m.id, gpu, q, (e as any).problems ?? e); }
}
