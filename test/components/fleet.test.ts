// The AWS fleet under mocks that record every resource: assertions on what the program asks AWS
// for.
import { gunzipSync } from "node:zlib";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { redactSecrets } from "../../cli/offline-mocks";
import { DLAMI_PARAMETER, MODEL_HEADER, targetGroupName } from "../../components/aws/facts";
import {
  SESSION_MANAGER_MESSAGE_ACTIONS,
  type PolicyDocument,
} from "../../components/aws/policies";
import { EXPORTER_PORTS } from "../../cloud-init/context";
import type { FleetPlan } from "../../planner/types";
import {
  DEV_POOLS,
  SECRETS,
  T,
  field,
  ofType,
  runFleet,
  userDataOf,
  bootFilesOf,
  type FleetRun,
} from "./harness";

const DEV = { pools: DEV_POOLS };

/**
 * The dev fleet, run once per isDryRun for the whole file: its tests only read the record, so one
 * program run serves them all (a mocked run costs seconds on a loaded machine).
 */
const devRuns = new Map<boolean, Promise<FleetRun>>();
function devFleet(dryRun: boolean): Promise<FleetRun> {
  let run = devRuns.get(dryRun);
  if (run === undefined) {
    run = runFleet(DEV, { dryRun });
    devRuns.set(dryRun, run);
  }
  return run;
}

function planOf(run: FleetRun): FleetPlan {
  return run.outputs.plan!.value as FleetPlan;
}

/** The model-routing rules (x-gpufleet-model header), not Grafana's or the gateway's. */
function headerRules(run: FleetRun): FleetRun["resources"] {
  return ofType(run, T.rule).filter((r) =>
    field<Array<{ httpHeader?: { httpHeaderName: string } }>>(r, "conditions").some(
      (c) => c.httpHeader?.httpHeaderName === MODEL_HEADER,
    ),
  );
}

function portsOverlap(from: number, to: number, ports: number[]): boolean {
  return ports.some((p) => p >= from && p <= to);
}

