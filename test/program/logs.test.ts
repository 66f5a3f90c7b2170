// Issue 11 item 8: load-balancer access logs and VPC flow logs as options
// (gpufleet:loadBalancer.accessLogs, gpufleet:vpc.flowLogs), under the SDK's mocks: every resource
// they add, with the inputs AWS acts on, and nothing when they are off.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it, vi } from "vitest";
import { createOfflineMocks } from "../../cli/offline-mocks";
import { ConfigError, planStackConfig } from "../../config";
import { ELB_LOG_ACCOUNTS, logDeliveryStatements } from "../../components/aws/log-delivery";

interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const ACCOUNT = "123456789012";

async function runProgram(config: Record<string, string>): Promise<Recorded[]> {
  vi.resetModules();
  const created: Recorded[] = [];
  const offline = createOfflineMocks({ project: "gpufleet", stack: "dev" }).mocks;
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        created.push({ type: args.type, name: args.name, inputs: args.inputs });
        return offline.newResource(args);
      },
      call: (args) => offline.call(args),
    },
    "gpufleet",
    "dev",
    false,
  );
  pulumi.runtime.setAllConfig(config);
  await import("../../targets/aws.js");
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return created;
}

function config(region: string, extra: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {
    "aws:region": region,
    "gpufleet:pools": JSON.stringify([
      { name: "a10g", instanceType: "g5.2xlarge", model: "auto", engine: "auto" },
    ]),
  };
  for (const [k, v] of Object.entries(extra)) out[`gpufleet:${k}`] = JSON.stringify(v);
  return out;
}

const PRIVATE_ADMIN = { adminRoutes: "private" };
const of = (rs: Recorded[], type: string): Recorded[] => rs.filter((r) => r.type === type);
const logBucketOf = (rs: Recorded[]): Recorded[] =>
  of(rs, "aws:s3/bucket:Bucket").filter((b) => String(b.inputs.bucketPrefix).includes("-logs-"));

describe("access logs and flow logs", () => {
  it("creates no log bucket, flow log or access-log setting by default", async () => {
    const rs = await runProgram(config("us-east-1", { loadBalancer: PRIVATE_ADMIN }));
    expect(logBucketOf(rs)).toEqual([]);
    expect(of(rs, "aws:ec2/flowLog:FlowLog")).toEqual([]);
    const alb = of(rs, "aws:lb/loadBalancer:LoadBalancer")[0]!;
    expect(alb.inputs.accessLogs).toBeUndefined();
  }, 120_000);

  it("accessLogs and flowLogs s3: one private bucket with expiry, a policy naming exactly the two deliveries, the ALB and the VPC writing there", async () => {
    const rs = await runProgram(
      config("us-east-1", {
        loadBalancer: { ...PRIVATE_ADMIN, accessLogs: true },
        vpc: { flowLogs: "s3" },
      }),
    );
    const buckets = logBucketOf(rs);
    expect(buckets).toHaveLength(1);
    expect(buckets[0]!.inputs.bucketPrefix).toBe("gpufleet-dev-logs-");
    // The offline mock names the bucket as S3 would: prefix + 26 characters.
    const policies = of(rs, "aws:s3/bucketPolicy:BucketPolicy").filter((p) =>
      String(p.inputs.bucket).startsWith("gpufleet-dev-logs-"),
    );
    expect(policies).toHaveLength(1);
    const bucket = String(policies[0]!.inputs.bucket);
    const bucketArn = `arn:aws:s3:::${bucket}`;
    const doc = JSON.parse(String(policies[0]!.inputs.policy)) as {
      Statement: Array<Record<string, unknown>>;
    };
    expect(doc.Statement.map((s) => s.Sid)).toEqual([
      "DenyInsecureTransport",
      "AlbAccessLogDelivery",
      "AlbAccessLogDeliveryRegionAccount",
      "FlowLogDelivery",
      "FlowLogDeliveryAclCheck",
    ]);
    const sid = (id: string) => doc.Statement.find((s) => s.Sid === id)!;
    expect(sid("AlbAccessLogDelivery").Principal).toEqual({
      Service: "logdelivery.elasticloadbalancing.amazonaws.com",
    });
    expect(sid("AlbAccessLogDelivery").Resource).toEqual([`${bucketArn}/alb/AWSLogs/${ACCOUNT}/*`]);
    expect(sid("AlbAccessLogDeliveryRegionAccount").Principal).toEqual({
      AWS: "arn:aws:iam::127311923021:root",
    });
    expect(sid("FlowLogDelivery").Resource).toEqual([`${bucketArn}/flow/AWSLogs/${ACCOUNT}/*`]);
    expect(sid("FlowLogDelivery").Condition).toEqual({
      StringEquals: { "aws:SourceAccount": ACCOUNT, "s3:x-amz-acl": "bucket-owner-full-control" },
      ArnLike: { "aws:SourceArn": `arn:aws:logs:us-east-1:${ACCOUNT}:*` },
    });
    // Private like the boot bucket: public access blocked, owner-enforced, SSE-S3, expiry.
    const forBucket = (type: string) => of(rs, type).filter((r) => r.inputs.bucket === bucket);
    expect(
      forBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")[0]!.inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const lifecycle = forBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    expect(JSON.stringify(lifecycle[0]!.inputs.rules)).toContain('"days":90');

    const alb = of(rs, "aws:lb/loadBalancer:LoadBalancer")[0]!;
    expect(alb.inputs.accessLogs).toEqual({ enabled: true, bucket, prefix: "alb" });

    const flows = of(rs, "aws:ec2/flowLog:FlowLog");
    expect(flows).toHaveLength(1);
    const vpc = of(rs, "aws:ec2/vpc:Vpc")[0]!;
    expect(vpc).toBeDefined();
    expect(flows[0]!.inputs).toMatchObject({
      trafficType: "ALL",
      logDestinationType: "s3",
      logDestination: `${bucketArn}/flow/`,
    });
    expect(String(flows[0]!.inputs.vpcId)).toMatch(/^vpc-/);
  }, 120_000);

  it("flowLogs cloudwatch: a 90-day log group, a role only VPC Flow Logs of this account assumes, writing only there; no bucket", async () => {
    const rs = await runProgram(
      config("eu-west-1", { loadBalancer: PRIVATE_ADMIN, vpc: { flowLogs: "cloudwatch" } }),
    );
    expect(logBucketOf(rs)).toEqual([]);
    const group = of(rs, "aws:cloudwatch/logGroup:LogGroup").find(
      (g) => g.inputs.name === "/gpufleet/dev/flow-logs",
    )!;
    expect(group.inputs.retentionInDays).toBe(90);
    const role = of(rs, "aws:iam/role:Role").find((r) => r.name.endsWith("-logs-flow"))!;
    expect(JSON.parse(String(role.inputs.assumeRolePolicy))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "VpcFlowLogsAssumeRole",
          Effect: "Allow",
          Principal: { Service: "vpc-flow-logs.amazonaws.com" },
          Action: ["sts:AssumeRole"],
          Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
        },
      ],
    });
    const policy = of(rs, "aws:iam/rolePolicy:RolePolicy").find((p) =>
      p.name.endsWith("-logs-flow"),
    )!;
    const doc = JSON.parse(String(policy.inputs.policy)) as {
      Statement: Array<{ Resource: string[] }>;
    };
    expect(doc.Statement).toHaveLength(1);
    expect(
      doc.Statement[0]!.Resource.every((r) => r.includes(":log-group:/gpufleet/dev/flow-logs")),
    ).toBe(true);
    const flow = of(rs, "aws:ec2/flowLog:FlowLog")[0]!;
    expect(flow.inputs).toMatchObject({
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
    });
    expect(String(flow.inputs.iamRoleArn)).toContain(":role/");
  }, 120_000);
});

