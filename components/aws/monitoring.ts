// gpufleet:aws:Monitoring — one small instance in a private subnet running Prometheus, Alertmanager
// and Grafana as
// containers under systemd (user data from monitoring/cloud-config.ts), its data on an encrypted
// EBS volume, Grafana
// behind the fleet's load balancer on its own listener rule. The Grafana admin password is
// generated, stored in SSM
// and read by the instance at boot; only the parameter's NAME leaves this component.
// The configuration the plan shapes (prometheus.yml grows with every pool and replica port) lives
// in a private,
// encrypted S3 bucket of this component, one object per file plus a manifest; the instance fetches
// it at boot and
// every 5 minutes. The user data carries the bootstrap only: the same for 1 pool or 100, far under
// EC2's 16 KB, and
// unchanged by a plan change, which reaches the running host through the bucket.
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  CONFIG_PREFIX,
  DATA_DEVICE,
  MANIFEST_FILE,
  MONITORING_PORTS,
  monitoringFilePaths,
  renderMonitoringBundle,
  renderMonitoringUserData,
  type AlertThresholds,
  type MonitoringBundle,
  type MonitoringContext,
} from "../../monitoring";
import type { FleetPlan } from "../../planner/types";
import { bucketPrefix, createPrivateBucket } from "./buckets";
import { fleetTags } from "./facts";
import {
  EC2_ASSUME_ROLE_POLICY,
  sessionManagerStatements,
  ssmKeyDecryptStatement,
  type PolicyDocument,
} from "./policies";

export interface MonitoringArgs {
  /** Stack name: tags, the SSM path, the discovery filter. */
  stack: string;
  /** The fleet's plan: scrape jobs, per-pool alerts, dashboards, prices. */
  plan: FleetPlan;
  /** AWS region of the fleet (EC2 discovery, SSM). */
  region: string;
  /** AWS account id (the SSM parameter ARNs of the instance policy). */
  accountId: pulumi.Input<string>;
  vpcId: pulumi.Input<string>;
  /** A private subnet (NAT egress) for the instance. */
  subnetId: pulumi.Input<string>;
  /**
   * The load balancer's security group: the only source Grafana accepts besides the instance
   * itself.
   */
  loadBalancerSecurityGroupId: pulumi.Input<string>;
  /**
   * The group GPU instances admit on replica and exporter ports (Security.monitoringGroupId); the
   * instance joins it.
   */
  scrapeSecurityGroupId: pulumi.Input<string>;
  /**
   * The load balancer's serving listener; a rule on it forwards Grafana's path (or host) to the
   * instance.
   */
  listenerArn: pulumi.Input<string>;
  /**
   * The load balancer's URL (LoadBalancer.endpoint), e.g. `https://x.elb.amazonaws.com`: Grafana's
   * root URL base.
   */
  endpoint: pulumi.Input<string>;
  /**
   * NAME of the engine API key's SSM parameter (Secrets.apiKeyParameter): Prometheus sends it when
   * scraping.
   */
  engineApiKeyParameter: string;
  /**
   * IPv4 CIDRs that may open Grafana (an ALB source-IP condition); default ["0.0.0.0/0"], i.e.
   * whoever reaches the ALB.
   */
  allowedCidrs?: string[];
  /**
   * Serve Grafana on this host name (host-header rule, root URL `<scheme>://<host>/`); default the
   * path `/grafana/`.
   */
  grafanaHost?: string;
  /** Default "t3.medium" (2 vCPU, 4 GiB: Prometheus for a few hundred targets and Grafana). */
  instanceType?: string;
  /** Days Prometheus keeps samples; default 15. */
  retentionDays?: number;
  /** Size of the EBS data volume, GiB; default 50. */
  dataVolumeGiB?: number;
  /** Alert thresholds; default monitoring/context.ts DEFAULT_THRESHOLDS. */
  thresholds?: Partial<AlertThresholds>;
  /**
   * Webhook receiving every alert (a Pulumi secret: stored in SSM, never rendered); default none.
   */
  alertWebhookUrl?: pulumi.Input<string>;
  /** SNS topic receiving every alert; the role may publish to it only. Default none. */
  snsTopicArn?: string;
  /** AMI; default Canonical's Ubuntu 22.04 LTS (amd64) from its public SSM parameter. */
  amiId?: string;
  /** Priority of the first Grafana listener rule; default 1000 (model routes use 1…100). */
  listenerRulePriority?: number;
  /**
   * Session Manager on the host (shell and port forwarding), by its least-privilege statements
   * (policies.ts sessionManagerStatements); default false, true when Grafana is private.
   */
  sessionManager?: boolean;
  /**
   * Serve Grafana on the load balancer (config loadBalancer.adminRoutes "public"); false: no
   * listener rule, Grafana is reached through SSM port forwarding to the host
   * (grafanaPortForwardCommand); default true.
   */
  publicGrafana?: boolean;
}

