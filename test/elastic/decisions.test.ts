// The pure decisions of an elastic pool (components/aws/elastic.ts, monitoring/elastic.ts), tested
// without the Pulumi engine.
import { describe, expect, it } from "vitest";
import { parseStackConfig, toPlanInput } from "../../config";
import { ELASTIC_DEFAULTS } from "../../cloud-init/elastic";
import {
  DRAIN_TIMING,
  computeInstancesDistribution,
  computeInstanceTypes,
  computeLifecycleHook,
  computeQueueTargetTracking,
  computeReservationTargeting,
  computeScaleIn,
  computeSchedules,
  computeWarmupSeconds,
  metricsPolicyStatement,
} from "../../components/aws/elastic";
import { poolTargetGroupSettings } from "../../components/aws/facts";
import { computeElasticAlarms, renderElasticDashboard } from "../../monitoring/elastic";
import { coldStartOf, planElasticFleet, poolVariants } from "../../planner/capacity";
import type { PoolPlan } from "../../planner/types";
import { SPOT_POOL } from "./helpers";

function planOne(pool: Record<string, unknown>): {
  plan: PoolPlan;
  cfg: ReturnType<typeof parseStackConfig>;
} {
  const cfg = parseStackConfig({ pools: [pool] });
  return { plan: planElasticFleet(toPlanInput("prod", cfg)).pools[0]!, cfg };
}

describe("elastic pool decisions", () => {
  const { plan, cfg } = planOne(SPOT_POOL);
  const scaling = cfg.pools[0]!.scaling!;

  it("mixes on-demand up to the base, spot above it, price-capacity-optimized over every type", () => {
    expect(computeInstanceTypes(plan)).toEqual([
      "g5.2xlarge",
      "g6e.xlarge",
      "g6.2xlarge",
      "g5.12xlarge",
    ]);
    expect(computeInstancesDistribution(plan.capacity!)).toEqual({
      onDemandAllocationStrategy: "prioritized",
      onDemandBaseCapacity: 1,
      onDemandPercentageAboveBaseCapacity: 0,
      spotAllocationStrategy: "price-capacity-optimized",
    });
    const od = planOne({ ...SPOT_POOL, capacity: { instanceTypes: ["g6.2xlarge"] } }).plan;
    expect(computeInstancesDistribution(od.capacity!)).toMatchObject({
      onDemandBaseCapacity: 2,
      onDemandPercentageAboveBaseCapacity: 100,
    });
  });

  it("warms up at least the slowest type's cold start", () => {
    const warmup = computeWarmupSeconds(plan);
    for (const v of poolVariants(plan)) expect(warmup).toBeGreaterThanOrEqual(coldStartOf(v));
    expect(warmup).toBeGreaterThanOrEqual(plan.capacity!.coldStartSeconds);
    expect(computeScaleIn(plan, scaling).cooldown).toBe(warmup);
  });

  it("drains inside the two-minute notice: hook, deregistration delay, engine stop", () => {
    expect(computeLifecycleHook()).toEqual({
      name: "gpufleet-drain",
      lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
      heartbeatTimeout: 120,
      defaultResult: "CONTINUE",
    });
    const spot = poolTargetGroupSettings(plan);
    expect(spot.deregistrationDelay).toBe(DRAIN_TIMING.deregistrationDelaySeconds);
    expect(spot.deregistrationDelay + ELASTIC_DEFAULTS.engineStopSeconds).toBeLessThanOrEqual(120);
    // A draining host (503) leaves the rotation within 10 s.
    expect(spot.healthCheck.interval * spot.healthCheck.unhealthyThreshold).toBeLessThanOrEqual(10);
    const onDemand = planOne({ name: "od", instanceType: "g5.xlarge" }).plan;
    expect(poolTargetGroupSettings(onDemand).deregistrationDelay).toBe(300);
  });

  it("tracks waiting requests per in-service instance with metric math, scale-out only", () => {
    const tt = computeQueueTargetTracking("prod", "chat", "asg-name", scaling);
    expect(tt.targetValue).toBe(4);
    expect(tt.disableScaleIn).toBe(true);
    const [waiting, inservice, ratio] = tt.customizedMetricSpecification.metrics;
    expect(waiting).toMatchObject({
      id: "waiting",
      returnData: false,
      metricStat: {
        stat: "Sum",
        metric: {
          namespace: "gpufleet/prod",
          metricName: "RequestsWaiting",
          dimensions: [
            { name: "Stack", value: "prod" },
            { name: "Pool", value: "chat" },
          ],
        },
      },
    });
    expect(inservice).toMatchObject({
      id: "inservice",
      metricStat: {
        stat: "Average",
        metric: {
          namespace: "AWS/AutoScaling",
          metricName: "GroupInServiceInstances",
          dimensions: [{ name: "AutoScalingGroupName", value: "asg-name" }],
        },
      },
    });
    expect(ratio).toMatchObject({
      id: "perinstance",
      expression: "waiting / inservice",
      returnData: true,
    });
    expect(computeScaleIn(plan, scaling)).toMatchObject({
      threshold: 1,
      evaluationPeriods: 15,
      adjustment: -1,
    });
  });

  it("schedules change only the sizes they name", () => {
    const s = planOne({
      ...SPOT_POOL,
      scaling: {
        schedules: [
          {
            name: "night",
            recurrence: "0 20 * * 1-5",
            timeZone: "Europe/Berlin",
            minCount: 0,
            count: 0,
          },
          { name: "morning", recurrence: "0 7 * * 1-5", minCount: 1 },
        ],
      },
    }).cfg.pools[0]!.scaling!;
    expect(computeSchedules(s)).toEqual([
      {
        name: "night",
        recurrence: "0 20 * * 1-5",
        timeZone: "Europe/Berlin",
        minSize: 0,
        desiredCapacity: 0,
      },
      { name: "morning", recurrence: "0 7 * * 1-5", timeZone: "Etc/UTC", minSize: 1 },
    ]);
  });

  it.each([
    [
      { kind: "onDemand", id: "cr-0123456789abcdef0" },
      {
        group: {
          capacityReservationPreference: "capacity-reservations-first",
          capacityReservationTarget: { capacityReservationIds: ["cr-0123456789abcdef0"] },
        },
      },
    ],
    [
      {
        resourceGroupArn: "arn:aws:resource-groups:us-east-1:123456789012:group/gpu-odcrs",
        preference: "only",
      },
      {
        group: {
          capacityReservationPreference: "capacity-reservations-only",
          capacityReservationTarget: {
            capacityReservationResourceGroupArns: [
              "arn:aws:resource-groups:us-east-1:123456789012:group/gpu-odcrs",
            ],
          },
        },
      },
    ],
    [
      { kind: "capacityBlock", id: "cr-0fedcba9876543210" },
      {
        launchTemplate: {
          instanceMarketOptions: { marketType: "capacity-block" },
          capacityReservationSpecification: {
            capacityReservationTarget: { capacityReservationId: "cr-0fedcba9876543210" },
          },
        },
      },
    ],
  ])("targets reservation %j", (reservation, expected) => {
    const p = planOne({ name: "r", instanceType: "p5.48xlarge", capacity: { reservation } }).plan;
    expect(computeReservationTargeting(p.capacity)).toEqual(expected);
  });

  it("allows exactly cloudwatch:PutMetricData, in the stack's namespace", () => {
    expect(metricsPolicyStatement("prod")).toEqual({
      Sid: "PutOwnMetrics",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricData"],
      Resource: ["*"],
      Condition: { StringEquals: { "cloudwatch:namespace": "gpufleet/prod" } },
    });
  });
});

