// Pool plans for the cloud-init tests, planned by the planner the program runs (pinned where a test
// needs a given engine, model or layout), so every engine fact a renderer reads comes from the
// planner's engine catalog and the images are the pinned releases.
import type { RenderContext } from "../../cloud-init";
import { planFleet } from "../../planner/plan";
import type { PoolPlan, PoolSpec } from "../../planner/types";

export const CONTEXT: RenderContext = {
  stack: "dev",
  region: "us-east-1",
  apiKeyParameter: "/gpufleet/dev/engine-api-key",
  hfTokenParameter: "/gpufleet/dev/hf-token",
  logGroup: "/gpufleet/dev",
};

function planned(pool: PoolSpec): PoolPlan {
  const plan = planFleet({ stack: CONTEXT.stack, pools: [pool] });
  return plan.pools[0]!;
}

/** g5.2xlarge: one A10G, one vLLM replica of saiga_nemo_12b in fp8 (the dev stack's a10g pool). */
export const A10G_VLLM: PoolPlan = planned({
  name: "a10g",
  instanceType: "g5.2xlarge",
  count: 2,
  model: "IlyaGusev/saiga_nemo_12b",
  engine: "vllm",
});

/** g5.12xlarge: four A10G, one SGLang replica per GPU. */
export const G5_12XL_SGLANG: PoolPlan = planned({
  name: "sglang4",
  instanceType: "g5.12xlarge",
  count: 1,
  model: "Vikhrmodels/QVikhr-3-8B-Instruction",
  engine: "sglang",
});

/** p4d.24xlarge: eight A100-40GB, one vLLM replica per GPU (the largest user data). */
export const P4D_VLLM8: PoolPlan = planned({
  name: "a100x8",
  instanceType: "p4d.24xlarge",
  count: 1,
  model: "Qwen/Qwen2.5-14B-Instruct",
  engine: "vllm",
  tensorParallel: 1,
});

/** g5.12xlarge: one lmdeploy replica with tensor parallelism over four A10G (AWQ weights). */
export const G5_12XL_LMDEPLOY_TP4: PoolPlan = planned({
  name: "lmdeploy-tp4",
  instanceType: "g5.12xlarge",
  count: 1,
  model: "Qwen/Qwen2.5-32B-Instruct",
  engine: "lmdeploy",
  quantization: "awq",
  tensorParallel: 4,
});

/** g5.xlarge: Ollama (the Ollama library's Q4_K_M tag), 8-bit KV cache. */
export const G5_OLLAMA: PoolPlan = planned({
  name: "ollama",
  instanceType: "g5.xlarge",
  count: 1,
  model: "Qwen/Qwen2.5-7B-Instruct",
  engine: "ollama",
  kvCacheDtype: "q8_0",
});

/** g6.xlarge: llama.cpp serving one GGUF file on an L4, 8-bit KV cache. */
export const G6_LLAMACPP: PoolPlan = planned({
  name: "llamacpp",
  instanceType: "g6.xlarge",
  count: 1,
  model: "Qwen/Qwen2.5-7B-Instruct",
  engine: "llamacpp",
  kvCacheDtype: "q8_0",
});

export const ALL_POOLS: PoolPlan[] = [
  A10G_VLLM,
  G5_12XL_SGLANG,
  P4D_VLLM8,
  G5_12XL_LMDEPLOY_TP4,
  G5_OLLAMA,
  G6_LLAMACPP,
];

/**
 * The other 19 instance types of an elastic pool that names the most it may (20 with its own
 * `instanceType`), large ones first: test/cloud-init/boot-files.test.ts and
 * test/components/user-data-size.test.ts plan and render it.
 */
export const TWENTY_TYPES: string[] = [
  "g6.48xlarge",
  "g6e.48xlarge",
  "g5.24xlarge",
  "g6.24xlarge",
  "g6e.24xlarge",
  "g5.12xlarge",
  "g6.12xlarge",
  "g6e.12xlarge",
  "p4d.24xlarge",
  "p4de.24xlarge",
  "p5.48xlarge",
  "p5e.48xlarge",
  "p5en.48xlarge",
  "g5.2xlarge",
  "g6.2xlarge",
  "g6e.2xlarge",
  "g5.xlarge",
  "g6.xlarge",
  "g6e.xlarge",
];
