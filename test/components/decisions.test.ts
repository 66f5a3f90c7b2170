// The decisions the AWS components take, tested without the Pulumi engine: what a constructor
// hands to each resource comes from these pure functions (docs/ARCHITECTURE.md, "Components").
import { describe, expect, it } from "vitest";
import { parseStackConfig, toPlanInput } from "../../config";
import {
  autoScalingGroupSettings,
  computeModelRoutes,
  grafanaListenerRules,
  grafanaRootUrl,
  grafanaTargetGroupSettings,
  launchTemplateSettings,
  listenerLayout,
  modelRuleAction,
  rootVolumeGiB,
  validateAwsDeployment,
} from "../../components/aws";
import { planFleet } from "../../planner/plan";
import { DEV_POOLS } from "./harness";

const devCfg = parseStackConfig({ pools: DEV_POOLS });
const devPlan = planFleet(toPlanInput("dev", devCfg));
const a100 = devPlan.pools.find((p) => p.name === "a100")!;

describe("GpuPool decisions", () => {
  it("launch template: IMDSv2 with one hop, encrypted gp3 root sized by the plan, tags everywhere", () => {
    const lt = launchTemplateSettings("dev", { ...a100, instanceType: a100.instanceType! });
    expect(lt.instanceType).toBe("p4d.24xlarge");
    expect(lt.metadataOptions).toEqual({
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: "disabled",
    });
    expect(lt.blockDeviceMappings).toHaveLength(1);
    expect(lt.blockDeviceMappings[0]!.ebs).toMatchObject({
      volumeSize: rootVolumeGiB(a100),
      volumeType: "gp3",
      encrypted: "true",
    });
    expect(lt.tagSpecifications.map((t) => t.resourceType)).toEqual([
      "instance",
      "volume",
      "network-interface",
    ]);
    for (const spec of lt.tagSpecifications) expect(spec.tags["gpufleet:pool"]).toBe("a100");
    // A root volume given in config wins.
    expect(
      launchTemplateSettings("dev", { ...a100, instanceType: "p4d.24xlarge" }, 500)
        .blockDeviceMappings[0]!.ebs.volumeSize,
    ).toBe(500);
  });

  it("auto scaling group: sizes from counts, ELB health with a grace of at least the cold start", () => {
    const cold = Math.max(...a100.replicas.map((r) => r.estimates.coldStartSeconds));
    const asg = autoScalingGroupSettings("dev", a100, { minCount: 0, maxCount: 3 });
    expect([asg.minSize, asg.desiredCapacity, asg.maxSize]).toEqual([0, 1, 3]);
    expect(asg.healthCheckType).toBe("ELB");
    expect(asg.healthCheckGracePeriod).toBeGreaterThanOrEqual(cold);
    expect(asg.instanceRefresh.preferences.minHealthyPercentage).toBe(100);
    expect(asg.tags.every((t) => t.propagateAtLaunch === false)).toBe(true);
    expect(asg.tags).toContainEqual({
      key: "Name",
      value: "gpufleet-dev-a100",
      propagateAtLaunch: false,
    });
  });
});

describe("LoadBalancer decisions", () => {
  it("serves HTTPS on 443 and redirects HTTP with a certificate, else serves HTTP on 80", () => {
    expect(listenerLayout("arn:aws:acm:us-east-1:123456789012:certificate/x")).toEqual({
      serving: { port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" },
      redirectHttp: true,
    });
    expect(listenerLayout(undefined)).toEqual({
      serving: { port: 80, protocol: "HTTP" },
      redirectHttp: false,
    });
  });

  it("forwards a model to its one pool, or weighted across its pools", () => {
    const arns = { a: "arn-a", b: "arn-b" };
    expect(modelRuleAction({ servedName: "m", pools: [{ pool: "a", weight: 1 }] }, arns)).toEqual({
      type: "forward",
      targetGroupArn: "arn-a",
    });
    expect(
      modelRuleAction(
        {
          servedName: "m",
          pools: [
            { pool: "a", weight: 8 },
            { pool: "b", weight: 1 },
          ],
        },
        arns,
      ),
    ).toEqual({
      type: "forward",
      forward: {
        targetGroups: [
          { arn: "arn-a", weight: 8 },
          { arn: "arn-b", weight: 1 },
        ],
      },
    });
    // The dev plan serves one model from both pools: one weighted action over both groups.
    const routes = computeModelRoutes(devPlan);
    expect(routes).toHaveLength(1);
    const action = modelRuleAction(routes[0]!, { a10g: "x", a100: "y" });
    expect(action.forward?.targetGroups.map((t) => t.arn)).toEqual(["x", "y"]);
  });
});

describe("Monitoring decisions", () => {
  it("roots Grafana under /grafana/ of the endpoint, or on its own host with the endpoint's scheme", () => {
    expect(grafanaRootUrl("https://lb.example.com/")).toBe("https://lb.example.com/grafana/");
    expect(grafanaRootUrl("http://lb.example.com", "grafana.example.com")).toBe(
      "http://grafana.example.com/",
    );
  });

  it.each([
    [undefined, 1, 1],
    [undefined, 3, 1],
    [undefined, 4, 2],
    [undefined, 7, 3],
    ["grafana.example.com", 4, 1],
    ["grafana.example.com", 5, 2],
  ])(
    "host %s, %i CIDRs: %i rules of at most 5 condition values, priorities from the first",
    (host, n, rules) => {
      const cidrs = Array.from({ length: n }, (_, i) => `203.0.113.${i}/32`);
      const out = grafanaListenerRules(cidrs, host, 1000);
      expect(out).toHaveLength(rules);
      expect(out.map((r) => r.priority)).toEqual(out.map((_, i) => 1000 + i));
      const values = (r: (typeof out)[number]): number =>
        r.conditions.reduce((sum, c) => sum + Object.values(c)[0]!.values.length, 0);
      for (const r of out) expect(values(r)).toBeLessThanOrEqual(5);
      expect(
        out.flatMap((r) => r.conditions.flatMap((c) => ("sourceIp" in c ? c.sourceIp.values : []))),
      ).toEqual(cidrs);
    },
  );

  it("names Grafana's target group per stack within 32 characters; health under its path", () => {
    const a = grafanaTargetGroupSettings("dev");
    const b = grafanaTargetGroupSettings("prod-eu-central-with-a-long-name");
    expect(a.name).not.toBe(b.name);
    expect(b.name.length).toBeLessThanOrEqual(32);
    expect(a.healthPath).toBe("/grafana/api/health");
    expect(grafanaTargetGroupSettings("dev", "g.example.com").healthPath).toBe("/api/health");
  });
});

describe("validateAwsDeployment: refused before any resource", () => {
  it("requires a region", () => {
    expect(validateAwsDeployment(devPlan, devCfg, undefined)).toEqual([
      expect.stringMatching(/^aws:region: required/),
    ]);
    expect(validateAwsDeployment(devPlan, devCfg, "us-east-1")).toEqual([]);
  });

  it("refuses pools pinning more zones than a created VPC spans", () => {
    const zones = ["a", "b", "c", "d", "e", "f", "g"].map((z) => `us-east-1${z}`);
    const cfg = parseStackConfig({
      pools: zones.map((z, i) => ({
        name: `p${i}`,
        instanceType: "g5.xlarge",
        availabilityZones: [z],
      })),
    });
    const plan = planFleet(toPlanInput("dev", cfg));
    expect(validateAwsDeployment(plan, cfg, "us-east-1")).toContainEqual(
      expect.stringMatching(
        /^gpufleet:pools: pools pin 7 availability zones; a created VPC spans at most 6/,
      ),
    );
  });
});