/**
 * The command that forwards Grafana to localhost:3000 of the operator's machine through Session
 * Manager (AWS-StartPortForwardingSession), for a private Grafana.
 */
export function grafanaPortForwardCommand(instanceId: string, region: string): string {
  const port = MONITORING_PORTS.grafana;
  return `aws ssm start-session --region ${region} --target ${instanceId} --document-name AWS-StartPortForwardingSession --parameters portNumber=${port},localPortNumber=${port}`;
}

/** Canonical's public SSM parameter of the current Ubuntu 22.04 amd64 AMI. */
export const UBUNTU_2204_PARAMETER =
  "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id";

/** The path Grafana is served under when no host is configured. */
export const GRAFANA_PATH = "/grafana";

/** NAMES of the monitoring's own SSM parameters, under the stack's /gpufleet/<stack>/ path. */
export function monitoringParameterNames(stack: string): {
  grafanaAdminPassword: string;
  alertWebhookUrl: string;
} {
  return {
    grafanaAdminPassword: `/gpufleet/${stack}/grafana-admin-password`,
    alertWebhookUrl: `/gpufleet/${stack}/alert-webhook-url`,
  };
}

export interface MonitoringPolicyArgs {
  partition: string;
  region: string;
  accountId: string;
  /** Every SSM parameter NAME the instance reads. */
  parameters: string[];
  /**
   * NAME of the configuration bucket; the role reads the objects under `configPrefix` of it, and
   * nothing else of S3.
   */
  configBucket: string;
  /** Default CONFIG_PREFIX ("monitoring/"). */
  configPrefix?: string;
  snsTopicArn?: string;
}

/**
 * The monitoring role's only permissions: list instances (EC2 service discovery), read its own
 * parameters, decrypt
 * them through SSM, read (list and get) its configuration objects under one prefix of its own
 * bucket, and publish to
 * the alert topic when one is configured.
 */
