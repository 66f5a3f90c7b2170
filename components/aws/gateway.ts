// gpufleet:aws:Gateway — one OpenAI-compatible endpoint with virtual keys, budgets and rate limits:
// LiteLLM on ECS
// Fargate in the private subnets behind the public load balancer's lowest-priority rule (the
// model-header rules for
// direct pool access keep theirs), PostgreSQL on RDS for keys and spend, and an internal load
// balancer that gives
// every pool one stable private address (LiteLLM cannot discover the instances of an auto scaling
// group).
//
// Traffic, and nothing else:  public ALB → gateway :4000 → internal ALB (a listener per pool) →
// engines' proxy port
// gateway → database :5432;  gateway → 443 (image pull, AWS APIs, external upstreams, via NAT)
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { renderLiteLLMConfig } from "../../gateway/config";
import {
  GATEWAY_ENV,
  LITELLM_PORT,
  POSTGRES_PORT,
  gatewaySecretNames,
  gatewayTargetGroupName,
  internalListenerPorts,
  isSecretArn,
  resolveGatewayOptions,
  upstreamKeyEnv,
  upstreamKeySecrets,
  validateGateway,
  type GatewayOptions,
  type ResolvedGatewayOptions,
} from "../../gateway/options";
import {
  databaseSecretJson,
  ecsTasksAssumeRolePolicy,
  gatewayContainerDefinitions,
  gatewayExecutionPolicyDocument,
  type SecretRef,
} from "../../gateway/task";
import type { FleetPlan } from "../../planner/types";
import { TAG_KEYS, poolTargetGroupSettings } from "./facts";
import { portRanges } from "./security";

export interface GatewayArgs {
  /** Stack name: tags, secret names, log group. */
  stack: string;
  /** The fleet's plan: pools, their proxy ports and served models. */
  plan: FleetPlan;
  /** `gpufleet:gateway` (sizes, database, upstreams, prices); defaults in gateway/options.ts. */
  options?: GatewayOptions;
  /** VPC of the security groups and target groups. */
  vpcId: pulumi.Input<string>;
  /** Private subnets (two or more AZs, NAT egress): tasks, internal load balancer, database. */
  privateSubnetIds: pulumi.Input<string>[];
  /** ARN of the public load balancer's serving listener (HTTPS with a certificate, else HTTP). */
  listenerArn: pulumi.Input<string>;
  /** The public load balancer's security group (it gets egress to the gateway on 4000). */
  loadBalancerSecurityGroupId: pulumi.Input<string>;
  /**
   * The engines' security group (it gets ingress from the internal load balancer on the proxy
   * ports).
   */
  engineSecurityGroupId: pulumi.Input<string>;
  /** The public endpoint (`https://…` or `http://…`), for the URL outputs. */
  endpoint: pulumi.Input<string>;
  /** Name (never the value) of the SSM SecureString parameter with the engine API key. */
  apiKeyParameter: string;
  /**
   * Keys of the upstreams, by `apiKeySecret` (a Pulumi secret: `gpufleet:gatewayApiKeys`); default
   * none.
   */
  upstreamApiKeys?: pulumi.Input<Record<string, string>>;
  /**
   * Seconds an idle connection to the internal load balancer stays open; default 4000 (longest
   * stream).
   */
  idleTimeoutSeconds?: number;
  /**
   * Priority of the catch-all rule on the public listener; default 50000 (the lowest: header rules
   * go first).
   */
  listenerRulePriority?: number;
  /** Days the log group keeps logs; default 30. */
  logRetentionDays?: number;
  /**
   * Serve LiteLLM's /ui and admin API on the public load balancer (config loadBalancer.adminRoutes
   * "public"); false: only /v1/* is forwarded there, and the admin interfaces are reached through
   * SSM port forwarding via a member of adminSecurityGroupId; default true.
   */
  publicAdmin?: boolean;
  /**
   * Members of this group (the monitoring host) may reach LiteLLM on its port directly: the hop of
   * an SSM port forward to the admin UI and API; default none.
   */
  adminSecurityGroupId?: pulumi.Input<string>;
}

