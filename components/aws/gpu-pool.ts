// gpufleet:aws:GpuPool — one pool of the plan: its boot files (the cloud-init renderer's output) in
// the stack's bucket, a launch template whose user data loads them, and an auto scaling group
// behind the pool's target group.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { render } from "../../cloud-init";
import { renderElasticPool } from "../../cloud-init/elastic";
import type { ScalingConfig } from "../../config/schema";
import { createPoolBootFiles } from "./boot-files";
import { ec2MultiNodeOf } from "./multinode";
import { createClusterNetwork, createMultiNodeGroups } from "./multinode-pool";
import { isElastic } from "./elastic";
import {
  createElasticScaling,
  elasticGroupArgs,
  elasticLaunchTemplateArgs,
  offeredSubnets,
} from "./elastic-pool";
import type { PoolPlan } from "../../planner/types";
import {
  DLAMI_PARAMETER,
  healthCheckGraceSeconds,
  poolSizes,
  poolTags,
  rootVolumeGiB,
} from "./facts";

export interface GpuPoolArgs {
  /** Stack name: tags, and the renderer's context. */
  stack: string;
  /** The pool's plan (an EC2 pool: instanceType set). */
  pool: PoolPlan;
  /** Subnets of the instances (private, NAT egress). */
  subnetIds: pulumi.Input<string>[];
  /** The engines' security group. */
  securityGroupId: pulumi.Input<string>;
  /** Instance profile of the instance role (SSM, own parameters, own logs). */
  instanceProfileArn: pulumi.Input<string>;
  /** The pool's target group; the ASG registers its instances there. */
  targetGroupArn: pulumi.Input<string>;
  /**
   * More target groups of the pool's proxy port (the gateway's internal load balancer); default
   * none.
   */
  extraTargetGroupArns?: pulumi.Input<string>[];
  /** Names (never values) of the SSM parameters the instance reads at boot. */
  apiKeyParameter: string;
  /**
   * CloudWatch Logs group the instance role writes to (Security's); the hosts ship their units'
   * journal there.
   */
  logGroupName?: pulumi.Input<string>;
  /** Name of the HF-token parameter; default none (anonymous downloads). */
  hfTokenParameter?: string;
  /**
   * AMI; default the region's Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) from its
   * public SSM parameter.
   */
  amiId?: string;
  /** Fewest / most instances; default the plan's count. */
  minCount?: number;
  /** Most instances; default count (or minCount when larger). */
  maxCount?: number;
  /** Root volume, GiB; default facts.rootVolumeGiB. */
  rootVolumeGiB?: number;
  /** The stack's boot-files bucket (Security.bootFilesBucketName): the pool's files go there. */
  bootFilesBucket: pulumi.Input<string>;
  /** What must exist before the pool's files are written (Security.bootFilesReady). */
  bootFilesReady?: pulumi.Resource[];
  /** Resources the instances need before they boot (the SSM parameters). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** Queue-based scaling (config `scaling`); default none (a fixed size). */
  scaling?: ScalingConfig;
  /** SNS topic of the pool's alarms (monitoring.snsTopicArn); default none. */
  alarmTopicArn?: string;
  /** The VPC of the subnets; needed by a multi-node pool (its cluster security group). */
  vpcId?: pulumi.Input<string>;
  /** The instance role; a multi-node pool adds its rank discovery permission to it. */
  instanceRoleArn?: pulumi.Input<string>;
}

/** Root device of the Ubuntu DLAMIs. */
const ROOT_DEVICE = "/dev/sda1";

/** An EC2 pool's plan: one with an instance type (own-hardware pools never reach AWS). */
type Ec2PoolPlan = PoolPlan & { instanceType: string };

/**
 * The launch template's settings from the plan: IMDSv2 only, an encrypted gp3 root volume sized
 * for images and weights, the pool's tags on the instance, its volumes and its interfaces.
 */
export function launchTemplateSettings(
  stack: string,
  pool: Ec2PoolPlan,
  rootGiB = rootVolumeGiB(pool),
) {
  const tags = poolTags(stack, pool);
  return {
    description: `gpufleet ${stack} pool ${pool.name}: ${pool.instanceType}, ${pool.replicas.length} replica(s)`,
    instanceType: pool.instanceType,
    // IMDSv2 only; one hop: engines run with host networking and never call IMDS from a bridged
    // container.
    metadataOptions: {
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: "disabled",
    },
    blockDeviceMappings: [
      {
        deviceName: ROOT_DEVICE,
        ebs: {
          volumeSize: rootGiB,
          volumeType: "gp3",
          encrypted: "true",
          deleteOnTermination: "true",
          // Images (and weights, without instance store) land here at boot: gp3's 125 MB/s
          // baseline would make the disk, not the network, the cold start's bottleneck.
          iops: 3000,
          throughput: 500,
        },
      },
    ],
    tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({
      resourceType,
      tags,
    })),
    updateDefaultVersion: true,
    tags,
  };
}

