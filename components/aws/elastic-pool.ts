// The Pulumi side of an elastic pool: what GpuPool adds to its launch template and auto scaling
// group, the scaling policies, schedules and alarms of the group, and the stack's elastic
// dashboard. Decisions come from ./elastic (pure); this file only wires resources.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ScalingConfig } from "../../config/schema";
import {
  computeElasticAlarms,
  renderElasticDashboard,
  scalingActivityPattern,
  type ElasticPoolView,
} from "../../monitoring/elastic";
import type { PoolPlan } from "../../planner/types";
import {
  GROUP_METRICS,
  computeInstanceTypes,
  computeInstancesDistribution,
  computeLifecycleHook,
  computeQueueTargetTracking,
  computeReservationTargeting,
  computeScaleIn,
  computeQueueMetricQueries,
  computeSchedules,
  computeWarmupSeconds,
} from "./elastic";

/** Launch template arguments of an elastic pool (a Capacity Block's market type and target). */
export function elasticLaunchTemplateArgs(pool: PoolPlan): Partial<aws.ec2.LaunchTemplateArgs> {
  const lt = computeReservationTargeting(pool.capacity).launchTemplate;
  return lt ?? {};
}

/**
 * Auto scaling group arguments of an elastic pool: the mixed instances policy (every planned type,
 * on-demand base, spot by price-capacity-optimized) in place of a single launch template, capacity
 * rebalancing with spot, the drain's lifecycle hook, group metrics, ODCR targeting, and a warmup
 * of the slowest type's cold start.
 */
export function elasticGroupArgs(
  pool: PoolPlan,
  launchTemplate: { id: pulumi.Input<string>; version: pulumi.Input<string> },
): Partial<aws.autoscaling.GroupArgs> {
  const warmup = computeWarmupSeconds(pool);
  const reservation = computeReservationTargeting(pool.capacity).group;
  const args: Partial<aws.autoscaling.GroupArgs> = {
    healthCheckGracePeriod: warmup,
    defaultInstanceWarmup: warmup,
    initialLifecycleHooks: [computeLifecycleHook()],
    enabledMetrics: [...GROUP_METRICS],
    metricsGranularity: "1Minute",
    ...(reservation ? { capacityReservationSpecification: reservation } : {}),
  };
  if (pool.capacity === undefined || pool.capacity.reservation?.kind === "capacityBlock") {
    return args;
  }
  return {
    ...args,
    // Launch a replacement as soon as EC2 recommends rebalancing a spot instance, before the
    // interruption; the old one then drains (lifecycle hook) and terminates.
    capacityRebalance: pool.capacity.spot,
    launchTemplate: undefined,
    mixedInstancesPolicy: {
      instancesDistribution: computeInstancesDistribution(pool.capacity),
      launchTemplate: {
        launchTemplateSpecification: {
          launchTemplateId: launchTemplate.id,
          version: launchTemplate.version,
        },
        overrides: computeInstanceTypes(pool).map((instanceType) => ({ instanceType })),
      },
    },
  };
}

/**
 * The pool's subnets in zones where at least one of its instance types is offered (EC2 instance
 * type offerings); all of them when the offerings cannot be matched (with a warning).
 */
export function offeredSubnets(
  pool: PoolPlan,
  subnetIds: pulumi.Input<string>[],
  parent: pulumi.Resource,
): pulumi.Output<string[]> {
  const types = computeInstanceTypes(pool);
  const offerings = aws.ec2.getInstanceTypeOfferingsOutput(
    { locationType: "availability-zone", filters: [{ name: "instance-type", values: types }] },
    { parent },
  );
  const zones = subnetIds.map((id) => aws.ec2.getSubnetOutput({ id }, { parent }).availabilityZone);
  return pulumi
    .all([offerings.locations, pulumi.all(subnetIds), pulumi.all(zones)])
    .apply(([offered, ids, idZones]) => {
      const keep = ids.filter((_, i) => offered.includes(idZones[i]!));
      if (keep.length === 0) {
        void pulumi.log.warn(
          `pool ${pool.name}: none of ${types.join(", ")} is offered in the zones of its subnets (${idZones.join(", ")}); launching there anyway`,
          parent,
        );
        return ids;
      }
      return keep;
    });
}

export interface ElasticScalingArgs {
  stack: string;
  pool: PoolPlan;
  scaling?: ScalingConfig;
  group: aws.autoscaling.Group;
  /** SNS topic of the alarms (monitoring.snsTopicArn); default none. */
  alarmTopicArn?: string;
}

/**
 * Target tracking on the queue, the conservative scale-in, the schedules and the pool's alarms.
 * Returns the alarms (for the dashboard).
 */