/** Paths the public load balancer forwards to LiteLLM: everything, or only the OpenAI API. */
export function gatewayPublicPaths(publicAdmin: boolean): string[] {
  return publicAdmin ? ["/*"] : ["/v1/*"];
}

export class Gateway extends pulumi.ComponentResource {
  /** The gateway's base URL (the public endpoint): OpenAI base URL is this + /v1. */
  public readonly url: pulumi.Output<string>;
  public readonly openaiBaseUrl: pulumi.Output<string>;
  /** LiteLLM's admin UI (user `admin`, password: the master key). */
  public readonly uiUrl: pulumi.Output<string>;
  /** Swagger (LiteLLM serves it at /). */
  public readonly swaggerUrl: pulumi.Output<string>;
  /** NAME and ARN of the Secrets Manager secret with the master key (never the value). */
  public readonly masterKeySecretName: string;
  public readonly masterKeySecretArn: pulumi.Output<string>;
  /** NAME of the database secret (JSON: host, port, username, password, dbname, url). */
  public readonly databaseSecretName: string;
  public readonly databaseAddress: pulumi.Output<string>;
  /** Internal load balancer target group per pool: GpuPool adds it to its ASG's targetGroupArns. */
  public readonly targetGroupArns: Record<string, pulumi.Output<string>>;
  public readonly internalDnsName: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  public readonly clusterName: pulumi.Output<string>;
  public readonly serviceName: pulumi.Output<string>;
  public readonly logGroupName: pulumi.Output<string>;
  /** The LiteLLM config the tasks run (credentials as os.environ/ references only). */
  public readonly configYaml: pulumi.Output<string>;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "gpufleet:aws:Gateway",
      name,
      { stack: args.stack, pools: args.plan.pools.map((p) => p.name) },
      opts,
    );
    const problems = validateGateway(args.plan, args.options);
    if (problems.length > 0)
      throw new pulumi.ResourceError(`${name}: ${problems.join("; ")}`, this);
    if (args.plan.pools.length === 0)
      throw new pulumi.ResourceError(`${name}: no pool to route to`, this);
    const o = resolveGatewayOptions(args.options);
    // The gateway's own role value ("gateway"): monitoring discovers engines by role "engine",
    // never these.
    const tags = { [TAG_KEYS.stack]: args.stack, [TAG_KEYS.role]: "gateway" };

    const groups = createSecurityGroups(name, args, tags, this);
    const internal = createInternalLoadBalancer(name, args, groups.internalLb, tags, this);
    const secrets = createSecrets(name, args, o, tags, this);
    const db = createDatabase(name, args, o, groups.database, secrets, tags, this);
    const service = createService(
      name,
      args,
      o,
      groups.gateway,
      internal.dnsName,
      secrets,
      tags,
      this,
    );

    this.url = pulumi.output(args.endpoint);
    this.openaiBaseUrl = pulumi.interpolate`${args.endpoint}/v1`;
    // A private admin UI is opened on the operator's machine through the port forward.
    const adminBase =
      (args.publicAdmin ?? true)
        ? pulumi.output(args.endpoint)
        : pulumi.output(`http://localhost:${LITELLM_PORT}`);
    this.uiUrl = pulumi.interpolate`${adminBase}/ui`;
    this.swaggerUrl = pulumi.interpolate`${adminBase}/`;
    this.masterKeySecretName = secrets.names.masterKey;
    this.masterKeySecretArn = secrets.masterKeyArn;
    this.databaseSecretName = secrets.names.database;
    this.databaseAddress = db.address;
    this.targetGroupArns = internal.targetGroupArns;
    this.internalDnsName = internal.dnsName;
    this.securityGroupId = groups.gateway;
    this.clusterName = service.clusterName;
    this.serviceName = service.serviceName;
    this.logGroupName = service.logGroupName;
    this.configYaml = service.configYaml;
    this.registerOutputs({
      url: this.url,
      uiUrl: this.uiUrl,
      swaggerUrl: this.swaggerUrl,
      masterKeySecretName: this.masterKeySecretName,
      masterKeySecretArn: this.masterKeySecretArn,
      databaseSecretName: this.databaseSecretName,
      targetGroupArns: this.targetGroupArns,
      internalDnsName: this.internalDnsName,
      clusterName: this.clusterName,
      serviceName: this.serviceName,
    });
  }
}

