// The whole program under the offline mocks with an elastic pool: every resource recorded, inputs
// asserted (mixed instances policy, scaling policies and their metric math, warmup, IAM scoping,
// reservation targeting, the dashboard and alarms).
import { beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig, toPlanInput } from "../../config";
import { coldStartOf, planElasticFleet, poolVariants } from "../../planner/capacity";
import { countElasticCloudWatch, priceAwsFleet } from "../../components/aws";
import {
  T,
  bootFilesOf,
  field,
  ofType,
  runFleet,
  userDataOf,
  type FleetRun,
} from "../components/harness";
import { SPOT_POOL } from "./helpers";

const NIGHT = {
  ...SPOT_POOL,
  scaling: {
    targetWaitingPerInstance: 4,
    schedules: [{ name: "night", recurrence: "0 20 * * *", minCount: 0, count: 0 }],
  },
};

describe("an elastic spot pool under the mocks", () => {
  let run: FleetRun;
  beforeAll(async () => {
    run = await runFleet({ pools: [NIGHT], monitoring: { enabled: false } });
    if (run.error) throw run.error;
  });
  const plan = planElasticFleet(toPlanInput("dev", parseStackConfig({ pools: [NIGHT] }))).pools[0]!;

  it("launches every planned type through a mixed instances policy", async () => {
    const [asg] = ofType(run, T.asg);
    const lt = ofType(run, T.launchTemplate)[0]!;
    expect(field(asg!, "launchTemplate")).toBeUndefined();
    expect(field(asg!, "capacityRebalance")).toBe(true);
    const mip = field<Record<string, any>>(asg!, "mixedInstancesPolicy");
    expect(mip.instancesDistribution).toEqual({
      onDemandAllocationStrategy: "prioritized",
      onDemandBaseCapacity: 1,
      onDemandPercentageAboveBaseCapacity: 0,
      spotAllocationStrategy: "price-capacity-optimized",
    });
    expect(mip.launchTemplate.overrides).toEqual(
      ["g5.2xlarge", "g6e.xlarge", "g6.2xlarge", "g5.12xlarge"].map((instanceType) => ({
        instanceType,
      })),
    );
    expect(mip.launchTemplate.launchTemplateSpecification.launchTemplateId).toBe(lt.id);
    // The boot files carry every type's plan; the user data loads them, then runs the selector.
    const { text } = await bootFilesOf(run, lt);
    for (const t of ["g6e.xlarge", "g6.2xlarge", "g5.12xlarge"])
      expect(text).toContain(`path: /etc/gpufleet/plans/${t}/etc/gpufleet/gpufleet.env`);
    expect(userDataOf(lt).text).toContain(
      "gpufleet-fetch-files && /opt/gpufleet/bin/gpufleet-select-plan && systemctl daemon-reload",
    );
    // Zones where the types are offered were asked for.
    const offerings = run.calls.filter(
      (c) => c.token === "aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings",
    );
    expect(offerings[0]!.inputs).toMatchObject({
      locationType: "availability-zone",
      filters: [
        {
          name: "instance-type",
          values: ["g5.2xlarge", "g6e.xlarge", "g6.2xlarge", "g5.12xlarge"],
        },
      ],
    });
  });

  it("warms up, waits for health and holds a terminating instance as the drain needs", () => {
    const [asg] = ofType(run, T.asg);
    const warmup = field<number>(asg!, "defaultInstanceWarmup");
    for (const v of poolVariants(plan)) expect(warmup).toBeGreaterThanOrEqual(coldStartOf(v));
    expect(field<number>(asg!, "healthCheckGracePeriod")).toBe(warmup);
    expect(field(asg!, "initialLifecycleHooks")).toEqual([
      {
        name: "gpufleet-drain",
        lifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
        heartbeatTimeout: 120,
        defaultResult: "CONTINUE",
      },
    ]);
    expect(field<string[]>(asg!, "enabledMetrics")).toContain("GroupInServiceInstances");
    const [tg] = ofType(run, T.targetGroup);
    expect(field(tg!, "deregistrationDelay")).toBe(85);
  });

  it("tracks waiting requests per instance with metric math; scales in conservatively", () => {
    const policies = ofType(run, "aws:autoscaling/policy:Policy");
    const tt = policies.find((p) => field(p, "policyType") === "TargetTrackingScaling")!;
    const [asg] = ofType(run, T.asg);
    expect(field<number>(tt, "estimatedInstanceWarmup")).toBe(
      field<number>(asg!, "defaultInstanceWarmup"),
    );
    const cfg = field<Record<string, any>>(tt, "targetTrackingConfiguration");
    expect(cfg.targetValue).toBe(4);
    expect(cfg.disableScaleIn).toBe(true);
    const metrics = cfg.customizedMetricSpecification.metrics as Array<Record<string, any>>;
    expect(metrics.map((m) => m.id)).toEqual(["waiting", "inservice", "perinstance"]);
    expect(metrics[0]!.metricStat.metric).toMatchObject({
      namespace: "gpufleet/dev",
      metricName: "RequestsWaiting",
    });
    expect(metrics[1]!.metricStat.metric.dimensions).toEqual([
      { name: "AutoScalingGroupName", value: asg!.id },
    ]);
    expect(metrics[2]).toMatchObject({ expression: "waiting / inservice", returnData: true });
    const scaleIn = policies.find((p) => field(p, "policyType") === "SimpleScaling")!;
    expect(scaleIn.inputs).toMatchObject({
      adjustmentType: "ChangeInCapacity",
      scalingAdjustment: -1,
    });
    const idle = ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").find((a) =>
      a.name.endsWith("-idle"),
    )!;
    expect(idle.inputs).toMatchObject({ evaluationPeriods: 15, threshold: 1 });
    const [schedule] = ofType(run, "aws:autoscaling/schedule:Schedule");
    expect(schedule!.inputs).toMatchObject({
      scheduledActionName: "night",
      recurrence: "0 20 * * *",
      minSize: 0,
      desiredCapacity: 0,
    });
  });

  it("lets the hosts put metrics only into the stack's namespace", () => {
    const docs = ofType(run, T.rolePolicy).map((p) => JSON.parse(String(field(p, "policy"))));
    const statements = docs.flatMap((d) => d.Statement as Array<Record<string, any>>);
    const cw = statements.filter((s) =>
      (s.Action as string[]).some((a) => a.startsWith("cloudwatch:")),
    );
    expect(cw).toEqual([
      {
        Sid: "PutOwnMetrics",
        Effect: "Allow",
        Action: ["cloudwatch:PutMetricData"],
        Resource: ["*"],
        Condition: { StringEquals: { "cloudwatch:namespace": "gpufleet/dev" } },
      },
    ]);
  });

  it("alarms on shortfall and spot interruptions, on one dashboard", () => {
    const alarms = ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name);
    expect(alarms).toEqual(
      expect.arrayContaining(["gpufleet-chat-shortfall", "gpufleet-chat-spot-interruptions"]),
    );
    const [dash] = ofType(run, "aws:cloudwatch/dashboard:Dashboard");
    expect(String(field(dash!, "dashboardBody"))).toContain("requests waiting per instance");
  });

  it("the plan's bill counts the CloudWatch alarms, dashboard and metrics the program created", () => {
    const cfg = parseStackConfig({ pools: [NIGHT], monitoring: { enabled: false } });
    const usage = countElasticCloudWatch(planElasticFleet(toPlanInput("dev", cfg)), cfg);
    // Every metric an alarm the program registered reads, plus the high and low alarms AWS
    // creates for the target tracking policy (each reading the policy's metrics).
    const read = (queries: Array<Record<string, any>>) =>
      queries.filter((q) => q.metric !== undefined || q.metricStat !== undefined).length;
    const alarms = ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm");
    const tt = ofType(run, "aws:autoscaling/policy:Policy").find(
      (p) => field(p, "policyType") === "TargetTrackingScaling",
    )!;
    const ttMetrics = field<Record<string, any>>(tt, "targetTrackingConfiguration")
      .customizedMetricSpecification.metrics as Array<Record<string, any>>;
    expect(alarms.length).toBeGreaterThanOrEqual(3);
    expect(usage.alarmMetrics).toBe(
      alarms.reduce((n, a) => n + read(field<Array<Record<string, any>>>(a, "metricQueries")), 0) +
        2 * read(ttMetrics),
    );
    expect(usage.dashboards).toBe(ofType(run, "aws:cloudwatch/dashboard:Dashboard").length);
    expect(usage).toMatchObject({ pools: 1, customMetrics: 2, putsPerHour: 60 * NIGHT.count });
    const line = priceAwsFleet(
      planElasticFleet(toPlanInput("dev", cfg)),
      cfg,
    ).costBreakdown!.items.find((i) => i.item === "elastic pools' CloudWatch")!;
    expect(line.usdPerHour).toBeGreaterThan(0);
    expect(line.detail).toContain(`alarms reading ${usage.alarmMetrics} metrics`);
  });
});