describe.each([true, false])("the dev fleet (isDryRun %s)", (dryRun) => {
  let run: FleetRun;
  beforeAll(async () => {
    run = await devFleet(dryRun);
  });

  it("creates one launch template and one auto scaling group per pool, in components named after it", async () => {
    expect(run.error).toBeUndefined();
    const lts = ofType(run, T.launchTemplate);
    const asgs = ofType(run, T.asg);
    expect(lts.map((r) => r.name)).toEqual(
      expect.arrayContaining(["gpufleet-a10g-lt", "gpufleet-a100-lt"]),
    );
    expect(lts).toHaveLength(2);
    expect(asgs).toHaveLength(2);
    for (const r of [...lts, ...asgs])
      expect(r.parent).toMatch(/gpufleet:aws:GpuPool::gpufleet-a1/);
    const components = run.resources.filter((r) => !r.custom).map((r) => r.type);
    expect(new Set(components)).toEqual(
      new Set([
        "gpufleet:aws:Network",
        "gpufleet:aws:Security",
        "gpufleet:aws:Secrets",
        "gpufleet:aws:LoadBalancer",
        "gpufleet:aws:GpuPool",
        "gpufleet:aws:Monitoring",
      ]),
    );
    // every provider resource sits under a component
    for (const r of run.resources.filter((x) => x.custom))
      expect(r.parent).toMatch(/::gpufleet:aws:/);
  });

  it("requires IMDSv2 and an encrypted gp3 root volume on every launch template", async () => {
    for (const lt of ofType(run, T.launchTemplate)) {
      expect(field<Record<string, unknown>>(lt, "metadataOptions")).toMatchObject({
        httpTokens: "required",
        httpEndpoint: "enabled",
      });
      const mappings = field<Array<{ deviceName: string; ebs: Record<string, unknown> }>>(
        lt,
        "blockDeviceMappings",
      );
      expect(mappings.length).toBeGreaterThan(0);
      for (const m of mappings) {
        expect(m.ebs.encrypted).toBe("true");
        expect(m.ebs.volumeType).toBe("gp3");
        expect(m.ebs.volumeSize as number).toBeGreaterThanOrEqual(100);
      }
      expect(field(lt, "imageId")).toBe("ami-0123456789abcdef0");
      expect(lt.inputs.keyName).toBeUndefined(); // no SSH key
    }
    expect(
      run.calls
        .filter((c) => c.token === "aws:ssm/getParameter:getParameter")
        .map((c) => c.inputs.name),
    ).toContain(DLAMI_PARAMETER);
  });

  it("sizes and heals the groups from the plan: ELB health, grace ≥ cold start, instance refresh", async () => {
    const plan = planOf(run);
    for (const pool of plan.pools) {
      const asg = ofType(run, T.asg).find((r) => r.name === `gpufleet-${pool.name}-asg`)!;
      expect(asg.inputs).toMatchObject({
        minSize: 1,
        desiredCapacity: 1,
        maxSize: 1,
        healthCheckType: "ELB",
      });
      const cold = Math.max(...pool.replicas.map((r) => r.estimates.coldStartSeconds));
      expect(field<number>(asg, "healthCheckGracePeriod")).toBeGreaterThanOrEqual(cold);
      expect(field<Record<string, unknown>>(asg, "instanceRefresh")).toMatchObject({
        strategy: "Rolling",
      });
      const lt = ofType(run, T.launchTemplate).find((r) => r.name === `gpufleet-${pool.name}-lt`)!;
      expect(field<Record<string, string>>(asg, "launchTemplate")).toEqual({
        id: lt.id,
        version: "1",
      });
      expect(field<string[]>(asg, "targetGroupArns")).toHaveLength(1);
    }
  });

  it("boots hosts that ship their units' journal to the stack's log group, the one the instance role may write", async () => {
    const group = ofType(run, "aws:cloudwatch/logGroup:LogGroup").find((g) =>
      /gpufleet:aws:Security::/.test(g.parent ?? ""),
    )!;
    expect(group.inputs.name).toBe("/gpufleet/dev");
    for (const lt of ofType(run, T.launchTemplate)) {
      const { text } = await bootFilesOf(run, lt);
      expect(text).toContain("path: /etc/gpufleet/fluent-bit.yaml");
      expect(text).toMatch(/log_group_name: \/gpufleet\/dev\b/);
      expect(text).toContain("path: /etc/systemd/system/gpufleet-logs.service");
    }
    const policies = ofType(run, T.rolePolicy).map((p) => String(p.inputs.policy));
    expect(
      policies.some(
        (p) => p.includes("logs:PutLogEvents") && p.includes(":log-group:/gpufleet/dev"),
      ),
    ).toBe(true);
  });

  it("tags instances with stack, pool, role and replica ports", async () => {
    const a100 = ofType(run, T.launchTemplate).find((r) => r.name === "gpufleet-a100-lt")!;
    const specs = field<Array<{ resourceType: string; tags: Record<string, string> }>>(
      a100,
      "tagSpecifications",
    );
    const instance = specs.find((s) => s.resourceType === "instance")!;
    expect(instance.tags).toMatchObject({
      "gpufleet:stack": "dev",
      "gpufleet:pool": "a100",
      "gpufleet:role": "engine",
      "gpufleet:proxy-port": "8080",
      "gpufleet:replica-ports": "8000 8001 8002 8003 8004 8005 8006 8007",
      "gpufleet:exporter-ports": "9100 9400",
    });
    expect(specs.map((s) => s.resourceType)).toEqual(
      expect.arrayContaining(["instance", "volume"]),
    );
  });

  it("opens no engine or exporter port to a CIDR, and the load balancer only on 80", async () => {
    const plan = planOf(run);
    const enginePorts = [
      ...plan.pools.flatMap((p) => p.replicas.map((r) => r.port)),
      EXPORTER_PORTS.nodeExporter,
      EXPORTER_PORTS.dcgmExporter,
    ];
    const proxyPorts = plan.pools.map((p) => p.proxyPort);
    const groups = Object.fromEntries(ofType(run, T.sg).map((g) => [g.name, g.id]));
    for (const g of ofType(run, T.sg)) {
      expect(g.inputs.ingress ?? []).toEqual([]); // rules are separate resources, none inline
    }
    const ingress = ofType(run, T.ingress);
    for (const rule of ingress) {
      const from = field<number>(rule, "fromPort");
      const to = field<number>(rule, "toPort");
      if (rule.inputs.cidrIpv4 !== undefined || rule.inputs.cidrIpv6 !== undefined) {
        expect(rule.inputs.securityGroupId).toBe(groups["gpufleet-load-balancer"]);
        expect(portsOverlap(from, to, enginePorts)).toBe(false);
        expect(portsOverlap(from, to, proxyPorts)).toBe(false);
      }
      if (rule.inputs.securityGroupId === groups["gpufleet-load-balancer"]) {
        expect([from, to]).toEqual([80, 80]); // no certificate: HTTP only
        expect(rule.inputs.cidrIpv4).toBe("0.0.0.0/0");
      }
      if (rule.inputs.securityGroupId === groups["gpufleet-engine"]) {
        expect(rule.inputs.cidrIpv4).toBeUndefined();
        if (portsOverlap(from, to, proxyPorts))
          expect(rule.inputs.referencedSecurityGroupId).toBe(groups["gpufleet-load-balancer"]);
        if (portsOverlap(from, to, enginePorts))
          expect(rule.inputs.referencedSecurityGroupId).toBe(groups["gpufleet-monitoring"]);
      }
      expect(from === 22 || to === 22 || (from < 22 && to > 22)).toBe(false);
    }
    // every replica and exporter port is reachable from monitoring
    const fromMonitoring = ingress.filter(
      (r) => r.inputs.referencedSecurityGroupId === groups["gpufleet-monitoring"],
    );
    for (const port of enginePorts) {
      expect(
        fromMonitoring.some(
          (r) => field<number>(r, "fromPort") <= port && port <= field<number>(r, "toPort"),
        ),
      ).toBe(true);
    }
  });

  it("puts one target group per pool on its proxy port with /health, and routes each model by header", async () => {
    const plan = planOf(run);
    // The load balancer's own target groups (monitoring adds Grafana's).
    const tgs = ofType(run, T.targetGroup).filter((t) =>
      /gpufleet:aws:LoadBalancer::/.test(t.parent ?? ""),
    );
    expect(tgs).toHaveLength(plan.pools.length);
    for (const pool of plan.pools) {
      const tg = tgs.find((t) => t.name === `gpufleet-${pool.name}`)!;
      expect(tg.inputs).toMatchObject({
        port: pool.proxyPort,
        protocol: "HTTP",
        name: targetGroupName("dev", pool.name, pool.proxyPort),
      });
      expect(field<Record<string, unknown>>(tg, "healthCheck")).toMatchObject({
        path: "/health",
        matcher: "200",
      });
      expect(field<number>(tg, "deregistrationDelay")).toBeGreaterThanOrEqual(120);
      expect(String(tg.inputs.name).length).toBeLessThanOrEqual(32);
    }
    const alb = ofType(run, T.alb)[0]!;
    expect(field<number>(alb, "idleTimeout")).toBeGreaterThanOrEqual(600);
    expect(field<number>(alb, "idleTimeout")).toBeLessThanOrEqual(4000);
    const listeners = ofType(run, T.listener);
    expect(listeners).toHaveLength(1);
    expect(listeners[0]!.inputs).toMatchObject({ port: 80, protocol: "HTTP" });
    const rules = headerRules(run);
    expect(
      rules.map(
        (r) =>
          field<Array<{ httpHeader: { values: string[] } }>>(r, "conditions")[0]!.httpHeader
            .values[0],
      ),
    ).toEqual(
      Object.keys((run.outputs.routing!.value as { models: Record<string, string[]> }).models),
    );
    expect(
      field<Array<{ httpHeader: { httpHeaderName: string } }>>(rules[0]!, "conditions")[0]!
        .httpHeader.httpHeaderName,
    ).toBe(MODEL_HEADER);
    expect(run.log.some((l) => l.severity === "warning" && /plain HTTP/.test(l.message))).toBe(
      true,
    );
  });

  it("keeps outputs to names and plan data: endpoint, served models, parameter names, quotas", async () => {
    expect(run.outputs.endpoint!.value).toMatch(
      /^http:\/\/gpufleet-alb-[0-9a-f]+-\d+\.us-east-1\.elb\.amazonaws\.com$/,
    );
    expect(run.outputs.openaiBaseUrl!.value).toMatch(/\/v1$/);
    expect(run.outputs.secretParameters!.value).toEqual({
      apiKey: "/gpufleet/dev/engine-api-key",
      hfToken: null,
    });
    expect(run.outputs.servedModels!.value).toEqual({
      a10g: [planOf(run).pools[0]!.replicas[0]!.model.servedName],
      a100: [planOf(run).pools[1]!.replicas[0]!.model.servedName],
    });
    expect(run.outputs.vcpuQuotas!.value).toEqual({
      "G and VT": { desired: 8, max: 8, duringRefresh: 16 },
      P: { desired: 96, max: 96, duringRefresh: 192 },
    });
    for (const o of Object.values(run.outputs)) expect(o.secret).toBe(false);
  });
});