export function monitoringPolicyDocument(a: MonitoringPolicyArgs): PolicyDocument {
  const prefix = a.configPrefix ?? CONFIG_PREFIX;
  const statements: PolicyDocument["Statement"] = [
    {
      Sid: "DiscoverInstances",
      Effect: "Allow",
      Action: ["ec2:DescribeInstances"],
      // ec2:Describe* actions support no resource-level permissions: AWS requires "*" here (Service
      // Authorization
      // Reference, Amazon EC2, "DescribeInstances: Resource types —"). The action only reads
      // metadata.
      Resource: ["*"],
    },
    {
      Sid: "ReadOwnParameters",
      Effect: "Allow",
      Action: ["ssm:GetParameter"],
      Resource: a.parameters.map(
        (name) => `arn:${a.partition}:ssm:${a.region}:${a.accountId}:parameter${name}`,
      ),
    },
    ssmKeyDecryptStatement(a.partition, a.region, a.accountId),
    {
      Sid: "ReadConfigObjects",
      Effect: "Allow",
      Action: ["s3:GetObject"],
      Resource: [`arn:${a.partition}:s3:::${a.configBucket}/${prefix}*`],
    },
    {
      // `aws s3 cp --recursive` lists the prefix first; the condition keeps the listing to it.
      Sid: "ListConfigPrefix",
      Effect: "Allow",
      Action: ["s3:ListBucket"],
      Resource: [`arn:${a.partition}:s3:::${a.configBucket}`],
      Condition: { StringLike: { "s3:prefix": [prefix, `${prefix}*`] } },
    },
  ];
  if (a.snsTopicArn !== undefined) {
    statements.push({
      Sid: "PublishAlerts",
      Effect: "Allow",
      Action: ["sns:Publish"],
      Resource: [a.snsTopicArn],
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/**
 * ALB rules take at most 5 condition values in all: the path (2 values) leaves 3 source CIDRs per
 * rule.
 */
export function chunkCidrs(cidrs: string[], perRule: number): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < cidrs.length; i += perRule) out.push(cidrs.slice(i, i + perRule));
  return out;
}

function partitionOf(region: string): string {
  return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

/** Grafana's root URL: the load balancer's endpoint + /grafana/, or `<scheme>://<grafanaHost>/`. */
export function grafanaRootUrl(endpoint: string, grafanaHost?: string): string {
  const base = endpoint.replace(/\/+$/, "");
  if (grafanaHost === undefined) return `${base}${GRAFANA_PATH}/`;
  return `${new URL(base).protocol}//${grafanaHost}/`;
}

/** A listener rule's match: the path /grafana (2 condition values) or the host (1). */
type GrafanaRoute = { pathPattern: { values: string[] } } | { hostHeader: { values: string[] } };

/**
 * Grafana's listener rules: one per chunk of allowed CIDRs (an ALB rule takes at most 5 condition
 * values in all, the route's included), priorities counting up from `firstPriority`.
 */
export function grafanaListenerRules(
  allowedCidrs: string[],
  grafanaHost: string | undefined,
  firstPriority: number,
): Array<{
  priority: number;
  conditions: Array<GrafanaRoute | { sourceIp: { values: string[] } }>;
}> {
  const route: GrafanaRoute =
    grafanaHost === undefined
      ? { pathPattern: { values: [GRAFANA_PATH, `${GRAFANA_PATH}/*`] } }
      : { hostHeader: { values: [grafanaHost] } };
  const perRule = 5 - (grafanaHost === undefined ? 2 : 1);
  return chunkCidrs(allowedCidrs, perRule).map((cidrs, i) => ({
    priority: firstPriority + i,
    conditions: [route, { sourceIp: { values: cidrs } }],
  }));
}

/** Grafana's target group: a name unique per stack (≤ 32 characters) and its health check path. */
export function grafanaTargetGroupSettings(
  stack: string,
  grafanaHost?: string,
): { name: string; healthPath: string } {
  return {
    name: `gf-mon-${createHash("sha256").update(stack).digest("hex").slice(0, 8)}`,
    healthPath: grafanaHost === undefined ? `${GRAFANA_PATH}/api/health` : "/api/health",
  };
}

/** What the create* functions share: the component's name, its args, tags and parent. */
interface Scope {
  name: string;
  args: MonitoringArgs;
  tags: Record<string, string>;
  parent: pulumi.Resource;
}

export class Monitoring extends pulumi.ComponentResource {
  /** Where to open Grafana. */
  public readonly grafanaUrl: pulumi.Output<string>;
  /** NAME of the SSM SecureString holding Grafana's admin password (user `admin`). */
  public readonly grafanaAdminPasswordParameter: string;
  public readonly instanceId: pulumi.Output<string>;
  public readonly securityGroupId: pulumi.Output<string>;
  /** NAME of the private bucket holding the rendered configuration under `monitoring/`. */
  public readonly configBucket: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpufleet:aws:Monitoring", name, { stack: args.stack, region: args.region }, opts);
    const allowedCidrs = args.allowedCidrs ?? ["0.0.0.0/0"];
    if (allowedCidrs.length === 0) {
      throw new pulumi.ResourceError(
        `${name}: allowedCidrs is empty: nobody could open Grafana`,
        this,
      );
    }
    const scope: Scope = { name, args, tags: fleetTags(args.stack, "monitoring"), parent: this };
    const group = createHostSecurityGroup(scope);
    const secrets = createMonitoringSecrets(scope);
    const publicGrafana = args.publicGrafana ?? true;
    // A private Grafana is opened on the operator's own machine through the port forward.
    const grafanaUrl = publicGrafana
      ? pulumi.output(args.endpoint).apply((endpoint) => grafanaRootUrl(endpoint, args.grafanaHost))
      : pulumi.output(grafanaRootUrl(`http://localhost:${MONITORING_PORTS.grafana}`));
    const config = createConfigBucket(scope, grafanaUrl);
    const role = createHostRole(
      scope,
      secrets.readable,
      config.bucket,
      (args.sessionManager ?? false) || !publicGrafana,
    );
    const instance = createHost(scope, group, role, secrets, config);
    if (publicGrafana) createGrafanaRoute(scope, instance, allowedCidrs);

    this.grafanaUrl = grafanaUrl;
    this.grafanaAdminPasswordParameter = secrets.names.grafanaAdminPassword;
    this.instanceId = instance.id;
    this.securityGroupId = group.id;
    this.configBucket = config.bucket.bucket;
    this.registerOutputs({
      grafanaUrl: this.grafanaUrl,
      grafanaAdminPasswordParameter: this.grafanaAdminPasswordParameter,
      instanceId: this.instanceId,
      configBucket: this.configBucket,
    });
  }
}

/** The monitoring renderer's context, from the component's args. */
function monitoringContext(args: MonitoringArgs): MonitoringContext {
  return {
    stack: args.stack,
    region: args.region,
    retentionDays: args.retentionDays,
    thresholds: args.thresholds,
    receivers: { webhook: args.alertWebhookUrl !== undefined, snsTopicArn: args.snsTopicArn },
  };
}

/**
 * The host's group: Grafana from the load balancer only, everything between the host and itself,
 * out to the internet on 80/443 (through NAT); and Grafana's port out of the load balancer's group.
 */
function createHostSecurityGroup({ name, args, tags, parent: self }: Scope): aws.ec2.SecurityGroup {
  const parent = { parent: self };
  const group = new aws.ec2.SecurityGroup(
    `${name}-sg`,
    {
      vpcId: args.vpcId,
      description: "gpufleet monitoring: Grafana from the load balancer only",
      tags: { ...tags, Name: `gpufleet-${args.stack}-monitoring-host` },
    },
    parent,
  );
  // A private Grafana (adminRoutes private) has no door from the load balancer at all.
  if (args.publicGrafana ?? true) {
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-in-grafana`,
      {
        securityGroupId: group.id,
        ipProtocol: "tcp",
        fromPort: MONITORING_PORTS.grafana,
        toPort: MONITORING_PORTS.grafana,
        referencedSecurityGroupId: args.loadBalancerSecurityGroupId,
        description: "Grafana, from the load balancer",
      },
      parent,
    );
  }
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-in-self`,
    {
      securityGroupId: group.id,
      ipProtocol: "-1",
      referencedSecurityGroupId: group.id,
      description: "the monitoring host itself",
    },
    parent,
  );
  if (args.publicGrafana ?? true) {
    // The load balancer's group only lets traffic out to the engines' proxy ports: open Grafana's
    // port too.
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-lb-out-grafana`,
      {
        securityGroupId: args.loadBalancerSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: MONITORING_PORTS.grafana,
        toPort: MONITORING_PORTS.grafana,
        referencedSecurityGroupId: group.id,
        description: "to Grafana",
      },
      parent,
    );
  }
  // Images, packages, and the AWS APIs (EC2 discovery, SSM, SNS) and the webhook, through NAT.
  // Scraping the
  // engines goes out through the scrape group, whose egress reaches exactly the engines' scraped
  // ports.
  for (const port of [80, 443]) {
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-out-${port}`,
      {
        securityGroupId: group.id,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: "0.0.0.0/0",
        description: "packages, images and AWS APIs through NAT",
      },
      parent,
    );
  }
  return group;
}

interface MonitoringSecrets {
  names: ReturnType<typeof monitoringParameterNames>;
  /** Every SSM parameter NAME the host reads. */
  readable: string[];
  passwordParam: aws.ssm.Parameter;
}

/** Grafana's password generated here, the webhook URL from config; both only in SSM. */
function createMonitoringSecrets({ name, args, tags, parent: self }: Scope): MonitoringSecrets {
  const parent = { parent: self };
  const names = monitoringParameterNames(args.stack);
  const password = new random.RandomPassword(
    `${name}-grafana-admin`,
    { length: 32, special: false },
    parent,
  );
  const passwordParam = new aws.ssm.Parameter(
    `${name}-grafana-admin`,
    {
      name: names.grafanaAdminPassword,
      type: "SecureString",
      value: pulumi.secret(password.result),
      description: `gpufleet ${args.stack}: Grafana admin password (user admin)`,
      tags,
    },
    parent,
  );
  const readable = [names.grafanaAdminPassword, args.engineApiKeyParameter];
  if (args.alertWebhookUrl !== undefined) {
    new aws.ssm.Parameter(
      `${name}-alert-webhook`,
      {
        name: names.alertWebhookUrl,
        type: "SecureString",
        value: pulumi.secret(args.alertWebhookUrl),
        description: `gpufleet ${args.stack}: webhook URL Alertmanager posts alerts to`,
        tags,
      },
      parent,
    );
    readable.push(names.alertWebhookUrl);
  }
  return { names, readable, passwordParam };
}

interface ConfigBucket {
  bucket: aws.s3.Bucket;
  /** The manifest object, written after every file: the host installs nothing half-uploaded. */
  manifest: aws.s3.BucketObjectv2;
}

/**
 * The configuration bucket (private, encrypted, owner-enforced, TLS only) and one object per file
 * the plan renders, then the manifest.
 */
function createConfigBucket(
  { name, args, tags, parent: self }: Scope,
  grafanaUrl: pulumi.Output<string>,
): ConfigBucket {
  // Private, owner-enforced, SSE-S3 (the host reads with s3:GetObject alone), TLS only.
  const { bucket, ready } = createPrivateBucket(
    `${name}-config`,
    {
      prefix: bucketPrefix(args.stack, "monitoring"),
      tags: { ...tags, Name: `gpufleet-${args.stack}-monitoring-config` },
    },
    self,
  );

  // One object per rendered file (monitoring/index.ts renderMonitoringBundle), then the manifest,
  // written last so that the host never installs a half-uploaded configuration (it also checks
  // every file's sha256). The file set depends on the plan only (listed without rendering); the
  // contents also on Grafana's URL (an output): rendered once, in one apply.
  const paths = monitoringFilePaths(args.plan);
  const context = monitoringContext(args);
  const bundle: pulumi.Output<MonitoringBundle> = grafanaUrl.apply((grafanaRootUrl) => {
    const b = renderMonitoringBundle(args.plan, { ...context, grafanaRootUrl }, CONFIG_PREFIX);
    const rendered = b.files.map((f) => f.path);
    if (rendered.length !== paths.length || rendered.some((p) => !paths.includes(p))) {
      // A bug of the renderer, not of the config: the objects were declared from `paths`.
      throw new pulumi.ResourceError(
        `${name}: the monitoring files depend on Grafana's URL (${rendered.join(", ")} ≠ ${paths.join(", ")})`,
        self,
      );
    }
    return b;
  });
  const guards = { parent: self, dependsOn: ready };
  const objects = paths.map(
    (path) =>
      new aws.s3.BucketObjectv2(
        `${name}-config-${path}`,
        {
          bucket: bucket.id,
          key: `${CONFIG_PREFIX}${path}`,
          content: bundle.apply((b) => b.files.find((f) => f.path === path)!.content),
          contentType: bundle.apply((b) => b.files.find((f) => f.path === path)!.contentType),
          serverSideEncryption: "AES256",
          tags,
        },
        guards,
      ),
  );
  const manifest = new aws.s3.BucketObjectv2(
    `${name}-config-manifest`,
    {
      bucket: bucket.id,
      key: `${CONFIG_PREFIX}${MANIFEST_FILE}`,
      content: bundle.apply((b) => b.manifest.content),
      contentType: bundle.apply((b) => b.manifest.contentType),
      serverSideEncryption: "AES256",
      tags,
    },
    { ...guards, dependsOn: [...guards.dependsOn, ...objects] },
  );
  return { bucket, manifest };
}

/** The host's role: describe instances, read its own parameters and configuration objects. */
function createHostRole(
  { name, args, tags, parent: self }: Scope,
  readable: string[],
  configBucket: aws.s3.Bucket,
  sessionManager: boolean,
): { profile: aws.iam.InstanceProfile; rolePolicy: aws.iam.RolePolicy } {
  const parent = { parent: self };
  const partition = partitionOf(args.region);
  const bucket = configBucket;
  const role = new aws.iam.Role(
    `${name}-role`,
    {
      description: `gpufleet ${args.stack}: monitoring host (describe instances, read its own parameters and configuration)`,
      assumeRolePolicy: JSON.stringify(EC2_ASSUME_ROLE_POLICY),
      tags,
    },
    parent,
  );
  const rolePolicy = new aws.iam.RolePolicy(
    `${name}-role`,
    {
      role: role.name,
      policy: pulumi.all([args.accountId, bucket.bucket]).apply(([accountId, configBucket]) =>
        JSON.stringify(
          monitoringPolicyDocument({
            partition,
            region: args.region,
            accountId,
            parameters: readable,
            configBucket,
            configPrefix: CONFIG_PREFIX,
            snsTopicArn: args.snsTopicArn,
          }),
        ),
      ),
    },
    parent,
  );
  // Not AmazonSSMManagedInstanceCore, which reads every SSM parameter of the account.
  if (sessionManager) {
    new aws.iam.RolePolicy(
      `${name}-session-manager`,
      {
        role: role.name,
        policy: pulumi.output(args.accountId).apply((accountId) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: sessionManagerStatements(partition, args.region, accountId),
          }),
        ),
      },
      parent,
    );
  }
  const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name, tags }, parent);
  return { profile, rolePolicy };
}

