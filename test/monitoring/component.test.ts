// gpufleet:aws:Monitoring under the SDK's mocks: the instance has no public IP and IMDSv2 only, its
// group admits only
// the load balancer and itself, its role may only describe instances, read its own parameters and
// read its own
// configuration objects, the configuration bucket is private and encrypted and holds exactly the
// rendered files, the
// user data is the same for every plan (1 pool or 100) and under 16 KB, and the Grafana password
// (and the webhook
// URL) appear in no user data, object, tag or output.
import { gunzipSync } from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import {
  Monitoring,
  chunkCidrs,
  monitoringPolicyDocument,
  type MonitoringArgs,
} from "../../components/aws/monitoring";
import { bucketPrefix } from "../../components/aws/buckets";
import { parseStackConfig, toPlanInput } from "../../config";
import { renderMonitoringBundle } from "../../monitoring";
import { INSTANCE_TYPES } from "../../planner/catalog/instances";
import { planFleet } from "../../planner/plan";
import type { FleetPlan } from "../../planner/types";
import { knownValue } from "../outputs";
import { DEV_PLAN, ENGINES_PLAN } from "./fixtures";

const PASSWORD = "GrafanaPw0123456789abcdefGHIJKLMN";
const WEBHOOK = "https://hooks.example.com/services/T000/B000/XXXXSECRET";
const ALB_SG = "sg-0a1b2c3d4e5f60001";
const BUCKET = "gpufleet-dev-monitoring-20250101000000000000000001";
const T = {
  bucket: "aws:s3/bucket:Bucket",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  encryption:
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  object: "aws:s3/bucketObjectv2:BucketObjectv2",
} as const;
const SCRAPE_SG = "sg-0a1b2c3d4e5f60002";

interface Recorded {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, unknown>;
}

let recorded: Recorded[] = [];

function secretWrap(value: unknown): Record<string, unknown> {
  return { [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value };
}

function idOf(type: string, name: string): string {
  const short = type.split(":").pop()!.toLowerCase();
  if (type === "aws:ec2/securityGroup:SecurityGroup")
    return `sg-${name.length.toString(16).padStart(17, "0")}`;
  if (type === "aws:ebs/volume:Volume") return "vol-0123456789abcdef0";
  if (type === "aws:ec2/instance:Instance") return "i-0123456789abcdef0";
  if (type === T.bucket) return BUCKET;
  return `${short}-${name}`;
}

/**
 * A generated plan of `pools` pools (every priced instance type in turn), as a stack of that size
 * plans it.
 */
function generatedPlan(pools: number): FleetPlan {
  const types = INSTANCE_TYPES.filter((t) => t.pricePerHour > 0).map((t) => t.name);
  const raw = {
    pools: Array.from({ length: pools }, (_, i) => ({
      name: `pool-${i}`,
      instanceType: types[i % types.length],
      count: 1 + (i % 3),
    })),
  };
  return planFleet(toPlanInput("dev", parseStackConfig(raw)));
}

async function construct(
  overrides: Partial<MonitoringArgs> = {},
  dryRun = false,
): Promise<{ component: Monitoring; outputs: Record<string, unknown> }> {
  recorded = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const id = idOf(args.type, args.name);
        recorded.push({
          type: args.type,
          name: args.name,
          id,
          inputs: args.inputs as Record<string, unknown>,
        });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "random:index/randomPassword:RandomPassword") {
          // The real provider marks `result` secret; a mock that did not would hide a leak.
          state.result = secretWrap(PASSWORD);
        }
        if (args.type.startsWith("aws:"))
          state.arn = `arn:aws:mock:us-east-1:123456789012:${args.name}`;
        if (
          args.type === "aws:iam/role:Role" ||
          args.type === "aws:iam/instanceProfile:InstanceProfile"
        )
          state.name = args.name;
        if (args.type === T.bucket)
          Object.assign(state, { bucket: BUCKET, arn: `arn:aws:s3:::${BUCKET}` });
        return { id, state };
      },
      call(args) {
        if (args.token === "aws:ec2/getSubnet:getSubnet")
          return { id: args.inputs.id, availabilityZone: "us-east-1b", vpcId: "vpc-1" };
        if (args.token === "aws:ssm/getParameter:getParameter")
          return { name: args.inputs.name, value: "ami-0abcdef1234567890", type: "String" };
        throw new Error(`this test answers no call ${args.token}`);
      },
    },
    "gpufleet",
    "dev",
    dryRun,
  );
  const component = new Monitoring("gpufleet-monitoring", {
    stack: "dev",
    plan: DEV_PLAN,
    region: "us-east-1",
    accountId: "123456789012",
    vpcId: "vpc-1",
    subnetId: "subnet-private-1",
    loadBalancerSecurityGroupId: ALB_SG,
    scrapeSecurityGroupId: SCRAPE_SG,
    listenerArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/gpufleet/1/2",
    endpoint: "https://gpufleet-dev-1.us-east-1.elb.amazonaws.com",
    engineApiKeyParameter: "/gpufleet/dev/engine-api-key",
    allowedCidrs: ["203.0.113.0/24"],
    ...overrides,
  });
  const value = <T>(o: pulumi.Output<T>): Promise<T> => knownValue(o, "Monitoring output");
  const outputs = {
    grafanaUrl: await value(component.grafanaUrl),
    grafanaAdminPasswordParameter: component.grafanaAdminPasswordParameter,
    instanceId: await value(component.instanceId),
  };
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return { component, outputs };
}

