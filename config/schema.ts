// The one schema of a stack's `gpufleet:*` config. Both loaders (pulumi.Config inside the program,
// a
// Pulumi.<stack>.yaml file in the CLI) hand the raw values here, so a typo fails the same way
// everywhere.
import { z } from "zod";
import {
  ENGINE_IDS,
  KV_CACHE_DTYPES,
  QUANTIZATIONS,
  SPECULATIVE_METHODS,
  TASKS,
} from "../planner/types";
import { API_KEY_PATTERN } from "../cloud-init/nginx";
import { EXPORTER_PORTS } from "../cloud-init/context";
import { FIRST_ENGINE_PORT } from "../planner/policy";
import {
  GGUF_FILE,
  HF_TOKEN,
  IMAGE_REF,
  OLLAMA_TAG,
  PROVIDER_MODEL,
  hasHostBits,
  isHfRepoId,
  urlProblems,
} from "./shapes";
import { architectureOf, findGpu } from "../planner/catalog/gpus";
import { kubernetesSchema } from "./kubernetes";
import { VERSION_SHAPES } from "../planner/catalog/releases";
import { passthroughProblems } from "../planner/passthrough";

/** DNS-safe: it becomes part of resource names, target-group names and host names. */
const DNS_LABEL = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;

const positiveInt = z.number().int().positive();

/**
 * A Docker host as the @pulumi/docker provider takes it: the local socket or an ssh URL (the
 * provider runs `ssh user@host docker system dial-stdio`).
 */
export const DOCKER_HOST = z
  .string()
  .regex(
    /^(unix:\/\/\/[A-Za-z0-9._\/-]+|ssh:\/\/[a-z_][a-z0-9_.-]{0,31}@[A-Za-z0-9.-]+(:\d{1,5})?)$/,
    {
      message: 'must be "unix:///var/run/docker.sock" (a local socket) or "ssh://user@host[:port]"',
    },
  );
/** The local Docker socket: the default dockerHost. */
export const LOCAL_DOCKER_HOST = "unix:///var/run/docker.sock";

/** Where a stack deploys (DESIGN.md, "Targets"). */
export const TARGETS = ["aws", "docker", "kubernetes"] as const;
export type Target = (typeof TARGETS)[number];

/**
 * An application load balancer's subnets need "a CIDR block with at least a /27 bitmask" and 8
 * free addresses (AWS, Elastic Load Balancing user guide, "Application Load Balancers" → "Subnets
 * for your load balancer", read 2026-12-01). A created VPC is cut into 16 blocks of /(prefix + 4)
 * (components/aws/facts.ts computeSubnetCidrs), so its prefix is at most 27 - 4 = 23.
 */
export const ALB_MIN_SUBNET_PREFIX = 27;
/** Widest and narrowest CIDR of a created VPC (AWS allows /16 to /28 for a VPC). */
export const MIN_CREATED_VPC_PREFIX = 16;
export const MAX_CREATED_VPC_PREFIX = ALB_MIN_SUBNET_PREFIX - 4;

const SUBNET_ID = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, {
  message: 'must be a subnet id such as "subnet-0123456789abcdef0"',
});
const AZ_NAME = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, {
  message: 'must be an availability zone name such as "us-east-1a"',
});
const AMI_ID = z
  .string()
  .regex(/^ami-[0-9a-f]{8,17}$/, { message: 'must be an AMI id such as "ami-0123456789abcdef0"' });
const IPV4_CIDR =
  /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(\d|[12]\d|3[0-2])$/;
/** An IPv4 CIDR without host bits (AWS refuses "10.0.0.1/16" in a rule or a VPC). */
function cidr(example: string) {
  return z
    .string()
    .regex(IPV4_CIDR, { message: `must be an IPv4 CIDR such as "${example}"` })
    .refine((c) => !IPV4_CIDR.test(c) || !hasHostBits(c), {
      message: "has host bits set: give the network address (e.g. 10.0.0.0/16, not 10.0.0.1/16)",
    });
}
const HF_REPO_ID = z.string().refine(isHfRepoId, {
  message:
    'must be a Hugging Face repo id such as "org/name" (letters, digits, - _ .; no "--" or ".."; at most 96 characters)',
});
/** The highest port a replica can get: one per GPU, 8000 + GPU index, at most 16 GPUs. */
const LAST_ENGINE_PORT = FIRST_ENGINE_PORT + 15;
/**
 * A secret as the two loaders see it: the plain value from the Pulumi engine (the program), or
 * `{ secure: "v1:…" }` as `pulumi config set --secret` writes it into Pulumi.<stack>.yaml (the CLI,
 * which cannot decrypt).
 */
const SECRET_VALUE = z.union([z.string().min(1), z.strictObject({ secure: z.string().min(1) })]);

/** An EC2 instance type name, e.g. g5.2xlarge (the planner checks it against its catalog). */
const INSTANCE_TYPE = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, {
  message: "must be an EC2 instance type such as g5.2xlarge",
});

/**
 * AWS: capacity a pool's auto scaling group may draw on: an on-demand floor, spot above it, more
 * instance types (each planned separately), reserved capacity.
 */
