// The pure decisions of an elastic pool's auto scaling group: its mixed instances policy, warmup,
// lifecycle hook, reserved capacity, queue-based scaling (target tracking on metric math) and
// schedules, and the one IAM statement its hosts need. No @pulumi imports: tested directly, and the
// group's name comes in as whatever the component has (a string here, an Output there).
import { ELASTIC_DEFAULTS, HOST_METRICS, metricsNamespace } from "../../cloud-init/elastic-facts";
import type { ScalingConfig } from "../../config/schema";
import { poolVariants, type PoolCapacityPlan } from "../../planner/capacity";
import type { PoolPlan } from "../../planner/types";
import { healthCheckGraceSeconds } from "./facts";
import type { PolicyStatement } from "./policies";

/**
 * The drain's timing as AWS sees it. Spot gives two minutes' notice; the host drains within it
 * (cloud-init/elastic.ts): the lifecycle hook holds a terminating instance that long, and the
 * target group lets in-flight requests run until the host stops its engines.
 */
export const DRAIN_TIMING = {
  /** Seconds the termination lifecycle hook holds an instance: the spot notice. */
  lifecycleHookSeconds: ELASTIC_DEFAULTS.drainBudgetSeconds,
  /** Target group deregistration delay of an elastic pool: until the engines stop. */
  deregistrationDelaySeconds:
    ELASTIC_DEFAULTS.drainBudgetSeconds - ELASTIC_DEFAULTS.engineStopSeconds,
} as const;

/** Auto Scaling group metrics the dashboard and the shortfall alarm read (1-minute). */
export const GROUP_METRICS = [
  "GroupDesiredCapacity",
  "GroupInServiceInstances",
  "GroupPendingInstances",
  "GroupTerminatingInstances",
  "GroupMinSize",
  "GroupMaxSize",
] as const;

/** Whether a pool gets the elastic treatment (capacity or scaling configured). */
export function isElastic(pool: PoolPlan, scaling: ScalingConfig | undefined): boolean {
  return pool.capacity !== undefined || scaling !== undefined;
}

/** Instance types of the mixed instances policy, in order of preference (on-demand order). */
export function computeInstanceTypes(pool: PoolPlan): string[] {
  return poolVariants(pool).map((v) => v.instanceType!);
}

/**
 * On-demand up to the base (in the types' order), spot above it spread by price-capacity-optimized
 * (the lowest-priced pools among those least likely to be interrupted: AWS's recommended default
 * for spot). Without spot, every instance is on-demand.
 */
export function computeInstancesDistribution(c: PoolCapacityPlan): {
  onDemandAllocationStrategy: "prioritized";
  onDemandBaseCapacity: number;
  onDemandPercentageAboveBaseCapacity: number;
  spotAllocationStrategy: "price-capacity-optimized";
} {
  return {
    onDemandAllocationStrategy: "prioritized",
    onDemandBaseCapacity: c.onDemandBase,
    onDemandPercentageAboveBaseCapacity: c.spot ? 0 : 100,
    spotAllocationStrategy: "price-capacity-optimized",
  };
}

/**
 * Seconds a new instance needs before its metrics count (group default warmup, the policy's
 * warmup, the health check grace): the slowest type's planned cold start plus boot, at least ten
 * minutes (facts.healthCheckGraceSeconds, over every type).
 */
export function computeWarmupSeconds(pool: PoolPlan): number {
  return Math.max(...poolVariants(pool).map(healthCheckGraceSeconds));
}

/** Holds a terminating instance while gpufleet-drain runs; continues on timeout. */
export function computeLifecycleHook(): {
  name: string;
  lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING";
  heartbeatTimeout: number;
  defaultResult: "CONTINUE";
} {
  return {
    name: "gpufleet-drain",
    lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
    heartbeatTimeout: DRAIN_TIMING.lifecycleHookSeconds,
    defaultResult: "CONTINUE",
  };
}

/** Where a pool's instances may launch from its reservation, for the group and launch template. */
export interface ReservationTargeting {
  /** The group's capacityReservationSpecification (an ODCR or a resource group of them). */
  group?: {
    capacityReservationPreference: "capacity-reservations-first" | "capacity-reservations-only";
    capacityReservationTarget: {
      capacityReservationIds?: string[];
      capacityReservationResourceGroupArns?: string[];
    };
  };
  /** The launch template's market options and target (a Capacity Block). */
  launchTemplate?: {
    instanceMarketOptions: { marketType: "capacity-block" };
    capacityReservationSpecification: {
      capacityReservationTarget: { capacityReservationId: string };
    };
  };
}

/**
 * An ODCR (by id or resource group) is targeted by the group, before or instead of plain
 * on-demand; a Capacity Block by the launch template, whose market type must say so.
 */
export function computeReservationTargeting(c: PoolCapacityPlan | undefined): ReservationTargeting {
  const r = c?.reservation;
  if (!r) return {};
  if (r.kind === "capacityBlock") {
    return {
      launchTemplate: {
        instanceMarketOptions: { marketType: "capacity-block" },
        capacityReservationSpecification: {
          capacityReservationTarget: { capacityReservationId: r.id! },
        },
      },
    };
  }
  return {
    group: {
      capacityReservationPreference:
        r.preference === "only" ? "capacity-reservations-only" : "capacity-reservations-first",
      capacityReservationTarget: r.id
        ? { capacityReservationIds: [r.id] }
        : { capacityReservationResourceGroupArns: [r.resourceGroupArn!] },
    },
  };
}