type Tags = Record<string, string>;

function createSecurityGroups(
  name: string,
  args: GatewayArgs,
  tags: Tags,
  parent: pulumi.Resource,
) {
  const opts = { parent };
  const group = (role: string, description: string): aws.ec2.SecurityGroup =>
    new aws.ec2.SecurityGroup(
      `${name}-${role}`,
      {
        vpcId: args.vpcId,
        description,
        // Rules are separate resources (below), as in security.ts; no egress unless a rule says so.
        tags: { ...tags, Name: `gpufleet-${args.stack}-${role}` },
      },
      opts,
    );
  const gateway = group(
    "gateway",
    "gpufleet gateway (LiteLLM tasks): 4000 from the load balancer only",
  );
  const internalLb = group(
    "pools-lb",
    "gpufleet internal load balancer: pool listeners from the gateway only",
  );
  const database = group("database", "gpufleet gateway database: 5432 from the gateway only");
  const rule = (kind: "in" | "out", id: string, r: aws.vpc.SecurityGroupIngressRuleArgs): void => {
    if (kind === "in") new aws.vpc.SecurityGroupIngressRule(`${name}-${id}`, r, opts);
    else new aws.vpc.SecurityGroupEgressRule(`${name}-${id}`, r, opts);
  };
  const tcp = (from: number, to: number = from) => ({
    ipProtocol: "tcp",
    fromPort: from,
    toPort: to,
  });

  // public load balancer → gateway
  rule("out", "lb-out-gateway", {
    securityGroupId: args.loadBalancerSecurityGroupId,
    ...tcp(LITELLM_PORT),
    referencedSecurityGroupId: gateway.id,
    description: "to the gateway",
  });
  rule("in", "gateway-in-lb", {
    securityGroupId: gateway.id,
    ...tcp(LITELLM_PORT),
    referencedSecurityGroupId: args.loadBalancerSecurityGroupId,
    description: "LiteLLM, from the load balancer only",
  });
  // the admin hop (monitoring host, through an SSM port forward) → gateway
  if (args.adminSecurityGroupId !== undefined && !(args.publicAdmin ?? true)) {
    rule("out", "admin-out-gateway", {
      securityGroupId: args.adminSecurityGroupId,
      ...tcp(LITELLM_PORT),
      referencedSecurityGroupId: gateway.id,
      description: "to LiteLLM's admin UI and API (SSM port forward)",
    });
    rule("in", "gateway-in-admin", {
      securityGroupId: gateway.id,
      ...tcp(LITELLM_PORT),
      referencedSecurityGroupId: args.adminSecurityGroupId,
      description: "LiteLLM's admin UI and API, from the port-forwarding hop",
    });
  }
  // gateway → internal load balancer (one listener port per pool)
  const listenerPorts = Object.values(internalListenerPorts(args.plan));
  for (const [from, to] of portRanges(listenerPorts)) {
    rule("out", `gateway-out-pools-${from}`, {
      securityGroupId: gateway.id,
      ...tcp(from, to),
      referencedSecurityGroupId: internalLb.id,
      description: "to the pools' listeners",
    });
    rule("in", `pools-lb-in-${from}`, {
      securityGroupId: internalLb.id,
      ...tcp(from, to),
      referencedSecurityGroupId: gateway.id,
      description: "pool listeners, from the gateway only",
    });
  }
  // internal load balancer → engines' proxy ports
  for (const [from, to] of portRanges(args.plan.pools.map((p) => p.proxyPort))) {
    rule("out", `pools-lb-out-${from}`, {
      securityGroupId: internalLb.id,
      ...tcp(from, to),
      referencedSecurityGroupId: args.engineSecurityGroupId,
      description: "to the engines' proxy",
    });
    rule("in", `engine-in-pools-lb-${from}`, {
      securityGroupId: args.engineSecurityGroupId,
      ...tcp(from, to),
      referencedSecurityGroupId: internalLb.id,
      description: "proxy port, from the gateway's internal load balancer",
    });
  }
  // gateway → database
  rule("out", "gateway-out-db", {
    securityGroupId: gateway.id,
    ...tcp(POSTGRES_PORT),
    referencedSecurityGroupId: database.id,
    description: "to PostgreSQL",
  });
  rule("in", "database-in-gateway", {
    securityGroupId: database.id,
    ...tcp(POSTGRES_PORT),
    referencedSecurityGroupId: gateway.id,
    description: "PostgreSQL, from the gateway only",
  });
  // The task pulls its image (ghcr.io), reads its secrets, writes logs and calls external upstreams
  // over HTTPS
  // through NAT; without this rule Fargate cannot start it. DNS goes to the VPC resolver, which
  // groups do not filter.
  rule("out", "gateway-out-443", {
    securityGroupId: gateway.id,
    ...tcp(443),
    cidrIpv4: "0.0.0.0/0",
    description: "image, AWS APIs, external upstreams (NAT)",
  });
  return { gateway: gateway.id, internalLb: internalLb.id, database: database.id };
}