export const capacitySchema = z
  .strictObject({
    /**
     * Instances that are always on-demand (the floor that survives a spot shortage); default 0
     * with spot, otherwise every instance is on-demand.
     */
    onDemandBase: z.number().int().min(0).max(1000).optional(),
    /** Launch spot instances above onDemandBase (price-capacity-optimized); default false. */
    spot: z.boolean().default(false),
    /**
     * More instance types the group may launch, after the pool's instanceType (in order of
     * preference for on-demand). Each is planned on its own: its model, engine, context and
     * utilization may differ. Default none.
     */
    instanceTypes: z.array(INSTANCE_TYPE).max(19).default([]),
    /**
     * Drain a host as soon as EC2 recommends rebalancing it (not only on the interruption notice
     * or scale-in); default false: the replacement launches first, the host keeps serving.
     */
    drainOnRebalance: z.boolean().default(false),
    /**
     * Reserved capacity to launch into: an On-Demand Capacity Reservation or a Capacity Block, by
     * id, or a resource group of On-Demand Capacity Reservations by ARN.
     */
    reservation: z
      .strictObject({
        /** "onDemand" (an ODCR, default) or "capacityBlock" (EC2 Capacity Blocks for ML). */
        kind: z.enum(["onDemand", "capacityBlock"]).default("onDemand"),
        /** Capacity reservation id, e.g. cr-0123456789abcdef0. */
        id: z
          .string()
          .regex(/^cr-[0-9a-f]{17}$/, {
            message: 'must be a capacity reservation id such as "cr-0123456789abcdef0"',
          })
          .optional(),
        /** ARN of a resource group of On-Demand Capacity Reservations. */
        resourceGroupArn: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:resource-groups:[a-z0-9-]+:\d{12}:group\/[A-Za-z0-9_.-]{1,128}$/,
            {
              message:
                "must be a resource group ARN such as arn:aws:resource-groups:us-east-1:123456789012:group/my-odcrs",
            },
          )
          .optional(),
        /**
         * "first" (default: reservations, then plain on-demand) or "only" (never launch outside
         * the reservation).
         */
        preference: z.enum(["first", "only"]).default("first"),
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    const r = c.reservation;
    if (r === undefined) return;
    if ((r.id === undefined) === (r.resourceGroupArn === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["reservation", "id"],
        message: "give either id or resourceGroupArn",
      });
    }
    if (r.kind === "capacityBlock") {
      if (r.resourceGroupArn !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["reservation", "resourceGroupArn"],
          message: "a Capacity Block is targeted by its id (cr-…)",
        });
      if (c.spot)
        ctx.addIssue({
          code: "custom",
          path: ["spot"],
          message: "a Capacity Block pool runs in its block only; spot cannot be mixed in",
        });
      if (c.instanceTypes.length > 0)
        ctx.addIssue({
          code: "custom",
          path: ["instanceTypes"],
          message: "a Capacity Block reserves one instance type: the pool's instanceType",
        });
    }
  });

/** One scheduled change of a pool's size (e.g. to zero at night). */
export const scheduleSchema = z.strictObject({
  /** Unique within the pool: lowercase letters, digits and hyphens. */
  name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, {
    message: "must be lowercase letters, digits and hyphens, starting with a letter",
  }),
  /** Cron, five fields (minute hour day month weekday), e.g. "0 20 * * 1-5". */
  recurrence: z.string().regex(/^\s*\S+(\s+\S+){4}\s*$/, {
    message: 'must be a five-field cron such as "0 20 * * 1-5"',
  }),
  /** IANA time zone of the recurrence, e.g. "Europe/Berlin"; default UTC. */
  timeZone: z
    .string()
    .regex(/^(UTC|[A-Za-z]+\/[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)?)$/, {
      message: 'must be an IANA time zone such as "Europe/Berlin"',
    })
    .optional(),
  /** The group's new minimum. */
  minCount: z.number().int().min(0).max(1000).optional(),
  /** The group's new maximum. */
  maxCount: z.number().int().min(0).max(1000).optional(),
  /** The group's new desired size. */
  count: z.number().int().min(0).max(1000).optional(),
});

/** AWS: autoscaling of a pool on its queue (target tracking between minCount and maxCount). */
export const scalingSchema = z.strictObject({
  /**
   * Requests waiting per instance the group aims at (summed over the host's engines); default 4.
   */
  targetWaitingPerInstance: z.number().positive().max(10000).default(4),
  /** Minutes of low queue before one instance is removed; default 15 (conservative scale-in). */
  scaleInMinutes: z.number().int().min(5).max(1440).default(15),
  /** Scheduled size changes, e.g. to zero at night and back in the morning. */
  schedules: z.array(scheduleSchema).max(20).default([]),
});

/**
 * Speculative decoding (seed 004): n-gram matching, a draft model, or EAGLE heads; vLLM and SGLang
 * (planner/speculative.ts says what each engine takes).
 */
export const speculativeSchema = z.strictObject({
  /** ngram (no model), draft (a small model of the same family) or eagle / eagle3 (heads). */
  method: z.enum(SPECULATIVE_METHODS),
  /** draft: a catalog id, served name or gpufleet:models id; eagle/eagle3: the heads' HF repo. */
  model: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, {
      message: "must be a Hugging Face repo id or a served name",
    })
    .refine((m) => !m.includes(".."), { message: 'must not contain ".."' })
    .optional(),
  /** Tokens proposed per step; default 5 (ngram) or 3. */
  tokens: z.number().int().min(1).max(16).optional(),
  /** ngram: the longest n-gram matched in the prompt; default 4. */
  promptLookupMax: z.number().int().min(1).max(16).optional(),
});

