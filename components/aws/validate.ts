// Every check that must pass before the program registers a resource, shared by index.ts and the
// offline preview.
import type { StackConfig } from "../../config/schema";
import { validateGateway } from "../../gateway";
import type { FleetPlan } from "../../planner/types";
import { validateAwsDeployment } from "./facts";

/**
 * Problems of a planned stack on AWS (one line each, with its config path); empty when it can be
 * deployed.
 */
export function validateDeployment(
  plan: FleetPlan,
  cfg: StackConfig,
  region: string | undefined,
): string[] {
  const problems = validateAwsDeployment(plan, cfg, region);
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
