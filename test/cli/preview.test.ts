// `gpufleet preview`: the program under mocks with a stack file's config, printed as a tree or as
// JSON.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { SECRET_PLACEHOLDER, engineConfig } from "../../cli/preview";
import { runCli, stackFile, type CliRun } from "./harness";

const ROOT = path.join(__dirname, "../..");
let loads = 0;

/** These are aws stacks: the AWS program index.ts dispatches to (test/program/dispatch.test.ts runs index.ts). */
function run(...args: string[]): Promise<CliRun> {
  return runCli(args, { onLoad: () => loads++ });
}

interface PreviewJson {
  resources: Array<{
    type: string;
    name: string;
    parent: string | null;
    inputs: Record<string, unknown>;
  }>;
  outputs: Record<string, unknown>;
}

/** `preview --config Pulumi.dev.yaml --json`, run once and read by two tests. */
let devJsonRun: Promise<CliRun> | undefined;
function devJson(): Promise<CliRun> {
  devJsonRun ??= run("preview", "--config", path.join(ROOT, "Pulumi.dev.yaml"), "--json");
  return devJsonRun;
}

describe("gpufleet preview", () => {
  it.each([[[] as string[]], [["--update"]]])(
    "prints the dev stack's resource tree and outputs %j",
    async (extra) => {
      const r = await run("preview", "--stack", "dev", ...extra);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toMatch(
        new RegExp(
          `offline ${extra.length ? "update" : "preview"} with mocked AWS: \\d+ resources in 9 components`,
        ),
      );
      expect(r.out).toMatch(/^ {2}gpufleet:aws:GpuPool {2}gpufleet-a100$/m);
      expect(r.out).toMatch(/^ {4}\+ aws:ec2\/launchTemplate:LaunchTemplate {2}gpufleet-a100-lt$/m);
      expect(r.out).toMatch(/^ {4}\+ aws:lb\/targetGroup:TargetGroup {2}gpufleet-a10g$/m);
      expect(r.out).toMatch(/endpoint: "http:\/\/gpufleet-alb-.*\.us-east-1\.elb\.amazonaws\.com"/);
      expect(r.out).toMatch(
        /secretParameters: \{"apiKey":"\/gpufleet\/dev\/engine-api-key","hfToken":null\}/,
      );
      expect(r.out).toMatch(/warning: .*plain HTTP/);
      expect(r.out).toMatch(/Running On-Demand G and VT instances: 8 vCPUs/);
      expect(r.out).toMatch(/Running On-Demand P instances: 96 vCPUs/);
      expect(r.out).toMatch(/gpufleet plan — stack dev/); // the program's own log: the plan beside the tree
      // The dev stack has the monitoring stack and the gateway with its database (issues 6 and 7).
      expect(r.out).toMatch(/^ {2}gpufleet:aws:Monitoring {2}gpufleet-monitoring$/m);
      expect(r.out).toMatch(/^ {2}gpufleet:aws:Gateway {2}gpufleet-gateway$/m);
      expect(r.out).toMatch(/^ {4}\+ aws:rds\/instance:Instance {2}gpufleet-gateway-db$/m);
      expect(r.out).toMatch(/^ {4}\+ aws:ecs\/service:Service {2}gpufleet-gateway-service$/m);
      expect(r.out).toMatch(/grafanaUrl: "http:\/\/.*\/grafana\/"/);
      // The a10g pool is a spot pool (issue 16): its dashboard, policies and alarms.
      expect(r.out).toMatch(/^ {2}gpufleet:aws:ElasticDashboard {2}gpufleet$/m);
      expect(r.out).toMatch(
        /^ {4}\+ aws:cloudwatch\/metricAlarm:MetricAlarm {2}gpufleet-a10g-spot-interruptions$/m,
      );
    },
  );

  it("--json: { resources: [{ type, name, parent, inputs }], outputs } with every secret replaced", async () => {
    const r = await devJson();
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as PreviewJson;
    expect(Object.keys(doc).sort()).toEqual(["outputs", "resources"]);
    const types = doc.resources.map((x) => x.type);
    expect(types.filter((t) => t === "aws:ec2/launchTemplate:LaunchTemplate")).toHaveLength(2);
    for (const res of doc.resources) {
      expect(Object.keys(res)).toEqual(
        expect.arrayContaining(["type", "name", "parent", "inputs"]),
      );
      if (res.type.startsWith("aws:"))
        expect(res.parent).toMatch(/^urn:pulumi:dev::gpufleet::gpufleet:aws:/);
    }
    const params = doc.resources.filter((x) => x.type === "aws:ssm/parameter:Parameter");
    // The engine API key and Grafana's admin password: both SecureString, both redacted.
    expect(params.map((p) => [p.inputs.name, p.inputs.value]).sort()).toEqual([
      ["/gpufleet/dev/engine-api-key", "[secret]"],
      ["/gpufleet/dev/grafana-admin-password", "[secret]"],
    ]);
    expect(doc.outputs.secretParameters).toEqual({
      apiKey: "/gpufleet/dev/engine-api-key",
      hfToken: null,
    });
    expect((doc.outputs.plan as { stack: string }).stack).toBe("dev");
    expect(r.err).toMatch(/warning: .*plain HTTP/); // diagnostics go to stderr, JSON stays parseable
  });

  it("runs with secure: values it cannot decrypt: placeholders, marked secret, never printed", async () => {
    const file = stackFile(`config:
  aws:region: eu-west-1
  gpufleet:hfToken:
    secure: v1:AAAABBBBCCCCdddd
  gpufleet:apiKey:
    secure: v1:EEEEFFFFgggghhhh
  gpufleet:loadBalancer:
    certificateArn: arn:aws:acm:eu-west-1:123456789012:certificate/abcd-1234
    allowedCidrs: [203.0.113.0/24]
  gpufleet:pools:
    - name: l40s
      instanceType: g6e.xlarge
      model: google/gemma-3-27b-it
`);
    const text = await run("preview", "--config", file);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(
      /secrets \(not decrypted offline, placeholder used\): gpufleet:hfToken, gpufleet:apiKey/,
    );
    expect(text.out).toMatch(/endpoint: "https:\/\//);
    expect(text.out).not.toContain(SECRET_PLACEHOLDER);
    const json = await run("preview", "--config", file, "--json", "--update");
    expect(json.code).toBe(0);
    expect(json.out).not.toContain(SECRET_PLACEHOLDER);
    expect(json.out).not.toContain("v1:AAAABBBB");
    const doc = JSON.parse(json.out) as PreviewJson;
    const params = doc.resources.filter((x) => x.type === "aws:ssm/parameter:Parameter");
    expect(params.map((p) => [p.inputs.name, p.inputs.value])).toEqual(
      expect.arrayContaining([
        ["/gpufleet/t/engine-api-key", "[secret]"],
        ["/gpufleet/t/hf-token", "[secret]"],
      ]),
    );
    // The given API key is used as is: the only generated password is Grafana's.
    const passwords = doc.resources.filter(
      (x) => x.type === "random:index/randomPassword:RandomPassword",
    );
    expect(passwords.map((p) => p.parent)).toEqual([
      expect.stringMatching(/gpufleet:aws:Monitoring::/),
    ]);
  });

  it("bad config: exit 2, one line per problem on stderr, the program never runs", async () => {
    const before = loads;
    const pools = `  gpufleet:pools:
    - name: l40s
      instanceType: g6e.xlarge
      model: google/gemma-3-27b-it
    - name: b
      instanceType: g5.xlarge
      subnetIds: [subnet-0123456789abcdef0]
`;
    // schema errors first (one line each)…
    const r = await run(
      "preview",
      "--config",
      stackFile(`config:\n${pools}  gpufleet:loadBalancer:\n    idleTimeoutSeconds: 9000\n`),
    );
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toEqual([
      expect.stringMatching(/^gpufleet:loadBalancer\.idleTimeoutSeconds: /),
    ]);
    // …then what the AWS deployment refuses, every problem at once
    const r2 = await run(
      "preview",
      "--config",
      stackFile(`config:\n${pools}  gpufleet:loadBalancer:\n    adminRoutes: private\n`),
    );
    expect(r2.code).toBe(2);
    expect(r2.out).toBe("");
    const lines = r2.err.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gpufleet:pools\[1\]\.subnetIds: needs gpufleet:vpc\.id/),
        expect.stringMatching(/^gpufleet:hfToken: required/),
      ]),
    );
    expect(loads).toBe(before);
  });

  it("is deterministic: the same resources and outputs on every run", async () => {
    const a = JSON.parse((await devJson()).out) as PreviewJson;
    const b = JSON.parse((await run("preview", "--stack", "dev", "--json")).out) as PreviewJson;
    const names = (d: PreviewJson): string[] =>
      d.resources.map((x) => `${x.type}::${x.name}`).sort();
    expect(names(a)).toEqual(names(b));
    expect(a.outputs).toEqual(b.outputs);
  });
});

