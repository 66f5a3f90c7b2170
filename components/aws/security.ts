// gpufleet:aws:Security — a security group per role and the instances' IAM role.
//   load balancer: 80/443 from allowedCidrs only; out only to the engines' proxy ports.
// engines: each proxy port from the load balancer's group; replica and exporter ports from the
// monitoring group;
// out on 80/443 (images, weights, SSM, packages) through NAT. No SSH: Session Manager instead.
// monitoring: created now with no members, so that Prometheus (a later issue) only has to join it.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EXPORTER_PORTS, logGroupName, secretParameterNames } from "../../cloud-init/context";
import { bucketPrefix, createPrivateBucket } from "./buckets";
import { fleetTags } from "./facts";
import { EC2_ASSUME_ROLE_POLICY, instancePolicyDocument } from "./policies";

export interface SecurityArgs {
  /** Stack name: tags, the log group's name and the SSM path the role may read. */
  stack: string;
  /** VPC of the security groups. */
  vpcId: pulumi.Input<string>;
  /** IPv4 CIDRs that may reach the load balancer. */
  allowedCidrs: string[];
  /**
   * Whether the load balancer listens on 443 (a certificate is configured); 80 is always open (HTTP
   * or redirect).
   */
  https: boolean;
  /** Every pool's proxy port (the load balancer's targets). */
  proxyPorts: number[];
  /** Every replica's engine port (8000 + i). */
  replicaPorts: number[];
  /** Days the log group keeps logs; default 30. */
  logRetentionDays?: number;
  /** Elastic pools: the hosts may put metrics into the stack's namespace; default false. */
  publishMetrics?: boolean;
}

/** Contiguous runs of ports, so that 8000–8007 is one rule rather than eight. */
export function portRanges(ports: number[]): Array<[number, number]> {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const p of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && p === last[1] + 1) last[1] = p;
    else ranges.push([p, p]);
  }
  return ranges;
}

export class Security extends pulumi.ComponentResource {
  public readonly loadBalancerGroupId!: pulumi.Output<string>;
  public readonly engineGroupId!: pulumi.Output<string>;
  public readonly monitoringGroupId!: pulumi.Output<string>;
  public readonly instanceRoleArn!: pulumi.Output<string>;
  public readonly instanceProfileArn!: pulumi.Output<string>;
  public readonly logGroupName!: pulumi.Output<string>;
  /**
   * The private bucket of the pools' boot files (cloud-init/boot-files.ts); the role reads below
   * pools/ only.
   */
  public readonly bootFilesBucketName!: pulumi.Output<string>;
  /** What a writer of boot files waits for (the bucket's access block, encryption, policy). */
  public readonly bootFilesReady!: pulumi.Resource[];

  constructor(name: string, args: SecurityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpufleet:aws:Security", name, args, opts);
    Object.assign(
      this,
      createSecurityGroups(name, args, this),
      createInstanceRole(name, args, this),
    );
    this.registerOutputs({
      loadBalancerGroupId: this.loadBalancerGroupId,
      engineGroupId: this.engineGroupId,
      monitoringGroupId: this.monitoringGroupId,
      instanceRoleArn: this.instanceRoleArn,
      instanceProfileArn: this.instanceProfileArn,
      logGroupName: this.logGroupName,
      bootFilesBucketName: this.bootFilesBucketName,
    });
  }
}

