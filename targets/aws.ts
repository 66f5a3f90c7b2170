// The AWS target's Pulumi program (index.ts runs it for gpufleet:target aws). It only reads and
// validates config, plans, builds components and exports outputs (DESIGN.md): the planning is the
// same pure code that `gpufleet plan` runs offline.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, planStackConfig } from "../config";
import { readPulumiConfig } from "../config/pulumi";
import type { StackConfig } from "../config/schema";
import { formatTable } from "../planner/format";
import { PlanError } from "../planner/plan";
import { poolVariants } from "../planner/capacity";
import { isElastic } from "../components/aws/elastic";
import { ElasticDashboard } from "../components/aws/elastic-pool";
import type { FleetPlan } from "../planner/types";
import {
  Gateway,
  GpuPool,
  LoadBalancer,
  MODEL_HEADER,
  Monitoring,
  Network,
  Secrets,
  Security,
  computeModelRoutes,
  computeVcpuQuotaNeeds,
  idleTimeoutSeconds,
  priceAwsFleet,
  servedModelsOf,
  validateDeployment,
} from "../components/aws";
import { gatewayMonthlyCost } from "../gateway";
import { checkAdminExposure } from "../components/aws/admin";
import { grafanaPortForwardCommand } from "../components/aws/monitoring";
import { FleetLogs } from "../components/aws/fleet-logs";

/**
 * Validates the stack's config, plans it and checks that AWS can deploy it (the region included):
 * every problem at once, each with its config path, before any resource is registered.
 */
function planStack(): { cfg: StackConfig; plan: FleetPlan; region: string } {
  try {
    const { cfg, plan: planned } = planStackConfig(pulumi.getStack(), readPulumiConfig());
    if (cfg.target !== "aws")
      throw new ConfigError([`gpufleet:target: this program deploys target aws`]);
    const region =
      new pulumi.Config("aws").get("region") ??
      process.env.AWS_REGION ??
      process.env.AWS_DEFAULT_REGION;
    const problems = validateDeployment(planned, cfg, region);
    if (problems.length > 0 || region === undefined) throw new ConfigError(problems);
    return { cfg, plan: priceAwsFleet(planned, cfg, region), region };
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PlanError) {
      throw new pulumi.RunError(`gpufleet: invalid stack config:\n  ${err.problems.join("\n  ")}`);
    }
    throw err;
  }
}

const { cfg, plan: fleet, region } = planStack();
void pulumi.log.info(formatTable(fleet, { reasons: false }));
for (const w of checkAdminExposure(cfg).warnings) void pulumi.log.warn(w);

const stack = pulumi.getStack();
const NAME = "gpufleet";

const network = new Network(NAME, {
  stack,
  vpcId: cfg.vpc?.id,
  publicSubnetIds: cfg.vpc?.publicSubnetIds,
  privateSubnetIds: cfg.vpc?.privateSubnetIds,
  cidr: cfg.vpc?.cidr,
  azCount: cfg.vpc?.azCount,
  natGateways: cfg.vpc?.natGateways,
  requiredZones: cfg.pools.flatMap((p) => p.availabilityZones ?? []),
});

const security = new Security(NAME, {
  stack,
  vpcId: network.vpcId,
  allowedCidrs: cfg.loadBalancer.allowedCidrs,
  https: cfg.loadBalancer.certificateArn !== undefined,
  proxyPorts: fleet.pools.map((p) => p.proxyPort),
  // Every instance type's replicas (a 4-GPU alternative listens on more ports than a 1-GPU type).
  replicaPorts: fleet.pools.flatMap((p) =>
    poolVariants(p).flatMap((v) => v.replicas.map((r) => r.port)),
  ),
  // Elastic pools' hosts publish their queue and drains to CloudWatch (their namespace only).
  publishMetrics: fleet.pools.some((p, i) => isElastic(p, cfg.pools[i]!.scaling)),
});

// Read as Pulumi secrets (never from the validated config object, which only proves they are
// well-formed).
const secretConfig = new pulumi.Config("gpufleet");
const secrets = new Secrets(NAME, {
  stack,
  apiKey: secretConfig.getSecret("apiKey"),
  hfToken: secretConfig.getSecret("hfToken"),
});

// Access and flow logs, each only when the stack asks for it (loadBalancer.accessLogs, vpc.flowLogs).
const flowLogs = cfg.vpc?.flowLogs ?? "off";
const logs =
  cfg.loadBalancer.accessLogs || flowLogs !== "off"
    ? new FleetLogs(`${NAME}-logs`, {
        stack,
        vpcId: network.vpcId,
        accessLogs: cfg.loadBalancer.accessLogs,
        flowLogs,
      })
    : undefined;

