// The Gateway component alone under mocks that record every registration: database, tasks, secrets,
// the security
// group chain and the internal load balancer, as the program would ask AWS for them.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { redactSecrets } from "../../cli/offline-mocks";
import type { PolicyDocument } from "../../components/aws/policies";
import {
  GATEWAY_ENV,
  LITELLM_PORT,
  POSTGRES_PORT,
  gatewayTargetGroupName,
  internalListenerPorts,
  type ContainerDefinition,
  type GatewayUpstream,
  type LiteLLMConfig,
} from "../../gateway";
import { MIXED_PLAN } from "./fixtures";
import {
  BASE_ARGS,
  SECRETS,
  T,
  ofType,
  one,
  runGateway,
  type GatewayRun,
  type Recorded,
} from "./harness";

const UPSTREAMS: GatewayUpstream[] = [
  { name: "gpt-4o", provider: "openai", model: "gpt-4o", apiKeySecret: "openai" },
  {
    name: "claude-sonnet",
    provider: "anthropic",
    model: "claude-3-5-sonnet-20241022",
    apiKeySecret: "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/anthropic-AbC123",
  },
];

const ARGS = {
  ...BASE_ARGS,
  plan: MIXED_PLAN,
  options: { upstreams: UPSTREAMS },
  upstreamApiKeys: pulumi.secret({ openai: SECRETS.openai }),
};

function container(run: GatewayRun): ContainerDefinition {
  const defs = JSON.parse(
    String(one(run, T.task).inputs.containerDefinitions),
  ) as ContainerDefinition[];
  expect(defs).toHaveLength(1);
  return defs[0]!;
}

function groupId(run: GatewayRun, role: string): string {
  return ofType(run, T.sg).find((g) => g.name === `gpufleet-gateway-${role}`)!.id;
}

/**
 * Every input, with secret-marked values redacted: what would be visible in state, previews and
 * logs.
 */
function visibleText(run: GatewayRun): string {
  return (
    JSON.stringify(run.resources.map((r) => redactSecrets(r.inputs))) +
    JSON.stringify(Object.values(run.outputs).map((o) => o.value))
  );
}

function rules(run: GatewayRun, type: string, securityGroupId: string): Recorded[] {
  return ofType(run, type).filter((r) => r.inputs.securityGroupId === securityGroupId);
}

function portsOf(r: Recorded): [number, number] {
  return [r.inputs.fromPort as number, r.inputs.toPort as number];
}