/**
 * The auto scaling group's settings from the plan: sizes, ELB health with a grace period of at
 * least the cold start, rolling instance refresh, tags not propagated (the template tags).
 */
export function autoScalingGroupSettings(
  stack: string,
  pool: PoolPlan,
  counts: { minCount?: number; maxCount?: number } = {},
) {
  const sizes = poolSizes({
    count: pool.count,
    minCount: counts.minCount,
    maxCount: counts.maxCount,
  });
  const grace = healthCheckGraceSeconds(pool);
  return {
    minSize: sizes.min,
    desiredCapacity: sizes.desired,
    maxSize: sizes.max,
    // The ALB's /health (nginx: one replica answers) decides; EC2 status alone misses a dead
    // engine.
    healthCheckType: "ELB",
    healthCheckGracePeriod: grace,
    defaultInstanceWarmup: grace,
    // A new launch-template version (model, engine, image change) rolls out one instance at a
    // time, a new one launched and healthy before an old one goes (needs quota for one extra
    // instance per pool).
    instanceRefresh: {
      strategy: "Rolling",
      preferences: {
        minHealthyPercentage: 100,
        maxHealthyPercentage: 110,
        instanceWarmup: String(grace),
        skipMatching: true,
      },
    },
    // GPU capacity can take a while; `pulumi up` waits for the instances to launch, not to be
    // healthy.
    waitForCapacityTimeout: "20m",
    tags: Object.entries({ ...poolTags(stack, pool), Name: `gpufleet-${stack}-${pool.name}` }).map(
      ([key, value]) => ({
        key,
        value,
        // Instances get their tags from the launch template; copying them here would duplicate
        // them.
        propagateAtLaunch: false,
      }),
    ),
  };
}

export class GpuPool extends pulumi.ComponentResource {
  public readonly launchTemplateId: pulumi.Output<string>;
  /** The group's name; a multi-node pool's first leader group (all of them: autoScalingGroupNames). */
  public readonly autoScalingGroupName: pulumi.Output<string>;
  /** Every auto scaling group of the pool (one, or a leader's and a workers' per multi-node group). */
  public readonly autoScalingGroupNames: pulumi.Output<string[]>;
  /** Alarms of an elastic pool (shortfall, spot interruptions); none otherwise. */
  public readonly alarms: aws.cloudwatch.MetricAlarm[];

  constructor(name: string, args: GpuPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpufleet:aws:GpuPool", name, { stack: args.stack, pool: args.pool.name }, opts);
    const pool = args.pool;
    if (pool.instanceType === null) {
      throw new pulumi.ResourceError(
        `${name}: pool ${pool.name} has no EC2 instance type (own hardware)`,
        this,
      );
    }
    const ec2Pool: Ec2PoolPlan = { ...pool, instanceType: pool.instanceType };
    const elastic = isElastic(pool, args.scaling);
    const layout = ec2MultiNodeOf(pool);
    if (layout) {
      // A model that fits no single instance: groups of instances (./multinode-pool).
      if (elastic || args.vpcId === undefined || args.instanceRoleArn === undefined)
        throw new pulumi.ResourceError(
          `${name}: multi-node pool ${pool.name} needs vpcId and instanceRoleArn, and no capacity or scaling`,
          this,
        );
      const cluster = createClusterNetwork(
        name,
        {
          stack: args.stack,
          pool,
          layout,
          vpcId: args.vpcId,
          engineSecurityGroupId: args.securityGroupId,
          instanceRoleArn: args.instanceRoleArn,
          region: aws.getRegionOutput({}, { parent: this }).region,
        },
        this,
      );
      const launchTemplate = createLaunchTemplate(
        name,
        args,
        ec2Pool,
        false,
        this,
        cluster.launchTemplateArgs,
      );
      const groups = createMultiNodeGroups(
        name,
        {
          stack: args.stack,
          pool,
          layout,
          subnetIds: args.subnetIds,
          targetGroupArns: [args.targetGroupArn, ...(args.extraTargetGroupArns ?? [])],
        },
        launchTemplate,
        cluster.placementGroup,
        this,
      );
      this.alarms = [];
      this.launchTemplateId = launchTemplate.id;
      this.autoScalingGroupName = groups[0]!.name;
      this.autoScalingGroupNames = pulumi.all(groups.map((g) => g.name));
      this.registerOutputs({
        launchTemplateId: this.launchTemplateId,
        autoScalingGroupName: this.autoScalingGroupName,
        autoScalingGroupNames: this.autoScalingGroupNames,
      });
      return;
    }
    const launchTemplate = createLaunchTemplate(name, args, ec2Pool, elastic, this);
    const group = createAutoScalingGroup(name, args, launchTemplate, elastic, this);
    this.alarms = elastic
      ? createElasticScaling(
          name,
          {
            stack: args.stack,
            pool,
            scaling: args.scaling,
            group,
            alarmTopicArn: args.alarmTopicArn,
          },
          this,
        )
      : [];
    this.launchTemplateId = launchTemplate.id;
    this.autoScalingGroupName = group.name;
    this.autoScalingGroupNames = pulumi.all([group.name]);
    this.registerOutputs({
      launchTemplateId: this.launchTemplateId,
      autoScalingGroupName: this.autoScalingGroupName,
    });
  }
}

