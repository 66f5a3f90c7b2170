import { runUnderMocks } from "./cli/preview";
const cfg = {
  "gpufleet:target": "kubernetes",
  "gpufleet:pools": JSON.stringify([{ name: "l4", gpu: "L4", gpuCount: 1, count: 2 }, { name: "big", gpu: "L4", gpuCount: 8, count: 1, model: "meta-llama/Llama-3.1-405B-Instruct", quantization: "fp8" }]),
  "gpufleet:models": JSON.stringify([{ id: "meta-llama/Llama-3.1-405B-Instruct", gated: true, config: { architectures: ["LlamaForCausalLM"], model_type: "llama", num_hidden_layers: 126, num_attention_heads: 128, num_key_value_heads: 8, hidden_size: 16384, intermediate_size: 53248, vocab_size: 128256, max_position_embeddings: 131072, torch_dtype: "bfloat16", tie_word_embeddings: false } }]),
  "gpufleet:gateway": JSON.stringify({ enabled: true }),
  "gpufleet:hfToken": "hf_abcdefghijklmnopqrstuvwxyz0123456789",
};
(async () => {
  const t = Date.now();
  const run = await runUnderMocks({ project: "gpufleet", stack: "dev", region: "us-east-1", config: cfg, secretKeys: ["gpufleet:hfToken"], dryRun: true, load: async () => require("./components/kubernetes/program") });
  console.log(Date.now() - t, "ms", run.resources.length);
  for (const r of run.resources) console.log(r.type, r.name);
  console.log(Object.keys(run.outputs));
})().catch((e) => { console.error(e); process.exit(1); });