describe("secrets", () => {
  async function everythingButSecretValues(run: FleetRun): Promise<string> {
    const inputs = JSON.stringify(run.resources.map((r) => redactSecrets(r.inputs)));
    const launchTemplates = ofType(run, T.launchTemplate);
    const boot = await Promise.all(launchTemplates.map((lt) => bootFilesOf(run, lt)));
    const userData = [
      ...launchTemplates.map((lt) => userDataOf(lt).text),
      ...boot.map((b) => b.text),
    ].join("\n");
    const outputs = JSON.stringify(
      Object.fromEntries(Object.entries(run.outputs).map(([k, o]) => [k, o.value])),
    );
    return `${inputs}\n${userData}\n${outputs}`;
  }

  it.each([true, false])(
    "given hfToken and apiKey: SecureString parameters, values only there and marked secret (isDryRun %s)",
    async (dryRun) => {
      const run = await runFleet(
        { ...DEV, hfToken: SECRETS.hfToken, apiKey: SECRETS.apiKey },
        { dryRun },
      );
      expect(run.error).toBeUndefined();
      const params = ofType(run, T.parameter).filter((p) =>
        /gpufleet:aws:Secrets::/.test(p.parent ?? ""),
      );
      expect(params.map((p) => p.inputs.name).sort()).toEqual([
        "/gpufleet/dev/engine-api-key",
        "/gpufleet/dev/hf-token",
      ]);
      for (const p of params) {
        expect(p.inputs.type).toBe("SecureString");
        expect(pulumi.runtime.isRpcSecret(p.inputs.value)).toBe(true);
      }
      expect(
        pulumi.runtime.unwrapRpcSecret(
          params.find((p) => p.inputs.name === "/gpufleet/dev/hf-token")!.inputs.value,
        ),
      ).toBe(SECRETS.hfToken);
      expect(
        pulumi.runtime.unwrapRpcSecret(
          params.find((p) => p.inputs.name === "/gpufleet/dev/engine-api-key")!.inputs.value,
        ),
      ).toBe(SECRETS.apiKey);
      // Only monitoring's Grafana password is generated; the given API key is not.
      expect(
        ofType(run, T.password).filter((p) => !/gpufleet:aws:Monitoring::/.test(p.parent ?? "")),
      ).toHaveLength(0);
      const text = await everythingButSecretValues(run);
      for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
      expect(run.outputs.secretParameters!.value).toEqual({
        apiKey: "/gpufleet/dev/engine-api-key",
        hfToken: "/gpufleet/dev/hf-token",
      });
      // the renderer got the parameter names; the user data is the loader, plain text
      for (const lt of ofType(run, T.launchTemplate)) {
        const ud = userDataOf(lt);
        expect(ud.text).toMatch(/^#cloud-config/);
        expect(ud.gzipped).toBe(false);
        const { text } = await bootFilesOf(run, lt);
        expect(text).toContain("/gpufleet/dev/engine-api-key");
        expect(text).toContain("/gpufleet/dev/hf-token");
      }
    },
  );

  it("generates the API key with RandomPassword (its secret result never leaves the parameter)", async () => {
    const run = await devFleet(false);
    const [password] = ofType(run, T.password);
    expect(password).toBeDefined();
    expect(password!.parent).toMatch(/gpufleet:aws:Secrets::gpufleet$/);
    const param = ofType(run, T.parameter).find(
      (p) => p.inputs.name === "/gpufleet/dev/engine-api-key",
    )!;
    expect(pulumi.runtime.isRpcSecret(param.inputs.value)).toBe(true);
    expect(pulumi.runtime.unwrapRpcSecret(param.inputs.value)).toBe(SECRETS.random);
    expect(await everythingButSecretValues(run)).not.toContain(SECRETS.random);
  });
});

describe("IAM", () => {
  it("names its resources and uses no wildcard action", async () => {
    const run = await devFleet(true);
    const docs: PolicyDocument[] = [
      ...ofType(run, T.rolePolicy).map(
        (p) => JSON.parse(String(p.inputs.policy)) as PolicyDocument,
      ),
      ...ofType(run, T.role).map(
        (r) => JSON.parse(String(r.inputs.assumeRolePolicy)) as PolicyDocument,
      ),
    ];
    expect(docs.length).toBeGreaterThanOrEqual(2);
    // Actions AWS offers without resource-level permissions: the only ones allowed on Resource "*".
    const UNSCOPABLE = new Set(["ec2:DescribeInstances", ...SESSION_MANAGER_MESSAGE_ACTIONS]);
    for (const doc of docs) {
      for (const st of doc.Statement) {
        const actions = ([] as string[]).concat(st.Action);
        for (const a of actions) expect(a).not.toContain("*");
        if (st.Resource !== undefined) {
          for (const r of ([] as string[]).concat(st.Resource)) {
            if (r === "*") {
              expect(
                actions.every((a) => UNSCOPABLE.has(a)),
                `${st.Sid}: ${actions.join(", ")} on "*"`,
              ).toBe(true);
              continue;
            }
            // S3 ARNs name neither region nor account: the only ones allowed are this stack's
            // monitoring bucket and its boot-files bucket below pools/.
            if (r.startsWith("arn:aws:s3:::"))
              expect(r).toMatch(
                /^arn:aws:s3:::(gpufleet-dev-monitoring-[0-9a-f]{26}(\/monitoring\/\*)?|gpufleet-dev-boot-[0-9a-f]{26}\/pools\/\*)$/,
              );
            else expect(r).toMatch(/^arn:aws:[a-z0-9]+:us-east-1:123456789012:/);
          }
        }
      }
    }
    const policy = JSON.parse(
      String(ofType(run, T.rolePolicy).find((p) => p.name === "gpufleet-instance")!.inputs.policy),
    ) as PolicyDocument;
    const ssm = policy.Statement.find((s) => s.Action.includes("ssm:GetParameter"))!;
    // Exactly the two parameters the hosts read: not the Grafana password, not the gateway's keys.
    expect(ssm.Action).toEqual(["ssm:GetParameter"]);
    expect(ssm.Resource).toEqual([
      "arn:aws:ssm:us-east-1:123456789012:parameter/gpufleet/dev/engine-api-key",
      "arn:aws:ssm:us-east-1:123456789012:parameter/gpufleet/dev/hf-token",
    ]);
    expect(
      policy.Statement.filter((s) => s.Action.some((a) => a.startsWith("ssm:Get"))),
    ).toHaveLength(1);
    expect(policy.Statement.map((s) => s.Sid)).toEqual(
      expect.arrayContaining(["SessionManagerRegister", "SessionManagerChannels"]),
    );
    const kms = policy.Statement.find((s) => s.Action.includes("kms:Decrypt"))!;
    expect(kms.Condition?.StringEquals?.["kms:ViaService"]).toBe("ssm.us-east-1.amazonaws.com");
    const attachments = run.resources.filter(
      (r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    );
    // No AWS-managed policy: AmazonSSMManagedInstanceCore reads every parameter of the account.
    expect(attachments.map((a) => a.inputs.policyArn)).toEqual([]);
  });
});

describe("config variants", () => {
  it("with a certificate: HTTPS on 443, HTTP redirects, and the load balancer opens 80 and 443 only", async () => {
    const run = await runFleet({
      ...DEV,
      loadBalancer: {
        certificateArn:
          "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc",
        allowedCidrs: ["203.0.113.0/24", "198.51.100.7/32"],
      },
    });
    expect(run.error).toBeUndefined();
    const listeners = ofType(run, T.listener).map((l) => l.inputs);
    expect(listeners).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ port: 443, protocol: "HTTPS" }),
        expect.objectContaining({
          port: 80,
          protocol: "HTTP",
          defaultActions: [expect.objectContaining({ type: "redirect" })],
        }),
      ]),
    );
    const lbGroup = ofType(run, T.sg).find((g) => g.name === "gpufleet-load-balancer")!;
    const lbRules = ofType(run, T.ingress).filter((r) => r.inputs.securityGroupId === lbGroup.id);
    expect(
      lbRules
        .map(
          (r) =>
            `${String(r.inputs.fromPort)}-${String(r.inputs.toPort)} ${String(r.inputs.cidrIpv4)}`,
        )
        .sort(),
    ).toEqual([
      "443-443 198.51.100.7/32",
      "443-443 203.0.113.0/24",
      "80-80 198.51.100.7/32",
      "80-80 203.0.113.0/24",
    ]);
    expect(run.outputs.endpoint!.value).toMatch(/^https:\/\//);
    expect(run.log.some((l) => /plain HTTP/.test(l.message))).toBe(false);
  });

  it("uses an existing VPC: no network created, pools in the private or their own subnets", async () => {
    const run = await runFleet({
      pools: [
        {
          ...DEV_POOLS[0],
          subnetIds: ["subnet-0aaaaaaaaaaaaaaa1"],
          minCount: 1,
          maxCount: 3,
          amiId: "ami-0fedcba9876543210",
        },
        DEV_POOLS[1],
      ],
      vpc: {
        id: "vpc-0123456789abcdef0",
        publicSubnetIds: ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
        privateSubnetIds: ["subnet-0ccccccccccccccc1", "subnet-0ccccccccccccccc2"],
      },
    });
    expect(run.error).toBeUndefined();
    expect(ofType(run, T.vpc)).toHaveLength(0);
    expect(ofType(run, T.subnet)).toHaveLength(0);
    const asgs = Object.fromEntries(ofType(run, T.asg).map((a) => [a.name, a.inputs]));
    expect(asgs["gpufleet-a10g-asg"]).toMatchObject({
      vpcZoneIdentifiers: ["subnet-0aaaaaaaaaaaaaaa1"],
      minSize: 1,
      desiredCapacity: 1,
      maxSize: 3,
    });
    expect(asgs["gpufleet-a100-asg"]).toMatchObject({
      vpcZoneIdentifiers: ["subnet-0ccccccccccccccc1", "subnet-0ccccccccccccccc2"],
    });
    expect(ofType(run, T.alb)[0]!.inputs.subnets).toEqual([
      "subnet-0bbbbbbbbbbbbbbb1",
      "subnet-0bbbbbbbbbbbbbbb2",
    ]);
    const lts = Object.fromEntries(ofType(run, T.launchTemplate).map((l) => [l.name, l.inputs]));
    expect(lts["gpufleet-a10g-lt"]!.imageId).toBe("ami-0fedcba9876543210");
    expect(lts["gpufleet-a100-lt"]!.imageId).toBe("ami-0123456789abcdef0");
    expect(
      ofType(run, T.targetGroup).every((t) => t.inputs.vpcId === "vpc-0123456789abcdef0"),
    ).toBe(true);
  });

  it("creates a VPC spanning the zones pools pin, and pins those pools to them", async () => {
    const run = await runFleet({
      pools: [{ ...DEV_POOLS[1], availabilityZones: ["us-east-1d"] }, DEV_POOLS[0]],
      vpc: { cidr: "10.20.0.0/16", azCount: 3 },
    });
    expect(run.error).toBeUndefined();
    const subnets = ofType(run, T.subnet);
    expect(subnets).toHaveLength(6);
    const priv = subnets.filter((s) => s.name.includes("private"));
    expect(priv.map((s) => s.inputs.availabilityZone)).toEqual([
      "us-east-1d",
      "us-east-1a",
      "us-east-1b",
    ]);
    expect(priv.map((s) => s.inputs.cidrBlock)).toEqual([
      "10.20.128.0/20",
      "10.20.144.0/20",
      "10.20.160.0/20",
    ]);
    const a100 = ofType(run, T.asg).find((a) => a.name === "gpufleet-a100-asg")!;
    expect(a100.inputs.vpcZoneIdentifiers).toEqual([priv[0]!.id]);
    const a10g = ofType(run, T.asg).find((a) => a.name === "gpufleet-a10g-asg")!;
    expect(a10g.inputs.vpcZoneIdentifiers).toEqual(priv.map((s) => s.id));
  });

  it("routes every private subnet through one NAT gateway by default, or through its own zone's with natGateways perAz", async () => {
    const NAT = "aws:ec2/natGateway:NatGateway";
    const RT = "aws:ec2/routeTable:RouteTable";
    const ASSOC = "aws:ec2/routeTableAssociation:RouteTableAssociation";
    const routing = (run: FleetRun) => {
      const subnets = ofType(run, T.subnet);
      const byId = new Map(subnets.map((s) => [s.id, s]));
      const nats = ofType(run, NAT);
      const natOf = new Map(
        ofType(run, RT).map((rt) => [
          rt.id,
          field<Array<{ natGatewayId?: string }>>(rt, "routes")[0]?.natGatewayId,
        ]),
      );
      // private subnet index → the public subnet index of the NAT gateway its route table points at
      return ofType(run, ASSOC)
        .filter((a) => byId.get(String(a.inputs.subnetId))?.name.includes("private"))
        .map((a) => {
          const nat = nats.find((n) => n.id === natOf.get(String(a.inputs.routeTableId)))!;
          return [
            byId.get(String(a.inputs.subnetId))!.inputs.availabilityZone,
            byId.get(String(nat.inputs.subnetId))!.inputs.availabilityZone,
          ];
        });
    };
    const single = await runFleet({ ...DEV, vpc: { azCount: 3 } });
    expect(single.error).toBeUndefined();
    expect(ofType(single, NAT)).toHaveLength(1);
    expect(routing(single)).toEqual([
      ["us-east-1a", "us-east-1a"],
      ["us-east-1b", "us-east-1a"],
      ["us-east-1c", "us-east-1a"],
    ]);
    const perAz = await runFleet({ ...DEV, vpc: { azCount: 3, natGateways: "perAz" } });
    expect(perAz.error).toBeUndefined();
    expect(ofType(perAz, NAT)).toHaveLength(3);
    expect(ofType(perAz, "aws:ec2/eip:Eip")).toHaveLength(3);
    expect(routing(perAz)).toEqual([
      ["us-east-1a", "us-east-1a"],
      ["us-east-1b", "us-east-1b"],
      ["us-east-1c", "us-east-1c"],
    ]);
  });

  it("forwards a model served by two pools to both target groups, weighted", async () => {
    const run = await runFleet({
      pools: [
        {
          name: "small",
          instanceType: "g5.xlarge",
          model: "Qwen/Qwen2.5-7B-Instruct",
          engine: "vllm",
          count: 2,
        },
        {
          name: "big",
          instanceType: "g5.12xlarge",
          model: "Qwen/Qwen2.5-7B-Instruct",
          engine: "vllm",
        },
      ],
    });
    expect(run.error).toBeUndefined();
    const rules = headerRules(run);
    expect(rules).toHaveLength(1);
    const action = field<
      Array<{ forward: { targetGroups: Array<{ arn: string; weight: number }> } }>
    >(rules[0]!, "actions")[0]!;
    expect(action.forward.targetGroups).toHaveLength(2);
    for (const tg of action.forward.targetGroups) expect(tg.weight).toBeGreaterThanOrEqual(1);
  });
});