describe.each([true, false])("the gateway (isDryRun %s)", (dryRun) => {
  let run: GatewayRun;
  beforeAll(async () => {
    run = await runGateway(ARGS, dryRun);
  });

  it("puts every provider resource under the gpufleet:aws:Gateway component", () => {
    expect(run.resources.filter((r) => !r.custom).map((r) => r.type)).toEqual([
      "gpufleet:aws:Gateway",
    ]);
    for (const r of run.resources.filter((x) => x.custom))
      expect(r.parent).toMatch(/::gpufleet:aws:Gateway::gpufleet-gateway$/);
  });

  it("keeps PostgreSQL encrypted, private, backed up and protected, its password generated and secret", () => {
    const db = one(run, T.db);
    expect(db.inputs).toMatchObject({
      engine: "postgres",
      storageEncrypted: true,
      publiclyAccessible: false,
      deletionProtection: true,
      skipFinalSnapshot: false,
      multiAz: false,
      instanceClass: "db.t4g.micro",
      storageType: "gp3",
    });
    expect(db.inputs.backupRetentionPeriod as number).toBeGreaterThanOrEqual(1);
    expect(pulumi.runtime.isRpcSecret(db.inputs.password)).toBe(true);
    expect(pulumi.runtime.unwrapRpcSecret(db.inputs.password)).toBe(SECRETS.random);
    const subnets = one(run, T.dbSubnets);
    expect(subnets.inputs.subnetIds).toEqual(BASE_ARGS.privateSubnetIds);
    expect(db.inputs.dbSubnetGroupName).toBe(subnets.id);
    expect(db.inputs.vpcSecurityGroupIds).toEqual([groupId(run, "database")]);
  });

  it("stores master key (sk-…), salt key, database credentials and managed upstream keys in Secrets Manager, marked secret", () => {
    const names = ofType(run, T.secret)
      .map((s) => s.inputs.name)
      .sort();
    expect(names).toEqual([
      "gpufleet/dev/gateway/database",
      "gpufleet/dev/gateway/master-key",
      "gpufleet/dev/gateway/salt-key",
      "gpufleet/dev/gateway/upstream/openai",
    ]);
    const versions = ofType(run, T.secretVersion);
    expect(versions).toHaveLength(4);
    const valueOf = (secretName: string): string => {
      const secret = ofType(run, T.secret).find((s) => s.inputs.name === secretName)!;
      const version = versions.find((v) => v.inputs.secretId === secret.id)!;
      expect(pulumi.runtime.isRpcSecret(version.inputs.secretString)).toBe(true);
      return String(pulumi.runtime.unwrapRpcSecret(version.inputs.secretString));
    };
    expect(valueOf("gpufleet/dev/gateway/master-key")).toBe(`sk-${SECRETS.random}`);
    expect(valueOf("gpufleet/dev/gateway/salt-key")).toBe(SECRETS.random);
    expect(valueOf("gpufleet/dev/gateway/upstream/openai")).toBe(SECRETS.openai);
    const database = JSON.parse(valueOf("gpufleet/dev/gateway/database")) as Record<
      string,
      unknown
    >;
    expect(database).toMatchObject({
      engine: "postgres",
      port: POSTGRES_PORT,
      username: "litellm",
      dbname: "litellm",
      password: SECRETS.random,
    });
    expect(database.url).toBe(
      `postgresql://litellm:${SECRETS.random}@${String(database.host)}:5432/litellm`,
    );
    expect(String(database.host)).toMatch(/\.rds\.amazonaws\.com$/);
    expect(ofType(run, T.password).map((p) => p.inputs)).toEqual(
      expect.arrayContaining([expect.objectContaining({ special: false })]),
    );
  });

  it("runs Fargate tasks in the private subnets, without public IPs, behind the gateway's group", () => {
    const service = one(run, T.service);
    expect(service.inputs).toMatchObject({ launchType: "FARGATE", desiredCount: 1 });
    expect(service.inputs.networkConfiguration).toEqual({
      subnets: BASE_ARGS.privateSubnetIds,
      securityGroups: [groupId(run, "gateway")],
      assignPublicIp: false,
    });
    const tg = ofType(run, T.targetGroup).find((t) => t.name === "gpufleet-gateway-litellm")!;
    expect(service.inputs.loadBalancers).toEqual([
      { targetGroupArn: tg.id, containerName: "litellm", containerPort: LITELLM_PORT },
    ]);
    expect(tg.inputs).toMatchObject({
      targetType: "ip",
      port: LITELLM_PORT,
      name: gatewayTargetGroupName("dev", null, LITELLM_PORT),
    });
    expect((tg.inputs.healthCheck as Record<string, unknown>).path).toBe("/health/liveliness");
    const task = one(run, T.task);
    expect(task.inputs).toMatchObject({
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "1024",
      memory: "2048",
    });
  });

  it("hands secrets to the task only through `secrets` (valueFrom ARNs), never in `environment`", () => {
    const c = container(run);
    const secretArn = (n: string) => ofType(run, T.secret).find((s) => s.inputs.name === n)!.id;
    expect(c.secrets).toEqual([
      { name: GATEWAY_ENV.masterKey, valueFrom: secretArn("gpufleet/dev/gateway/master-key") },
      { name: GATEWAY_ENV.saltKey, valueFrom: secretArn("gpufleet/dev/gateway/salt-key") },
      {
        name: GATEWAY_ENV.databaseUrl,
        valueFrom: `${secretArn("gpufleet/dev/gateway/database")}:url::`,
      },
      {
        name: GATEWAY_ENV.engineApiKey,
        valueFrom: "arn:aws:ssm:us-east-1:123456789012:parameter/gpufleet/dev/engine-api-key",
      },
      {
        name: "GPUFLEET_UPSTREAM_KEY_OPENAI",
        valueFrom: secretArn("gpufleet/dev/gateway/upstream/openai"),
      },
      { name: "GPUFLEET_UPSTREAM_KEY_TEAM_ANTHROPIC", valueFrom: UPSTREAMS[1]!.apiKeySecret },
    ]);
    const envNames = c.environment.map((e) => e.name);
    for (const s of c.secrets) expect(envNames).not.toContain(s.name);
    const envText =
      JSON.stringify(c.environment) +
      Buffer.from(
        c.environment.find((e) => e.name === GATEWAY_ENV.config)!.value,
        "base64",
      ).toString();
    for (const secret of [SECRETS.random, SECRETS.openai]) expect(envText).not.toContain(secret);
    expect(envText).not.toMatch(/sk-[A-Za-z0-9]/);
    expect(c.portMappings).toEqual([{ containerPort: LITELLM_PORT, protocol: "tcp" }]);
    expect(c.image).toMatch(/^ghcr\.io\/berriai\/litellm:v\d+\.\d+\.\d+/);
    expect(c.logConfiguration.options["awslogs-group"]).toBe("/gpufleet/dev/gateway");
  });

  it("delivers the plan's LiteLLM config in the environment, pointing at the internal load balancer", () => {
    const c = container(run);
    const yamlText = Buffer.from(
      c.environment.find((e) => e.name === GATEWAY_ENV.config)!.value,
      "base64",
    ).toString("utf8");
    expect(yamlText).toBe(run.outputs.configYaml!.value);
    const cfg = parse(yamlText) as LiteLLMConfig;
    const dns = String(run.outputs.internalDnsName!.value);
    const ports = internalListenerPorts(MIXED_PLAN);
    for (const pool of MIXED_PLAN.pools) {
      const entries = cfg.model_list.filter((d) => d.model_info.gpufleet_pool === pool.name);
      expect(entries.length).toBeGreaterThan(0);
      for (const d of entries)
        expect(d.litellm_params.api_base).toBe(`http://${dns}:${ports[pool.name]}/v1`);
    }
    expect(cfg.model_list.map((d) => d.model_name)).toEqual(
      expect.arrayContaining(["gpt-4o", "claude-sonnet"]),
    );
    expect(c.command.join(" ")).toContain("--config");
  });

  it("lets the execution role read exactly the task's secrets and parameter, and write its log group", () => {
    const policy = JSON.parse(String(one(run, T.rolePolicy).inputs.policy)) as PolicyDocument;
    const c = container(run);
    const expectedSecrets = c.secrets
      .filter((s) => s.valueFrom.includes(":secretsmanager:"))
      .map((s) => s.valueFrom.replace(/:url::$/, ""));
    const byAction = Object.fromEntries(
      policy.Statement.map((s) => [s.Action.join(","), s.Resource]),
    );
    expect(byAction["secretsmanager:GetSecretValue"]!.sort()).toEqual(
      [...new Set(expectedSecrets)].sort(),
    );
    expect(byAction["ssm:GetParameters"]).toEqual([
      "arn:aws:ssm:us-east-1:123456789012:parameter/gpufleet/dev/engine-api-key",
    ]);
    for (const s of policy.Statement) {
      for (const r of s.Resource) expect(r).not.toBe("*");
      for (const a of s.Action) expect(a).not.toMatch(/\*/);
    }
    const trust = JSON.parse(String(one(run, T.role).inputs.assumeRolePolicy)) as {
      Statement: Array<{ Principal: { Service: string } }>;
    };
    expect(trust.Statement[0]!.Principal.Service).toBe("ecs-tasks.amazonaws.com");
    expect(one(run, T.task).inputs.executionRoleArn).toBe(
      `arn:aws:iam::123456789012:role/${one(run, T.role).id}`,
    );
  });

  it("chains security groups: load balancer → gateway → internal ALB → engines, gateway → database, nothing else", () => {
    const gateway = groupId(run, "gateway");
    const poolsLb = groupId(run, "pools-lb");
    const database = groupId(run, "database");
    const lb = BASE_ARGS.loadBalancerSecurityGroupId;
    const engine = BASE_ARGS.engineSecurityGroupId;
    const listenerPorts = Object.values(internalListenerPorts(MIXED_PLAN));
    const proxyPorts = [...new Set(MIXED_PLAN.pools.map((p) => p.proxyPort))];
    const span = (ports: number[]): [number, number] => [Math.min(...ports), Math.max(...ports)];

    // no rule of the gateway opens anything to a CIDR, except the gateway's own HTTPS egress
    for (const r of ofType(run, T.ingress))
      expect(r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6).toBeUndefined();
    const cidrEgress = ofType(run, T.egress).filter((r) => r.inputs.cidrIpv4 !== undefined);
    expect(
      cidrEgress.map((r) => [r.inputs.securityGroupId, ...portsOf(r), r.inputs.cidrIpv4]),
    ).toEqual([[gateway, 443, 443, "0.0.0.0/0"]]);

    const peers = (type: string, sg: string) =>
      rules(run, type, sg)
        .filter((r) => r.inputs.referencedSecurityGroupId !== undefined)
        .map((r) => [r.inputs.referencedSecurityGroupId, ...portsOf(r)]);
    expect(peers(T.ingress, gateway)).toEqual([[lb, LITELLM_PORT, LITELLM_PORT]]);
    expect(peers(T.egress, lb)).toEqual([[gateway, LITELLM_PORT, LITELLM_PORT]]);
    expect(peers(T.egress, gateway)).toEqual([
      [poolsLb, ...span(listenerPorts)],
      [database, POSTGRES_PORT, POSTGRES_PORT],
    ]);
    expect(peers(T.ingress, poolsLb)).toEqual([[gateway, ...span(listenerPorts)]]);
    expect(peers(T.egress, poolsLb)).toEqual([[engine, ...span(proxyPorts)]]);
    expect(peers(T.ingress, engine)).toEqual([[poolsLb, ...span(proxyPorts)]]);
    expect(peers(T.ingress, database)).toEqual([[gateway, POSTGRES_PORT, POSTGRES_PORT]]);
    expect(rules(run, T.egress, database)).toEqual([]);
    expect(rules(run, T.egress, engine)).toEqual([]);
    expect(rules(run, T.ingress, lb)).toEqual([]);
  });

  it("gives every pool an internal target group on its proxy port behind its own listener; the ALB is internal", () => {
    const alb = one(run, T.alb);
    expect(alb.inputs).toMatchObject({
      internal: true,
      loadBalancerType: "application",
      subnets: BASE_ARGS.privateSubnetIds,
      securityGroups: [groupId(run, "pools-lb")],
    });
    const ports = internalListenerPorts(MIXED_PLAN);
    const arns = run.outputs.targetGroupArns!.value as Record<string, string>;
    expect(Object.keys(arns)).toEqual(MIXED_PLAN.pools.map((p) => p.name));
    for (const pool of MIXED_PLAN.pools) {
      const tg = ofType(run, T.targetGroup).find(
        (t) => t.name === `gpufleet-gateway-pool-${pool.name}`,
      )!;
      expect(tg.inputs).toMatchObject({
        port: pool.proxyPort,
        targetType: "instance",
        name: gatewayTargetGroupName("dev", pool.name, pool.proxyPort),
      });
      expect(String(tg.inputs.name).length).toBeLessThanOrEqual(32);
      expect((tg.inputs.healthCheck as Record<string, unknown>).path).toBe("/health");
      expect(arns[pool.name]).toBe(tg.id);
      const listener = ofType(run, T.listener).find(
        (l) => l.name === `gpufleet-gateway-pool-${pool.name}`,
      )!;
      expect(listener.inputs).toMatchObject({
        loadBalancerArn: alb.id,
        port: ports[pool.name],
        protocol: "HTTP",
        defaultActions: [{ type: "forward", targetGroupArn: tg.id }],
      });
    }
  });

  it("catches every request the header rules leave on the public listener, at the lowest priority", () => {
    const rule = one(run, T.rule);
    const tg = ofType(run, T.targetGroup).find((t) => t.name === "gpufleet-gateway-litellm")!;
    expect(rule.inputs).toMatchObject({
      listenerArn: BASE_ARGS.listenerArn,
      priority: 50000,
      conditions: [{ pathPattern: { values: ["/*"] } }],
      actions: [{ type: "forward", targetGroupArn: tg.id }],
    });
  });

  it("outputs URLs and secret NAMES/ARNs, never a secret value", () => {
    const o = Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k, v.value]));
    expect(o).toMatchObject({
      url: BASE_ARGS.endpoint,
      openaiBaseUrl: `${BASE_ARGS.endpoint}/v1`,
      uiUrl: `${BASE_ARGS.endpoint}/ui`,
      swaggerUrl: `${BASE_ARGS.endpoint}/`,
      masterKeySecretName: "gpufleet/dev/gateway/master-key",
      databaseSecretName: "gpufleet/dev/gateway/database",
      logGroupName: "/gpufleet/dev/gateway",
    });
    expect(String(o.masterKeySecretArn)).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:gpufleet\/dev\/gateway\/master-key-/,
    );
    for (const [k, v] of Object.entries(run.outputs)) expect([k, v.secret]).toEqual([k, false]);
    const text = visibleText(run);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  });
});

