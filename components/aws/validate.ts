// Every check that must pass before the program registers a resource, shared by index.ts and the
// offline preview.
import type { StackConfig } from "../../config/schema";
import { AWS_REGION, STACK_NAME } from "../../config/shapes";
import { validateGateway } from "../../gateway";
import type { FleetPlan } from "../../planner/types";
import { checkAdminExposure } from "./admin";
import { validateAwsDeployment } from "./facts";
import { validateMultiNodePools } from "./multinode";

/**
 * Problems of a planned stack on AWS (one line each, with its config path); empty when it can be
 * deployed.
 */
export function validateDeployment(
  plan: FleetPlan,
  cfg: StackConfig,
  region: string | undefined,
): string[] {
  const problems: string[] = [];
  if (!STACK_NAME.test(plan.stack)) {
    problems.push(
      `stack "${plan.stack}": must be lowercase letters, digits and hyphens, starting with a letter, at most 24 characters (it names SSM parameters, log groups, load balancers and buckets)`,
    );
  }
  if (region !== undefined && !AWS_REGION.test(region)) {
    problems.push(`aws:region: "${region}" is not an AWS region name such as us-east-1`);
  }
  // One served name, one model: the load balancer would split its traffic between two models.
  const served = new Map<string, string>();
  for (const [i, pool] of plan.pools.entries()) {
    for (const r of pool.replicas) {
      const other = served.get(r.model.servedName);
      if (other !== undefined && other !== r.model.id) {
        problems.push(
          `gpufleet:pools[${i}].model: serves ${r.model.id} as "${r.model.servedName}", the name another pool serves ${other} under`,
        );
      }
      served.set(r.model.servedName, r.model.id);
    }
  }
  if (problems.length > 0) return problems;
  problems.push(...validateAwsDeployment(plan, cfg, region));
  problems.push(...validateMultiNodePools(plan, cfg));
  // Admin interfaces over plain HTTP to the internet: refused unless the stack opts in by name.
  problems.push(...checkAdminExposure(cfg).problems);
  if (cfg.gateway.enabled) {
    problems.push(...validateGateway(plan, cfg.gateway));
    for (const [i, u] of cfg.gateway.upstreams.entries()) {
      if (!u.apiKeySecret.startsWith("arn:") && !(u.apiKeySecret in (cfg.gatewayApiKeys ?? {}))) {
        problems.push(
          `gpufleet:gateway.upstreams[${i}].apiKeySecret: "${u.apiKeySecret}" is not a key of gpufleet:gatewayApiKeys (pulumi config set --secret --path 'gpufleet:gatewayApiKeys.${u.apiKeySecret}' …) nor a Secrets Manager ARN`,
        );
      }
    }
  }
  return problems;
}