function createInternalLoadBalancer(
  name: string,
  args: GatewayArgs,
  securityGroupId: pulumi.Output<string>,
  tags: Tags,
  parent: pulumi.Resource,
) {
  const opts = { parent };
  const alb = new aws.lb.LoadBalancer(
    `${name}-int`,
    {
      loadBalancerType: "application",
      internal: true,
      subnets: args.privateSubnetIds,
      securityGroups: [securityGroupId],
      idleTimeout: args.idleTimeoutSeconds ?? 4000,
      dropInvalidHeaderFields: true,
      tags: { ...tags, Name: `gpufleet-${args.stack}-pools` },
    },
    opts,
  );
  const ports = internalListenerPorts(args.plan);
  const targetGroupArns: Record<string, pulumi.Output<string>> = {};
  for (const pool of args.plan.pools) {
    const tg = new aws.lb.TargetGroup(
      `${name}-pool-${pool.name}`,
      {
        name: gatewayTargetGroupName(args.stack, pool.name, pool.proxyPort),
        vpcId: args.vpcId,
        // The same settings as the public group: nginx answers 200 while one replica of the host is
        // healthy.
        ...poolTargetGroupSettings(pool),
        tags: { ...tags, "gpufleet:pool": pool.name },
      },
      opts,
    );
    new aws.lb.Listener(
      `${name}-pool-${pool.name}`,
      {
        loadBalancerArn: alb.arn,
        port: ports[pool.name]!,
        protocol: "HTTP",
        defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
        tags: { ...tags, "gpufleet:pool": pool.name },
      },
      opts,
    );
    targetGroupArns[pool.name] = tg.arn;
  }
  return { dnsName: alb.dnsName, targetGroupArns };
}

interface GatewaySecrets {
  names: ReturnType<typeof gatewaySecretNames>;
  masterKeyArn: pulumi.Output<string>;
  saltKeyArn: pulumi.Output<string>;
  databaseSecret: aws.secretsmanager.Secret;
  databasePassword: pulumi.Output<string>;
  /** Upstream key env variable → secret ARN (managed here, or given by ARN). */
  upstreamKeyArns: Array<{ env: string; arn: pulumi.Input<string> }>;
}

