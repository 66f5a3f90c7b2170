// Plans the gateway tests run on: the dev stack's pools (chat), plus an embedding and a rerank
// pool, and a model
// served by two pools; built by the planner from config, as the program does.
import { parseStackConfig, toPlanInput } from "../../config";
import { planFleet } from "../../planner/plan";
import type { FleetPlan } from "../../planner/types";
import { DEV_POOLS } from "../components/harness";

export function planOf(pools: Array<Record<string, unknown>>, stack = "dev"): FleetPlan {
  return planFleet(toPlanInput(stack, parseStackConfig({ pools })));
}

/** The dev stack (a10g: g5.2xlarge, a100: p4d.24xlarge). */
export const DEV_PLAN = planOf(DEV_POOLS);

/** Chat pools, one model on two pools, an embedding pool and a rerank pool. */
export const MIXED_PLAN = planOf([
  ...DEV_POOLS,
  { name: "a10g-b", instanceType: "g5.2xlarge", count: 2 },
  { name: "embed", instanceType: "g6.xlarge", task: "embedding" },
  { name: "rerank", instanceType: "g6.xlarge", task: "rerank" },
]);