describe("elastic alarms and dashboard", () => {
  const view = {
    pool: "chat",
    groupName: "asg-1",
    warmupSeconds: 905,
    targetWaitingPerInstance: 4,
    spot: true,
  };

  it("alarms on a shortfall longer than the cold start, and on spot interruptions", () => {
    const [shortfall, spot] = computeElasticAlarms("prod", view);
    expect(shortfall).toMatchObject({
      key: "shortfall",
      threshold: 0,
      evaluationPeriods: 16,
      datapointsToAlarm: 16,
    });
    expect(shortfall!.evaluationPeriods * 60).toBeGreaterThanOrEqual(view.warmupSeconds);
    expect(shortfall!.metricQueries.find((q) => q.returnData)!.expression).toBe(
      "desired - inservice",
    );
    expect(spot).toMatchObject({ key: "spot-interruptions", threshold: 1 });
    expect(spot!.metricQueries[0]!.metric).toMatchObject({
      metricName: "SpotInterruptions",
      stat: "Sum",
    });
    expect(computeElasticAlarms("prod", { ...view, spot: false }).map((a) => a.key)).toEqual([
      "shortfall",
    ]);
  });

  it("shows size, queue per instance against its target, KV and drains per pool", () => {
    const body = JSON.parse(
      renderElasticDashboard(
        "prod",
        "us-east-1",
        [view],
        ["arn:aws:cloudwatch:us-east-1:1:alarm:x"],
      ),
    );
    const titles = body.widgets.map((w: { properties: { title: string } }) => w.properties.title);
    expect(titles).toEqual([
      "chat: instances",
      "chat: requests waiting per instance",
      "chat: KV cache, fullest engine (%)",
      "chat: spot interruptions and drains",
      "elastic pools: alarms",
    ]);
    expect(JSON.stringify(body)).toContain('"value":4');
  });
});