describe("options", () => {
  it("a throwaway stack: no deletion protection, no final snapshot; sizes and Multi-AZ from config", async () => {
    const run = await runGateway({
      ...BASE_ARGS,
      plan: MIXED_PLAN,
      options: {
        deletionProtection: false,
        dbMultiAz: true,
        taskCount: 2,
        cpu: 2048,
        memoryMiB: 4096,
        dbInstanceClass: "db.t4g.small",
      },
    });
    expect(one(run, T.db).inputs).toMatchObject({
      deletionProtection: false,
      skipFinalSnapshot: true,
      multiAz: true,
      instanceClass: "db.t4g.small",
    });
    expect(one(run, T.db).inputs.finalSnapshotIdentifier).toBeUndefined();
    expect(one(run, T.service).inputs.desiredCount).toBe(2);
    expect(one(run, T.task).inputs).toMatchObject({ cpu: "2048", memory: "4096" });
    expect(ofType(run, T.secret)).toHaveLength(3); // no upstream, no upstream secret
  });

  it("refuses a task size Fargate does not offer, before creating anything", async () => {
    await expect(
      runGateway({ ...BASE_ARGS, plan: MIXED_PLAN, options: { cpu: 1024, memoryMiB: 1024 } }),
    ).rejects.toThrow(/gpufleet:gateway\.memoryMiB/);
  });
});
