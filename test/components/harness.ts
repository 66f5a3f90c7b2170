// Runs index.ts under the offline mocks (cli/offline-mocks.ts) with a config built in the test, and
// helps read
// what it registered.
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
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
  opts: { dryRun?: boolean; region?: string; stack?: string; strictAdmin?: boolean } = {},
): Promise<FleetRun> {
  vi.resetModules();
  const config: Record<string, string> = { "aws:region": opts.region ?? "us-east-1" };
  const secretKeys: string[] = [];
  // The suites of the rest of the program keep the admin routes public over HTTP as before issue 11
  // item 4, by the opt-in key; test/components/admin.test.ts runs the refusal and the private
  // routes. A test's own loadBalancer keys win.
  const loadBalancer = gpufleet.loadBalancer as Record<string, unknown> | undefined;
  gpufleet = {
    ...gpufleet,
    loadBalancer: { allowAdminOverPlainHttp: !opts.strictAdmin, ...loadBalancer },
  };
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

/** The entries of a tar.gz: path (with its leading /) → content and mode. */
export async function untar(
  archive: Buffer,
): Promise<Map<string, { content: string; mode: number }>> {
  const out = new Map<string, { content: string; mode: number }>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => chunks.push(c as Buffer));
      stream.on("end", () => {
        out.set(`/${header.name}`, {
          content: Buffer.concat(chunks).toString("utf8"),
          mode: header.mode ?? 0,
        });
        next();
      });
      stream.resume();
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
  });
  ex.end(gunzipSync(archive));
  await done;
  return out;
}

/**
 * The boot files a launch template's loader fetches: the object its user data names (key and
 * sha256 checked), unpacked. `text` lists them as write_files would (`path: …` then the content).
 */
export async function bootFilesOf(
  run: MockRun,
  lt: RecordedResource,
): Promise<{ files: Map<string, { content: string; mode: number }>; text: string }> {
  const ud = userDataOf(lt).text;
  const key = /GPUFLEET_BOOT_KEY=(\S+)/.exec(ud)?.[1];
  const sha = /GPUFLEET_BOOT_SHA256=([0-9a-f]{64})/.exec(ud)?.[1];
  const objects = run.resources.filter(
    (r) => r.type === "aws:s3/bucketObjectv2:BucketObjectv2" && r.inputs.key === key,
  );
  if (key === undefined || sha === undefined || objects.length !== 1)
    throw new Error(`${lt.name}: no single boot-files object for key ${String(key)}`);
  const archive = Buffer.from(String(objects[0]!.inputs.contentBase64), "base64");
  if (createHash("sha256").update(archive).digest("hex") !== sha)
    throw new Error(`${lt.name}: the boot-files object does not have the user data's sha256`);
  const files = await untar(archive);
  const text = [...files].map(([path, f]) => `path: ${path}\n${f.content}`).join("\n");
  return { files, text };
}

export function field<T = unknown>(r: RecordedResource, key: string): T {
  return r.inputs[key] as T;
}