describe("engineConfig", () => {
  it("hands structured values over as JSON and marks secure: values secret", () => {
    const { config, secretKeys } = engineConfig({
      "aws:region": "us-east-1",
      "gpufleet:pools": [{ name: "a", instanceType: "g5.xlarge", count: 2 }],
      "gpufleet:hfToken": { secure: "v1:xyz" },
      "gpufleet:nested": { a: [{ secure: "v1:q" }] },
      "other:flag": true,
    });
    expect(config).toEqual({
      "aws:region": "us-east-1",
      "gpufleet:pools": '[{"name":"a","instanceType":"g5.xlarge","count":2}]',
      "gpufleet:hfToken": SECRET_PLACEHOLDER,
      "gpufleet:nested": `{"a":["${SECRET_PLACEHOLDER}"]}`,
      "other:flag": "true",
    });
    expect(secretKeys).toEqual(["gpufleet:hfToken", "gpufleet:nested"]);
  });
});

describe("gpufleet preview: checks before anything is created", () => {
  it("rejects a gateway upstream whose key is nowhere, exit 2, naming the key path", async () => {
    const file = stackFile(`config:
  aws:region: us-east-1
  gpufleet:pools:
    - { name: a, instanceType: g5.xlarge }
  gpufleet:gateway:
    enabled: true
    upstreams:
      - { name: gpt-4o, provider: openai, model: gpt-4o, apiKeySecret: openai }
`);
    const r = await run("preview", "--config", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^gpufleet:gateway\.upstreams\[0\]\.apiKeySecret: "openai" is not a key of gpufleet:gatewayApiKeys/m,
    );
    expect(r.out).toBe("");
  });
});
