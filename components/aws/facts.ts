// The pure arithmetic of the AWS components (awsx keeps it beside the component the same way):
// subnet CIDRs,
// names, tags, sizes, routes, quotas and the checks a plan must pass before anything is created.
// No @pulumi imports: the CLI and the tests call these directly.
import { createHash } from "node:crypto";
import { EXPORTER_PORTS, resolveContext } from "../../cloud-init/context";
import { readTimeoutSeconds } from "../../cloud-init/nginx";
import { ELASTIC_DEFAULTS } from "../../cloud-init/elastic-facts";
import { resolveReplicas } from "../../cloud-init/replicas";
import {
  MAX_CREATED_VPC_PREFIX,
  MIN_CREATED_VPC_PREFIX,
  type StackConfig,
} from "../../config/schema";
import { findInstanceType } from "../../planner/catalog/instances";
import type { EngineId, FleetPlan, PoolPlan, VcpuQuota } from "../../planner/types";

/**
 * Public SSM parameter of the Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04), x86_64.
 */
export const DLAMI_PARAMETER =
  "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id";

/**
 * Header that routes a request to the pools of one served model (the ALB cannot read the JSON
 * body).
 */
export const MODEL_HEADER = "x-gpufleet-model";

/**
 * Application Load Balancer limits (Elastic Load Balancing quotas, default values; checked
 * 2025-06).
 */
export const ALB_LIMITS = {
  /** Target groups per load balancer. */
  targetGroups: 100,
  /** Target groups in one forward action. */
  targetGroupsPerAction: 5,
  /** Rules per load balancer, the default rule excluded. */
  rules: 100,
  /** Largest idle timeout, seconds. */
  idleTimeoutSeconds: 4000,
} as const;

/** Seconds the ALB lets in-flight (streaming) requests finish on a deregistering instance. */
export const DEREGISTRATION_DELAY_SECONDS = 300;

/** Tag keys every fleet resource carries; monitoring discovers instances by them. */
export const TAG_KEYS = {
  stack: "gpufleet:stack",
  pool: "gpufleet:pool",
  role: "gpufleet:role",
  proxyPort: "gpufleet:proxy-port",
  replicaPorts: "gpufleet:replica-ports",
  exporterPorts: "gpufleet:exporter-ports",
} as const;

export type Role =
  "network" | "load-balancer" | "engine" | "monitoring" | "secrets" | "instance" | "logs";

/** Tags of a resource of the fleet (values are plain: never a secret). */
export function fleetTags(
  stack: string,
  role: Role,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { [TAG_KEYS.stack]: stack, [TAG_KEYS.role]: role, ...extra };
}

/**
 * Tags of a pool's instances and volumes: stack, pool, role, the proxy port and the replica and
 * exporter ports.
 * Port lists are space-separated: the one separator every AWS service accepts in tag values.
 */
export function poolTags(stack: string, pool: PoolPlan): Record<string, string> {
  return {
    Name: `gpufleet-${stack}-${pool.name}`,
    ...fleetTags(stack, "engine"),
    [TAG_KEYS.pool]: pool.name,
    [TAG_KEYS.proxyPort]: String(pool.proxyPort),
    [TAG_KEYS.replicaPorts]: pool.replicas.map((r) => r.port).join(" "),
    [TAG_KEYS.exporterPorts]: `${EXPORTER_PORTS.nodeExporter} ${EXPORTER_PORTS.dcgmExporter}`,
  };
}

function shortHash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 8);
}

/**
 * The target group's own name (at most 32 characters, unique per account and region). Pulumi's
 * auto-naming adds 8
 * characters to the resource name and fails beyond 32, so the name is derived here: stack, pool and
 * port hashed
 * in, so that a changed port (which replaces the group) gets a new name and create-before-delete
 * works.
 */
export function targetGroupName(stack: string, pool: string, port: number): string {
  return `gf-${pool.slice(0, 20).replace(/-+$/, "")}-${shortHash(stack, pool, String(port))}`;
}

/** `count` instances, between minCount and maxCount (both default to count). */
export function poolSizes(cfg: { count: number; minCount?: number; maxCount?: number }): {
  min: number;
  desired: number;
  max: number;
} {
  const min = cfg.minCount ?? cfg.count;
  return { min, desired: cfg.count, max: cfg.maxCount ?? Math.max(cfg.count, min) };
}