function createSecurityGroups(name: string, args: SecurityArgs, parent: pulumi.Resource) {
  const opts = { parent };
  const group = (
    role: "load-balancer" | "engine" | "monitoring",
    description: string,
  ): aws.ec2.SecurityGroup =>
    new aws.ec2.SecurityGroup(
      `${name}-${role}`,
      {
        vpcId: args.vpcId,
        description,
        // Rules are separate resources (below): inline rules and rule resources on one group fight
        // each other.
        tags: {
          ...fleetTags(args.stack, role === "engine" ? "engine" : role),
          Name: `gpufleet-${args.stack}-${role}`,
        },
      },
      opts,
    );
  const lb = group("load-balancer", "gpufleet load balancer: 80/443 from the allowed CIDRs");
  const engine = group(
    "engine",
    "gpufleet GPU instances: proxy port from the load balancer, metrics from monitoring",
  );
  const monitoring = group(
    "monitoring",
    "gpufleet monitoring: members may scrape replica and exporter ports",
  );

  const listenPorts = args.https ? [80, 443] : [80];
  for (const port of listenPorts) {
    args.allowedCidrs.forEach((cidr, i) => {
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-lb-in-${port}-${i}`,
        {
          securityGroupId: lb.id,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          cidrIpv4: cidr,
          description: `clients on ${port}`,
        },
        opts,
      );
    });
  }
  for (const [from, to] of portRanges(args.proxyPorts)) {
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-lb-out-${from}`,
      {
        securityGroupId: lb.id,
        ipProtocol: "tcp",
        fromPort: from,
        toPort: to,
        referencedSecurityGroupId: engine.id,
        description: "to the engines' proxy",
      },
      opts,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-engine-in-proxy-${from}`,
      {
        securityGroupId: engine.id,
        ipProtocol: "tcp",
        fromPort: from,
        toPort: to,
        referencedSecurityGroupId: lb.id,
        description: "proxy port, from the load balancer only",
      },
      opts,
    );
  }
  const scraped = [
    ...portRanges(args.replicaPorts),
    ...portRanges([EXPORTER_PORTS.nodeExporter, EXPORTER_PORTS.dcgmExporter]),
  ];
  for (const [from, to] of scraped) {
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-engine-in-monitoring-${from}`,
      {
        securityGroupId: engine.id,
        ipProtocol: "tcp",
        fromPort: from,
        toPort: to,
        referencedSecurityGroupId: monitoring.id,
        description: "replica and exporter ports, from monitoring only",
      },
      opts,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-monitoring-out-${from}`,
      {
        securityGroupId: monitoring.id,
        ipProtocol: "tcp",
        fromPort: from,
        toPort: to,
        referencedSecurityGroupId: engine.id,
        description: "scrape the engines",
      },
      opts,
    );
  }
  // Images, weights, SSM and apt are HTTPS or HTTP; DNS and NTP go to the VPC's own resolvers,
  // which security
  // groups do not filter.
  for (const port of [80, 443]) {
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-engine-out-${port}`,
      {
        securityGroupId: engine.id,
        ipProtocol: "tcp",
        fromPort: port,
        toPort: port,
        cidrIpv4: "0.0.0.0/0",
        description: "downloads and AWS APIs through NAT",
      },
      opts,
    );
  }
  return { loadBalancerGroupId: lb.id, engineGroupId: engine.id, monitoringGroupId: monitoring.id };
}

function createInstanceRole(name: string, args: SecurityArgs, parent: pulumi.Resource) {
  const opts = { parent };
  const tags = fleetTags(args.stack, "instance");
  // The boot files live with the role that reads them: user data carries only a loader (EC2 takes
  // at most 16 KB), the pools' archives are here.
  const boot = createPrivateBucket(
    `${name}-boot-files`,
    {
      prefix: bucketPrefix(args.stack, "boot"),
      tags: { ...tags, Name: `gpufleet-${args.stack}-boot-files` },
    },
    parent,
  );
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    {
      name: logGroupName(args.stack),
      retentionInDays: args.logRetentionDays ?? 30,
      tags,
    },
    opts,
  );
  const role = new aws.iam.Role(
    `${name}-instance`,
    {
      description: `gpufleet ${args.stack}: GPU instances (SSM Session Manager, own SSM parameters, own logs)`,
      assumeRolePolicy: JSON.stringify(EC2_ASSUME_ROLE_POLICY),
      tags,
    },
    opts,
  );
  const partition = aws.getPartitionOutput({}, { parent });
  // No AmazonSSMManagedInstanceCore: it grants ssm:GetParameter(s) on every parameter of the
  // account. Session Manager's own actions are in the inline policy.
  const names = secretParameterNames(args.stack);
  const identity = aws.getCallerIdentityOutput({}, { parent });
  const region = aws.getRegionOutput({}, { parent });
  // One apply resolves every value, then the pure document builder runs.
  const policy = pulumi
    .all([partition.partition, region.region, identity.accountId, logGroup.arn, boot.bucket.arn])
    .apply(([p, r, account, logGroupArn, bootFilesBucketArn]) =>
      JSON.stringify(
        instancePolicyDocument({
          partition: p,
          region: r,
          accountId: account,
          stack: args.stack,
          logGroupArn,
          parameterNames: [names.apiKey, names.hfToken],
          publishMetrics: args.publishMetrics,
          bootFilesBucketArn,
        }),
      ),
    );
  new aws.iam.RolePolicy(`${name}-instance`, { role: role.name, policy }, opts);
  const profile = new aws.iam.InstanceProfile(`${name}-instance`, { role: role.name, tags }, opts);
  return {
    instanceRoleArn: role.arn,
    instanceProfileArn: profile.arn,
    logGroupName: logGroup.name,
    bootFilesBucketName: boot.bucket.bucket,
    bootFilesReady: boot.ready,
  };
}