export const poolSchema = z
  .strictObject({
    /** Unique, DNS-safe (lowercase letters, digits, hyphens; at most 32 characters). */
    name: z.string().regex(DNS_LABEL, {
      message:
        "must be DNS-safe: lowercase letters, digits and hyphens, starting with a letter, at most 32 characters",
    }),
    /** EC2 instance type with GPUs, e.g. g5.2xlarge. Mutually exclusive with gpu + gpuCount. */
    instanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, {
        message: "must be an EC2 instance type such as g5.xlarge",
      })
      .optional(),
    /** Own hardware: a GPU catalog id (any case, spaces for hyphens), with gpuCount. */
    gpu: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 -]{0,31}$/, {
        message: 'must be a GPU catalog id such as "A10G" or "RTX 4090"',
      })
      .optional(),
    gpuCount: positiveInt.max(16).optional(),
    /** Instances (auto scaling group desired size); default 1. */
    count: z.number().int().min(0).max(1000).default(1),
    /**
     * What the pool serves: chat (default), embedding (/v1/embeddings) or rerank (/v1/rerank), on
     * vLLM.
     */
    task: z.enum(TASKS).default("chat"),
    /** "auto" or a model id (HF repo) / served name from the catalog or gpufleet:models. */
    model: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, {
        message: 'must be "auto", a Hugging Face repo id or a served name',
      })
      .refine((m) => !m.includes(".."), { message: 'must not contain ".."' })
      .default("auto"),
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
    proxyPort: positiveInt
      .min(1024)
      .max(65535)
      .refine((p) => p !== EXPORTER_PORTS.nodeExporter && p !== EXPORTER_PORTS.dcgmExporter, {
        message: `must not be an exporter's port (node_exporter ${EXPORTER_PORTS.nodeExporter}, DCGM exporter ${EXPORTER_PORTS.dcgmExporter})`,
      })
      .refine((p) => p < FIRST_ENGINE_PORT || p > LAST_ENGINE_PORT, {
        message: `must not be a replica's port (${FIRST_ENGINE_PORT}–${LAST_ENGINE_PORT}: 8000 + GPU index)`,
      })
      .optional(),
    /** AWS: fewest instances of the auto scaling group; default `count`. */
    minCount: z.number().int().min(0).max(1000).optional(),
    /** AWS: most instances of the auto scaling group; default `count` (or minCount when larger). */
    maxCount: z.number().int().min(0).max(1000).optional(),
    /**
     * AWS: subnets of this pool's instances (an existing VPC, gpufleet:vpc.id); default the VPC's
     * private subnets.
     */
    subnetIds: z.array(SUBNET_ID).min(1).optional(),
    /**
     * AWS: availability zones of this pool (a created VPC), e.g. ["us-east-1a"] where its GPU type
     * is offered; default all.
     */
    availabilityZones: z.array(AZ_NAME).min(1).optional(),
    /**
     * AWS: AMI of this pool; default gpufleet:amiId, else the Deep Learning Base OSS Nvidia Driver
     * GPU AMI (Ubuntu 22.04).
     */
    amiId: AMI_ID.optional(),
    /**
     * AWS: root volume size in GiB; default computed from the OS, the engine images and (without
     * instance store) the weights.
     */
    rootVolumeGiB: z.number().int().min(30).max(16384).optional(),
    /**
     * Kubernetes: where the model cache lives: "pvc" (a PersistentVolumeClaim per replica, default)
     * or "node" (a hostPath on the GPU node, kept across pod restarts).
     */
    modelCache: z.enum(["pvc", "node"]).optional(),
    /** Kubernetes: let KEDA scale the pool to zero replicas when idle; default false. */
    scaleToZero: z.boolean().optional(),
    /** AWS: on-demand floor, spot, more instance types, reserved capacity; default on-demand. */
    capacity: capacitySchema.optional(),
    /** AWS: target tracking on the queue between minCount and maxCount; default none (fixed). */
    scaling: scalingSchema.optional(),
    /**
     * Docker: the Docker host of this pool: `unix:///path/to/docker.sock` or `ssh://user@host[:port]`;
     * default the local socket (unix:///var/run/docker.sock). Pools naming the same host share it.
     */
    dockerHost: DOCKER_HOST.optional(),
    /**
     * Own hardware: which of the host's GPUs (0-based, below gpuCount, nvidia-smi order) this pool
     * runs on; default all of them. Pools of one host may name the same GPU: they share it.
     */
    gpuIndices: z
      .array(z.number().int().min(0).max(15))
      .min(1)
      .refine((a) => new Set(a).size === a.length, { message: "must not repeat a GPU index" })
      .optional(),
    /**
     * Share of each of its GPUs' memory this pool's replicas may use when pools share a GPU (their
     * shares sum to at most 0.95); default an equal split of what the pinned shares leave.
     */
    gpuShare: z.number().gt(0).max(0.95).optional(),
    /**
     * Engine release to run, e.g. "0.15.1" (needs engine); default the engine's pinned release.
     * A release gpufleet does not list needs memoryAccounting.
     */
    engineVersion: z
      .string()
      .regex(/^v?[0-9][0-9A-Za-z.-]{0,31}$|^b[0-9]{1,6}$/, {
        message: 'must be an engine version such as "0.15.1", "0.4.8.post1" or "b11459"',
      })
      .optional(),
    /** The listed release an unlisted engineVersion behaves as (accounting, defaults, flags). */
    memoryAccounting: z
      .string()
      .regex(/^v?[0-9][0-9A-Za-z.-]{0,31}$|^b[0-9]{1,6}$/, {
        message: 'must be a listed engine version such as "0.15.1"',
      })
      .optional(),
    /**
     * NVIDIA driver of the pool's hosts as nvidia-smi prints it, e.g. "570.172.08"; checked
     * against the image's minimum. Default: the default AMI's on EC2, unknown on own hardware.
     */
    driverVersion: z
      .string()
      .regex(/^[0-9]{3}\.[0-9]{1,3}(\.[0-9]{1,3})?$/, {
        message: 'must be an NVIDIA driver version as nvidia-smi prints it, e.g. "570.172.08"',
      })
      .optional(),
    /** Flags appended to the engine's command line (needs engine); owned flags are refused. */
    extraArgs: z.array(z.string().max(4096)).max(64).optional(),
    /** Variables added to the engine's environment; owned and secret-looking ones are refused. */
    env: z.record(z.string().max(128), z.string().max(4096)).optional(),
    /** Speculative decoding (vLLM, SGLang chat pools); default none. */
    speculative: speculativeSchema.optional(),
    /**
     * Ollama: more models the same Ollama instance serves beside `model` (Ollama tags such as
     * "gemma3:27b", catalog ids or served names); all stay loaded together. Default none.
     */
    extraModels: z
      .array(
        z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, {
            message: "must be an Ollama tag, a Hugging Face repo id or a served name",
          })
          .refine((m) => !m.includes(".."), { message: 'must not contain ".."' }),
      )
      .min(1)
      .max(8)
      .optional(),
  })
  .superRefine((pool, ctx) => {
    // Escape hatches: shapes and the planner's own flags and variables, by key.
    for (const line of passthroughProblems(pool.engine, pool.extraArgs, pool.env, "@")) {
      const m = /^@\.([^:]+): (.*)$/s.exec(line)!;
      const path = m[1]!.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "");
      ctx.addIssue({
        code: "custom",
        path: path.map((x) => (/^\d+$/.test(x) ? Number(x) : x)),
        message: m[2]!,
      });
    }
    const shaped = /^v?[0-9][0-9A-Za-z.-]{0,31}$|^b[0-9]{1,6}$/;
    if (
      pool.engineVersion !== undefined &&
      pool.engine !== "auto" &&
      shaped.test(pool.engineVersion)
    ) {
      const v = pool.engineVersion.replace(/^v(?=\d)/, "");
      if (!VERSION_SHAPES[pool.engine].test(v))
        ctx.addIssue({
          code: "custom",
          path: ["engineVersion"],
          message: `"${pool.engineVersion}" is not a ${pool.engine} version (${pool.engine === "llamacpp" ? 'a build such as "b11459"' : 'such as "0.15.1"'})`,
        });
    }
    if (pool.minCount !== undefined && pool.minCount > pool.count) {
      ctx.addIssue({
        code: "custom",
        path: ["minCount"],
        message: `must be at most count (${pool.count})`,
      });
    }
    if (pool.maxCount !== undefined && pool.maxCount < Math.max(pool.count, pool.minCount ?? 0)) {
      ctx.addIssue({
        code: "custom",
        path: ["maxCount"],
        message: `must be at least count (${pool.count}) and minCount`,
      });
    }
    if (pool.gpuShare !== undefined && pool.gpuMemoryUtilization !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["gpuShare"],
        message:
          "give either gpuShare or gpuMemoryUtilization (the share becomes the engine's budget), not both",
      });
    }
    if (pool.gpuIndices !== undefined && pool.gpuCount !== undefined) {
      pool.gpuIndices.forEach((g, j) => {
        if (g >= pool.gpuCount!)
          ctx.addIssue({
            code: "custom",
            path: ["gpuIndices", j],
            message: `GPU ${g} is beyond gpuCount (${pool.gpuCount}): the host's GPUs are 0–${pool.gpuCount! - 1}`,
          });
      });
    }
    if (pool.gpuIndices !== undefined && pool.instanceType !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["gpuIndices"],
        message:
          "only for own hardware (gpu + gpuCount): an instance type's pool uses all its GPUs",
      });
    }
    if (pool.subnetIds !== undefined && pool.availabilityZones !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["availabilityZones"],
        message:
          "give either subnetIds (an existing VPC) or availabilityZones (a created VPC), not both",
      });
    }
    if (pool.capacity?.onDemandBase !== undefined) {
      const max = pool.maxCount ?? Math.max(pool.count, pool.minCount ?? 0);
      if (pool.capacity.onDemandBase > max)
        ctx.addIssue({
          code: "custom",
          path: ["capacity", "onDemandBase"],
          message: `must be at most maxCount (${max})`,
        });
    }
    if (pool.capacity !== undefined && pool.instanceType === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["capacity"],
        message: "only for an EC2 pool (instanceType); own hardware has no spot or reservations",
      });
    }
    if (pool.capacity?.instanceTypes.includes(pool.instanceType ?? "")) {
      ctx.addIssue({
        code: "custom",
        path: ["capacity", "instanceTypes"],
        message: `lists the pool's own instanceType ${pool.instanceType}; list only the others`,
      });
    }
    const dup = pool.capacity?.instanceTypes.find((t, i, all) => all.indexOf(t) !== i);
    if (dup !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["capacity", "instanceTypes"],
        message: `lists ${dup} twice`,
      });
    if (pool.scaling !== undefined) {
      const max = pool.maxCount ?? Math.max(pool.count, pool.minCount ?? 0);
      const min = pool.minCount ?? pool.count;
      if (max === min)
        ctx.addIssue({
          code: "custom",
          path: ["scaling"],
          message: `needs room to scale: set minCount below maxCount (both are ${max})`,
        });
      const names = new Set<string>();
      pool.scaling.schedules.forEach((s, k) => {
        if (names.has(s.name))
          ctx.addIssue({
            code: "custom",
            path: ["scaling", "schedules", k, "name"],
            message: `"${s.name}" is already used`,
          });
        names.add(s.name);
        if (s.minCount === undefined && s.maxCount === undefined && s.count === undefined)
          ctx.addIssue({
            code: "custom",
            path: ["scaling", "schedules", k],
            message: "set at least one of minCount, maxCount, count",
          });
        if (s.minCount !== undefined && s.maxCount !== undefined && s.minCount > s.maxCount)
          ctx.addIssue({
            code: "custom",
            path: ["scaling", "schedules", k, "minCount"],
            message: "must be at most maxCount",
          });
      });
    }
    if (pool.speculative !== undefined && pool.task !== "chat") {
      ctx.addIssue({
        code: "custom",
        path: ["speculative"],
        message: `only for chat pools; a ${pool.task} pool generates no tokens to speculate on`,
      });
    }
    const hasType = pool.instanceType !== undefined;
    const hasGpu = pool.gpu !== undefined || pool.gpuCount !== undefined;
    if (hasType && hasGpu) {
      ctx.addIssue({
        code: "custom",
        path: ["instanceType"],
        message:
          "give either instanceType (a cloud pool) or gpu + gpuCount (own hardware), not both",
      });
    } else if (!hasType && !hasGpu) {
      ctx.addIssue({
        code: "custom",
        path: ["instanceType"],
        message:
          "required: an EC2 instance type such as g5.xlarge, or gpu + gpuCount for own hardware",
      });
    } else if (!hasType) {
      if (pool.gpu === undefined)
        ctx.addIssue({ code: "custom", path: ["gpu"], message: "required with gpuCount" });
      if (pool.gpuCount === undefined)
        ctx.addIssue({ code: "custom", path: ["gpuCount"], message: "required with gpu" });
    }
  });