/** The data volume in the subnet's zone, the instance, and the volume's attachment. */
function createHost(
  scope: Scope,
  group: aws.ec2.SecurityGroup,
  role: { profile: aws.iam.InstanceProfile; rolePolicy: aws.iam.RolePolicy },
  secrets: MonitoringSecrets,
  config: ConfigBucket,
): aws.ec2.Instance {
  const { name, args, tags, parent: self } = scope;
  const parent = { parent: self };
  const { names, passwordParam } = secrets;
  const { bucket, manifest } = config;
  const { profile, rolePolicy } = role;
  const context = monitoringContext(args);
  const subnet = aws.ec2.getSubnetOutput({ id: args.subnetId }, parent);
  const volume = new aws.ebs.Volume(
    `${name}-data`,
    {
      availabilityZone: subnet.availabilityZone,
      size: args.dataVolumeGiB ?? 50,
      type: "gp3",
      encrypted: true,
      tags: { ...tags, Name: `gpufleet-${args.stack}-monitoring-data` },
    },
    parent,
  );

  // One apply resolves the volume id and the bucket's name, then the pure renderer runs. Only
  // NAMES go in; no
  // plan and no URL: the user data changes only with the volume, the bucket, the images or the
  // retention.
  const userData = pulumi.all([volume.id, bucket.bucket]).apply(([volumeId, configBucket]) =>
    renderMonitoringUserData({
      ...context,
      dataVolumeId: volumeId,
      dataDevice: DATA_DEVICE,
      configBucket,
      configPrefix: CONFIG_PREFIX,
      parameters: {
        grafanaAdminPassword: names.grafanaAdminPassword,
        engineApiKey: args.engineApiKeyParameter,
        alertWebhookUrl: args.alertWebhookUrl !== undefined ? names.alertWebhookUrl : undefined,
      },
    }).base64(),
  );
  const ami =
    args.amiId ?? aws.ssm.getParameterOutput({ name: UBUNTU_2204_PARAMETER }, parent).value;
  const instance = new aws.ec2.Instance(
    `${name}-host`,
    {
      ami,
      instanceType: args.instanceType ?? "t3.medium",
      subnetId: args.subnetId,
      vpcSecurityGroupIds: [group.id, args.scrapeSecurityGroupId],
      iamInstanceProfile: profile.name,
      associatePublicIpAddress: false,
      // IMDSv2 only; one hop: the containers run with host networking.
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      rootBlockDevice: {
        volumeType: "gp3",
        volumeSize: 20,
        encrypted: true,
        deleteOnTermination: true,
      },
      userDataBase64: userData,
      // A changed plan reaches the running host through the bucket
      // (gpufleet-monitoring-sync.timer), not the user
      // data, which changes only with the images, the retention, the receivers or the bucket.
      // cloud-init writes files
      // once per instance: such a change takes `pulumi up --replace` of this instance (the data
      // volume is kept).
      userDataReplaceOnChange: false,
      tags: { ...tags, Name: `gpufleet-${args.stack}-monitoring` },
      volumeTags: tags,
      // The first boot finds its password, its configuration and its role's permissions in place.
    },
    { parent: self, dependsOn: [passwordParam, manifest, rolePolicy] },
  );
  new aws.ec2.VolumeAttachment(
    `${name}-data`,
    {
      deviceName: DATA_DEVICE,
      volumeId: volume.id,
      instanceId: instance.id,
      stopInstanceBeforeDetaching: true,
    },
    parent,
  );
  return instance;
}