describe("reservations under the mocks", () => {
  it("targets a Capacity Block from the launch template and an ODCR group from the group", async () => {
    const run = await runFleet({
      monitoring: { enabled: false },
      pools: [
        {
          name: "h200",
          instanceType: "p5e.48xlarge",
          capacity: { reservation: { kind: "capacityBlock", id: "cr-0123456789abcdef0" } },
        },
        {
          name: "h100",
          instanceType: "p5.48xlarge",
          capacity: {
            reservation: {
              resourceGroupArn: "arn:aws:resource-groups:us-east-1:123456789012:group/odcrs",
            },
          },
        },
      ],
    });
    if (run.error) throw run.error;
    const lts = ofType(run, T.launchTemplate);
    const blockLt = lts.find((l) => l.name.includes("h200"));
    const odcrLt = lts.find((l) => l.name.includes("h100"));
    expect(blockLt!.inputs).toMatchObject({
      instanceMarketOptions: { marketType: "capacity-block" },
      capacityReservationSpecification: {
        capacityReservationTarget: { capacityReservationId: "cr-0123456789abcdef0" },
      },
    });
    expect(odcrLt!.inputs.instanceMarketOptions).toBeUndefined();
    const asgs = ofType(run, T.asg);
    const blockAsg = asgs.find((a) => a.name.includes("h200"));
    const odcrAsg = asgs.find((a) => a.name.includes("h100"));
    // A block is one type on its own launch template: no mixed instances policy.
    expect(field(blockAsg!, "mixedInstancesPolicy")).toBeUndefined();
    expect(field(odcrAsg!, "capacityReservationSpecification")).toEqual({
      capacityReservationPreference: "capacity-reservations-first",
      capacityReservationTarget: {
        capacityReservationResourceGroupArns: [
          "arn:aws:resource-groups:us-east-1:123456789012:group/odcrs",
        ],
      },
    });
  });
});
