// What each target can deploy: a key the chosen target cannot honour is refused with its path
// (DESIGN.md, "Targets": never silently dropped). One table per target; a new target adds its row.
import { LOCAL_DOCKER_HOST, type StackConfig, type Target } from "./schema";
import { DEFAULT_PROXY_PORT } from "../planner/policy";

/** Targets whose program has landed (index.ts dispatches to each). */
export const AVAILABLE_TARGETS: ReadonlySet<Target> = new Set<Target>([
  "aws",
  "docker",
  "kubernetes",
]);

type Pool = StackConfig["pools"][number];

/** Pool keys only EC2 pools have. */
const AWS_POOL_KEYS = [
  "instanceType",
  "minCount",
  "maxCount",
  "subnetIds",
  "availabilityZones",
  "amiId",
  "rootVolumeGiB",
  "capacity",
  "scaling",
] as const satisfies ReadonlyArray<keyof Pool>;

/** Monitoring and gateway keys that size or reach AWS resources. */
const AWS_MONITORING_KEYS = [
  "instanceType",
  "dataVolumeGiB",
  "allowedCidrs",
  "grafanaHost",
  "snsTopicArn",
] as const satisfies ReadonlyArray<keyof StackConfig["monitoring"]>;
const AWS_GATEWAY_KEYS = [
  "cpu",
  "memoryMiB",
  "taskCount",
  "dbInstanceClass",
  "dbAllocatedStorageGiB",
  "dbMultiAz",
  "deletionProtection",
  "backupRetentionDays",
] as const satisfies ReadonlyArray<keyof StackConfig["gateway"]>;

const LOOPBACK = /^127\./;

/** Every key the stack's target cannot honour, one line each with its config path. */
export function targetProblems(cfg: StackConfig): string[] {
  const problems: string[] = [];
  if (!AVAILABLE_TARGETS.has(cfg.target)) {
    problems.push(
      `gpufleet:target: "${cfg.target}" cannot deploy yet (its program has not landed); use ${[...AVAILABLE_TARGETS].map((t) => `"${t}"`).join(" or ")}`,
    );
    return problems;
  }
  if (cfg.target === "docker") {
    cfg.pools.forEach((pool, i) => {
      for (const key of AWS_POOL_KEYS) {
        if (pool[key] === undefined) continue;
        problems.push(
          key === "instanceType"
            ? `gpufleet:pools[${i}].instanceType: a docker pool is own hardware: give gpu + gpuCount (and dockerHost), not an EC2 instance type`
            : `gpufleet:pools[${i}].${key}: an EC2 setting; the docker target does not use it`,
        );
      }
      if (pool.count !== 1) {
        problems.push(
          `gpufleet:pools[${i}].count: a docker pool is one host (its dockerHost) with a replica per GPU or tensor-parallel group; count must be 1`,
        );
      }
    });
    if (cfg.vpc !== undefined)
      problems.push("gpufleet:vpc: an EC2 setting; the docker target does not use it");
    if (cfg.amiId !== undefined)
      problems.push("gpufleet:amiId: an EC2 setting; the docker target does not use it");
    if (cfg.loadBalancer.certificateArn !== undefined || cfg.loadBalancer.idleTimeoutSeconds)
      problems.push(
        "gpufleet:loadBalancer: the docker target has no load balancer (the proxy is published on docker.bindAddress)",
      );
    for (const key of AWS_MONITORING_KEYS) {
      if (cfg.monitoring[key] !== undefined)
        problems.push(
          `gpufleet:monitoring.${key}: an EC2 setting; the docker target runs monitoring as containers on the first pool's host`,
        );
    }
    for (const key of AWS_GATEWAY_KEYS) {
      if (cfg.gateway[key] !== undefined)
        problems.push(
          `gpufleet:gateway.${key}: a Fargate/RDS setting; the docker target does not use it`,
        );
    }
    if (cfg.monitoring.enabled) problems.push(...dockerMonitoringProblems(cfg));
    if (cfg.gateway.enabled) problems.push(...dockerGatewayProblems(cfg));
    const bind = cfg.docker?.bindAddress;
    if (bind !== undefined && !LOOPBACK.test(bind) && cfg.apiKey === undefined) {
      problems.push(
        `gpufleet:docker.bindAddress: publishing on ${bind} (beyond this host) needs gpufleet:apiKey set (pulumi config set --secret gpufleet:apiKey …), so clients know the key every request must carry`,
      );
    }
  } else {
    cfg.pools.forEach((pool, i) => {
      for (const key of ["dockerHost", "gpuIndices", "gpuShare"] as const) {
        if (pool[key] !== undefined)
          problems.push(
            `gpufleet:pools[${i}].${key}: only for target docker, where pools share a host (gpufleet:target is "${cfg.target}")`,
          );
      }
    });
    if (cfg.docker !== undefined)
      problems.push(`gpufleet:docker: only for target docker (gpufleet:target is "${cfg.target}")`);
  }
  return problems;
}

