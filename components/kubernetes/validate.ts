// The checks of a planned stack on Kubernetes, before any object is built: pure and light (the
// gateway's option checks, no renderer), so that `gpufleet plan` on a kubernetes stack loads neither
// the manifests nor the monitoring renderers they use.
import type { StackConfig } from "../../config/schema";
import { validateGateway } from "../../gateway/options";
import type { FleetPlan } from "../../planner/types";

/**
 * Problems of a planned stack on Kubernetes (one line each, with its config path): a gated model
 * needs the HF token; the gateway's own checks.
 */
export function validateKubernetesDeployment(plan: FleetPlan, cfg: StackConfig): string[] {
  const problems: string[] = [];
  if (cfg.hfToken === undefined) {
    for (const pool of plan.pools) {
      const gated = pool.replicas.find((r) => r.model.gated);
      if (gated)
        problems.push(
          `gpufleet:hfToken: required: pool ${pool.name} serves ${gated.model.id}, a gated model (pulumi config set --secret gpufleet:hfToken hf_…)`,
        );
    }
  }
  if (cfg.gateway.enabled) problems.push(...validateGateway(plan, cfg.gateway));
  plan.pools.forEach((pool, i) => {
    if (!cfg.pools[i]?.scaleToZero) return;
    const model = pool.replicas[0]!.model.servedName;
    const others = plan.pools.filter(
      (p) => p !== pool && p.replicas.some((r) => r.model.servedName === model),
    );
    if (others.length > 0)
      problems.push(
        `gpufleet:pools[${i}].scaleToZero: pool ${pool.name} shares model ${model} with pool(s) ${others.map((p) => p.name).join(", ")}; a pool that sleeps at zero must serve its model alone (the entry point cannot split a model's traffic between a sleeping and a running pool)`,
      );
  });
  return problems;
}