function createSecrets(
  name: string,
  args: GatewayArgs,
  o: ResolvedGatewayOptions,
  tags: Tags,
  parent: pulumi.Resource,
): GatewaySecrets {
  const opts = { parent };
  const names = gatewaySecretNames(args.stack);
  const secretTags = { ...tags, [TAG_KEYS.role]: "secrets" };
  const password = (id: string, length: number) =>
    // pulumi.secret(): the real provider marks `result` secret; say so here too, whatever a mock
    // returns.
    pulumi.secret(
      new random.RandomPassword(`${name}-${id}`, { length, special: false }, opts).result,
    );
  const store = (
    id: string,
    secretName: string,
    description: string,
    value: pulumi.Input<string>,
  ): aws.secretsmanager.Secret => {
    const secret = new aws.secretsmanager.Secret(
      `${name}-${id}`,
      {
        name: secretName,
        description,
        // A destroyed stack's names are free again after a week, not the default 30 days.
        recoveryWindowInDays: 7,
        tags: secretTags,
      },
      opts,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-${id}`,
      { secretId: secret.id, secretString: pulumi.secret(value) },
      opts,
    );
    return secret;
  };
  const masterKey = store(
    "master-key",
    names.masterKey,
    `gpufleet ${args.stack}: LiteLLM master key (admin API and UI)`,
    pulumi.interpolate`sk-${password("master-key", 48)}`,
  );
  const saltKey = store(
    "salt-key",
    names.saltKey,
    `gpufleet ${args.stack}: LiteLLM salt key (encrypts stored credentials; never change it)`,
    password("salt-key", 44),
  );
  const databasePassword = password("db-password", 40);
  const databaseSecret = new aws.secretsmanager.Secret(
    `${name}-database`,
    {
      name: names.database,
      description: `gpufleet ${args.stack}: gateway PostgreSQL credentials and URL`,
      recoveryWindowInDays: 7,
      tags: secretTags,
    },
    opts,
  );
  const upstreamKeyArns = upstreamKeySecrets(o.upstreams).map((key) => {
    if (isSecretArn(key)) return { env: upstreamKeyEnv(key), arn: key };
    const value = pulumi.output(args.upstreamApiKeys ?? {}).apply((keys) => {
      const v = keys[key];
      if (v === undefined || v === "")
        throw new Error(
          `${name}: gpufleet:gatewayApiKeys has no entry "${key}" (gateway upstream key)`,
        );
      return v;
    });
    const secret = store(
      `upstream-${key}`,
      names.upstream(key),
      `gpufleet ${args.stack}: API key of gateway upstream "${key}"`,
      value,
    );
    return { env: upstreamKeyEnv(key), arn: secret.arn };
  });
  return {
    names,
    masterKeyArn: masterKey.arn,
    saltKeyArn: saltKey.arn,
    databaseSecret,
    databasePassword,
    upstreamKeyArns,
  };
}

const DB_NAME = "litellm";
const DB_USER = "litellm";

function createDatabase(
  name: string,
  args: GatewayArgs,
  o: ResolvedGatewayOptions,
  securityGroupId: pulumi.Output<string>,
  secrets: GatewaySecrets,
  tags: Tags,
  parent: pulumi.Resource,
) {
  const opts = { parent };
  const password = secrets.databasePassword;
  const subnets = new aws.rds.SubnetGroup(
    `${name}-db`,
    {
      subnetIds: args.privateSubnetIds,
      description: `gpufleet ${args.stack}: gateway database in the private subnets`,
      tags,
    },
    opts,
  );
  const db = new aws.rds.Instance(
    `${name}-db`,
    {
      engine: "postgres",
      // Major version only: RDS applies minor versions (autoMinorVersionUpgrade) in the maintenance
      // window.
      engineVersion: "16",
      instanceClass: o.dbInstanceClass,
      allocatedStorage: o.dbAllocatedStorageGiB,
      maxAllocatedStorage: o.dbAllocatedStorageGiB * 5,
      storageType: "gp3",
      storageEncrypted: true,
      dbName: DB_NAME,
      username: DB_USER,
      password,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [securityGroupId],
      publiclyAccessible: false,
      multiAz: o.dbMultiAz,
      backupRetentionPeriod: o.backupRetentionDays,
      copyTagsToSnapshot: true,
      deletionProtection: o.deletionProtection,
      // A protected database keeps a final snapshot when it is finally deleted; an unprotected
      // (throwaway) one does not.
      skipFinalSnapshot: !o.deletionProtection,
      finalSnapshotIdentifier: o.deletionProtection
        ? `gpufleet-${args.stack}-gateway-final`
        : undefined,
      autoMinorVersionUpgrade: true,
      applyImmediately: false,
      tags: { ...tags, Name: `gpufleet-${args.stack}-gateway` },
    },
    opts,
  );
  // RDS for PostgreSQL 15+ forces TLS (rds.force_ssl); Prisma's default sslmode=prefer negotiates
  // it.
  const secretString = pulumi.all([db.address, password]).apply(([host, pw]) =>
    databaseSecretJson({
      host,
      port: POSTGRES_PORT,
      username: DB_USER,
      password: pw,
      dbname: DB_NAME,
    }),
  );
  new aws.secretsmanager.SecretVersion(
    `${name}-database`,
    { secretId: secrets.databaseSecret.id, secretString: pulumi.secret(secretString) },
    opts,
  );
  return { address: db.address };
}

function createService(
  name: string,
  args: GatewayArgs,
  o: ResolvedGatewayOptions,
  securityGroupId: pulumi.Output<string>,
  internalDnsName: pulumi.Output<string>,
  secrets: GatewaySecrets,
  tags: Tags,
  parent: pulumi.Resource,
) {
  const opts = { parent };
  const partition = aws.getPartitionOutput({}, opts).partition;
  const region = aws.getRegionOutput({}, opts).region;
  const accountId = aws.getCallerIdentityOutput({}, opts).accountId;
  const parameterArn = pulumi.interpolate`arn:${partition}:ssm:${region}:${accountId}:parameter${args.apiKeyParameter.startsWith("/") ? "" : "/"}${args.apiKeyParameter}`;

  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    {
      name: `/gpufleet/${args.stack}/gateway`,
      retentionInDays: args.logRetentionDays ?? 30,
      tags,
    },
    opts,
  );
  const role = new aws.iam.Role(
    `${name}-execution`,
    {
      description: `gpufleet ${args.stack}: LiteLLM task execution (its own secrets and log group only)`,
      assumeRolePolicy: accountId.apply((a) => JSON.stringify(ecsTasksAssumeRolePolicy(a))),
      tags,
    },
    opts,
  );
  const upstreamArns = secrets.upstreamKeyArns.map((u) => pulumi.output(u.arn));
  const secretArns = [
    secrets.masterKeyArn,
    secrets.saltKeyArn,
    secrets.databaseSecret.arn,
    ...upstreamArns,
  ];
  const rolePolicy = new aws.iam.RolePolicy(
    `${name}-execution`,
    {
      role: role.name,
      policy: pulumi
        .all([pulumi.all(secretArns), parameterArn, logGroup.arn])
        .apply(([arns, param, logGroupArn]) =>
          JSON.stringify(
            gatewayExecutionPolicyDocument({
              secretArns: arns,
              parameterArns: [param],
              logGroupArn,
            }),
          ),
        ),
    },
    opts,
  );

  // Resolved once, then the pure renderers run: the config (no secret in it) and the container
  // definition.
  const configYaml = internalDnsName.apply((host) =>
    renderLiteLLMConfig(args.plan, {
      stack: args.stack,
      internalHost: host,
      options: args.options,
    }),
  );
  const containerDefinitions = pulumi
    .all([
      configYaml,
      secrets.masterKeyArn,
      secrets.saltKeyArn,
      secrets.databaseSecret.arn,
      parameterArn,
      pulumi.all(upstreamArns),
      logGroup.name,
      region,
    ])
    .apply(([yaml, master, salt, database, param, upstreams, logGroupName, r]) => {
      const refs: SecretRef[] = [
        { name: GATEWAY_ENV.masterKey, valueFrom: master },
        { name: GATEWAY_ENV.saltKey, valueFrom: salt },
        // One key of the database secret's JSON (ECS: arn:json-key:version-stage:version-id).
        { name: GATEWAY_ENV.databaseUrl, valueFrom: `${database}:url::` },
        { name: GATEWAY_ENV.engineApiKey, valueFrom: param },
        ...secrets.upstreamKeyArns.map((u, i) => ({ name: u.env, valueFrom: upstreams[i]! })),
      ];
      return JSON.stringify(
        gatewayContainerDefinitions({
          image: o.image,
          configYaml: yaml,
          secrets: refs,
          logGroupName,
          region: r,
        }),
      );
    });
  const taskDefinition = new aws.ecs.TaskDefinition(
    `${name}-task`,
    {
      family: `gpufleet-${args.stack}-gateway`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(o.cpu),
      memory: String(o.memoryMiB),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: role.arn,
      containerDefinitions,
      tags,
    },
    { parent, dependsOn: [rolePolicy] },
  );

  const cluster = new aws.ecs.Cluster(
    `${name}-cluster`,
    {
      settings: [{ name: "containerInsights", value: "disabled" }],
      tags,
    },
    opts,
  );
  const targetGroup = new aws.lb.TargetGroup(
    `${name}-litellm`,
    {
      name: gatewayTargetGroupName(args.stack, null, LITELLM_PORT),
      vpcId: args.vpcId,
      port: LITELLM_PORT,
      protocol: "HTTP",
      // awsvpc tasks register by IP.
      targetType: "ip",
      loadBalancingAlgorithmType: "least_outstanding_requests",
      // Fargate gives a stopping task at most 120 s; streams get that long.
      deregistrationDelay: 120,
      // Liveliness, not readiness: a database hiccup must not make every task unhealthy and restart
      // them all.
      healthCheck: {
        enabled: true,
        path: "/health/liveliness",
        port: "traffic-port",
        protocol: "HTTP",
        matcher: "200",
        interval: 15,
        timeout: 6,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
      tags,
    },
    opts,
  );
  const rule = new aws.lb.ListenerRule(
    `${name}-default`,
    {
      listenerArn: args.listenerArn,
      // Last of all rules: requests with the model header still go straight to their pools.
      priority: args.listenerRulePriority ?? 50000,
      conditions: [{ pathPattern: { values: gatewayPublicPaths(args.publicAdmin ?? true) } }],
      actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      tags,
    },
    opts,
  );
  const service = new aws.ecs.Service(
    `${name}-service`,
    {
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: o.taskCount,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      networkConfiguration: {
        subnets: args.privateSubnetIds,
        securityGroups: [securityGroupId],
        assignPublicIp: false,
      },
      loadBalancers: [
        { targetGroupArn: targetGroup.arn, containerName: "litellm", containerPort: LITELLM_PORT },
      ],
      // Start-up runs LiteLLM's database migrations.
      healthCheckGracePeriodSeconds: 180,
      // A new task is healthy before an old one stops; a deployment that never gets healthy rolls
      // back.
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      propagateTags: "SERVICE",
      enableExecuteCommand: false,
      tags,
    },
    { parent, dependsOn: [rule] },
  );
  return {
    clusterName: cluster.name,
    serviceName: service.name,
    logGroupName: logGroup.name,
    configYaml,
  };
}
