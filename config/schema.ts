// The one schema of a stack's `gpufleet:*` config. Both loaders (pulumi.Config inside the program, a
// Pulumi.<stack>.yaml file in the CLI) hand the raw values here, so a typo fails the same way everywhere.
import { z } from "zod";
import { ENGINE_IDS, KV_CACHE_DTYPES, QUANTIZATIONS } from "../planner/types";

/** DNS-safe: it becomes part of resource names, target-group names and host names. */
const DNS_LABEL = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;

const positiveInt = z.number().int().positive();

export const poolSchema = z
  .strictObject({
    /** Unique, DNS-safe (lowercase letters, digits, hyphens; at most 32 characters). */
    name: z.string().regex(DNS_LABEL, {
      message: "must be DNS-safe: lowercase letters, digits and hyphens, starting with a letter, at most 32 characters",
    }),
    /** EC2 instance type with GPUs, e.g. g5.2xlarge. Mutually exclusive with gpu + gpuCount. */
    instanceType: z.string().min(1).optional(),
    /** Own hardware: a GPU catalog id (any case, spaces for hyphens), with gpuCount. */
    gpu: z.string().min(1).optional(),
    gpuCount: positiveInt.max(16).optional(),
    /** Instances (auto scaling group desired size); default 1. */
    count: z.number().int().min(0).max(1000).default(1),
    /** "auto" or a model id (HF repo) / served name from the catalog or gpufleet:models. */
    model: z.string().min(1).default("auto"),
    engine: z.enum(["auto", ...ENGINE_IDS]).default("auto"),
    maxModelLen: positiveInt.min(256).optional(),
    gpuMemoryUtilization: z.number().gt(0.1).max(0.98).optional(),
    kvCacheDtype: z.enum(KV_CACHE_DTYPES).optional(),
    quantization: z.enum(QUANTIZATIONS).optional(),
    tensorParallel: positiveInt.max(16).optional(),
    maxNumSeqs: positiveInt.max(4096).optional(),
    maxNumBatchedTokens: positiveInt.min(256).optional(),
    /** Full-length sequences the KV cache must hold at the chosen context; default 1. */
    minConcurrency: positiveInt.max(1024).optional(),
    /** Port of the on-host proxy (the load balancer's target); default 8080. */
    proxyPort: positiveInt.min(1024).max(65535).optional(),
  })
  .superRefine((pool, ctx) => {
    const hasType = pool.instanceType !== undefined;
    const hasGpu = pool.gpu !== undefined || pool.gpuCount !== undefined;
    if (hasType && hasGpu) {
      ctx.addIssue({
        code: "custom",
        path: ["instanceType"],
        message: "give either instanceType (a cloud pool) or gpu + gpuCount (own hardware), not both",
      });
    } else if (!hasType && !hasGpu) {
      ctx.addIssue({
        code: "custom",
        path: ["instanceType"],
        message: "required: an EC2 instance type such as g5.xlarge, or gpu + gpuCount for own hardware",
      });
    } else if (!hasType) {
      if (pool.gpu === undefined) ctx.addIssue({ code: "custom", path: ["gpu"], message: "required with gpuCount" });
      if (pool.gpuCount === undefined) ctx.addIssue({ code: "custom", path: ["gpuCount"], message: "required with gpu" });
    }
  });

const dtypeSchema = z.enum(["bfloat16", "float16", "float32"]);

/**
 * A model not in the catalog: its Hugging Face id and, under `config`, the fields of its config.json
 * under their own names. Typos in our own keys are errors; inside `config` unknown fields are accepted and
 * ignored, because a pasted config.json carries dozens the planner does not need.
 */
export const modelSchema = z.strictObject({
  id: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { message: 'must be a Hugging Face repo id such as "org/name"' }),
  servedName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
      message: "must be lowercase letters, digits, '.', '_' or '-' (at most 63 characters)",
    })
    .optional(),
  /** Total parameters in billions; required for mixture-of-experts, else derived from the architecture. */
  paramsB: z.number().positive().max(2000).optional(),
  activeParamsB: z.number().positive().max(2000).optional(),
  /** The weights in the repo are already quantized. */
  quantization: z.enum(QUANTIZATIONS).exclude(["none"]).optional(),
  gated: z.boolean().default(false),
  baseModel: z.string().optional(),
  /** Reasoning parser family, when the model emits thinking. */
  reasoning: z.enum(["qwen3", "deepseek_r1"]).optional(),
  gguf: z
    .strictObject({
      repo: z.string().min(1),
      file: z.string().regex(/\.gguf$/, { message: "must name a .gguf file" }),
      quantization: z.enum(["gguf-q4_k_m", "gguf-q5_k_m", "gguf-q8_0"]),
    })
    .optional(),
  ollama: z
    .strictObject({ tag: z.string().min(1), quantization: z.enum(["gguf-q4_k_m", "gguf-q5_k_m", "gguf-q8_0"]) })
    .optional(),
  /** config.json fields (Hugging Face names). Unknown config.json fields are accepted and ignored. */
  config: z.looseObject({
    architectures: z.array(z.string()).min(1).optional(),
    model_type: z.string().optional(),
    num_hidden_layers: positiveInt,
    num_attention_heads: positiveInt,
    num_key_value_heads: positiveInt.optional(),
    head_dim: positiveInt.nullish(),
    hidden_size: positiveInt,
    intermediate_size: positiveInt,
    vocab_size: positiveInt,
    max_position_embeddings: positiveInt,
    sliding_window: positiveInt.nullish(),
    sliding_window_pattern: positiveInt.optional(),
    layer_types: z.array(z.string()).optional(),
    use_sliding_window: z.boolean().optional(),
    torch_dtype: dtypeSchema.default("bfloat16"),
    tie_word_embeddings: z.boolean().default(false),
    num_experts: positiveInt.optional(),
    num_local_experts: positiveInt.optional(),
    num_experts_per_tok: positiveInt.optional(),
    moe_intermediate_size: positiveInt.optional(),
  }),
});

/** The whole `gpufleet:*` namespace. Unknown keys are errors: a typo must not be silently ignored. */
export const stackConfigSchema = z.strictObject({
  pools: z.array(poolSchema).min(1, { message: "at least one pool is required" }),
  models: z.array(modelSchema).default([]),
});

export type PoolConfig = z.output<typeof poolSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type StackConfig = z.output<typeof stackConfigSchema>;
export type StackConfigInput = z.input<typeof stackConfigSchema>;
