// The Pulumi program of a stack whose gpufleet:target is kubernetes (index.ts dispatches here): read
// and validate config, plan (multi-node layouts included), build the fleet; its exports are the
// stack's outputs.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, planStackConfig } from "../config";
import {
  kubeconfigProblems,
  kubernetesEntryWarnings,
  kubernetesSchema,
} from "../config/kubernetes";
import { readPulumiConfig } from "../config/pulumi";
import { formatTable } from "../planner/format";
import { PlanError } from "../planner/plan";
import { MODEL_HEADER } from "../components/aws/facts";
import { KubernetesFleet, validateKubernetesDeployment } from "../components/kubernetes";

function planStack(): ReturnType<typeof planOrThrow> {
  try {
    return planOrThrow();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PlanError) {
      throw new pulumi.RunError(`gpufleet: invalid stack config:\n  ${err.problems.join("\n  ")}`);
    }
    throw err;
  }
}

function planOrThrow() {
  // Every problem at once (config/validate.ts); a kubernetes stack plans multi-node layouts.
  const { cfg, plan: fleet } = planStackConfig(pulumi.getStack(), readPulumiConfig());
  if (cfg.target !== "kubernetes")
    throw new ConfigError([`gpufleet:target: this program deploys target kubernetes`]);
  const problems = validateKubernetesDeployment(fleet, cfg);
  if (problems.length > 0) throw new ConfigError(problems);
  return { cfg, fleet, k8s: cfg.kubernetes ?? kubernetesSchema.parse({}) };
}

const { cfg, fleet, k8s } = planStack();
void pulumi.log.info(formatTable(fleet, { reasons: false }));
for (const w of kubernetesEntryWarnings(cfg)) void pulumi.log.warn(w);

const secretConfig = new pulumi.Config("gpufleet");
const k8sSecrets = secretConfig.getSecretObject<{ kubeconfig?: string }>("kubernetes");
const kubeconfig =
  cfg.kubernetes?.kubeconfig !== undefined && k8sSecrets !== undefined
    ? k8sSecrets.apply((k) => {
        // A secure value is decrypted only here: check it as the CLI checks a plain one.
        const text = k?.kubeconfig ?? "";
        const problems = kubeconfigProblems(text, cfg.kubernetes?.context);
        if (problems.length > 0)
          throw new pulumi.RunError(
            `gpufleet: invalid stack config:\n  ${problems.map((p) => `gpufleet:kubernetes.kubeconfig: ${p}`).join("\n  ")}`,
          );
        return text;
      })
    : undefined;

const fleetResource = new KubernetesFleet("gpufleet", {
  plan: fleet,
  cfg,
  k8s,
  apiKey: secretConfig.getSecret("apiKey"),
  hfToken: secretConfig.getSecret("hfToken"),
  kubeconfig: kubeconfig ? pulumi.secret(kubeconfig) : undefined,
});

/** The deployment plan (DESIGN.md, "Plan JSON"), multi-node layouts included. */
export const plan = fleet;
/** Served model names per pool. */
export const servedModels = Object.fromEntries(
  fleet.pools.map((p) => [p.name, [...new Set(p.replicas.map((r) => r.model.servedName))]]),
);
/** Namespace of every workload. */
export const namespace = fleetResource.namespace;
/** In-cluster URL of each pool's proxy (every /v1 request carries the API key). */
export const poolUrls = fleetResource.poolUrls;
/** How a request picks a pool: the header, else the LiteLLM gateway (by `model`) or the first pool. */
export const routing = {
  entry: k8s.entry,
  header: MODEL_HEADER,
  default: cfg.gateway.enabled ? "gateway" : fleet.pools[0]!.name,
};
/** The Secret holding the engine API key (`kubectl get secret … -o jsonpath='{.data.api-key}'`). */
export const apiKeySecret = `${k8s.namespace}/gpufleet-api-key`;
