// The Pulumi side of a multi-node EC2 pool (decisions in ./multinode, pure): its cluster placement
// group, the security group its members share (all traffic among themselves, as EFA and NCCL need),
// the rank discovery permission of the instance role, and two auto scaling groups per group of
// instances. GpuPool calls these; this file only wires resources.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { MultiNodeLayout, PoolPlan } from "../../planner/types";
import { poolTags } from "./facts";
import { computeMultiNodeGroups, memberNetworkInterface, rankDiscoveryPolicy } from "./multinode";

export interface ClusterNetworkArgs {
  stack: string;
  pool: PoolPlan;
  layout: MultiNodeLayout;
  /** The VPC of the pool's subnets (the cluster security group lives there). */
  vpcId: pulumi.Input<string>;
  /** The engines' security group (every member stays in it). */
  engineSecurityGroupId: pulumi.Input<string>;
  /** The instance role the rank discovery permission is added to. */
  instanceRoleArn: pulumi.Input<string>;
  /** The region the permission is limited to. */
  region: pulumi.Input<string>;
}

export interface ClusterNetwork {
  placementGroup: aws.ec2.PlacementGroup;
  securityGroup: aws.ec2.SecurityGroup;
  /** The launch template's network interface (EFA where the type has it) in both groups. */
  launchTemplateArgs: Partial<aws.ec2.LaunchTemplateArgs>;
}

/**
 * The pool's cluster placement group (one zone, low latency: EFA needs its instances in one), the
 * security group that lets members reach each other on every port (the EFA requirement; NCCL picks
 * its ports at run time) and ec2:DescribeInstances on the instance role.
 */
export function createClusterNetwork(
  name: string,
  args: ClusterNetworkArgs,
  parent: pulumi.Resource,
): ClusterNetwork {
  const opts = { parent };
  const tags = poolTags(args.stack, args.pool);
  const placementGroup = new aws.ec2.PlacementGroup(
    `${name}-cluster`,
    { strategy: "cluster", tags },
    opts,
  );
  const securityGroup = new aws.ec2.SecurityGroup(
    `${name}-cluster`,
    {
      vpcId: args.vpcId,
      description: `gpufleet ${args.stack} pool ${args.pool.name}: members of its multi-node groups reach each other (NCCL, EFA)`,
      tags,
    },
    opts,
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-cluster-in`,
    {
      securityGroupId: securityGroup.id,
      referencedSecurityGroupId: securityGroup.id,
      ipProtocol: "-1",
      description: "all traffic from members of the same pool's groups (EFA requires it)",
    },
    opts,
  );
  new aws.vpc.SecurityGroupEgressRule(
    `${name}-cluster-out`,
    {
      securityGroupId: securityGroup.id,
      referencedSecurityGroupId: securityGroup.id,
      ipProtocol: "-1",
      description: "all traffic to members of the same pool's groups (EFA requires it)",
    },
    opts,
  );
  const roleName = pulumi.output(args.instanceRoleArn).apply((arn) => arn.split("/").pop()!);
  new aws.iam.RolePolicy(
    `${name}-rank-discovery`,
    {
      role: roleName,
      policy: pulumi
        .output(args.region)
        .apply((region) => JSON.stringify(rankDiscoveryPolicy(region))),
    },
    opts,
  );
  return {
    placementGroup,
    securityGroup,
    launchTemplateArgs: {
      networkInterfaces: [
        {
          ...memberNetworkInterface(args.layout),
          securityGroups: [args.engineSecurityGroupId, securityGroup.id],
        },
      ],
    },
  };
}

export interface MultiNodeGroupsArgs {
  stack: string;
  pool: PoolPlan;
  layout: MultiNodeLayout;
  /** The pool's subnets: the groups launch in the first (a cluster placement group is one zone). */
  subnetIds: pulumi.Input<string>[];
  /** The leader's target groups (the load balancer's and the gateway's). */
  targetGroupArns: pulumi.Input<string>[];
}

/**
 * Per group of instances: the leader's auto scaling group (one instance, in the target groups, ELB
 * health) and the workers' (nodes - 1, EC2 health), both in the placement group, on the template's
 * latest version. A new template version replaces a whole group at once (min healthy 0 %): a group
 * cannot run two versions side by side.
 */
export function createMultiNodeGroups(
  name: string,
  args: MultiNodeGroupsArgs,
  launchTemplate: aws.ec2.LaunchTemplate,
  placementGroup: aws.ec2.PlacementGroup,
  parent: pulumi.Resource,
): aws.autoscaling.Group[] {
  const version = pulumi.interpolate`${launchTemplate.latestVersion}`;
  return computeMultiNodeGroups(args.stack, args.pool, args.layout).map(
    (g) =>
      new aws.autoscaling.Group(
        `${name}-${g.suffix}`,
        {
          minSize: g.size,
          desiredCapacity: g.size,
          maxSize: g.size,
          healthCheckType: g.healthCheckType,
          healthCheckGracePeriod: g.healthCheckGracePeriod,
          defaultInstanceWarmup: g.healthCheckGracePeriod,
          placementGroup: placementGroup.name,
          vpcZoneIdentifiers: args.subnetIds.slice(0, 1),
          launchTemplate: { id: launchTemplate.id, version },
          targetGroupArns: g.targets ? args.targetGroupArns : [],
          instanceRefresh: {
            strategy: "Rolling",
            preferences: {
              minHealthyPercentage: 0,
              maxHealthyPercentage: 100,
              instanceWarmup: String(g.healthCheckGracePeriod),
              skipMatching: true,
            },
          },
          waitForCapacityTimeout: "20m",
          tags: g.tags,
        },
        { parent },
      ),
  );
}