const dtypeSchema = z.enum(["bfloat16", "float16", "float32"]);

/**
 * A model not in the catalog: its Hugging Face id and, under `config`, the fields of its
 * config.json
 * under their own names. Typos in our own keys are errors; inside `config` unknown fields are
 * accepted and
 * ignored, because a pasted config.json carries dozens the planner does not need.
 */
export const modelSchema = z.strictObject({
  id: HF_REPO_ID,
  servedName: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, {
      message: "must be lowercase letters, digits, '.', '_' or '-' (at most 63 characters)",
    })
    .optional(),
  /**
   * Total parameters in billions; required for mixture-of-experts, else derived from the
   * architecture.
   */
  paramsB: z.number().positive().max(2000).optional(),
  activeParamsB: z.number().positive().max(2000).optional(),
  /** The weights in the repo are already quantized. */
  quantization: z.enum(QUANTIZATIONS).exclude(["none"]).optional(),
  gated: z.boolean().default(false),
  baseModel: HF_REPO_ID.optional(),
  /** What the model serves: chat (default), embedding or rerank. */
  task: z.enum(TASKS).default("chat"),
  /** Reasoning parser family, when the model emits thinking. */
  reasoning: z.enum(["qwen3", "deepseek_r1"]).optional(),
  gguf: z
    .strictObject({
      repo: HF_REPO_ID,
      file: z.string().regex(GGUF_FILE, {
        message:
          'must name a .gguf file in the repo\'s top folder (letters, digits, _ - . +; no "/" or "..")',
      }),
      quantization: z.enum(["gguf-q4_k_m", "gguf-q5_k_m", "gguf-q8_0"]),
    })
    .optional(),
  ollama: z
    .strictObject({
      tag: z.string().regex(OLLAMA_TAG, {
        message:
          'must be an Ollama model such as "qwen2.5:7b-instruct-q4_K_M" ([namespace/]name[:tag]; never starting with "-")',
      }),
      quantization: z.enum(["gguf-q4_k_m", "gguf-q5_k_m", "gguf-q8_0"]),
    })
    .optional(),
  /**
   * config.json fields (Hugging Face names). Unknown config.json fields are accepted and ignored.
   */
  config: z.looseObject({
    architectures: z
      .array(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/))
      .min(1)
      .optional(),
    model_type: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,100}$/)
      .optional(),
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