export function createElasticScaling(
  name: string,
  args: ElasticScalingArgs,
  parent: pulumi.Resource,
): aws.cloudwatch.MetricAlarm[] {
  const { stack, pool, scaling, group } = args;
  const opts = { parent };
  const actions = args.alarmTopicArn ? [args.alarmTopicArn] : [];
  if (scaling) {
    new aws.autoscaling.Policy(
      `${name}-queue`,
      {
        autoscalingGroupName: group.name,
        policyType: "TargetTrackingScaling",
        estimatedInstanceWarmup: computeWarmupSeconds(pool),
        targetTrackingConfiguration: computeQueueTargetTracking(
          stack,
          pool.name,
          group.name,
          scaling,
        ),
      },
      opts,
    );
    const scaleIn = computeScaleIn(pool, scaling);
    const scaleInPolicy = new aws.autoscaling.Policy(
      `${name}-scale-in`,
      {
        autoscalingGroupName: group.name,
        policyType: "SimpleScaling",
        adjustmentType: "ChangeInCapacity",
        scalingAdjustment: scaleIn.adjustment,
        cooldown: scaleIn.cooldown,
      },
      opts,
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-idle`,
      {
        alarmDescription: `gpufleet ${stack}/${pool.name}: at most ${scaleIn.threshold} request(s) waiting per instance for ${scaleIn.evaluationPeriods} minutes: remove one instance`,
        comparisonOperator: "LessThanOrEqualToThreshold",
        threshold: scaleIn.threshold,
        evaluationPeriods: scaleIn.evaluationPeriods,
        datapointsToAlarm: scaleIn.evaluationPeriods,
        // No datapoint (no host publishing yet) never removes an instance.
        treatMissingData: "notBreaching",
        alarmActions: [scaleInPolicy.arn],
        metricQueries: computeQueueMetricQueries(stack, pool.name, group.name, scaleIn.period).map(
          (q) => ({
            id: q.id,
            label: q.label,
            expression: q.expression,
            returnData: q.returnData,
            metric: q.metricStat
              ? {
                  namespace: q.metricStat.metric.namespace,
                  metricName: q.metricStat.metric.metricName,
                  dimensions: Object.fromEntries(
                    q.metricStat.metric.dimensions.map((d) => [d.name, d.value]),
                  ) as Record<string, pulumi.Input<string>>,
                  period: scaleIn.period,
                  stat: q.metricStat.stat,
                }
              : undefined,
          }),
        ),
      },
      opts,
    );
    for (const s of computeSchedules(scaling)) {
      new aws.autoscaling.Schedule(
        `${name}-${s.name}`,
        {
          autoscalingGroupName: group.name,
          scheduledActionName: s.name,
          recurrence: s.recurrence,
          timeZone: s.timeZone,
          minSize: s.minSize,
          maxSize: s.maxSize,
          desiredCapacity: s.desiredCapacity,
        },
        opts,
      );
    }
  }
  const view = (groupName: string): ElasticPoolView => ({
    pool: pool.name,
    groupName,
    warmupSeconds: computeWarmupSeconds(pool),
    targetWaitingPerInstance: scaling?.targetWaitingPerInstance ?? null,
    spot: pool.capacity?.spot ?? false,
  });
  // The alarm specs depend on the group's name only through its dimension: build them with a
  // placeholder and put the name back per query.
  return computeElasticAlarms(stack, view("")).map(
    (a) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${a.key}`,
        {
          alarmDescription: a.description,
          comparisonOperator: a.comparisonOperator,
          threshold: a.threshold,
          evaluationPeriods: a.evaluationPeriods,
          datapointsToAlarm: a.datapointsToAlarm,
          treatMissingData: a.treatMissingData,
          alarmActions: actions,
          metricQueries: a.metricQueries.map((q) => ({
            ...q,
            metric: q.metric
              ? {
                  ...q.metric,
                  dimensions:
                    "AutoScalingGroupName" in q.metric.dimensions
                      ? { AutoScalingGroupName: group.name }
                      : q.metric.dimensions,
                }
              : undefined,
          })),
        },
        opts,
      ),
  );
}

export interface ElasticDashboardArgs {
  stack: string;
  region: string;
  pools: Array<{ pool: PoolPlan; scaling?: ScalingConfig; groupName: pulumi.Output<string> }>;
  alarms: aws.cloudwatch.MetricAlarm[];
  /** SNS topic for failed launches and terminations of the groups; default none. */
  alarmTopicArn?: string;
}

/** gpufleet:aws:ElasticDashboard — the stack's elastic dashboard and scaling-activity rule. */
export class ElasticDashboard extends pulumi.ComponentResource {
  public readonly dashboardName: pulumi.Output<string>;

  constructor(name: string, args: ElasticDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpufleet:aws:ElasticDashboard", name, { stack: args.stack }, opts);
    this.dashboardName = createElasticDashboard(name, args, { parent: this }).dashboardName;
    this.registerOutputs({ dashboardName: this.dashboardName });
  }
}

/** The stack's elastic dashboard, and scaling activity to the alarm topic when there is one. */
export function createElasticDashboard(
  name: string,
  args: ElasticDashboardArgs,
  opts?: pulumi.CustomResourceOptions,
): aws.cloudwatch.Dashboard {
  const names = pulumi.all(args.pools.map((p) => p.groupName));
  if (args.alarmTopicArn) {
    const rule = new aws.cloudwatch.EventRule(
      `${name}-scaling-activity`,
      {
        description: `gpufleet ${args.stack}: launches and terminations of the elastic pools' groups`,
        eventPattern: names.apply((n) => JSON.stringify(scalingActivityPattern(n))),
      },
      opts,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-scaling-activity`,
      { rule: rule.name, arn: args.alarmTopicArn },
      opts,
    );
  }
  return new aws.cloudwatch.Dashboard(
    `${name}-elastic`,
    {
      dashboardName: `gpufleet-${args.stack}-elastic`,
      dashboardBody: pulumi
        .all([names, pulumi.all(args.alarms.map((a) => a.arn))])
        .apply(([groupNames, arns]) =>
          renderElasticDashboard(
            args.stack,
            args.region,
            args.pools.map((p, i) => ({
              pool: p.pool.name,
              groupName: groupNames[i]!,
              warmupSeconds: computeWarmupSeconds(p.pool),
              targetWaitingPerInstance: p.scaling?.targetWaitingPerInstance ?? null,
              spot: p.pool.capacity?.spot ?? false,
            })),
            arns,
          ),
        ),
    },
    opts,
  );
}
