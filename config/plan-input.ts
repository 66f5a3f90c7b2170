// From validated config to the planner's plain input: pools as PoolSpec, gpufleet:models as
// ModelSpec.
import { deriveParams } from "../planner/memory";
import { architectureOf, findGpu } from "../planner/catalog/gpus";
import type { GpuSpec, ModelSpec } from "../planner/types";
import { planElasticFleet, type ElasticPlanInput, type ElasticPoolSpec } from "../planner/capacity";
import { planFleetMultiNode } from "../planner/multinode";
import { planSharedFleet, type Placement } from "../planner/sharing";
import type { FleetPlan } from "../planner/types";
import {
  derivedServedName,
  gpuKey,
  LOCAL_DOCKER_HOST,
  type GpuConfig,
  type ModelConfig,
  type StackConfig,
} from "./schema";
import { ConfigError } from "./load";

/** A stack-defined model (pasted config.json fields) as the planner's ModelSpec. */
export function toModelSpec(m: ModelConfig, index: number): ModelSpec {
  const c = m.config;
  const experts = c.num_experts ?? c.num_local_experts;
  const arch = {
    architectures: c.architectures ?? ["unknown"],
    model_type: c.model_type ?? "unknown",
    num_hidden_layers: c.num_hidden_layers,
    num_attention_heads: c.num_attention_heads,
    num_key_value_heads: c.num_key_value_heads ?? c.num_attention_heads,
    head_dim: c.head_dim ?? undefined,
    hidden_size: c.hidden_size,
    intermediate_size: c.intermediate_size,
    vocab_size: c.vocab_size,
    max_position_embeddings: c.max_position_embeddings,
    sliding_window: c.sliding_window ?? null,
    sliding_window_pattern: c.sliding_window_pattern,
    layer_types: c.layer_types,
    use_sliding_window: c.use_sliding_window,
    torch_dtype: c.torch_dtype,
    tie_word_embeddings: c.tie_word_embeddings,
    num_experts: experts,
    num_experts_per_tok: c.num_experts_per_tok,
    moe_intermediate_size: c.moe_intermediate_size,
  };
  if (experts !== undefined && m.paramsB === undefined) {
    throw new ConfigError([
      `gpufleet:models[${index}].paramsB: required for a mixture-of-experts model (${experts} experts): the count cannot be derived from config.json`,
    ]);
  }
  const paramsB = m.paramsB ?? Math.round(deriveParams(arch) / 1e7) / 100;
  const servedName = m.servedName ?? derivedServedName(m.id);
  const hf = m.quantization === undefined ? m.id : undefined;
  return {
    id: m.id,
    servedName,
    paramsB,
    activeParamsB: m.activeParamsB,
    baseModel: m.baseModel,
    arch,
    weightsQuantization: m.quantization,
    gated: m.gated,
    reasoning: m.reasoning,
    task: m.task,
    artifacts: {
      hf,
      awq: m.quantization === "awq" ? m.id : undefined,
      gptq: m.quantization === "gptq" ? m.id : undefined,
      fp8: m.quantization === "fp8" ? m.id : undefined,
      gguf: m.gguf,
      ollama: m.ollama,
    },
    source: `gpufleet:models[${index}] (stack config)`,
  };
}

/** A stack-defined GPU (gpufleet:gpus, validated) as the planner's GpuSpec: own hardware. */
export function toGpuSpec(g: GpuConfig): GpuSpec {
  const architecture = architectureOf(g.computeCapability);
  // The schema refused any other compute capability.
  if (!architecture) throw new Error(`gpufleet:gpus ${g.id}: unchecked compute capability`);
  return {
    id: g.id,
    nvidiaSmiName: g.nvidiaSmiName,
    architecture,
    memoryGiB: g.memoryGiB,
    computeCapability: g.computeCapability,
    memoryBandwidthGBs: g.memoryBandwidthGBs,
    cloud: false,
    ...(g.pricePerHour !== undefined ? { pricePerHour: g.pricePerHour } : {}),
  };
}

/** A pool; its `gpu` resolved against the stack's own GPUs first, then the catalog. */
export function toPoolSpec(
  p: StackConfig["pools"][number],
  gpus: readonly GpuConfig[] = [],
): ElasticPoolSpec {
  // Where the pool runs on a shared host is placementOf's; its share is the engine's budget.
  const { dockerHost: _host, gpuIndices: _indices, gpuShare, ...pool } = p;
  const spec = { ...pool, ...(gpuShare !== undefined ? { gpuMemoryUtilization: gpuShare } : {}) };
  if (p.gpu === undefined) return { ...spec, gpu: undefined };
  const own = gpus.find((g) => gpuKey(g.id) === gpuKey(p.gpu!));
  if (own) return { ...spec, gpu: own.id, gpuSpec: toGpuSpec(own) };
  return { ...spec, gpu: findGpu(p.gpu)?.id ?? p.gpu };
}

export function toPlanInput(stack: string, cfg: StackConfig): ElasticPlanInput {
  return {
    stack,
    pools: cfg.pools.map((p) => ({
      ...toPoolSpec(p, cfg.gpus),
      // A user AMI's driver is unknown to the planner (unless driverVersion says it).
      customAmi: (p.amiId ?? cfg.amiId) !== undefined,
    })),
    models: cfg.models.map(toModelSpec),
  };
}

/** Where a pool of the stack runs when hosts are shared: docker pools by their dockerHost. */
export function placementOf(
  cfg: StackConfig,
  p: StackConfig["pools"][number],
): Placement | undefined {
  if (cfg.target !== "docker" || p.gpuCount === undefined) return undefined;
  return {
    host: p.dockerHost ?? LOCAL_DOCKER_HOST,
    hostGpuCount: p.gpuCount,
    gpuIndices: p.gpuIndices,
    gpuShare: p.gpuShare,
  };
}

/**
 * The stack's plan, as every command and every target's program make it: kubernetes plans
 * multi-node layouts; pools that share a docker host are placed by planner/sharing.ts; aws pools
 * get their elastic capacity's instance types planned, and a model that fits no single instance
 * spreads over a group of instances (planner/multinode.ts).
 */
export function planStack(stack: string, cfg: StackConfig): FleetPlan {
  const input = toPlanInput(stack, cfg);
  if (cfg.target === "kubernetes") return planFleetMultiNode(input);
  if (cfg.target === "docker")
    return planSharedFleet({ ...input, placements: cfg.pools.map((p) => placementOf(cfg, p)) });
  return planFleetMultiNode(input, planElasticFleet, true);
}
