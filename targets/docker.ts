// The Docker target's Pulumi program (index.ts runs it for gpufleet:target docker): the same plan
// as `gpufleet plan`, one DockerHost component per distinct dockerHost, each with its own provider.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ConfigError, planStackConfig } from "../config";
import { readPulumiConfig } from "../config/pulumi";
import type { StackConfig } from "../config/schema";
import { formatTable } from "../planner/format";
import { PlanError } from "../planner/plan";
import type { FleetPlan } from "../planner/types";
import { DockerHost, dockerSpecOptions, renderDockerSpec } from "../components/docker";

function planDockerStack(): { cfg: StackConfig; plan: FleetPlan } {
  try {
    const { cfg, plan } = planStackConfig(pulumi.getStack(), readPulumiConfig());
    if (cfg.target !== "docker")
      throw new ConfigError([`gpufleet:target: this program deploys target docker`]);
    return { cfg, plan };
  } catch (err) {
    // Every problem at once, each with its config path; thrown before any resource is registered.
    if (err instanceof ConfigError || err instanceof PlanError) {
      throw new pulumi.RunError(`gpufleet: invalid stack config:\n  ${err.problems.join("\n  ")}`);
    }
    throw err;
  }
}

const { cfg, plan: fleet } = planDockerStack();
void pulumi.log.info(formatTable(fleet, { reasons: false }));

const stack = pulumi.getStack();
const NAME = "gpufleet";
const bindAddress = cfg.docker?.bindAddress ?? "127.0.0.1";

// Read as Pulumi secrets (never from the validated config object, which only proves they are
// well-formed); the key is generated when the stack gives none.
const secretConfig = new pulumi.Config("gpufleet");
const apiKey: pulumi.Output<string> =
  secretConfig.getSecret("apiKey") ??
  pulumi.secret(
    new random.RandomPassword(`${NAME}-api-key`, { length: 48, special: false }).result,
  );
const hfToken = secretConfig.getSecret("hfToken");
const alertWebhookUrl = cfg.monitoring.enabled
  ? secretConfig.getSecret("alertWebhookUrl")
  : undefined;
// Grafana's admin password (user admin): generated, delivered as a 0400 file, output as a secret.
const grafanaPassword = cfg.monitoring.enabled
  ? pulumi.secret(
      new random.RandomPassword(`${NAME}-grafana-admin`, { length: 32, special: false }).result,
    )
  : undefined;

// The gateway's secrets (seed 002): generated here, delivered to LiteLLM and PostgreSQL as 0400
// files only.
const generated = (id: string, length: number): pulumi.Output<string> =>
  pulumi.secret(new random.RandomPassword(`${NAME}-${id}`, { length, special: false }).result);
const gateway = cfg.gateway.enabled
  ? {
      masterKey: pulumi.secret(pulumi.interpolate`sk-${generated("gateway-master-key", 48)}`),
      saltKey: generated("gateway-salt-key", 48),
      postgresPassword: generated("gateway-db-password", 32),
    }
  : undefined;

const specs = renderDockerSpec(fleet, dockerSpecOptions(cfg, stack));
const hosts = specs.map(
  (spec, i) =>
    new DockerHost(`${NAME}-${spec.key}`, {
      spec,
      apiKey,
      hfToken,
      ...(i === 0 ? { grafanaAdminPassword: grafanaPassword, alertWebhookUrl, gateway } : {}),
    }),
);

/** The deployment plan (DESIGN.md, "Plan JSON"). */
export const plan = fleet;
/** Served model names per pool. */
export const servedModels = Object.fromEntries(
  fleet.pools.map((p) => [p.name, [...new Set(p.replicas.map((r) => r.model.servedName))]]),
);
/** Each pool's OpenAI base URL on its host (the proxy, published on docker.bindAddress). */
export const endpoints = Object.fromEntries(
  fleet.pools.map((p) => [p.name, `http://${bindAddress}:${p.proxyPort}/v1`]),
);
/** The engine API key every request carries as a Bearer token (`pulumi stack output --show-secrets apiKey`). */
export const engineApiKey = apiKey;
/** Containers, network and model-cache volume per Docker host. */
export const dockerHosts = Object.fromEntries(
  hosts.map((h, i) => [
    specs[i]!.host,
    { containers: h.containerNames, network: h.networkName, volume: h.volumeName },
  ]),
);
/** Grafana (user admin) on the first pool's host, published on docker.bindAddress; null without monitoring. */
export const grafanaUrl = cfg.monitoring.enabled
  ? `http://${bindAddress}:${cfg.docker?.grafanaPort ?? 3000}/`
  : null;
/** Grafana's admin password (`pulumi stack output --show-secrets grafanaAdminPassword`). */
export const grafanaAdminPassword = grafanaPassword ?? null;
/** LiteLLM's OpenAI base URL (virtual keys, budgets), published on docker.bindAddress; null without the gateway. */
export const gatewayUrl = cfg.gateway.enabled
  ? `http://${bindAddress}:${cfg.docker?.gatewayPort ?? 4000}/v1`
  : null;
/** LiteLLM's master key, for its admin API and UI (`pulumi stack output --show-secrets gatewayMasterKey`). */
export const gatewayMasterKey = gateway?.masterKey ?? null;