/** AWS network: an existing VPC (id + subnets) or, by default, a created one. */
export const vpcSchema = z
  .strictObject({
    /**
     * Existing VPC to deploy into (then publicSubnetIds and privateSubnetIds are required);
     * default: create one.
     */
    id: z
      .string()
      .regex(/^vpc-[0-9a-f]{8,17}$/, {
        message: 'must be a VPC id such as "vpc-0123456789abcdef0"',
      })
      .optional(),
    /**
     * Existing VPC: subnets of the load balancer (two or more AZs, routed to an internet gateway).
     */
    publicSubnetIds: z
      .array(SUBNET_ID)
      .min(2, { message: "an application load balancer needs subnets in at least two AZs" })
      .optional(),
    /**
     * Existing VPC: subnets of the GPU instances (egress to the internet through NAT for
     * downloads).
     */
    privateSubnetIds: z.array(SUBNET_ID).min(1).optional(),
    /**
     * Created VPC: its IPv4 CIDR, /16 to /23 (each zone's subnets are 1/16 of it, and the load
     * balancer's must be /27 or larger); default 10.0.0.0/16.
     */
    cidr: cidr("10.0.0.0/16")
      .refine(
        (c) => {
          const p = Number(c.split("/")[1]);
          return p >= MIN_CREATED_VPC_PREFIX && p <= MAX_CREATED_VPC_PREFIX;
        },
        {
          message: `prefix must be /${MIN_CREATED_VPC_PREFIX} to /${MAX_CREATED_VPC_PREFIX}: a created VPC is cut into 16 subnets of 1/16 each, and a load balancer's subnets must be /27 or larger`,
        },
      )
      .optional(),
    /**
     * Created VPC: number of availability zones (2–6), each with a public and a private subnet;
     * default 2.
     */
    azCount: z.number().int().min(2).max(6).optional(),
    /**
     * Created VPC: "single" NAT gateway (default; ~$33/month, but the private subnets of every zone
     * lose egress when
     * its zone fails) or "perAz" (one per zone, each zone's private subnet routed through its own).
     */
    natGateways: z.enum(["single", "perAz"]).optional(),
    /**
     * VPC flow logs (every accepted and rejected connection's addresses, ports and bytes) of the
     * created or existing VPC: "s3" to the stack's private log bucket, "cloudwatch" to the log
     * group /gpufleet/<stack>/flow-logs, each kept 90 days; default "off".
     */
    flowLogs: z.enum(["off", "s3", "cloudwatch"]).default("off"),
  })
  .superRefine((vpc, ctx) => {
    if (vpc.id !== undefined) {
      if (vpc.publicSubnetIds === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["publicSubnetIds"],
          message: "required with vpc.id",
        });
      if (vpc.privateSubnetIds === undefined)
        ctx.addIssue({
          code: "custom",
          path: ["privateSubnetIds"],
          message: "required with vpc.id",
        });
      if (vpc.cidr !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["cidr"],
          message: "only for a created VPC (without vpc.id)",
        });
      if (vpc.azCount !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["azCount"],
          message: "only for a created VPC (without vpc.id)",
        });
      if (vpc.natGateways !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["natGateways"],
          message: "only for a created VPC (without vpc.id); an existing VPC keeps its own NAT",
        });
    } else {
      for (const key of ["publicSubnetIds", "privateSubnetIds"] as const) {
        if (vpc[key] !== undefined)
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: "requires vpc.id (subnets of an existing VPC)",
          });
      }
    }
  });

