// Runs the Gateway component alone under the fleet's offline mocks (cli/offline-mocks.ts, which
// answer RDS, Secrets
// Manager and ECS through cli/gateway-mock-state.ts) and their record of every registration with its
// parent.
import * as pulumi from "@pulumi/pulumi";
import { createOfflineMocks, type RecordedResource } from "../../cli/offline-mocks";
import type { GatewayArgs } from "../../components/aws/gateway";

export const REGION = "us-east-1";
export const ACCOUNT = "123456789012";

/** Distinctive secret values: none may appear anywhere but in secret-marked inputs. */
export const SECRETS = {
  random: "TESTSECRETrandompasswordd4e2a9c0",
  openai: "sk-proj-TESTSECRET-openai-0b6f1e",
} as const;

/** A registration as the shared offline mocks record it (with its parent URN). */
export type Recorded = RecordedResource;

/** Plain strings (the test reads them back); every Gateway argument but the plan. */
export const BASE_ARGS = {
  stack: "dev",
  vpcId: "vpc-0a1b2c3d4e5f60718",
  privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
  listenerArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/gpufleet-alb/0123456789abcdef/fedcba9876543210`,
  loadBalancerSecurityGroupId: "sg-0loadbalancer00001",
  engineSecurityGroupId: "sg-0engine0000000001",
  endpoint: `http://gpufleet-alb-1234567.${REGION}.elb.amazonaws.com`,
  apiKeyParameter: "/gpufleet/dev/engine-api-key",
} satisfies Omit<GatewayArgs, "plan">;

export interface GatewayRun {
  resources: Recorded[];
  outputs: Record<string, { value: unknown; secret: boolean }>;
}

async function resolve(v: unknown): Promise<{ value: unknown; secret: boolean }> {
  const o = pulumi.output(v) as unknown as { promise(withUnknowns?: boolean): Promise<unknown> };
  const [value, secret] = await Promise.all([o.promise(true), pulumi.isSecret(pulumi.output(v))]);
  return { value, secret };
}

/**
 * Constructs one Gateway under mocks (`dryRun` as in `pulumi preview`), waits for every
 * registration.
 */
export async function runGateway(args: GatewayArgs, dryRun = true): Promise<GatewayRun> {
  const record: Recorded[] = [];
  // The fleet's offline mocks answer the gateway's types too (cli/gateway-mock-state.ts via
  // cli/offline-mocks.ts).
  const offline = createOfflineMocks({
    project: "gpufleet",
    stack: "dev",
    region: REGION,
    accountId: ACCOUNT,
    randomPassword: SECRETS.random,
    record,
  });
  await pulumi.runtime.setMocks(offline.mocks, "gpufleet", "dev", dryRun);
  offline.installParentTracking();
  const { Gateway } = await import("../../components/aws/gateway.js");
  const gw = new Gateway("gpufleet-gateway", args);
  const outputs: GatewayRun["outputs"] = {};
  for (const key of [
    "url",
    "openaiBaseUrl",
    "uiUrl",
    "swaggerUrl",
    "masterKeySecretName",
    "masterKeySecretArn",
    "databaseSecretName",
    "databaseAddress",
    "internalDnsName",
    "clusterName",
    "serviceName",
    "logGroupName",
    "configYaml",
    "targetGroupArns",
  ] as const) {
    outputs[key] = await resolve(gw[key]);
  }
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof runtime.waitForRPCs === "function") await runtime.waitForRPCs();
  return { resources: record, outputs };
}

export function ofType(run: GatewayRun, type: string): Recorded[] {
  return run.resources.filter((r) => r.type === type);
}

export function one(run: GatewayRun, type: string): Recorded {
  const found = ofType(run, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}

export const T = {
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  alb: "aws:lb/loadBalancer:LoadBalancer",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  listener: "aws:lb/listener:Listener",
  rule: "aws:lb/listenerRule:ListenerRule",
  db: "aws:rds/instance:Instance",
  dbSubnets: "aws:rds/subnetGroup:SubnetGroup",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  password: "random:index/randomPassword:RandomPassword",
  cluster: "aws:ecs/cluster:Cluster",
  task: "aws:ecs/taskDefinition:TaskDefinition",
  service: "aws:ecs/service:Service",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
} as const;