describe("bad config creates no resource", () => {
  it.each([
    ["an unknown key", { ...DEV, vpcs: {} }, /gpufleet:vpcs: unknown key/],
    [
      "a gated model without gpufleet:hfToken",
      { pools: [{ name: "l40s", instanceType: "g6e.xlarge", model: "google/gemma-3-27b-it" }] },
      /gpufleet:hfToken: required: google\/gemma-3-27b-it/,
    ],
    [
      "own hardware",
      { pools: [{ name: "home", gpu: "RTX 4090", gpuCount: 1 }] },
      /gpufleet:pools\[0\]\.instanceType: .*own hardware/,
    ],
    [
      "subnetIds without vpc.id",
      { pools: [{ ...DEV_POOLS[0], subnetIds: ["subnet-0aaaaaaaaaaaaaaa1"] }] },
      /gpufleet:pools\[0\]\.subnetIds: needs gpufleet:vpc\.id/,
    ],
    [
      "a zone of another region",
      { pools: [{ ...DEV_POOLS[0], availabilityZones: ["eu-west-1a"] }] },
      /eu-west-1a is not in the stack's region us-east-1/,
    ],
    [
      "minCount above count",
      { pools: [{ ...DEV_POOLS[0], count: 1, minCount: 2 }] },
      /gpufleet:pools\[0\]\.minCount: must be at most count/,
    ],
    [
      "natGateways with an existing VPC",
      {
        ...DEV,
        vpc: {
          id: "vpc-0123456789abcdef0",
          publicSubnetIds: ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"],
          privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1"],
          natGateways: "perAz",
        },
      },
      /gpufleet:vpc\.natGateways: only for a created VPC/,
    ],
    [
      "a model in six pools",
      {
        pools: Array.from({ length: 6 }, (_, i) => ({
          name: `p${i}`,
          instanceType: "g5.xlarge",
          model: "Qwen/Qwen2.5-7B-Instruct",
          engine: "vllm",
        })),
      },
      /served by 6 pools .* at most 5 target groups/,
    ],
  ])("%s", async (_label, config, message) => {
    const run = await runFleet(config);
    expect(run.error).toBeDefined();
    expect(run.error!.message).toMatch(/gpufleet: invalid stack config/);
    expect(run.error!.message).toMatch(message);
    expect(run.record).toEqual([]);
  });
});