/**
 * The launch template: the plan's settings, the AMI, and the user data that loads the pool's boot
 * files from the stack's bucket (boot-files.ts). An elastic pool's files carry every instance
 * type's plan, the drain and, when it scales, the queue publisher (cloud-init/elastic.ts); a
 * Capacity Block is targeted here.
 */
function createLaunchTemplate(
  name: string,
  args: GpuPoolArgs,
  pool: Ec2PoolPlan,
  elastic: boolean,
  parent: pulumi.Resource,
  /** A multi-node pool's network interface (its security groups inside): replaces vpcSecurityGroupIds. */
  network?: Partial<aws.ec2.LaunchTemplateArgs>,
): aws.ec2.LaunchTemplate {
  const region = aws.getRegionOutput({}, { parent });
  const imageId =
    args.amiId ?? aws.ssm.getParameterOutput({ name: DLAMI_PARAMETER }, { parent }).value;
  // One apply resolves the region, then the pure renderer runs; the files hold parameter names
  // only, and go to the stack's private bucket; the user data only names them.
  const rendered = pulumi.all([region.region, args.logGroupName]).apply(([r, logGroup]) => {
    const ctx = {
      stack: args.stack,
      region: r ?? "",
      apiKeyParameter: args.apiKeyParameter,
      hfTokenParameter: args.hfTokenParameter,
      logGroup,
    };
    return elastic
      ? renderElasticPool(pool, ctx, {
          publishMetrics: args.scaling !== undefined,
          drainOnRebalance: pool.capacity?.drainOnRebalance,
        })
      : render(pool, ctx);
  });
  const boot = createPoolBootFiles(
    name,
    {
      rendered,
      region: region.region,
      bucket: args.bootFilesBucket,
      ready: args.bootFilesReady,
      tags: poolTags(args.stack, pool),
    },
    parent,
  );
  return new aws.ec2.LaunchTemplate(
    `${name}-lt`,
    {
      ...launchTemplateSettings(args.stack, pool, args.rootVolumeGiB),
      imageId,
      iamInstanceProfile: { arn: args.instanceProfileArn },
      ...(network ?? { vpcSecurityGroupIds: [args.securityGroupId] }),
      userData: boot.userData,
      ...elasticLaunchTemplateArgs(pool),
    },
    { parent, dependsOn: [...(args.dependsOn ?? []), boot.object] },
  );
}

/**
 * The auto scaling group behind the pool's target groups, on the template's latest version; an
 * elastic pool's group mixes instance types (only in zones where one is offered), drains through a
 * lifecycle hook and reports its metrics (elasticGroupArgs).
 */
function createAutoScalingGroup(
  name: string,
  args: GpuPoolArgs,
  launchTemplate: aws.ec2.LaunchTemplate,
  elastic: boolean,
  parent: pulumi.Resource,
): aws.autoscaling.Group {
  const pool = args.pool;
  const version = pulumi.interpolate`${launchTemplate.latestVersion}`;
  return new aws.autoscaling.Group(
    `${name}-asg`,
    {
      ...autoScalingGroupSettings(args.stack, pool, args),
      // Several instance types: only zones where one of them is offered.
      vpcZoneIdentifiers: pool.capacity
        ? offeredSubnets(pool, args.subnetIds, parent)
        : args.subnetIds,
      launchTemplate: { id: launchTemplate.id, version },
      targetGroupArns: [args.targetGroupArn, ...(args.extraTargetGroupArns ?? [])],
      ...(elastic ? elasticGroupArgs(pool, { id: launchTemplate.id, version }) : {}),
    },
    // The target tracking policy moves the desired size: a deployment must not reset it.
    { parent, ignoreChanges: args.scaling ? ["desiredCapacity"] : [] },
  );
}
