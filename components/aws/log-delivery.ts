// Who may write the fleet's access and flow logs, as pure policy documents (the FleetLogs
// component resolves account, region and partition once and wires them).
import type { BucketPolicyStatement, PolicyDocument } from "./policies";

/** Days the log bucket keeps an object, and the flow-log group an event. */
export const LOG_RETENTION_DAYS = 90;

/** Key prefixes in the log bucket (ALB and flow-log delivery add AWSLogs/<account>/… below). */
export const LOG_PREFIXES = { alb: "alb", flow: "flow" } as const;

/**
 * Elastic Load Balancing's log-writing account per region opened before August 2022 (ELB User
 * Guide, "Enable access logs for your Application Load Balancer", bucket-policy table; the same 22
 * ids in two public Terraform configs read 2026-12-01). Regions opened since then accept only the
 * service principal logdelivery.elasticloadbalancing.amazonaws.com, which the policy always names.
 */
export const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021",
  "us-east-2": "033677994240",
  "us-west-1": "027434742980",
  "us-west-2": "797873946194",
  "af-south-1": "098369216593",
  "ap-east-1": "754344448648",
  "ap-southeast-3": "589379963580",
  "ap-south-1": "718504428378",
  "ap-northeast-3": "383597477331",
  "ap-northeast-2": "600734575887",
  "ap-southeast-1": "114774131450",
  "ap-southeast-2": "783225319266",
  "ap-northeast-1": "582318560864",
  "ca-central-1": "985666609251",
  "eu-central-1": "054676820928",
  "eu-west-1": "156460612806",
  "eu-west-2": "652711504416",
  "eu-south-1": "635631232127",
  "eu-west-3": "009996457667",
  "eu-north-1": "897822967062",
  "me-south-1": "076674570225",
  "sa-east-1": "507241528517",
};

export interface LogDeliveryArgs {
  bucketArn: string;
  accountId: string;
  region: string;
  partition: string;
  /** The load balancer writes access logs under alb/. */
  accessLogs: boolean;
  /** VPC flow logs are delivered under flow/. */
  flowLogs: boolean;
}

/**
 * Bucket-policy statements that let exactly the load balancer's log delivery write under
 * alb/AWSLogs/<account>/ and the flow-log delivery (for this account's flow logs only) under
 * flow/AWSLogs/<account>/; nobody may read through the policy.
 */
export function logDeliveryStatements(a: LogDeliveryArgs): BucketPolicyStatement[] {
  const out: BucketPolicyStatement[] = [];
  if (a.accessLogs) {
    const objects = [`${a.bucketArn}/${LOG_PREFIXES.alb}/AWSLogs/${a.accountId}/*`];
    out.push({
      Sid: "AlbAccessLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: objects,
    });
    const elbAccount = a.partition === "aws" ? ELB_LOG_ACCOUNTS[a.region] : undefined;
    if (elbAccount !== undefined) {
      out.push({
        Sid: "AlbAccessLogDeliveryRegionAccount",
        Effect: "Allow",
        Principal: { AWS: `arn:${a.partition}:iam::${elbAccount}:root` },
        Action: "s3:PutObject",
        Resource: objects,
      });
    }
  }
  if (a.flowLogs) {
    // VPC User Guide, "Flow log records in Amazon S3" bucket policy, with the confused-deputy
    // conditions it recommends.
    const fromThisAccount = {
      StringEquals: { "aws:SourceAccount": a.accountId },
      ArnLike: { "aws:SourceArn": `arn:${a.partition}:logs:${a.region}:${a.accountId}:*` },
    };
    out.push(
      {
        Sid: "FlowLogDelivery",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: [`${a.bucketArn}/${LOG_PREFIXES.flow}/AWSLogs/${a.accountId}/*`],
        Condition: {
          ...fromThisAccount,
          StringEquals: {
            ...fromThisAccount.StringEquals,
            "s3:x-amz-acl": "bucket-owner-full-control",
          },
        },
      },
      {
        Sid: "FlowLogDeliveryAclCheck",
        Effect: "Allow",
        Principal: { Service: "delivery.logs.amazonaws.com" },
        Action: ["s3:GetBucketAcl", "s3:ListBucket"],
        Resource: [a.bucketArn],
        Condition: fromThisAccount,
      },
    );
  }
  return out;
}

/** Trust policy of the flow-log role (CloudWatch destination): only VPC Flow Logs of this account. */
export function flowLogsAssumeRolePolicy(accountId: string): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "VpcFlowLogsAssumeRole",
        Effect: "Allow",
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: ["sts:AssumeRole"],
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  };
}

/** What the flow-log role may do: write streams of its one log group. */
export function flowLogsRolePolicy(logGroupArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "WriteFlowLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [logGroupArn, `${logGroupArn}:log-stream:*`],
      },
    ],
  };
}