describe("with the gateway and monitoring", () => {
  it("joins every pool to the gateway's internal target groups and keeps secrets out of outputs and user data", async () => {
    const run = await runFleet(
      { ...DEV, hfToken: SECRETS.hfToken, apiKey: SECRETS.apiKey, gateway: { enabled: true } },
      { dryRun: true },
    );
    expect(run.error).toBeUndefined();
    const components = new Set(run.resources.filter((r) => !r.custom).map((r) => r.type));
    expect(components).toContain("gpufleet:aws:Gateway");
    expect(components).toContain("gpufleet:aws:Monitoring");
    for (const asg of ofType(run, T.asg))
      expect(field<string[]>(asg, "targetGroupArns")).toHaveLength(2);
    expect(run.outputs.routing!.value).toMatchObject({ default: "gateway" });
    const gw = run.outputs.gatewayEndpoints!.value as Record<string, string>;
    expect(gw.ui).toMatch(/\/ui$/);
    expect(gw.masterKeySecret).toBe("gpufleet/dev/gateway/master-key");
    const text = [
      JSON.stringify(Object.fromEntries(Object.entries(run.outputs).map(([k, o]) => [k, o.value]))),
      ...ofType(run, T.launchTemplate).map((lt) => userDataOf(lt).text),
      ...(await Promise.all(ofType(run, T.launchTemplate).map((lt) => bootFilesOf(run, lt)))).map(
        (b) => b.text,
      ),
      JSON.stringify(run.resources.map((r) => redactSecrets(r.inputs))),
    ].join("\n");
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    // The monitoring configuration objects (prometheus.yml scrapes with the engine key) carry its
    // file's path, not
    // the key; nor the HF token or the generated Grafana password.
    const objects = ofType(run, "aws:s3/bucketObjectv2:BucketObjectv2");
    expect(objects.map((o) => o.inputs.key)).toContain("monitoring/prometheus/prometheus.yml");
    for (const o of objects) {
      const body =
        o.inputs.contentBase64 !== undefined
          ? gunzipSync(Buffer.from(String(o.inputs.contentBase64), "base64")).toString("utf8")
          : o.inputs.content;
      expect(pulumi.runtime.isRpcSecret(body)).toBe(false);
      for (const secret of Object.values(SECRETS)) expect(body as string).not.toContain(secret);
    }
    // The monitoring host's user data (plan-free) carries no secret either.
    const monitoringHost = ofType(run, "aws:ec2/instance:Instance").find((i) =>
      /gpufleet:aws:Monitoring::/.test(i.parent ?? ""),
    )!;
    const body = Buffer.from(String(monitoringHost.inputs.userDataBase64), "base64");
    const monitoringUserData = (body[0] === 0x1f ? gunzipSync(body) : body).toString("utf8");
    for (const secret of Object.values(SECRETS)) expect(monitoringUserData).not.toContain(secret);
    expect(monitoringUserData).toContain("GPUFLEET_CONFIG_BUCKET=gpufleet-dev-monitoring-");
    // Still: no engine or exporter port is open to any CIDR.
    const engineSg = ofType(run, "aws:ec2/securityGroup:SecurityGroup").find(
      (g) => g.name === "gpufleet-engine",
    )!;
    for (const rule of ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
      if (rule.inputs.securityGroupId !== engineSg.id) continue;
      expect(rule.inputs.cidrIpv4).toBeUndefined();
      expect(rule.inputs.referencedSecurityGroupId).toBeDefined();
    }
  });
});