/** AWS application load balancer in front of every pool. */
export const loadBalancerSchema = z.strictObject({
  /** IPv4 CIDRs allowed to reach the load balancer on 80/443; default ["0.0.0.0/0"]. */
  allowedCidrs: z.array(cidr("203.0.113.0/24")).min(1).default(["0.0.0.0/0"]),
  /**
   * ACM certificate ARN: HTTPS on 443 and HTTP redirected to it; default none (plain HTTP, with a
   * warning).
   */
  certificateArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/, {
      message: "must be an ACM certificate ARN",
    })
    .optional(),
  /**
   * Seconds an idle connection stays open (1–4000); default: the on-host proxy's read timeout,
   * capped at 4000.
   */
  idleTimeoutSeconds: z.number().int().min(1).max(4000).optional(),
  /**
   * Where the admin interfaces (Grafana; LiteLLM's /ui and admin API) are served: "public" on this
   * load balancer (needs certificateArn, or allowAdminOverPlainHttp), or "private": not on it,
   * reached through SSM port forwarding (README "Security"); default "public".
   */
  adminRoutes: z.enum(["public", "private"]).default("public"),
  /**
   * Accept serving the admin interfaces over plain HTTP to the internet (passwords in clear text)
   * when no certificateArn is set; default false (refused, exit 2).
   */
  allowAdminOverPlainHttp: z.boolean().default(false),
  /**
   * Access logs of the load balancer (client address, path, status, latency, user agent of every
   * request; never headers, so never the API key) to the stack's private log bucket, kept 90
   * days; default false.
   */
  accessLogs: z.boolean().default(false),
});

/**
 * The whole `gpufleet:*` namespace. Unknown keys are errors: a typo must not be silently ignored.
 */
/**
 * Alert thresholds of the monitoring stack (monitoring/context.ts DEFAULT_THRESHOLDS gives the
 * defaults).
 */
export const thresholdsSchema = z.strictObject({
  /** KV-cache usage ratio held for kvCacheMinutes; default 0.9. */
  kvCacheUsageRatio: z.number().gt(0).lt(1).optional(),
  /** Minutes the KV cache stays above the ratio; default 10. */
  kvCacheMinutes: z.number().int().positive().max(1440).optional(),
  /** Requests queued on one replica for 5 minutes; default 16. */
  requestsWaiting: z.number().positive().optional(),
  /** Time-to-first-token p95, seconds, over 10 minutes; default 5. */
  ttftP95Seconds: z.number().positive().optional(),
  /** GPU temperature, °C, for 5 minutes; default 85. */
  gpuTemperatureCelsius: z.number().positive().max(120).optional(),
  /** Free share of a disk below which it is nearly full; default 0.10. */
  diskFreeRatio: z.number().gt(0).lt(1).optional(),
  /**
   * Seconds after boot during which a replica that is not up is still starting; default the pool's
   * cold start + 300 s.
   */
  replicaStartupGraceSeconds: z.number().int().positive().optional(),
});

/** AWS: Prometheus, Alertmanager and Grafana on one small instance. */
export const monitoringSchema = z.strictObject({
  /** Create the monitoring stack; default true. */
  enabled: z.boolean().default(true),
  /** EC2 type of the monitoring instance; default t3.medium. */
  instanceType: z
    .string()
    .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, {
      message: "must be an EC2 instance type such as t3.medium",
    })
    .optional(),
  /** Days Prometheus keeps samples; default 15. */
  retentionDays: z.number().int().min(1).max(3650).optional(),
  /** Encrypted EBS data volume, GiB; default 50. */
  dataVolumeGiB: z.number().int().min(10).max(16384).optional(),
  /** IPv4 CIDRs allowed to open Grafana; default loadBalancer.allowedCidrs. */
  allowedCidrs: z.array(cidr("203.0.113.0/24")).min(1).optional(),
  /** Serve Grafana on this host name instead of the path /grafana/. */
  grafanaHost: z
    .string()
    .regex(/^[a-z0-9.-]+$/, { message: "must be a lowercase host name" })
    .optional(),
  /** SNS topic receiving every alert. */
  snsTopicArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/, {
      message: "must be an SNS topic ARN",
    })
    .optional(),
  /** Alert thresholds. */
  thresholds: thresholdsSchema.default({}),
});

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