describe("log delivery policy (pure)", () => {
  const base = { bucketArn: "arn:aws:s3:::b", accountId: ACCOUNT, partition: "aws" };

  it.each(Object.entries(ELB_LOG_ACCOUNTS))(
    "%s: the service principal and the region's ELB account %s",
    (region, elb) => {
      const st = logDeliveryStatements({ ...base, region, accessLogs: true, flowLogs: false });
      expect(st.map((s) => s.Principal)).toEqual([
        { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
        { AWS: `arn:aws:iam::${elb}:root` },
      ]);
    },
  );

  it("a region opened since August 2022 gets the service principal alone; nothing at all when both are off", () => {
    const st = logDeliveryStatements({
      ...base,
      region: "ap-southeast-7",
      accessLogs: true,
      flowLogs: false,
    });
    expect(st.map((s) => s.Sid)).toEqual(["AlbAccessLogDelivery"]);
    expect(
      logDeliveryStatements({ ...base, region: "us-east-1", accessLogs: false, flowLogs: false }),
    ).toEqual([]);
  });

  it("grants writes only, never a read of the logs", () => {
    const st = logDeliveryStatements({
      ...base,
      region: "us-east-1",
      accessLogs: true,
      flowLogs: true,
    });
    const actions = st.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(new Set(actions)).toEqual(new Set(["s3:PutObject", "s3:GetBucketAcl", "s3:ListBucket"]));
  });
});

describe("the keys are validated at the edge", () => {
  it("names gpufleet:vpc.flowLogs and gpufleet:loadBalancer.accessLogs on bad values, both at once", () => {
    const raw = {
      pools: [{ name: "a10g", instanceType: "g5.2xlarge" }],
      vpc: { flowLogs: "yes" },
      loadBalancer: { accessLogs: "true" },
    };
    let err: unknown;
    try {
      planStackConfig("dev", raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const lines = (err as ConfigError).problems.join("\n");
    expect(lines).toMatch(/^gpufleet:vpc\.flowLogs: .*"off".*"s3".*"cloudwatch"/m);
    expect(lines).toMatch(/^gpufleet:loadBalancer\.accessLogs: .*boolean/m);
  });

  it("defaults: access logs off, flow logs off", () => {
    const { cfg } = planStackConfig("dev", {
      pools: [{ name: "a10g", instanceType: "g5.2xlarge" }],
      vpc: { azCount: 2 },
    });
    expect(cfg.loadBalancer.accessLogs).toBe(false);
    expect(cfg.vpc?.flowLogs).toBe("off");
  });
});