function byType(type: string): Recorded[] {
  return recorded.filter((r) => r.type === type);
}

function one(type: string): Recorded {
  const found = byType(type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
}

/** Every plain (non-secret) string in a value, with its path; secrets are collected apart. */
function walk(
  value: unknown,
  path: string,
  plain: Array<[string, string]>,
  secrets: string[],
): void {
  if (pulumi.runtime.isRpcSecret(value)) {
    secrets.push(path);
    return;
  }
  if (typeof value === "string") plain.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`, plain, secrets));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`, plain, secrets);
}

/** The uploaded configuration: key → content. */
function objects(): Map<string, string> {
  return new Map(byType(T.object).map((o) => [o.inputs.key as string, o.inputs.content as string]));
}

function userDataText(instance: Recorded): string {
  const b64 = instance.inputs.userDataBase64;
  expect(pulumi.runtime.isRpcSecret(b64), "user data must not depend on a secret").toBe(false);
  const body = Buffer.from(b64 as string, "base64");
  return (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString("utf8");
}

describe("gpufleet:aws:Monitoring under mocks", () => {
  beforeEach(() => {
    recorded = [];
  });

  it.each([false, true])(
    "runs in a private subnet: no public IP, IMDSv2, encrypted disks (preview=%s)",
    async (dryRun) => {
      await construct({}, dryRun);
      const instance = one("aws:ec2/instance:Instance");
      expect(instance.inputs).toMatchObject({
        associatePublicIpAddress: false,
        subnetId: "subnet-private-1",
        metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
        rootBlockDevice: { encrypted: true },
      });
      expect(instance.inputs.vpcSecurityGroupIds).toContain(SCRAPE_SG);
      expect(one("aws:ebs/volume:Volume").inputs).toMatchObject({
        encrypted: true,
        availabilityZone: "us-east-1b",
      });
      expect(one("aws:ec2/volumeAttachment:VolumeAttachment").inputs).toMatchObject({
        volumeId: "vol-0123456789abcdef0",
        instanceId: "i-0123456789abcdef0",
      });
    },
  );

  it("accepts traffic only from the load balancer's group and its own", async () => {
    await construct();
    const group = one("aws:ec2/securityGroup:SecurityGroup");
    const ingress = byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
    expect(ingress.length).toBeGreaterThan(0);
    for (const rule of ingress) {
      expect(rule.inputs.securityGroupId).toBe(group.id);
      expect(rule.inputs).not.toHaveProperty("cidrIpv4");
      expect(rule.inputs).not.toHaveProperty("cidrIpv6");
      expect([ALB_SG, group.id]).toContain(rule.inputs.referencedSecurityGroupId);
    }
    const fromAlb = ingress.filter((r) => r.inputs.referencedSecurityGroupId === ALB_SG);
    expect(fromAlb.map((r) => [r.inputs.fromPort, r.inputs.toPort])).toEqual([[3000, 3000]]);
    // The group has no inline rules that could widen it.
    expect(group.inputs).not.toHaveProperty("ingress");
  });

  it("has a role that may only describe instances, read its own parameters and read its own configuration objects", async () => {
    await construct();
    const policies = byType("aws:iam/rolePolicy:RolePolicy");
    expect(policies).toHaveLength(1);
    expect(byType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toEqual([]);
    const doc = JSON.parse(policies[0]!.inputs.policy as string) as ReturnType<
      typeof monitoringPolicyDocument
    >;
    const actions = doc.Statement.flatMap((s) => s.Action);
    expect(actions.sort()).toEqual([
      "ec2:DescribeInstances",
      "kms:Decrypt",
      "s3:GetObject",
      "s3:ListBucket",
      "ssm:GetParameter",
    ]);
    for (const s of doc.Statement) {
      expect(s.Effect).toBe("Allow");
      expect(s.Action).toHaveLength(1);
      if (s.Action.includes("ec2:DescribeInstances")) expect(s.Resource).toEqual(["*"]);
      if (s.Action.includes("ssm:GetParameter")) {
        expect(s.Resource.sort()).toEqual(
          ["/gpufleet/dev/engine-api-key", "/gpufleet/dev/grafana-admin-password"]
            .map((n) => `arn:aws:ssm:us-east-1:123456789012:parameter${n}`)
            .sort(),
        );
      }
      if (s.Action.includes("kms:Decrypt"))
        expect(s.Condition?.StringEquals).toEqual({
          "kms:ViaService": "ssm.us-east-1.amazonaws.com",
        });
    }
    // S3: exactly the objects under monitoring/ of this bucket, and a listing of that prefix only.
    const s3 = doc.Statement.filter((s) => s.Action.some((a) => a.startsWith("s3:")));
    expect(s3).toEqual([
      {
        Sid: "ReadConfigObjects",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: [`arn:aws:s3:::${BUCKET}/monitoring/*`],
      },
      {
        Sid: "ListConfigPrefix",
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [`arn:aws:s3:::${BUCKET}`],
        Condition: { StringLike: { "s3:prefix": ["monitoring/", "monitoring/*"] } },
      },
    ]);
    expect(JSON.stringify(one("aws:iam/role:Role").inputs.assumeRolePolicy)).toContain(
      "ec2.amazonaws.com",
    );
  });

  it("keeps its configuration in a private, encrypted, owner-enforced bucket of its own", async () => {
    await construct();
    const bucket = one(T.bucket);
    expect(bucket.inputs).toMatchObject({
      bucketPrefix: "gpufleet-dev-monitoring-",
      forceDestroy: true,
    });
    expect(bucket.inputs).not.toHaveProperty("acl");
    expect(bucket.inputs).not.toHaveProperty("policy");
    expect(one(T.publicAccess).inputs).toEqual({
      bucket: BUCKET,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(one(T.ownership).inputs).toEqual({
      bucket: BUCKET,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    expect(one(T.encryption).inputs).toEqual({
      bucket: BUCKET,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    // The one bucket policy only denies: plain HTTP.
    const policy = JSON.parse(one(T.bucketPolicy).inputs.policy as string) as {
      Statement: Array<Record<string, unknown>>;
    };
    expect(policy.Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    for (const o of byType(T.object))
      expect(o.inputs).toMatchObject({ bucket: BUCKET, serverSideEncryption: "AES256" });
    expect(bucketPrefix("My_Stack.prod", "monitoring")).toBe("gpufleet-my-stack-prod-monitoring-");
    for (const purpose of ["boot", "logs", "monitoring"] as const) {
      const long = bucketPrefix("a-very-long-stack-name-indeed-and-longer", purpose);
      expect(long.length).toBeLessThanOrEqual(37);
      expect(long).toMatch(new RegExp(`^gpufleet-[a-z0-9-]+-${purpose}-$`));
    }
    // Names of existing buckets stay as they were: the stack part is cut at 20 (16 for monitoring).
    expect(bucketPrefix("abcdefghijklmnopqrstuvwxyz", "boot")).toBe(
      "gpufleet-abcdefghijklmnopqrst-boot-",
    );
    expect(bucketPrefix("abcdefghijklmnopqrstuvwxyz", "monitoring")).toBe(
      "gpufleet-abcdefghijklmnop-monitoring-",
    );
  });

  it("uploads one object per rendered file under monitoring/, and the manifest of their sha256", async () => {
    await construct();
    const bundle = renderMonitoringBundle(DEV_PLAN, {
      stack: "dev",
      region: "us-east-1",
      receivers: { webhook: false },
      grafanaRootUrl: "https://gpufleet-dev-1.us-east-1.elb.amazonaws.com/grafana/",
    });
    const uploaded = objects();
    expect([...uploaded.keys()].sort()).toEqual(
      [...bundle.files.map((f) => f.key), "monitoring/manifest.sha256"].sort(),
    );
    for (const f of bundle.files) expect(uploaded.get(f.key), f.key).toBe(f.content);
    expect(uploaded.get("monitoring/manifest.sha256")).toBe(bundle.manifest.content);
    expect(
      byType(T.object).find((o) => o.inputs.key === "monitoring/prometheus/prometheus.yml")!.inputs
        .contentType,
    ).toBe("application/yaml");
  });

  it("boots with the same user data for every plan, 1 pool or 100, under EC2's 16 KB", async () => {
    const userDataOf = async (
      plan: FleetPlan,
    ): Promise<{ b64: string; keys: number; prometheus: number }> => {
      await construct({ plan });
      const uploaded = objects();
      return {
        b64: one("aws:ec2/instance:Instance").inputs.userDataBase64 as string,
        keys: uploaded.size,
        prometheus: uploaded.get("monitoring/prometheus/prometheus.yml")!.length,
      };
    };
    const one1 = await userDataOf(generatedPlan(1));
    const hundred = await userDataOf(generatedPlan(100));
    const dev = await userDataOf(DEV_PLAN);
    const engines = await userDataOf(ENGINES_PLAN);
    // The configuration grows with the plan …
    expect(hundred.prometheus).toBeGreaterThan(10 * one1.prometheus);
    expect(engines.keys).toBeGreaterThan(dev.keys);
    // … the user data does not change at all.
    expect(hundred.b64).toBe(one1.b64);
    expect(dev.b64).toBe(one1.b64);
    expect(engines.b64).toBe(one1.b64);
    expect(Buffer.from(one1.b64, "base64").length).toBeLessThanOrEqual(16384);
  }, 30_000);

  it("may publish to the alert topic only when one is configured", () => {
    const base = {
      partition: "aws",
      region: "us-east-1",
      accountId: "123456789012",
      parameters: ["/gpufleet/dev/x"],
      configBucket: BUCKET,
    };
    expect(
      monitoringPolicyDocument(base).Statement.some((s) => s.Action.includes("sns:Publish")),
    ).toBe(false);
    const arn = "arn:aws:sns:us-east-1:123456789012:alerts";
    expect(
      monitoringPolicyDocument({ ...base, snsTopicArn: arn }).Statement.find((s) =>
        s.Action.includes("sns:Publish"),
      )?.Resource,
    ).toEqual([arn]);
  });

  it.each([
    ["the Grafana password", {}],
    [
      "the Grafana password and the webhook URL",
      {
        alertWebhookUrl: pulumi.secret(WEBHOOK),
        snsTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts",
      },
    ],
  ] as const)("keeps %s out of user data, objects, tags and outputs", async (_what, overrides) => {
    const { outputs } = await construct(overrides as Partial<MonitoringArgs>);
    const forbidden = [PASSWORD, WEBHOOK];
    const plain: Array<[string, string]> = [];
    const secrets: string[] = [];
    for (const r of recorded) walk(r.inputs, `${r.type}::${r.name}`, plain, secrets);
    for (const [path, text] of plain)
      for (const f of forbidden)
        expect(text.includes(f), `${f.slice(0, 6)}… in ${path}`).toBe(false);
    const userData = userDataText(one("aws:ec2/instance:Instance"));
    for (const f of forbidden) expect(userData).not.toContain(f);
    for (const f of forbidden) expect(JSON.stringify(outputs)).not.toContain(f);
    // The objects hold configuration only: no value (plain or wrapped) that came from a secret;
    // files name secret FILES.
    for (const o of byType(T.object)) {
      expect(
        pulumi.runtime.isRpcSecret(o.inputs.content),
        `${String(o.inputs.key)} depends on a secret`,
      ).toBe(false);
      for (const f of forbidden) expect(o.inputs.content as string).not.toContain(f);
    }
    const uploaded = objects();
    expect(uploaded.get("monitoring/grafana.env")).toContain(
      "GF_SECURITY_ADMIN_PASSWORD__FILE=/run/gpufleet-secrets/grafana-admin-password",
    );
    expect(uploaded.get("monitoring/prometheus/prometheus.yml")).toContain(
      "/run/gpufleet-secrets/engine-api-key",
    );
    // The password parameter's value reached the engine as a secret; the outputs carry its NAME.
    const param = byType("aws:ssm/parameter:Parameter").find(
      (p) => p.inputs.name === "/gpufleet/dev/grafana-admin-password",
    )!;
    expect(pulumi.runtime.isRpcSecret(param.inputs.value)).toBe(true);
    expect(param.inputs.type).toBe("SecureString");
    expect(outputs.grafanaAdminPasswordParameter).toBe("/gpufleet/dev/grafana-admin-password");
    // The user data names what it reads at boot.
    expect(userData).toContain(
      "GPUFLEET_GRAFANA_PASSWORD_PARAMETER=/gpufleet/dev/grafana-admin-password",
    );
    expect(userData).toContain("GPUFLEET_DATA_VOLUME_ID=vol-0123456789abcdef0");
    expect(userData).toContain(`GPUFLEET_CONFIG_BUCKET=${BUCKET}`);
    if ("alertWebhookUrl" in overrides) {
      const hook = byType("aws:ssm/parameter:Parameter").find(
        (p) => p.inputs.name === "/gpufleet/dev/alert-webhook-url",
      )!;
      expect(pulumi.runtime.isRpcSecret(hook.inputs.value)).toBe(true);
      expect(userData).toContain("GPUFLEET_WEBHOOK_PARAMETER=/gpufleet/dev/alert-webhook-url");
      expect(uploaded.get("monitoring/alertmanager/alertmanager.yml")).toContain(
        "url_file: /run/gpufleet-secrets/alert-webhook-url",
      );
    }
  });

  it("serves Grafana under /grafana/ on the listener, limited to the allowed CIDRs, with a matching root URL", async () => {
    const { outputs } = await construct({
      allowedCidrs: ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24", "10.0.0.0/8"],
    });
    expect(outputs.grafanaUrl).toBe("https://gpufleet-dev-1.us-east-1.elb.amazonaws.com/grafana/");
    const rules = byType("aws:lb/listenerRule:ListenerRule").sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    expect(rules.map((r) => r.inputs.priority)).toEqual([1000, 1001]);
    expect(rules).toHaveLength(2); // 4 CIDRs, 3 per rule beside the 2 path values
    expect(rules[0]!.inputs.conditions).toEqual([
      { pathPattern: { values: ["/grafana", "/grafana/*"] } },
      { sourceIp: { values: ["203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24"] } },
    ]);
    expect(one("aws:lb/targetGroup:TargetGroup").inputs).toMatchObject({
      port: 3000,
      healthCheck: { path: "/grafana/api/health" },
    });
    const grafanaEnv = objects().get("monitoring/grafana.env")!;
    expect(grafanaEnv).toContain(
      "GF_SERVER_ROOT_URL=https://gpufleet-dev-1.us-east-1.elb.amazonaws.com/grafana/",
    );
    expect(grafanaEnv).toContain("GF_SERVER_SERVE_FROM_SUB_PATH=true");
    expect(grafanaEnv).toContain("GF_AUTH_ANONYMOUS_ENABLED=false");
    // Prometheus scrapes Grafana under the same sub-path.
    expect(objects().get("monitoring/prometheus/prometheus.yml")).toContain("/grafana/metrics");
  });

  it("serves Grafana on its own host name when one is configured", async () => {
    const { outputs } = await construct({ grafanaHost: "grafana.example.com" });
    expect(outputs.grafanaUrl).toBe("https://grafana.example.com/");
    expect(one("aws:lb/listenerRule:ListenerRule").inputs.conditions).toContainEqual({
      hostHeader: { values: ["grafana.example.com"] },
    });
    expect(objects().get("monitoring/grafana.env")).toContain(
      "GF_SERVER_SERVE_FROM_SUB_PATH=false",
    );
    // The URL is configuration, not user data: the instance boots the same either way.
    expect(userDataText(one("aws:ec2/instance:Instance"))).not.toContain("grafana.example.com");
  });

  it("splits CIDRs into rules of at most 5 condition values", () => {
    expect(chunkCidrs(["a", "b", "c", "d", "e", "f", "g"], 3)).toEqual([
      ["a", "b", "c"],
      ["d", "e", "f"],
      ["g"],
    ]);
  });
});
