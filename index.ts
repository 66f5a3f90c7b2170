// The Pulumi program. It only reads and validates config, plans, builds components and exports outputs
// (DESIGN.md): the planning is the same pure code that `gpufleet plan` runs offline.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, toPlanInput } from "./config";
import { loadPulumiConfig } from "./config/pulumi";
import { formatTable } from "./cli/format";
import { PlanError, planFleet } from "./planner/plan";
import type { FleetPlan } from "./planner/types";

function planStack(): FleetPlan {
  try {
    return planFleet(toPlanInput(pulumi.getStack(), loadPulumiConfig()));
  } catch (err) {
    // Every problem at once, each with its config path; thrown before any resource is registered.
    if (err instanceof ConfigError || err instanceof PlanError) {
      throw new pulumi.RunError(`gpufleet: invalid stack config:\n  ${err.problems.join("\n  ")}`);
    }
    throw err;
  }
}

const fleet = planStack();
void pulumi.log.info(formatTable(fleet, { reasons: false }));

/** The deployment plan (DESIGN.md, "Plan JSON"). */
export const plan = fleet;
/** On-demand cost of the whole fleet, USD per hour. */
export const costPerHour = fleet.costPerHour;
/** Served model names per pool. */
export const servedModels = Object.fromEntries(
  fleet.pools.map((p) => [p.name, [...new Set(p.replicas.map((r) => r.model.servedName))]]),
);
