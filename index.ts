// The Pulumi program. It only reads and validates config, plans, builds components and exports outputs
// (DESIGN.md): the planning is the same pure code that `gpufleet plan` runs offline.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, toPlanInput } from "./config";
import { loadPulumiConfig } from "./config/pulumi";
import type { StackConfig } from "./config/schema";
import { formatTable } from "./cli/format";
import { PlanError, planFleet } from "./planner/plan";
import type { FleetPlan } from "./planner/types";
import {
  GpuPool,
  LoadBalancer,
  MODEL_HEADER,
  Network,
  Secrets,
  Security,
  computeModelRoutes,
  computeVcpuQuotaNeeds,
  idleTimeoutSeconds,
  servedModelsOf,
  validateAwsDeployment,
} from "./components/aws";

function planStack(): { cfg: StackConfig; plan: FleetPlan } {
  try {
    const cfg = loadPulumiConfig();
    const plan = planFleet(toPlanInput(pulumi.getStack(), cfg));
    const region = new pulumi.Config("aws").get("region") ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    const problems = validateAwsDeployment(plan, cfg, region);
    if (problems.length > 0) throw new ConfigError(problems);
    return { cfg, plan };
  } catch (err) {
    // Every problem at once, each with its config path; thrown before any resource is registered.
    if (err instanceof ConfigError || err instanceof PlanError) {
      throw new pulumi.RunError(`gpufleet: invalid stack config:\n  ${err.problems.join("\n  ")}`);
    }
    throw err;
  }
}

const { cfg, plan: fleet } = planStack();
void pulumi.log.info(formatTable(fleet, { reasons: false }));

const stack = pulumi.getStack();
const NAME = "gpufleet";

const network = new Network(NAME, {
  stack,
  vpcId: cfg.vpc?.id,
  publicSubnetIds: cfg.vpc?.publicSubnetIds,
  privateSubnetIds: cfg.vpc?.privateSubnetIds,
  cidr: cfg.vpc?.cidr,
  azCount: cfg.vpc?.azCount,
  requiredZones: cfg.pools.flatMap((p) => p.availabilityZones ?? []),
});

const security = new Security(NAME, {
  stack,
  vpcId: network.vpcId,
  allowedCidrs: cfg.loadBalancer.allowedCidrs,
  https: cfg.loadBalancer.certificateArn !== undefined,
  proxyPorts: fleet.pools.map((p) => p.proxyPort),
  replicaPorts: fleet.pools.flatMap((p) => p.replicas.map((r) => r.port)),
});

// Read as Pulumi secrets (never from the validated config object, which only proves they are well-formed).
const secretConfig = new pulumi.Config("gpufleet");
const secrets = new Secrets(NAME, {
  stack,
  apiKey: secretConfig.getSecret("apiKey"),
  hfToken: secretConfig.getSecret("hfToken"),
});

const loadBalancer = new LoadBalancer(NAME, {
  stack,
  vpcId: network.vpcId,
  subnetIds: network.publicSubnetIds,
  securityGroupId: security.loadBalancerGroupId,
  pools: fleet.pools,
  routes: computeModelRoutes(fleet),
  idleTimeoutSeconds: idleTimeoutSeconds(fleet, cfg.loadBalancer.idleTimeoutSeconds),
  certificateArn: cfg.loadBalancer.certificateArn,
});

const pools = fleet.pools.map((pool, i) => {
  const poolCfg = cfg.pools[i]!;
  const zones = poolCfg.availabilityZones;
  const subnetIds =
    poolCfg.subnetIds ??
    (zones !== undefined ? zones.map((z) => network.privateSubnetIds[network.zoneIndex.get(z)!]!) : network.privateSubnetIds);
  return new GpuPool(`${NAME}-${pool.name}`, {
    stack,
    pool,
    subnetIds,
    securityGroupId: security.engineGroupId,
    instanceProfileArn: security.instanceProfileArn,
    targetGroupArn: loadBalancer.targetGroupArns[pool.name]!,
    apiKeyParameter: secrets.apiKeyParameter,
    hfTokenParameter: secrets.hfTokenParameter,
    amiId: poolCfg.amiId ?? cfg.amiId,
    minCount: poolCfg.minCount,
    maxCount: poolCfg.maxCount,
    rootVolumeGiB: poolCfg.rootVolumeGiB,
    dependsOn: [secrets],
  });
});

/** The deployment plan (DESIGN.md, "Plan JSON"). */
export const plan = fleet;
/** On-demand cost of the whole fleet, USD per hour. */
export const costPerHour = fleet.costPerHour;
/** Served model names per pool. */
export const servedModels = servedModelsOf(fleet);
/** The load balancer's URL (https when a certificate is configured). */
export const endpoint = loadBalancer.endpoint;
/** OpenAI base URL: the endpoint + /v1. Every request carries the engine API key as a Bearer token. */
export const openaiBaseUrl = pulumi.interpolate`${loadBalancer.endpoint}/v1`;
/** How a request picks a model's pools: the header, else the default (first) pool. */
export const routing = {
  header: MODEL_HEADER,
  defaultPool: fleet.pools[0]!.name,
  models: Object.fromEntries(computeModelRoutes(fleet).map((r) => [r.servedName, r.pools.map((p) => p.pool)])),
};
/** NAMES of the SSM SecureString parameters holding the secrets (read the key with `aws ssm get-parameter --with-decryption`). */
export const secretParameters = {
  apiKey: secrets.apiKeyParameter,
  hfToken: secrets.hfTokenParameter ?? null,
};
/** vCPUs each EC2 on-demand quota must allow ("G and VT", "P"): desired, at maxCount, and during an instance refresh. */
export const vcpuQuotas = computeVcpuQuotaNeeds(fleet, cfg);
/** Auto scaling group name per pool. */
export const autoScalingGroups = Object.fromEntries(fleet.pools.map((p, i) => [p.name, pools[i]!.autoScalingGroupName]));