/** Grafana behind the load balancer: its target group and the listener rules that reach it. */
function createGrafanaRoute(
  { name, args, tags, parent: self }: Scope,
  instance: aws.ec2.Instance,
  allowedCidrs: string[],
): void {
  const parent = { parent: self };
  const settings = grafanaTargetGroupSettings(args.stack, args.grafanaHost);
  const targetGroup = new aws.lb.TargetGroup(
    `${name}-grafana`,
    {
      name: settings.name,
      vpcId: args.vpcId,
      port: MONITORING_PORTS.grafana,
      protocol: "HTTP",
      targetType: "instance",
      healthCheck: {
        enabled: true,
        path: settings.healthPath,
        port: "traffic-port",
        protocol: "HTTP",
        matcher: "200",
        interval: 30,
      },
      tags,
    },
    parent,
  );
  new aws.lb.TargetGroupAttachment(
    `${name}-grafana`,
    {
      targetGroupArn: targetGroup.arn,
      targetId: instance.id,
      port: MONITORING_PORTS.grafana,
    },
    parent,
  );
  const rules = grafanaListenerRules(
    allowedCidrs,
    args.grafanaHost,
    args.listenerRulePriority ?? 1000,
  );
  rules.forEach((rule, i) => {
    new aws.lb.ListenerRule(
      `${name}-grafana-${i}`,
      {
        listenerArn: args.listenerArn,
        priority: rule.priority,
        conditions: rule.conditions,
        actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        tags,
      },
      parent,
    );
  });
}