/** An external model the gateway also serves (OpenAI, Anthropic, …). */
export const gatewayUpstreamSchema = z.strictObject({
  /** Name clients send as `model`. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:\/-]{0,63}$/, {
    message: "must be a model name clients can send",
  }),
  /** LiteLLM provider prefix: openai, anthropic, gemini, mistral, groq, … */
  provider: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, { message: "must be a LiteLLM provider name such as openai" }),
  /** The provider's model id. */
  model: z.string().regex(PROVIDER_MODEL, {
    message: "must be the provider's model id (no spaces, quotes or control characters)",
  }),
  /**
   * A key of gpufleet:gatewayApiKeys, or the ARN of an existing Secrets Manager secret holding the
   * key.
   */
  apiKeySecret: z.union([
    z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/),
    z.string().regex(SECRET_ARN, {
      message: "must be a key of gpufleet:gatewayApiKeys or a Secrets Manager secret ARN",
    }),
  ]),
  /** Base URL of an OpenAI-compatible third party. */
  apiBase: z
    .string()
    .superRefine((v, ctx) => {
      for (const message of urlProblems(v, ["http", "https"]))
        ctx.addIssue({ code: "custom", message });
    })
    .optional(),
});

/** AWS: the LiteLLM gateway (virtual keys, budgets, rate limits) with PostgreSQL on RDS. */
export const gatewaySchema = z.strictObject({
  /** Create the gateway; default false. */
  enabled: z.boolean().default(false),
  /** Fargate vCPU units per task; default 1024. */
  cpu: z
    .union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)])
    .optional(),
  /** MiB per task (valid for cpu); default 2048. */
  memoryMiB: z.number().int().min(512).max(30720).optional(),
  /** Tasks; default 1. */
  taskCount: z.number().int().min(1).max(10).optional(),
  /** LiteLLM image; default the pinned one. */
  image: z
    .string()
    .regex(IMAGE_REF, { message: 'must be an image reference such as "ghcr.io/org/name:tag"' })
    .optional(),
  /** RDS instance class; default db.t4g.micro. */
  dbInstanceClass: z
    .string()
    .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, {
      message: "must be an RDS instance class such as db.t4g.micro",
    })
    .optional(),
  /** RDS storage, GiB; default 20. */
  dbAllocatedStorageGiB: z.number().int().min(20).max(1000).optional(),
  /** A standby database in a second AZ; default false. */
  dbMultiAz: z.boolean().optional(),
  /** RDS deletion protection; default true. */
  deletionProtection: z.boolean().optional(),
  /** Days of automated backups; default 7. */
  backupRetentionDays: z.number().int().min(1).max(35).optional(),
  /** External models served beside the pools. */
  upstreams: z.array(gatewayUpstreamSchema).default([]),
  /** USD per million tokens per served model name, so budgets count self-hosted traffic too. */
  prices: z
    .record(
      z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:\/-]{0,63}$/, {
        message: "must be a served model name or an upstream name",
      }),
      z.strictObject({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) }),
    )
    .default({}),
});

/**
 * A GPU the catalog lacks, defined by the stack (gpufleet:gpus); pools name it by `id` in `gpu`.
 * Figures as the hardware reports them: impossible ones are refused by key.
 */
export const gpuSchema = z
  .strictObject({
    /** What pools write in `gpu` (any case; spaces and underscores count as hyphens). */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}$/, {
      message: "must be 1 to 40 letters, digits, spaces, dots, underscores or hyphens",
    }),
    /** The name `nvidia-smi --query-gpu=name` prints (the boot script compares it). */
    nvidiaSmiName: z.string().min(1).max(100),
    /**
     * Total memory as the CUDA runtime reports it, GiB (torch.cuda.get_device_properties(0)
     * .total_memory / 2^30, or vLLM's "total_gpu_memory"): a little below the box's GB figure.
     */
    memoryGiB: z.number().gt(1, { message: "must be more than 1 GiB" }).max(1024, {
      message: "no GPU has more than 1024 GiB (give the CUDA runtime's total, in GiB)",
    }),
    /** "major.minor" as NVIDIA's CUDA GPUs list gives it, e.g. "8.6". */
    computeCapability: z.string(),
    /** Peak memory bandwidth, GB/s. */
    memoryBandwidthGBs: z.number().min(50, { message: "must be at least 50 GB/s" }).max(20_000, {
      message: "no GPU has more than 20,000 GB/s (give GB/s, not MB/s)",
    }),
    /** Cost of one such GPU, USD per hour (own hardware's amortised cost); optional. */
    pricePerHour: z.number().min(0).max(1000).optional(),
  })
  .superRefine((gpu, ctx) => {
    if (!architectureOf(gpu.computeCapability))
      ctx.addIssue({
        code: "custom",
        path: ["computeCapability"],
        message: `"${gpu.computeCapability}" is no compute capability an engine here runs on: major.minor from 6.0 (Pascal) to 12.x (Blackwell), e.g. "8.6"`,
      });
    const known = findGpu(gpu.id);
    if (known)
      ctx.addIssue({
        code: "custom",
        path: ["id"],
        message: `"${gpu.id}" is the catalog's ${known.id}; its figures are built in (use gpu: ${known.id}, or another id)`,
      });
  });

/** Docker target: how the host publishes what it serves. */
export const dockerSchema = z.strictObject({
  /**
   * Host address the proxy and Grafana are published on; default 127.0.0.1 (this host only). Any
   * other address needs gpufleet:apiKey set explicitly.
   */
  bindAddress: z
    .string()
    .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, {
      message: 'must be an IPv4 address such as "127.0.0.1"',
    })
    .default("127.0.0.1"),
  /** Host port of Grafana; default 3000. */
  grafanaPort: positiveInt.min(1024).max(65535).default(3000),
  /** Host port of the LiteLLM gateway (gpufleet:gateway.enabled); default 4000. */
  gatewayPort: positiveInt.min(1024).max(65535).default(4000),
});