/**
 * Docker monitoring runs on the first pool's host and reaches its targets by container name on that
 * host's network: every pool on that host, and Grafana's port free there.
 */
function dockerMonitoringProblems(cfg: StackConfig): string[] {
  const problems: string[] = [];
  const elsewhere = poolsElsewhere(cfg);
  if (elsewhere !== null)
    problems.push(
      `gpufleet:monitoring.enabled: Prometheus runs on the first pool's host and scrapes containers on its docker network; ${elsewhere}`,
    );
  problems.push(...hostPortProblems(cfg, "grafanaPort", cfg.docker?.grafanaPort ?? 3000));
  return problems;
}

/**
 * A host port of the first pool's host (Grafana's, LiteLLM's) that a proxy takes: a pinned
 * proxyPort, or one the planner hands out from DEFAULT_PROXY_PORT on.
 */
function hostPortProblems(cfg: StackConfig, key: string, port: number): string[] {
  const onHost = poolsOnFirstHost(cfg, true);
  const pinned = onHost.find(({ p }) => p.proxyPort === port);
  if (pinned)
    return [
      `gpufleet:docker.${key}: port ${port} is pools[${pinned.i}].proxyPort (${pinned.p.name}) on the same host; choose another`,
    ];
  const automatic = onHost.filter(({ p }) => p.proxyPort === undefined).length;
  if (port >= DEFAULT_PROXY_PORT && port < DEFAULT_PROXY_PORT + automatic)
    return [
      `gpufleet:docker.${key}: port ${port} is one the proxies take (${DEFAULT_PROXY_PORT}–${DEFAULT_PROXY_PORT + automatic - 1} on the same host); choose another`,
    ];
  return [];
}

/**
 * The docker gateway runs on the first pool's host and reaches each pool's proxy by container name:
 * every pool on that host, its port free there; upstream keys are not delivered on docker yet.
 */
function dockerGatewayProblems(cfg: StackConfig): string[] {
  const problems: string[] = [];
  const elsewhere = poolsElsewhere(cfg);
  if (elsewhere !== null)
    problems.push(
      `gpufleet:gateway.enabled: LiteLLM runs on the first pool's host and reaches each pool's proxy on its docker network; ${elsewhere}`,
    );
  cfg.gateway.upstreams.forEach((_, i) =>
    problems.push(
      `gpufleet:gateway.upstreams[${i}]: external upstreams need their keys delivered, which the docker target does not do yet; remove it or deploy the gateway on aws`,
    ),
  );
  const gatewayPort = cfg.docker?.gatewayPort ?? 4000;
  problems.push(...hostPortProblems(cfg, "gatewayPort", gatewayPort));
  if (cfg.monitoring.enabled && gatewayPort === (cfg.docker?.grafanaPort ?? 3000))
    problems.push(
      `gpufleet:docker.gatewayPort: port ${gatewayPort} is docker.grafanaPort; choose another`,
    );
  return problems;
}

function hostOf(p: Pool): string {
  return p.dockerHost ?? LOCAL_DOCKER_HOST;
}

/** The pools (with their index) on the first pool's Docker host, or on any other. */
function poolsOnFirstHost(cfg: StackConfig, same: boolean): Array<{ p: Pool; i: number }> {
  const first = cfg.pools[0];
  if (first === undefined) return [];
  return cfg.pools
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => (hostOf(p) === hostOf(first)) === same);
}

/** "pools[i] (name) on host, … cannot be reached: …" for the pools off the first host; null: none. */
function poolsElsewhere(cfg: StackConfig): string | null {
  const elsewhere = poolsOnFirstHost(cfg, false);
  if (elsewhere.length === 0) return null;
  return `${elsewhere.map(({ p, i }) => `pools[${i}] (${p.name}) on ${hostOf(p)}`).join(", ")} cannot be reached from ${hostOf(cfg.pools[0]!)}: set it false, or one stack per Docker host`;
}