/**
 * Public and private /(prefix+4) subnets of a created VPC: public i at block i, private i at block
 * 8 + i.
 */
export function computeSubnetCidrs(
  cidr: string,
  azCount: number,
): { public: string[]; private: string[] } {
  const [address, prefixText] = cidr.split("/");
  const prefix = Number(prefixText);
  if (azCount < 1 || azCount > 8)
    throw new Error(`azCount ${azCount}: a VPC is split into at most 8 public + 8 private subnets`);
  if (
    !Number.isInteger(prefix) ||
    prefix < MIN_CREATED_VPC_PREFIX ||
    prefix > MAX_CREATED_VPC_PREFIX
  )
    throw new Error(
      `VPC CIDR ${cidr}: prefix must be /${MIN_CREATED_VPC_PREFIX} to /${MAX_CREATED_VPC_PREFIX} (subnets of /27 or larger for the load balancer)`,
    );
  const octets = (address ?? "").split(".").map(Number);
  const base =
    (((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!) >>> 0;
  const size = 2 ** (32 - prefix);
  const network = base - (base % size);
  const sub = size / 16;
  const toCidr = (n: number): string =>
    `${[(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".")}/${prefix + 4}`;
  return {
    public: Array.from({ length: azCount }, (_, i) => toCidr(network + i * sub)),
    private: Array.from({ length: azCount }, (_, i) => toCidr(network + (8 + i) * sub)),
  };
}

/**
 * Disk an image takes once pulled and extracted, GiB: estimates from the images' sizes on Docker
 * Hub, rounded up (2025).
 */
const IMAGE_GIB: Record<EngineId, number> = {
  vllm: 25,
  sglang: 35,
  lmdeploy: 20,
  ollama: 5,
  llamacpp: 5,
};
/** The DLAMI's own root (OS, driver, CUDA, Docker) with headroom; its snapshot is 75 GiB (2025). */
const OS_GIB = 100;
/** nginx, the downloader and the two exporters. */
const HELPER_IMAGES_GIB = 4;

/**
 * Root volume of a pool's instances, GiB: the AMI, every distinct engine image (twice: layers are
 * downloaded and
 * extracted side by side), and, when the type has no instance store to hold the model cache, every
 * distinct
 * model's weights with 20 % headroom. Rounded up to 10 GiB.
 */
export function rootVolumeGiB(pool: PoolPlan): number {
  const engines = new Set(pool.replicas.map((r) => r.engine));
  const images = [...engines].reduce((sum, e) => sum + 2 * IMAGE_GIB[e], 0) + HELPER_IMAGES_GIB;
  const weights = new Map<string, number>();
  for (const r of pool.replicas) {
    weights.set(
      r.model.source,
      Math.max(weights.get(r.model.source) ?? 0, r.memory.weightsGiB * r.tensorParallel),
    );
  }
  const cache = pool.localNvmeGB > 0 ? 0 : [...weights.values()].reduce((a, b) => a + b, 0) * 1.2;
  return Math.ceil((OS_GIB + images + cache) / 10) * 10;
}

/**
 * Seconds the ASG ignores failing load-balancer health checks after a launch: the slowest replica's
 * planned cold
 * start (image pull + weights download + load) plus five minutes for boot, bootstrap and the first
 * health check,
 * at least ten minutes. Shorter, and the ASG would replace instances that are still downloading.
 */
export function healthCheckGraceSeconds(pool: PoolPlan): number {
  const cold = Math.max(0, ...pool.replicas.map((r) => r.estimates.coldStartSeconds));
  return Math.max(600, Math.ceil(cold) + 300);
}

/** The on-host nginx's read timeout of a pool (cloud-init/nginx.ts), seconds. */
export function proxyReadTimeoutSeconds(pool: PoolPlan): number {
  const ctx = resolveContext(
    { stack: "x", region: "us-east-1", apiKeyParameter: "/x", hfTokenParameter: "/x" },
    pool.name,
    pool.proxyPort,
  );
  return readTimeoutSeconds(resolveReplicas(pool, ctx));
}

/**
 * The ALB's idle timeout: at least the longest proxy read timeout of any pool, so that the ALB
 * never closes a
 * stream the host still serves; AWS allows at most 4000 s.
 */
export function idleTimeoutSeconds(plan: FleetPlan, configured?: number): number {
  if (configured !== undefined) return configured;
  return Math.min(
    ALB_LIMITS.idleTimeoutSeconds,
    Math.max(60, ...plan.pools.map(proxyReadTimeoutSeconds)),
  );
}

export interface ModelRoute {
  servedName: string;
  /** Pools serving it, with a forward weight proportional to the replicas serving it (1–999). */
  pools: Array<{ pool: string; weight: number }>;
}

/**
 * One header route per served model, in plan order (first pool, first replica first): its pools and
 * weights.
 */
export function computeModelRoutes(plan: FleetPlan): ModelRoute[] {
  const byModel = new Map<string, Map<string, number>>();
  for (const pool of plan.pools) {
    for (const r of pool.replicas) {
      const pools = byModel.get(r.model.servedName) ?? new Map<string, number>();
      pools.set(pool.name, (pools.get(pool.name) ?? 0) + Math.max(1, pool.count));
      byModel.set(r.model.servedName, pools);
    }
  }
  return [...byModel].map(([servedName, pools]) => {
    const most = Math.max(...pools.values());
    return {
      servedName,
      pools: [...pools].map(([pool, n]) => ({
        pool,
        weight: Math.max(1, Math.round((999 * n) / most)),
      })),
    };
  });
}

/** Served model names per pool, distinct, in replica order. */
export function servedModelsOf(plan: FleetPlan): Record<string, string[]> {
  return Object.fromEntries(
    plan.pools.map((p) => [p.name, [...new Set(p.replicas.map((r) => r.model.servedName))]]),
  );
}

export interface VcpuQuotaNeed {
  /** vCPUs of the desired instances (what `pulumi up` launches). */
  desired: number;
  /** vCPUs at every pool's maxCount. */
  max: number;
  /**
   * vCPUs while an instance refresh launches one extra instance per pool (the peak of a rolling
   * model change).
   */
  duringRefresh: number;
}

/**
 * EC2 on-demand vCPU quota each quota ("Running On-Demand G and VT instances", "… P instances")
 * must allow,
 * summed over the pools. A new account has 0 for both: raise them in Service Quotas before `pulumi
 * up`.
 */
export function computeVcpuQuotaNeeds(
  plan: FleetPlan,
  cfg?: Pick<StackConfig, "pools">,
): Partial<Record<VcpuQuota, VcpuQuotaNeed>> {
  const needs: Partial<Record<VcpuQuota, VcpuQuotaNeed>> = {};
  plan.pools.forEach((pool, i) => {
    const type = pool.instanceType ? findInstanceType(pool.instanceType) : undefined;
    if (!type) return;
    const sizes = poolSizes(cfg?.pools[i] ?? { count: pool.count });
    const need = (needs[type.vcpuQuota] ??= { desired: 0, max: 0, duringRefresh: 0 });
    need.desired += type.vcpus * sizes.desired;
    need.max += type.vcpus * sizes.max;
    need.duringRefresh += type.vcpus * (sizes.desired + (sizes.desired > 0 ? 1 : 0));
  });
  return needs;
}

/** Zones a created VPC spans at most (gpufleet:vpc.azCount's maximum). */
export const MAX_VPC_ZONES = 6;

/**
 * What the AWS program refuses before creating anything, one line per problem naming its config
 * path: pools
 * without an EC2 type, gated models without gpufleet:hfToken, ALB limits, subnets or zones that do
 * not fit the VPC.
 */
export function validateAwsDeployment(
  plan: FleetPlan,
  cfg: StackConfig,
  region?: string,
): string[] {
  const problems: string[] = [];
  plan.pools.forEach((pool, i) => {
    if (pool.instanceType === null) {
      problems.push(
        `gpufleet:pools[${i}].instanceType: pool ${pool.name} is own hardware (gpu + gpuCount); the AWS program deploys only EC2 instance types`,
      );
    }
    const poolCfg = cfg.pools[i];
    if (poolCfg?.subnetIds !== undefined && cfg.vpc?.id === undefined) {
      problems.push(
        `gpufleet:pools[${i}].subnetIds: needs gpufleet:vpc.id (subnets of an existing VPC); for a created VPC use availabilityZones`,
      );
    }
    if (poolCfg?.availabilityZones !== undefined && cfg.vpc?.id !== undefined) {
      problems.push(
        `gpufleet:pools[${i}].availabilityZones: only for a created VPC; with gpufleet:vpc.id pin subnetIds instead`,
      );
    }
    for (const az of poolCfg?.availabilityZones ?? []) {
      if (region !== undefined && !az.startsWith(region)) {
        problems.push(
          `gpufleet:pools[${i}].availabilityZones: ${az} is not in the stack's region ${region}`,
        );
      }
    }
  });
  if (region === undefined) {
    problems.push("aws:region: required (pulumi config set aws:region us-east-1, or AWS_REGION)");
  }
  const pinnedZones = new Set(cfg.pools.flatMap((p) => p.availabilityZones ?? []));
  if (cfg.vpc?.id === undefined && pinnedZones.size > MAX_VPC_ZONES) {
    problems.push(
      `gpufleet:pools: pools pin ${pinnedZones.size} availability zones; a created VPC spans at most ${MAX_VPC_ZONES}`,
    );
  }
  const gated = plan.pools.flatMap((p) =>
    p.replicas.filter((r) => r.model.gated).map((r) => `${r.model.id} (pool ${p.name})`),
  );
  if (gated.length > 0 && cfg.hfToken === undefined) {
    problems.push(
      `gpufleet:hfToken: required: ${[...new Set(gated)].join(", ")} ${gated.length === 1 ? "is" : "are"} gated on Hugging Face; accept the licence, then run \`pulumi config set --secret gpufleet:hfToken hf_…\``,
    );
  }
  if (plan.pools.length > ALB_LIMITS.targetGroups) {
    problems.push(
      `gpufleet:pools: ${plan.pools.length} pools, but one load balancer takes at most ${ALB_LIMITS.targetGroups} target groups (one per pool); split the fleet into stacks`,
    );
  }
  const routes = computeModelRoutes(plan);
  for (const route of routes) {
    if (route.pools.length > ALB_LIMITS.targetGroupsPerAction) {
      problems.push(
        `gpufleet:pools: model ${route.servedName} is served by ${route.pools.length} pools (${route.pools.map((p) => p.pool).join(", ")}); an ALB forward action takes at most ${ALB_LIMITS.targetGroupsPerAction} target groups: merge pools (raise count) or serve it from fewer pools`,
      );
    }
  }
  if (routes.length > ALB_LIMITS.rules) {
    problems.push(
      `gpufleet:pools: ${routes.length} distinct served models, but a load balancer takes at most ${ALB_LIMITS.rules} routing rules (one per model)`,
    );
  }
  return problems;
}

/**
 * A pool's target group on its proxy port (the public load balancer's and the gateway's internal
 * one alike): nginx
 * answers /health 200 while one replica of the host is healthy; requests are long and uneven, so
 * each goes to the
 * instance with the fewest in flight; a deregistering instance (scale-in, instance refresh) keeps
 * serving its
 * streams for DEREGISTRATION_DELAY_SECONDS.
 */
export function poolTargetGroupSettings(
  pool: Pick<PoolPlan, "name" | "proxyPort"> & Partial<Pick<PoolPlan, "capacity">>,
) {
  // A spot pool must drain inside EC2's two-minute notice (cloud-init/elastic.ts): in-flight
  // streams run until its engines stop, and a draining host (503 on /health) leaves the rotation
  // within 10 s rather than 45.
  const spot = pool.capacity?.spot === true;
  return {
    port: pool.proxyPort,
    protocol: "HTTP",
    targetType: "instance",
    loadBalancingAlgorithmType: "least_outstanding_requests",
    deregistrationDelay: spot
      ? ELASTIC_DEFAULTS.drainBudgetSeconds - ELASTIC_DEFAULTS.engineStopSeconds
      : DEREGISTRATION_DELAY_SECONDS,
    healthCheck: {
      enabled: true,
      path: "/health",
      port: "traffic-port",
      protocol: "HTTP",
      matcher: "200",
      interval: spot ? 5 : 15,
      timeout: spot ? 4 : 6,
      healthyThreshold: 2,
      unhealthyThreshold: spot ? 2 : 3,
    },
  };
}