export const stackConfigSchema = z
  .strictObject({
    /**
     * Where the stack deploys: aws (default; EC2), docker (own GPU hosts through @pulumi/docker) or
     * kubernetes.
     */
    target: z.enum(TARGETS).default("aws"),
    /** Kubernetes target: cluster, namespace, GPU node labels, entry point, monitoring. */
    kubernetes: kubernetesSchema.optional(),
    /** Docker target: published address and ports. */
    docker: dockerSchema.optional(),
    pools: z.array(poolSchema).min(1, { message: "at least one pool is required" }),
    models: z.array(modelSchema).default([]),
    /** GPUs the catalog lacks (own hardware), named by pools' `gpu`. */
    gpus: z.array(gpuSchema).default([]),
    /** AWS: the network (an existing VPC or one to create); default: create a VPC in two AZs. */
    vpc: vpcSchema.optional(),
    /** AWS: the load balancer; default: HTTP from anywhere. */
    loadBalancer: loadBalancerSchema.default({
      allowedCidrs: ["0.0.0.0/0"],
      adminRoutes: "public",
      allowAdminOverPlainHttp: false,
      accessLogs: false,
    }),
    /**
     * Hugging Face token, a Pulumi secret (`pulumi config set --secret gpufleet:hfToken hf_…`);
     * required for gated models.
     */
    hfToken: z
      .union([
        z.string().regex(HF_TOKEN, {
          message:
            "must be a Hugging Face token: 8 to 512 letters, digits, _ - . (no spaces or line breaks)",
        }),
        z.strictObject({ secure: z.string().min(1) }),
      ])
      .optional(),
    /**
     * Engine API key, a Pulumi secret: 8 to 256 characters of A-Z a-z 0-9 . _ ~ + / = - (what the
     * boot script accepts); default: generated (48 letters and digits).
     */
    apiKey: z
      .union([
        z.string().regex(API_KEY_PATTERN, {
          message: "must be 8 to 256 characters of A-Z a-z 0-9 . _ ~ + / = - (a Bearer token)",
        }),
        z.strictObject({ secure: z.string().min(1) }),
      ])
      .optional(),
    /**
     * AMI of every pool; default the Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) of
     * the region.
     */
    amiId: AMI_ID.optional(),
    /** AWS: the monitoring stack (Prometheus, Alertmanager, Grafana); default on, t3.medium. */
    monitoring: monitoringSchema.default({ enabled: true, thresholds: {} }),
    /** AWS: the LiteLLM gateway; default off. */
    gateway: gatewaySchema.default({ enabled: false, upstreams: [], prices: {} }),
    /**
     * Upstream API keys by name, secret leaves (`pulumi config set --secret --path
     * 'gpufleet:gatewayApiKeys.openai' sk-…`).
     */
    gatewayApiKeys: z
      .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/), SECRET_VALUE)
      .optional(),
    /**
     * Webhook receiving every alert, a Pulumi secret (`pulumi config set --secret
     * gpufleet:alertWebhookUrl https://…`).
     */
    alertWebhookUrl: z
      .union([
        z.string().superRefine((v, ctx) => {
          for (const message of urlProblems(v, ["https"]))
            ctx.addIssue({ code: "custom", message });
        }),
        z.strictObject({ secure: z.string().min(1) }),
      ])
      .optional(),
  })
  .superRefine((cfg, ctx) => {
    // Names that must be unique: a second entry would shadow the first, or split traffic at random
    // between two different models under one name.
    const once = (values: Array<[string, (string | number)[]]>, what: string) => {
      const seen = new Map<string, string>();
      for (const [value, path] of values) {
        const first = seen.get(value);
        if (first !== undefined) {
          ctx.addIssue({ code: "custom", path, message: `${what} "${value}" is also ${first}` });
        } else seen.set(value, formatPath(path));
      }
    };
    once(
      cfg.pools.map((p, i) => [p.name, ["pools", i, "name"]]),
      "pool name",
    );
    once(
      cfg.models.map((m, i) => [m.id, ["models", i, "id"]]),
      "model id",
    );
    once(
      cfg.models.map((m, i) => [
        m.servedName ?? derivedServedName(m.id),
        ["models", i, m.servedName === undefined ? "id" : "servedName"],
      ]),
      "served name",
    );
    once(
      cfg.gpus.map((g, i) => [gpuKey(g.id), ["gpus", i, "id"]]),
      "gpu id",
    );
    once(
      cfg.gateway.upstreams.map((u, i) => [u.name, ["gateway", "upstreams", i, "name"]]),
      "upstream name",
    );
  });

/** Ids compare as findGpu compares catalog ids: case-insensitive, spaces/underscores as hyphens. */
export function gpuKey(id: string): string {
  return id
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "-");
}

/** The served name of a model without servedName (config/plan-input.ts uses the same rule). */
export function derivedServedName(id: string): string {
  return (id.split("/")[1] ?? id).toLowerCase().replace(/[^a-z0-9._-]/g, "-");
}

function formatPath(path: (string | number)[]): string {
  return path.reduce<string>(
    (out, seg, i) =>
      typeof seg === "number" ? `${out}[${seg}]` : i === 0 ? `gpufleet:${seg}` : `${out}.${seg}`,
    "",
  );
}

export type PoolConfig = z.output<typeof poolSchema>;
export type CapacityConfig = z.output<typeof capacitySchema>;
export type ScalingConfig = z.output<typeof scalingSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type GpuConfig = z.output<typeof gpuSchema>;
export type VpcConfig = z.output<typeof vpcSchema>;
export type LoadBalancerConfig = z.output<typeof loadBalancerSchema>;
export type MonitoringConfig = z.output<typeof monitoringSchema>;
export type GatewayConfig = z.output<typeof gatewaySchema>;
export type DockerConfig = z.output<typeof dockerSchema>;
export type StackConfig = z.output<typeof stackConfigSchema>;
export type StackConfigInput = z.input<typeof stackConfigSchema>;
