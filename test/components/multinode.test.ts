// The AWS program with a multi-node pool, under mocks, every resource recorded: the cluster
// placement group, the security group its members share, the rank discovery permission, the
// launch template's EFA interface, and a leader's and a workers' auto scaling group per group.
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { RecordedResource } from "../../cli/offline-mocks";
import { MULTI_NODE_STACK as STACK } from "./multinode-stack";
import { T, bootFilesOf, field, ofType, runFleet, type FleetRun } from "./harness";

vi.setConfig({ testTimeout: 300_000 });

const PG = "aws:ec2/placementGroup:PlacementGroup";
const named = (run: FleetRun, type: string, name: string): RecordedResource => {
  const found = ofType(run, type).filter((r) => r.name === name);
  if (found.length !== 1) throw new Error(`${type} ${name}: ${found.length} found`);
  return found[0]!;
};

let run: FleetRun;
beforeAll(async () => {
  run = await runFleet(STACK);
  if (run.error) throw run.error;
});

describe("a multi-node EC2 pool's resources", () => {
  it("one cluster placement group per multi-node pool, none for the single-node pool", () => {
    const groups = ofType(run, PG);
    expect(groups.map((g) => g.name).sort()).toEqual([
      "gpufleet-big-cluster",
      "gpufleet-tcp-cluster",
    ]);
    for (const g of groups) {
      expect(field(g, "strategy")).toBe("cluster");
      expect(field<Record<string, string>>(g, "tags")["gpufleet:stack"]).toBe("dev");
    }
  });

  it("a security group of the pool's members: all traffic to and from itself, nothing else", () => {
    const sg = named(run, T.sg, "gpufleet-big-cluster");
    expect(field(sg, "vpcId")).toBeTruthy();
    const rules = [...ofType(run, T.ingress), ...ofType(run, T.egress)].filter(
      (r) => r.parent?.includes("gpufleet-big") && r.name.startsWith("gpufleet-big-cluster"),
    );
    expect(rules.map((r) => [r.type, r.name]).sort()).toEqual(
      [
        [T.egress, "gpufleet-big-cluster-out"],
        [T.ingress, "gpufleet-big-cluster-in"],
      ].sort(),
    );
    const sgId = field(named(run, T.ingress, "gpufleet-big-cluster-in"), "securityGroupId");
    for (const r of rules) {
      expect(field(r, "ipProtocol")).toBe("-1");
      expect(field(r, "securityGroupId")).toBe(sgId);
      expect(field(r, "referencedSecurityGroupId")).toBe(sgId);
      expect(field(r, "cidrIpv4")).toBeUndefined();
    }
  });

  it("the instance role may only DescribeInstances in the stack's region, once per multi-node pool", () => {
    const policies = ofType(run, T.rolePolicy).filter((r) => r.name.endsWith("-rank-discovery"));
    expect(policies.map((p) => p.name).sort()).toEqual([
      "gpufleet-big-rank-discovery",
      "gpufleet-tcp-rank-discovery",
    ]);
    const role = ofType(run, T.role).find((r) => r.name === "gpufleet-instance")!;
    expect(role.id).toMatch(/^gpufleet-instance/);
    for (const p of policies) {
      // The instance role's name (its id under the mocks), taken from the ARN Security exports.
      expect(field(p, "role")).toBe(role.id);
      expect(JSON.parse(String(field(p, "policy")))).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "FindOwnMultiNodeGroup",
            Effect: "Allow",
            Action: ["ec2:DescribeInstances"],
            Resource: ["*"],
            Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
          },
        ],
      });
    }
  });

  it("the launch template: EFA on network card 0 where the type has it, in both security groups", () => {
    const big = named(run, T.launchTemplate, "gpufleet-big-lt");
    const tcp = named(run, T.launchTemplate, "gpufleet-tcp-lt");
    const small = named(run, T.launchTemplate, "gpufleet-small-lt");
    const clusterId = (pool: string) =>
      field(named(run, T.ingress, `gpufleet-${pool}-cluster-in`), "securityGroupId");
    const engineSg = field<string[]>(small, "vpcSecurityGroupIds")[0];
    expect(field(big, "vpcSecurityGroupIds")).toBeUndefined();
    expect(field(big, "networkInterfaces")).toEqual([
      {
        deviceIndex: 0,
        networkCardIndex: 0,
        interfaceType: "efa",
        deleteOnTermination: "true",
        securityGroups: [engineSg, clusterId("big")],
      },
    ]);
    // g6.48xlarge: no EFA in the catalog, plain ENA (the plan warns that it is slow).
    expect(field(tcp, "networkInterfaces")).toEqual([
      {
        deviceIndex: 0,
        networkCardIndex: 0,
        deleteOnTermination: "true",
        securityGroups: [engineSg, clusterId("tcp")],
      },
    ]);
    expect(field(small, "networkInterfaces")).toBeUndefined();
  });

  it("per group a leader's ASG (1, target groups, ELB health) and a workers' (nodes - 1, no target, EC2 health), in the placement group, one zone", () => {
    const asgs = ofType(run, T.asg).filter((a) => a.name.startsWith("gpufleet-big-"));
    expect(asgs.map((a) => a.name).sort()).toEqual([
      "gpufleet-big-g0-leader",
      "gpufleet-big-g0-worker",
      "gpufleet-big-g1-leader",
      "gpufleet-big-g1-worker",
    ]);
    const smallAsg = named(run, T.asg, "gpufleet-small-asg");
    const tgs = field<string[]>(smallAsg, "targetGroupArns");
    expect(tgs.length).toBeGreaterThan(0);
    for (const a of asgs) {
      const leader = a.name.endsWith("-leader");
      const g = /-g(\d)-/.exec(a.name)![1];
      expect([field(a, "minSize"), field(a, "desiredCapacity"), field(a, "maxSize")]).toEqual([
        1, 1, 1,
      ]);
      expect(field(a, "healthCheckType")).toBe(leader ? "ELB" : "EC2");
      expect(field<string[]>(a, "targetGroupArns")).toHaveLength(leader ? 1 : 0);
      if (leader) expect(String(field<string[]>(a, "targetGroupArns")[0])).toContain("big");
      expect(field(a, "placementGroup")).toBeTruthy();
      expect(field<string[]>(a, "vpcZoneIdentifiers")).toHaveLength(1);
      const tags = field<Array<{ key: string; value: string; propagateAtLaunch: boolean }>>(
        a,
        "tags",
      );
      expect(tags).toEqual(
        expect.arrayContaining([
          { key: "gpufleet:group", value: `dev/big/${g}`, propagateAtLaunch: true },
          {
            key: "gpufleet:node-role",
            value: leader ? "leader" : "worker",
            propagateAtLaunch: true,
          },
          { key: "gpufleet:pool", value: "big", propagateAtLaunch: false },
        ]),
      );
      expect(
        field<{ preferences: { minHealthyPercentage: number } }>(a, "instanceRefresh").preferences
          .minHealthyPercentage,
      ).toBe(0);
    }
    expect(ofType(run, T.asg).some((a) => a.name === "gpufleet-big-asg")).toBe(false);
  });

  it("boots the rank discovery, and each replica unit starts through it", async () => {
    const { files } = await bootFilesOf(run, named(run, T.launchTemplate, "gpufleet-big-lt"));
    expect(files.get("/opt/gpufleet/bin/gpufleet-multinode")?.mode).toBe(0o755);
    expect(files.get("/etc/gpufleet/multinode.env")?.content).toContain("GPUFLEET_MN_NODES=2\n");
    const unit = files.get("/etc/systemd/system/gpufleet-vllm-8000.service")!.content;
    expect(unit).toMatch(
      /^ExecStart=\/opt\/gpufleet\/bin\/gpufleet-multinode exec \/usr\/bin\/docker run /m,
    );
    expect(unit).toContain(" -e FI_PROVIDER=efa ");
    const small = await bootFilesOf(run, named(run, T.launchTemplate, "gpufleet-small-lt"));
    expect(small.files.has("/opt/gpufleet/bin/gpufleet-multinode")).toBe(false);
  });

  it("refuses scaling and sizes other than count on a multi-node pool, by key, before any resource", async () => {
    const bad = await runFleet({
      ...STACK,
      pools: [{ ...STACK.pools[1], minCount: 2, scaling: { targetWaitingPerInstance: 4 } }],
    });
    expect(bad.error?.message).toMatch(
      /gpufleet:pools\[0\]\.scaling: big runs 2 fixed group\(s\) of 2 instances/,
    );
    expect(bad.error?.message).toMatch(
      /gpufleet:pools\[0\]\.minCount: big runs 2 fixed group\(s\)/,
    );
    expect(bad.record.filter((r) => r.type.startsWith("aws:"))).toEqual([]);
  });
});
