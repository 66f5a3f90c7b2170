// One entry for the CLI, the offline preview and the program: validate a stack's raw `gpufleet:*`
// values and plan them, reporting every problem at once. When the schema refuses part of the
// config, the pools and models it accepts (each one with its refused fields left out) are still
// planned, so that a bad pool name does not hide an unknown instance type or an impossible
// maxModelLen in the same file.
import { z } from "zod";
import { planElasticFleet, type ElasticPlanInput } from "../planner/capacity";
import { planFleetMultiNode } from "../planner/multinode";
import { PlanError } from "../planner/plan";
import type { FleetPlan, ModelSpec } from "../planner/types";
import { ConfigError, STACK_SCHEMA, describeIssue } from "./load";
import { planStack, toModelSpec, toPoolSpec } from "./plan-input";
import { targetProblems } from "./target";
import {
  gpuKey,
  gpuSchema,
  modelSchema,
  poolSchema,
  type GpuConfig,
  type StackConfig,
} from "./schema";

/**
 * The planner of a target: Kubernetes pools may spread one replica over several nodes
 * (planner/multinode.ts); EC2 pools plan every instance type of their capacity (planner/capacity.ts)
 * and spread a model that fits no single instance over a group of instances.
 */
function plannerFor(target: unknown): (input: ElasticPlanInput) => FleetPlan {
  return target === "kubernetes"
    ? (input) => planFleetMultiNode(input)
    : (input) => planFleetMultiNode(input, planElasticFleet, true);
}

/**
 * The validated config and its plan; throws ConfigError (schema problems and, beside them, the
 * planner's problems with what the schema accepted) or PlanError (a valid config that cannot be
 * planned), each line naming its config path.
 */
export function planStackConfig(
  stack: string,
  raw: Record<string, unknown>,
): { cfg: StackConfig; plan: FleetPlan } {
  const parsed = STACK_SCHEMA.safeParse(raw);
  if (parsed.success) {
    const cfg = parsed.data;
    // What the chosen target cannot honour (config/target.ts), then the target's planner.
    const refused = targetProblems(cfg);
    if (refused.length > 0) throw new ConfigError(refused);
    return { cfg, plan: planStack(stack, cfg) };
  }
  const problems = parsed.error.issues.flatMap(describeIssue);
  for (const p of planAcceptedParts(stack, raw, parsed.error.issues))
    if (!problems.includes(p)) problems.push(p);
  throw new ConfigError(problems);
}

/** The field of a pool (or model) an issue is about, from its path under `key[i]`. */
function fieldsAt(issues: readonly z.core.$ZodIssue[], key: string, index: number): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    if (issue.path[0] !== key || issue.path[1] !== index) continue;
    const field = issue.path[2];
    if (typeof field === "string") out.push(field);
    else if (issue.code === "unrecognized_keys") out.push(...issue.keys);
  }
  return out;
}

/** Planner problems of the pools and models the schema accepts once their bad fields are dropped. */
function planAcceptedParts(
  stack: string,
  raw: Record<string, unknown>,
  issues: readonly z.core.$ZodIssue[],
): string[] {
  const rawModels = Array.isArray(raw.models) ? (raw.models as unknown[]) : [];
  const models: ModelSpec[] = [];
  const refusedModels = new Set<unknown>();
  rawModels.forEach((m, i) => {
    const r = modelSchema.safeParse(m);
    if (!r.success) {
      refusedModels.add((m as { id?: unknown } | null)?.id);
      return;
    }
    try {
      models.push(toModelSpec(r.data, i));
    } catch {
      refusedModels.add(r.data.id); // its own problem is reported with the config
    }
  });

  // Stack-defined GPUs the schema accepts; a pool naming a refused one is left out (its GPU's own
  // problem is reported).
  const rawGpus = Array.isArray(raw.gpus) ? (raw.gpus as unknown[]) : [];
  const gpus: GpuConfig[] = [];
  const refusedGpus = new Set<string>();
  for (const g of rawGpus) {
    const r = gpuSchema.safeParse(g);
    if (r.success) gpus.push(r.data);
    else {
      const id = (g as { id?: unknown } | null)?.id;
      if (typeof id === "string") refusedGpus.add(gpuKey(id));
    }
  }

  const rawPools = Array.isArray(raw.pools) ? (raw.pools as unknown[]) : [];
  const kept: Array<{ index: number; pool: z.output<typeof poolSchema> }> = [];
  rawPools.forEach((p, index) => {
    if (typeof p !== "object" || p === null || Array.isArray(p)) return;
    const repaired: Record<string, unknown> = { ...(p as Record<string, unknown>) };
    for (const field of fieldsAt(issues, "pools", index)) delete repaired[field];
    // A stand-in name, DNS-safe and unlike any real one, so that the rest can be planned.
    if (repaired.name === undefined) repaired.name = `unnamed-pool-${index}`;
    const r = poolSchema.safeParse(repaired);
    if (!r.success || refusedModels.has(r.data.model)) return;
    if (r.data.gpu !== undefined && refusedGpus.has(gpuKey(r.data.gpu))) return;
    kept.push({ index, pool: r.data });
  });
  if (kept.length === 0) return [];
  try {
    plannerFor(raw.target)({ stack, pools: kept.map((k) => toPoolSpec(k.pool, gpus)), models });
    return [];
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    // The planner numbered the pools it saw; give each problem its pool's place in the file.
    return err.problems.map((line) =>
      line.replace(/pools\[(\d+)\]/g, (_, k: string) => `pools[${kept[Number(k)]!.index}]`),
    );
  }
}