const loadBalancer = new LoadBalancer(NAME, {
  stack,
  vpcId: network.vpcId,
  subnetIds: network.publicSubnetIds,
  securityGroupId: security.loadBalancerGroupId,
  pools: fleet.pools,
  routes: computeModelRoutes(fleet),
  idleTimeoutSeconds: idleTimeoutSeconds(fleet, cfg.loadBalancer.idleTimeoutSeconds),
  certificateArn: cfg.loadBalancer.certificateArn,
  accessLogs: logs?.accessLogTarget,
});

// The gateway (LiteLLM + PostgreSQL) routes by the request's `model`; its internal load balancer
// gives each pool one
// stable address, so it is built before the pools, which join its target groups.
const gateway = cfg.gateway.enabled
  ? new Gateway(
      `${NAME}-gateway`,
      {
        stack,
        plan: fleet,
        options: cfg.gateway,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        listenerArn: loadBalancer.listenerArn,
        loadBalancerSecurityGroupId: security.loadBalancerGroupId,
        engineSecurityGroupId: security.engineGroupId,
        endpoint: loadBalancer.endpoint,
        apiKeyParameter: secrets.apiKeyParameter,
        upstreamApiKeys: secretConfig.getSecretObject<Record<string, string>>("gatewayApiKeys"),
        idleTimeoutSeconds: idleTimeoutSeconds(fleet, cfg.loadBalancer.idleTimeoutSeconds),
        // Admin UI and API on the public load balancer, or through an SSM port forward via the
        // monitoring host (a member of the monitoring group): loadBalancer.adminRoutes.
        publicAdmin: cfg.loadBalancer.adminRoutes === "public",
        adminSecurityGroupId: security.monitoringGroupId,
      },
      { dependsOn: [secrets] },
    )
  : undefined;

const pools = fleet.pools.map((pool, i) => {
  const poolCfg = cfg.pools[i]!;
  const zones = poolCfg.availabilityZones;
  const subnetIds =
    poolCfg.subnetIds ??
    (zones !== undefined
      ? zones.map((z) => network.privateSubnetIds[network.zoneIndex.get(z)!]!)
      : network.privateSubnetIds);
  return new GpuPool(`${NAME}-${pool.name}`, {
    stack,
    pool,
    subnetIds,
    securityGroupId: security.engineGroupId,
    instanceProfileArn: security.instanceProfileArn,
    instanceRoleArn: security.instanceRoleArn,
    vpcId: network.vpcId,
    bootFilesBucket: security.bootFilesBucketName,
    bootFilesReady: security.bootFilesReady,
    targetGroupArn: loadBalancer.targetGroupArns[pool.name]!,
    extraTargetGroupArns: gateway ? [gateway.targetGroupArns[pool.name]!] : [],
    apiKeyParameter: secrets.apiKeyParameter,
    hfTokenParameter: secrets.hfTokenParameter,
    logGroupName: security.logGroupName,
    amiId: poolCfg.amiId ?? cfg.amiId,
    minCount: poolCfg.minCount,
    maxCount: poolCfg.maxCount,
    rootVolumeGiB: poolCfg.rootVolumeGiB,
    dependsOn: [secrets],
    scaling: poolCfg.scaling,
    alarmTopicArn: cfg.monitoring.snsTopicArn,
  });
});

// One CloudWatch dashboard for the elastic pools: size, queue per instance, KV cache, drains.
const elasticPools = fleet.pools.flatMap((p, i) =>
  isElastic(p, cfg.pools[i]!.scaling)
    ? [{ pool: p, scaling: cfg.pools[i]!.scaling, group: pools[i]! }]
    : [],
);
if (elasticPools.length > 0) {
  new ElasticDashboard(NAME, {
    stack,
    region,
    pools: elasticPools.map((e) => ({
      pool: e.pool,
      scaling: e.scaling,
      groupName: e.group.autoScalingGroupName,
    })),
    alarms: elasticPools.flatMap((e) => e.group.alarms),
    alarmTopicArn: cfg.monitoring.snsTopicArn,
  });
}
const monitoring = cfg.monitoring.enabled
  ? new Monitoring(
      `${NAME}-monitoring`,
      {
        stack,
        plan: fleet,
        region,
        accountId: aws.getCallerIdentityOutput({}).accountId,
        vpcId: network.vpcId,
        subnetId: network.privateSubnetIds[0]!,
        loadBalancerSecurityGroupId: security.loadBalancerGroupId,
        scrapeSecurityGroupId: security.monitoringGroupId,
        listenerArn: loadBalancer.listenerArn,
        endpoint: loadBalancer.endpoint,
        engineApiKeyParameter: secrets.apiKeyParameter,
        allowedCidrs: cfg.monitoring.allowedCidrs ?? cfg.loadBalancer.allowedCidrs,
        grafanaHost: cfg.monitoring.grafanaHost,
        publicGrafana: cfg.loadBalancer.adminRoutes === "public",
        instanceType: cfg.monitoring.instanceType,
        retentionDays: cfg.monitoring.retentionDays,
        dataVolumeGiB: cfg.monitoring.dataVolumeGiB,
        thresholds: cfg.monitoring.thresholds,
        snsTopicArn: cfg.monitoring.snsTopicArn,
        alertWebhookUrl: secretConfig.getSecret("alertWebhookUrl"),
      },
      { dependsOn: [secrets] },
    )
  : undefined;

