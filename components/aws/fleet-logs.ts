// gpufleet:aws:FleetLogs — the optional audit logs of a stack: the load balancer's access logs and
// the VPC's flow logs, in one private bucket (buckets.ts: no public access, SSE-S3, TLS only,
// objects expire after LOG_RETENTION_DAYS) or, for flow logs, a CloudWatch log group. Wiring only;
// the policies are log-delivery.ts.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketPrefix, createPrivateBucket } from "./buckets";
import { fleetTags } from "./facts";
import {
  LOG_PREFIXES,
  LOG_RETENTION_DAYS,
  flowLogsAssumeRolePolicy,
  flowLogsRolePolicy,
  logDeliveryStatements,
} from "./log-delivery";

export interface FleetLogsArgs {
  /** Stack name, for names and tags. */
  stack: string;
  /** VPC whose flow logs are recorded. */
  vpcId: pulumi.Input<string>;
  /** gpufleet:loadBalancer.accessLogs. */
  accessLogs: boolean;
  /** gpufleet:vpc.flowLogs. */
  flowLogs: "off" | "s3" | "cloudwatch";
}

/** Where the load balancer writes its access logs, and what must exist before it may. */
export interface AccessLogTarget {
  bucket: pulumi.Output<string>;
  prefix: string;
  /** The bucket's policy and settings: the ALB checks its write permission when it is configured. */
  ready: pulumi.Resource[];
}

export class FleetLogs extends pulumi.ComponentResource {
  /** The load balancer's access-log target; undefined unless accessLogs. */
  public readonly accessLogTarget?: AccessLogTarget;
  /** The log bucket's name; undefined when nothing goes to S3. */
  public readonly bucketName?: pulumi.Output<string>;
  /** The flow log's id; undefined when flowLogs is "off". */
  public readonly flowLogId?: pulumi.Output<string>;

  constructor(name: string, args: FleetLogsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpufleet:aws:FleetLogs", name, {}, opts);
    const tags = fleetTags(args.stack, "logs");
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });
    const toS3 = args.flowLogs === "s3";
    let bucket: ReturnType<typeof createPrivateBucket> | undefined;
    if (args.accessLogs || toS3) {
      bucket = createPrivateBucket(
        `${name}-bucket`,
        {
          prefix: bucketPrefix(args.stack, "logs"),
          tags: { ...tags, Name: `gpufleet-${args.stack}-logs` },
          expireDays: LOG_RETENTION_DAYS,
          statements: (bucketArn) =>
            pulumi
              .all([identity.accountId, region.region, partition.partition])
              .apply(([accountId, r, p]) =>
                logDeliveryStatements({
                  bucketArn,
                  accountId,
                  region: r,
                  partition: p,
                  accessLogs: args.accessLogs,
                  flowLogs: toS3,
                }),
              ),
        },
        this,
      );
      this.bucketName = bucket.bucket.bucket;
    }
    if (args.accessLogs && bucket) {
      this.accessLogTarget = {
        bucket: bucket.bucket.bucket,
        prefix: LOG_PREFIXES.alb,
        ready: bucket.ready,
      };
    }
    if (toS3 && bucket) {
      const flowLog = new aws.ec2.FlowLog(
        `${name}-flow`,
        {
          vpcId: args.vpcId,
          trafficType: "ALL",
          logDestinationType: "s3",
          logDestination: pulumi.interpolate`${bucket.bucket.arn}/${LOG_PREFIXES.flow}/`,
          maxAggregationInterval: 600,
          tags: { ...tags, Name: `gpufleet-${args.stack}` },
        },
        { parent: this, dependsOn: bucket.ready },
      );
      this.flowLogId = flowLog.id;
    }
    if (args.flowLogs === "cloudwatch") {
      const group = new aws.cloudwatch.LogGroup(
        `${name}-flow`,
        {
          name: `/gpufleet/${args.stack}/flow-logs`,
          retentionInDays: LOG_RETENTION_DAYS,
          tags,
        },
        { parent: this },
      );
      const role = new aws.iam.Role(
        `${name}-flow`,
        {
          assumeRolePolicy: identity.accountId.apply((a) =>
            JSON.stringify(flowLogsAssumeRolePolicy(a)),
          ),
          tags,
        },
        { parent: this },
      );
      const policy = new aws.iam.RolePolicy(
        `${name}-flow`,
        {
          role: role.id,
          policy: group.arn.apply((arn) => JSON.stringify(flowLogsRolePolicy(arn))),
        },
        { parent: this },
      );
      const flowLog = new aws.ec2.FlowLog(
        `${name}-flow`,
        {
          vpcId: args.vpcId,
          trafficType: "ALL",
          logDestinationType: "cloud-watch-logs",
          logDestination: group.arn,
          iamRoleArn: role.arn,
          maxAggregationInterval: 600,
          tags: { ...tags, Name: `gpufleet-${args.stack}` },
        },
        { parent: this, dependsOn: [policy] },
      );
      this.flowLogId = flowLog.id;
    }
    this.registerOutputs({ bucketName: this.bucketName, flowLogId: this.flowLogId });
  }
}
