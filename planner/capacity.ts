// Elastic capacity of EC2 pools: every instance type a pool's auto scaling group may launch is
// planned on its own (through the planner's public planFleet), and the pool's prices are shown for
// its on-demand floor and its spot share. Pure: plain data in and out.
import { PRICES_AS_OF, findInstanceType } from "./catalog/instances";
import { SPOT_SOURCE, spotRatioOf } from "./catalog/spot";
import { round } from "./memory";
import { PlanError, planFleet, type PlanInput } from "./plan";
import type { FleetPlan, PoolPlan, PoolSpec } from "./types";

/** A pool's reserved capacity: an On-Demand Capacity Reservation or a Capacity Block. */
export interface ReservationSpec {
  /** "onDemand" (an ODCR) or "capacityBlock". */
  kind: "onDemand" | "capacityBlock";
  /** cr-… id; or resourceGroupArn. */
  id?: string;
  /** ARN of a resource group of ODCRs. */
  resourceGroupArn?: string;
  /** "first": reservations, then plain on-demand; "only": never outside them. */
  preference: "first" | "only";
}

/** What a pool's config asks of its capacity (config `capacity`). */
export interface CapacitySpec {
  /** Always on-demand instances; default 0 with spot, else every instance. */
  onDemandBase?: number;
  spot: boolean;
  /** Instance types besides the pool's own, in order of preference. */
  instanceTypes: readonly string[];
  /** Drain on a rebalance recommendation, not only on the interruption notice. */
  drainOnRebalance: boolean;
  reservation?: ReservationSpec;
}

/** A pool spec as config hands it over: the planner's PoolSpec and its capacity. */
export type ElasticPoolSpec = PoolSpec & { capacity?: CapacitySpec };

export interface ElasticPlanInput extends Omit<PlanInput, "pools"> {
  pools: readonly ElasticPoolSpec[];
}

/** USD per hour, lowest and highest, of spot capacity. */
export interface PriceRange {
  low: number;
  high: number;
}

/** The capacity part of an EC2 pool's plan (PoolPlan.capacity). */
export interface PoolCapacityPlan {
  /** Instances that are always on-demand. */
  onDemandBase: number;
  /** Spot instances above the base. */
  spot: boolean;
  drainOnRebalance: boolean;
  /**
   * Plans of the other instance types, in order of preference (the pool's own plan is the first
   * type). Each is a whole pool plan: its model, engine, context and utilization may differ.
   */
  alternatives: PoolPlan[];
  reservation: ReservationSpec | null;
  /** The slowest planned cold start over every type, seconds: the scaling warmup's floor. */
  coldStartSeconds: number;
  cost: {
    /** `count` instances all on-demand at the first type's price (PoolPlan.costPerHour). */
    onDemandPerHour: number;
    /**
     * With spot: the base on-demand and the rest at the sampled spot range of the types; null
     * without spot, or when no type's family has a sample (then only "spot, at most on-demand").
     */
    withSpotPerHour: PriceRange | null;
    /** What the figures assume, in words. */
    assumptions: string[];
  };
}

/** Every instance type's plan of a pool: its own first, then the alternatives. */
export function poolVariants(pool: PoolPlan): PoolPlan[] {
  return [pool, ...(pool.capacity?.alternatives ?? [])];
}

/** The slowest replica's cold start of one plan, seconds. */
export function coldStartOf(pool: PoolPlan): number {
  return Math.max(0, ...pool.replicas.map((r) => r.estimates.coldStartSeconds));
}

/**
 * A planner problem of a one-pool plan of `type`, re-addressed to the capacity entry that asked for
 * it: `gpufleet:pools[0].model: …` → `gpufleet:pools[2].capacity.instanceTypes[1]: g4dn.xlarge
 * (model): …`.
 */
function readdress(problem: string, poolIndex: number, typeIndex: number, type: string): string {
  const m = /^gpufleet:pools\[0\](?:\.([\w.[\]]+))?: ([\s\S]*)$/.exec(problem);
  const at = `gpufleet:pools[${poolIndex}].capacity.instanceTypes[${typeIndex}]`;
  if (!m) return `${at}: ${type}: ${problem}`;
  const key = m[1] !== undefined ? ` (${m[1]})` : "";
  return `${at}: no plan for ${type}${key}: ${m[2]}`;
}