/** A CloudWatch metric data query (the target tracking and alarm shapes share it). */
export interface MetricQuery<N> {
  id: string;
  label?: string;
  expression?: string;
  metricStat?: {
    metric: {
      namespace: string;
      metricName: string;
      dimensions: Array<{ name: string; value: string | N }>;
    };
    stat: string;
    period?: number;
  };
  returnData: boolean;
}

/**
 * Requests waiting per in-service instance of the pool: the hosts' RequestsWaiting summed over
 * the minute (one datapoint per host, stamped at the minute) divided by the group's in-service
 * instances (AWS/AutoScaling, group metrics enabled).
 */
export function computeQueueMetricQueries<N>(
  stack: string,
  pool: string,
  groupName: N,
  period: number = ELASTIC_DEFAULTS.metricsPeriodSeconds,
): MetricQuery<N>[] {
  return [
    {
      id: "waiting",
      metricStat: {
        metric: {
          namespace: metricsNamespace(stack),
          metricName: HOST_METRICS.waiting,
          dimensions: [
            { name: "Stack", value: stack },
            { name: "Pool", value: pool },
          ],
        },
        stat: "Sum",
        period,
      },
      returnData: false,
    },
    {
      id: "inservice",
      metricStat: {
        metric: {
          namespace: "AWS/AutoScaling",
          metricName: "GroupInServiceInstances",
          dimensions: [{ name: "AutoScalingGroupName", value: groupName }],
        },
        stat: "Average",
        period,
      },
      returnData: false,
    },
    {
      id: "perinstance",
      label: `${pool}: requests waiting per instance`,
      expression: "waiting / inservice",
      returnData: true,
    },
  ];
}

/**
 * Target tracking on waiting requests per instance. Scale-out only: its own scale-in would act
 * after 15 minutes a little under target, which for LLM queues (empty until the KV cache fills)
 * means removing capacity under load; scale-in is the separate conservative alarm below.
 */
export function computeQueueTargetTracking<N>(
  stack: string,
  pool: string,
  groupName: N,
  scaling: ScalingConfig,
): {
  targetValue: number;
  disableScaleIn: true;
  customizedMetricSpecification: {
    metrics: Array<
      Omit<MetricQuery<N>, "metricStat"> & {
        metricStat?: Omit<NonNullable<MetricQuery<N>["metricStat"]>, "period">;
      }
    >;
  };
} {
  return {
    targetValue: scaling.targetWaitingPerInstance,
    disableScaleIn: true,
    customizedMetricSpecification: {
      // Target tracking's metric stats take no period (the policy evaluates 1-minute datapoints).
      metrics: computeQueueMetricQueries(stack, pool, groupName).map(({ metricStat, ...q }) =>
        metricStat ? { ...q, metricStat: { metric: metricStat.metric, stat: metricStat.stat } } : q,
      ),
    },
  };
}

/**
 * Conservative scale-in: one instance at a time, only after scaleInMinutes minutes in which no
 * minute had more than a quarter of the target waiting per instance; then a cooldown of the
 * warmup, so the group never sheds capacity faster than it can bring it back.
 */
export function computeScaleIn(
  pool: PoolPlan,
  scaling: ScalingConfig,
): {
  threshold: number;
  evaluationPeriods: number;
  period: number;
  cooldown: number;
  adjustment: -1;
} {
  return {
    threshold: scaling.targetWaitingPerInstance / 4,
    evaluationPeriods: scaling.scaleInMinutes,
    period: 60,
    cooldown: computeWarmupSeconds(pool),
    adjustment: -1,
  };
}

/** Scheduled actions of a pool (e.g. to zero at night); unset sizes stay as they are. */
export function computeSchedules(scaling: ScalingConfig): Array<{
  name: string;
  recurrence: string;
  timeZone: string;
  minSize?: number;
  maxSize?: number;
  desiredCapacity?: number;
}> {
  return scaling.schedules.map((s) => ({
    name: s.name,
    recurrence: s.recurrence.trim(),
    timeZone: s.timeZone ?? "Etc/UTC",
    ...(s.minCount !== undefined ? { minSize: s.minCount } : {}),
    ...(s.maxCount !== undefined ? { maxSize: s.maxCount } : {}),
    ...(s.count !== undefined ? { desiredCapacity: s.count } : {}),
  }));
}

/**
 * The hosts' one CloudWatch permission: PutMetricData, only into the stack's namespace.
 * PutMetricData has no resource-level permissions (AWS: "Resource: *" with the cloudwatch:namespace
 * condition key is how it is scoped).
 */
export function metricsPolicyStatement(stack: string): PolicyStatement {
  return {
    Sid: "PutOwnMetrics",
    Effect: "Allow",
    Action: ["cloudwatch:PutMetricData"],
    Resource: ["*"],
    Condition: { StringEquals: { "cloudwatch:namespace": metricsNamespace(stack) } },
  };
}
