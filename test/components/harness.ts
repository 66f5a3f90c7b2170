// Runs index.ts under the offline mocks (cli/offline-mocks.ts) with a config built in the test, and
// helps read
// what it registered.
import { gunzipSync } from "node:zlib";
import { vi } from "vitest";
import { runUnderMocks, type MockRun } from "../../cli/preview";
import type { RecordedResource } from "../../cli/offline-mocks";

/**
 * Distinctive secret values: none may appear anywhere but in the SSM parameters' (secret) values.
 */
export const SECRETS = {
  hfToken: "hf_TESTSECRET_hftoken_5f1c9a77",
  apiKey: "TESTSECRET-apikey-7d2e8b41",
  random: "TESTSECRETrandompassword93c1e0aa",
} as const;

export const DEV_POOLS = [
  { name: "a10g", instanceType: "g5.2xlarge", model: "auto", engine: "auto" },
  { name: "a100", instanceType: "p4d.24xlarge", model: "auto", engine: "auto" },
];

export interface FleetRun extends MockRun {
  /** Every registration, also when the run threw. */
  record: RecordedResource[];
  error?: Error;
}

/**
 * Runs the program. `gpufleet` holds the `gpufleet:*` keys (namespace left out, values as written
 * in a stack
 * file); `hfToken` and `apiKey` are passed as secrets, the way `pulumi config set --secret` makes
 * them.
 */
export async function runFleet(
  gpufleet: Record<string, unknown>,
  opts: { dryRun?: boolean; region?: string; stack?: string } = {},
): Promise<FleetRun> {
  vi.resetModules();
  const config: Record<string, string> = { "aws:region": opts.region ?? "us-east-1" };
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(gpufleet)) {
    config[`gpufleet:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    if (key === "hfToken" || key === "apiKey") secretKeys.push(`gpufleet:${key}`);
  }
  const record: RecordedResource[] = [];
  try {
    const run = await runUnderMocks({
      project: "gpufleet",
      stack: opts.stack ?? "dev",
      region: opts.region ?? "us-east-1",
      config,
      secretKeys,
      dryRun: opts.dryRun ?? true,
      randomPassword: SECRETS.random,
      load: () => import("../../targets/aws.js") as Promise<Record<string, unknown>>,
      record,
    });
    return { ...run, record };
  } catch (err) {
    return { resources: record, calls: [], outputs: {}, log: [], record, error: err as Error };
  }
}

export function ofType(run: MockRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

export const T = {
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  asg: "aws:autoscaling/group:Group",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  rule: "aws:lb/listenerRule:ListenerRule",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  parameter: "aws:ssm/parameter:Parameter",
  password: "random:index/randomPassword:RandomPassword",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  vpc: "aws:ec2/vpc:Vpc",
  subnet: "aws:ec2/subnet:Subnet",
} as const;

/** The cloud-config a launch template boots: base64 decoded, gunzipped when gzipped. */
export function userDataOf(lt: RecordedResource): { text: string; gzipped: boolean } {
  const body = Buffer.from(String(lt.inputs.userData), "base64");
  const gzipped = body[0] === 0x1f && body[1] === 0x8b;
  return { text: (gzipped ? gunzipSync(body) : body).toString("utf8"), gzipped };
}

export function field<T = unknown>(r: RecordedResource, key: string): T {
  return r.inputs[key] as T;
}
