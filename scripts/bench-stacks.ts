// The stacks `npm run bench` plans and previews, built here so that a test can check that every one
// of them is a stack the program accepts (test/bench/stacks.test.ts): a benchmark of a refused
// stack measures nothing.
import { LLAMA_31_405B } from "../calibration/architectures";
import { MODELS } from "../planner/catalog/models";
import { INSTANCE_TYPES } from "../planner/catalog/instances";

// Qwen2.5-1.5B's architecture, the model every generated pool serves a copy of.
const QWEN25_15B = MODELS.find((m) => m.id === "Qwen/Qwen2.5-1.5B-Instruct")!;

/** A `gpufleet plan` stack of `pools` pools, every EC2 type in turn, the planner choosing. */
export function generatedStack(pools: number): Record<string, unknown> {
  const types = INSTANCE_TYPES.map((t) => t.name);
  return {
    pools: Array.from({ length: pools }, (_, i) => ({
      name: `pool-${i}`,
      instanceType: types[i % types.length],
      count: 1 + (i % 3),
    })),
  };
}

/**
 * A stack of `pools` full pools for the preview: every EC2 type in turn (multi-GPU types get a
 * replica per GPU), each pool serving its own model (copies of Qwen2.5-1.5B's architecture under
 * distinct ids), so that the load balancer gets one target group and one header rule per pool — 100
 * pools is the ALB's limit of both. Monitoring on (the default), its admin route private.
 */
export function previewStack(pools: number): Record<string, unknown> {
  const types = INSTANCE_TYPES.filter((t) => t.pricePerHour > 0).map((t) => t.name);
  return {
    "aws:region": "us-east-1",
    // Grafana and LiteLLM's UI through SSM port forwarding: a public admin route without a
    // certificate is refused (passwords over plain HTTP).
    "gpufleet:loadBalancer": { adminRoutes: "private" },
    "gpufleet:pools": Array.from({ length: pools }, (_, i) => ({
      name: `pool-${i}`,
      instanceType: types[i % types.length],
      count: 1 + (i % 3),
      model: `bench/model-${i}`,
    })),
    "gpufleet:models": Array.from({ length: pools }, (_, i) => ({
      id: `bench/model-${i}`,
      config: QWEN25_15B.arch,
    })),
  };
}

/**
 * A `pools`-pool Kubernetes stack (target kubernetes, the gateway on): pools on own GPUs in turn, each
 * serving its own model, one of them Llama-3.1-405B-sized so that a LeaderWorkerSet spans nodes.
 */
export function kubernetesStack(pools: number): Record<string, unknown> {
  const aws = previewStack(pools);
  const gpus = ["L4", "A10G", "L40S", "A100-80GB", "H100"];
  const stack = {
    "gpufleet:target": "kubernetes",
    "gpufleet:gateway": { enabled: true },
    "gpufleet:kubernetes": { tls: { secretName: "gpufleet-tls", hostname: "llm.example.com" } },
    "gpufleet:hfToken": "hf_bench_placeholder_token_not_a_secret",
    "gpufleet:pools": [
      ...Array.from({ length: pools - 1 }, (_, i) => ({
        name: `pool-${i}`,
        gpu: gpus[i % gpus.length],
        gpuCount: [1, 2, 4, 8][i % 4],
        count: 1 + (i % 3),
        model: `bench/model-${i}`,
      })),
      { name: "big", gpu: "L4", gpuCount: 8, model: "bench/llama-405b", quantization: "fp8" },
    ],
    "gpufleet:models": [
      ...(aws["gpufleet:models"] as unknown[]),
      {
        id: "bench/llama-405b",
        config: LLAMA_31_405B,
      },
    ],
  };
  return stack;
}

/**
 * The preview stack with every pool elastic: spot above an on-demand base of 1, three instance
 * types of one size class (each planned, all in the user data), queue scaling with a night
 * schedule — the policies, alarms and dashboard of issue 16 at the ALB's limit of 100 pools.
 */
export function spotPreviewStack(pools: number): Record<string, unknown> {
  const base = previewStack(pools);
  const sets = [
    ["g5.xlarge", "g6.xlarge", "g6e.xlarge"],
    ["g6.2xlarge", "g5.2xlarge", "g6e.2xlarge"],
    ["g5.12xlarge", "g6.12xlarge", "g6e.12xlarge"],
  ];
  const specs = base["gpufleet:pools"] as Array<Record<string, unknown>>;
  return {
    ...base,
    "gpufleet:pools": specs.map((p, i) => {
      const [first, ...rest] = sets[i % sets.length]!;
      return {
        ...p,
        instanceType: first,
        count: 2,
        minCount: 1,
        maxCount: 8,
        capacity: { spot: true, onDemandBase: 1, instanceTypes: rest },
        scaling: {
          targetWaitingPerInstance: 4,
          schedules: [{ name: "night", recurrence: "0 22 * * *", minCount: 0, count: 0 }],
        },
      };
    }),
  };
}