function costOf(
  pool: PoolPlan,
  types: PoolPlan[],
  onDemandBase: number,
  spot: boolean,
): PoolCapacityPlan["cost"] {
  const price = (t: PoolPlan): number => findInstanceType(t.instanceType ?? "")?.pricePerHour ?? 0;
  const first = price(pool);
  const base = Math.min(onDemandBase, pool.count);
  const spotCount = spot ? pool.count - base : 0;
  const assumptions = [
    `on-demand: us-east-1 Linux prices of ${PRICES_AS_OF}, ${pool.count} instance(s) (count; scaling moves it) of ${pool.instanceType}, the first type`,
  ];
  if (!spot) return { onDemandPerHour: pool.costPerHour, withSpotPerHour: null, assumptions };
  const ranges = types.map((t) => {
    const ratio = spotRatioOf(t.instanceType ?? "");
    return ratio ? { low: ratio.low * price(t), high: ratio.high * price(t) } : null;
  });
  const known = ranges.filter((r): r is PriceRange => r !== null);
  if (known.length === 0) {
    assumptions.push(
      `spot: ${spotCount} instance(s) above the on-demand base of ${base}; no spot price sample for ${types.map((t) => t.instanceType).join(", ")}: each spot hour costs at most its on-demand price`,
    );
    return { onDemandPerHour: pool.costPerHour, withSpotPerHour: null, assumptions };
  }
  // The allocation picks any offered type: the cheapest sampled spot hour is the floor; the ceiling
  // is the dearest sampled one, or an unsampled type's on-demand price (spot never costs more).
  const low = Math.min(...known.map((r) => r.low));
  const high = Math.max(...ranges.map((r, i) => (r === null ? price(types[i]!) : r.high)));
  assumptions.push(
    `spot: ${spotCount} instance(s) above the on-demand base of ${base}, each $${round(low, 3)}–$${round(high, 3)}/h (sampled spot shares of on-demand: ${SPOT_SOURCE}); spot prices move and capacity can be reclaimed with 2 minutes' notice`,
  );
  return {
    onDemandPerHour: pool.costPerHour,
    withSpotPerHour: {
      low: round(base * first + spotCount * low, 3),
      high: round(base * first + spotCount * high, 3),
    },
    assumptions,
  };
}

/**
 * Plans every pool (planFleet), then every other instance type of each pool with `capacity`, each
 * as its own one-pool plan; attaches PoolPlan.capacity. Throws PlanError listing every problem of
 * every pool and every type at once.
 */
export function planElasticFleet(input: ElasticPlanInput): FleetPlan {
  const problems: string[] = [];
  let fleet: FleetPlan | undefined;
  try {
    fleet = planFleet(input);
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    problems.push(...err.problems);
  }
  const capacities = new Map<string, PoolCapacityPlan>();
  input.pools.forEach((spec, i) => {
    const capacity = spec.capacity;
    if (capacity === undefined || spec.instanceType === undefined) return;
    const pool = fleet?.pools.find((p) => p.name === spec.name);
    // Every type serves the model the first type chose: clients, the load balancer's model routes
    // and the gateway see one model per pool. Engine, quantization, context and utilization follow
    // each type's own plan.
    const model = spec.model === "auto" ? pool?.replicas[0]?.model.id : spec.model;
    const alternatives: PoolPlan[] = [];
    capacity.instanceTypes.forEach((type, k) => {
      try {
        const one = planFleet({
          ...input,
          pools: [{ ...spec, instanceType: type, model: model ?? spec.model }],
        });
        alternatives.push(one.pools[0]!);
      } catch (err) {
        if (!(err instanceof PlanError)) throw err;
        const why =
          spec.model === "auto" && model !== undefined
            ? ` (every type serves the model ${pool?.instanceType} plans, ${model}; pin a model that fits every type, or drop this type)`
            : "";
        for (const p of err.problems) {
          const aboutModel = /^gpufleet:pools\[0\](\.model)?: /.test(p);
          problems.push(readdress(p, i, k, type) + (aboutModel ? why : ""));
        }
      }
    });
    if (pool === undefined || alternatives.length !== capacity.instanceTypes.length) return;
    const types = [pool, ...alternatives];
    const onDemandBase = capacity.onDemandBase ?? (capacity.spot ? 0 : pool.count);
    capacities.set(spec.name, {
      onDemandBase,
      spot: capacity.spot,
      drainOnRebalance: capacity.drainOnRebalance,
      alternatives,
      reservation: capacity.reservation ?? null,
      coldStartSeconds: Math.max(...types.map(coldStartOf)),
      cost: costOf(pool, types, onDemandBase, capacity.spot),
    });
  });
  if (problems.length > 0 || fleet === undefined) throw new PlanError(problems);
  return {
    ...fleet,
    pools: fleet.pools.map((p) => {
      const capacity = capacities.get(p.name);
      return capacity ? { ...p, capacity } : p;
    }),
  };
}

/**
 * The fleet's $/hour with spot where pools use it (other pools at on-demand), or null when no
 * pool runs spot with a sampled price.
 */
export function fleetSpotCostPerHour(plan: FleetPlan): PriceRange | null {
  let any = false;
  let low = 0;
  let high = 0;
  for (const p of plan.pools) {
    const range = p.capacity?.cost.withSpotPerHour ?? null;
    if (range) any = true;
    low += range ? range.low : p.costPerHour;
    high += range ? range.high : p.costPerHour;
  }
  return any ? { low: round(low, 3), high: round(high, 3) } : null;
}