/** The deployment plan (DESIGN.md, "Plan JSON"). */
export const plan = fleet;
/** On-demand cost of the whole fleet, USD per hour (its parts: plan.costBreakdown). */
export const costPerHour = fleet.costPerHour;
/** Served model names per pool. */
export const servedModels = servedModelsOf(fleet);
/** The load balancer's URL (https when a certificate is configured). */
export const endpoint = loadBalancer.endpoint;
/**
 * OpenAI base URL: the endpoint + /v1. Every request carries the engine API key as a Bearer token.
 */
export const openaiBaseUrl = pulumi.interpolate`${loadBalancer.endpoint}/v1`;
/**
 * How a request picks a model's pools: the header, else the gateway (by `model`) or, without one,
 * the first pool.
 */
export const routing = {
  header: MODEL_HEADER,
  default: gateway ? "gateway" : fleet.pools[0]!.name,
  models: Object.fromEntries(
    computeModelRoutes(fleet).map((r) => [r.servedName, r.pools.map((p) => p.pool)]),
  ),
};
/**
 * NAMES of the SSM SecureString parameters holding the secrets (read the key with `aws ssm
 * get-parameter --with-decryption`).
 */
export const secretParameters = {
  apiKey: secrets.apiKeyParameter,
  hfToken: secrets.hfTokenParameter ?? null,
};
/**
 * vCPUs each EC2 on-demand quota must allow ("G and VT", "P"): desired, at maxCount, and during an
 * instance refresh.
 */
export const vcpuQuotas = computeVcpuQuotaNeeds(fleet, cfg);
/** Auto scaling group name per pool. */
export const autoScalingGroups = Object.fromEntries(
  fleet.pools.map((p, i) => [p.name, pools[i]!.autoScalingGroupName]),
);
/** Grafana (behind the load balancer, limited to monitoring.allowedCidrs); user admin. */
export const grafanaUrl = monitoring?.grafanaUrl ?? null;
/**
 * NAME of the SSM parameter holding Grafana's admin password (`aws ssm get-parameter
 * --with-decryption --name …`).
 */
/**
 * With loadBalancer.adminRoutes private: the Session Manager commands that open the admin
 * interfaces on the operator's machine (Grafana on localhost:3000; LiteLLM's /ui and admin API on
 * localhost:4000 through the monitoring host to a gateway task's IP).
 */
export const adminPortForwarding =
  cfg.loadBalancer.adminRoutes === "private" && monitoring
    ? {
        grafana: monitoring.instanceId.apply((id) => grafanaPortForwardCommand(id, region)),
        gateway: gateway
          ? monitoring.instanceId.apply(
              (id) =>
                `aws ssm start-session --region ${region} --target ${id} --document-name AWS-StartPortForwardingSessionToRemoteHost --parameters host=<a gateway task's private IP>,portNumber=4000,localPortNumber=4000`,
            )
          : null,
      }
    : null;
export const grafanaAdminPasswordParameter = monitoring?.grafanaAdminPasswordParameter ?? null;
/**
 * The gateway's URLs and the NAMES of its secrets (the master key is read from Secrets Manager,
 * never an output).
 */
export const gatewayEndpoints = gateway
  ? {
      url: gateway.url,
      openaiBaseUrl: gateway.openaiBaseUrl,
      ui: gateway.uiUrl,
      swagger: gateway.swaggerUrl,
      masterKeySecret: gateway.masterKeySecretName,
      masterKeySecretArn: gateway.masterKeySecretArn,
      databaseSecret: gateway.databaseSecretName,
    }
  : null;
/**
 * What the gateway costs per month (Fargate, RDS, internal ALB, secrets), USD, with the prices'
 * date.
 */
export const gatewayCost = cfg.gateway.enabled ? gatewayMonthlyCost(cfg.gateway) : null;
