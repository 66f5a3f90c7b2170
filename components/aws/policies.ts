// IAM policy documents of the fleet, as pure functions of plain values (resolved once by the
// component).
import { BOOT_FILES_PREFIX } from "../../cloud-init/boot-files";
import { metricsPolicyStatement } from "./elastic";

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** A statement of a resource (bucket) policy: it names its principal. */
export interface BucketPolicyStatement extends Omit<PolicyStatement, "Action"> {
  Principal: "*" | { Service: string } | { AWS: string };
  Action: string | string[];
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** Trust policy of the instance role: only EC2 may assume it. */
export const EC2_ASSUME_ROLE_POLICY: {
  Version: "2012-10-17";
  Statement: Array<Omit<PolicyStatement, "Resource"> & { Principal: unknown }>;
} = {
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Ec2AssumesRole",
      Effect: "Allow",
      Principal: { Service: "ec2.amazonaws.com" },
      Action: ["sts:AssumeRole"],
    },
  ],
};

/**
 * What Session Manager needs on the instance (AWS "Create a custom IAM instance profile for Session
 * Manager", docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-iam-instance-profile.html,
 * read 2026-12-01), instead of the AWS-managed AmazonSSMManagedInstanceCore, which also grants
 * ssm:GetParameter(s) on every parameter of the account. The ssmmessages actions have no resource
 * types (Service Authorization Reference, "Amazon Session Manager Message Gateway Service"), so AWS
 * requires Resource "*" for them; ssm:UpdateInstanceInformation is scoped to instances.
 */
export const SESSION_MANAGER_MESSAGE_ACTIONS = [
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

/** The statements of a least-privilege Session Manager instance profile. */
export function sessionManagerStatements(
  partition: string,
  region: string,
  accountId: string,
): PolicyStatement[] {
  return [
    {
      Sid: "SessionManagerRegister",
      Effect: "Allow",
      Action: ["ssm:UpdateInstanceInformation"],
      Resource: [`arn:${partition}:ec2:${region}:${accountId}:instance/*`],
    },
    {
      Sid: "SessionManagerChannels",
      Effect: "Allow",
      Action: SESSION_MANAGER_MESSAGE_ACTIONS,
      Resource: ["*"],
    },
  ];
}

export interface InstancePolicyArgs {
  /** "aws", "aws-cn", "aws-us-gov". */
  partition: string;
  region: string;
  accountId: string;
  stack: string;
  /** ARN of the stack's CloudWatch log group (without the trailing ":*"). */
  logGroupArn: string;
  /**
   * Names of the SSM parameters the hosts read at boot, exactly (the engine API key and the HF
   * token; never the Grafana password or the gateway's keys under the same prefix).
   */
  parameterNames: string[];
  /**
   * Elastic pools publish their queue and drains (cloud-init/elastic.ts): cloudwatch:PutMetricData
   * into the stack's namespace only; default false.
   */
  publishMetrics?: boolean;
  /**
   * ARN of the stack's boot-files bucket: the hosts read their pool's archive (s3:GetObject below
   * pools/ only; cloud-init/boot-files.ts). Default none.
   */
  bootFilesBucketArn?: string;
}

/** Prefix of this stack's SSM parameters (cloud-init/context.ts secretParameterNames). */
export function parameterPathOf(stack: string): string {
  return `/gpufleet/${stack}/`;
}

/**
 * The instance role's inline policy, its only policy: read exactly the SSM parameters the host reads
 * (by ARN), decrypt them with the AWS-managed `aws/ssm` key only through SSM, write to this stack's
 * log group, and Session Manager's own actions (sessionManagerStatements). No wildcard action.
 */
export function instancePolicyDocument(a: InstancePolicyArgs): PolicyDocument {
  const arn = (name: string) =>
    `arn:${a.partition}:ssm:${a.region}:${a.accountId}:parameter${name.startsWith("/") ? "" : "/"}${name}`;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadOwnParameters",
        Effect: "Allow",
        Action: ["ssm:GetParameter"],
        Resource: a.parameterNames.map(arn),
      },
      ssmKeyDecryptStatement(a.partition, a.region, a.accountId),
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [a.logGroupArn, `${a.logGroupArn}:log-stream:*`],
      },
      ...sessionManagerStatements(a.partition, a.region, a.accountId),
      ...(a.publishMetrics ? [metricsPolicyStatement(a.stack)] : []),
      ...(a.bootFilesBucketArn
        ? [
            {
              Sid: "ReadBootFiles",
              Effect: "Allow" as const,
              Action: ["s3:GetObject"],
              Resource: [`${a.bootFilesBucketArn}/${BOOT_FILES_PREFIX}*`],
            },
          ]
        : []),
    ],
  };
}

/** Refuses every request to the bucket that does not come over TLS. */
export function denyInsecureTransportStatement(bucketArn: string): BucketPolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/**
 * Decrypt SecureString parameters with the AWS-managed `aws/ssm` key. Its id is not known in
 * advance: any key of
 * the account, but only through SSM in this region and only the one aliased aws/ssm.
 */
export function ssmKeyDecryptStatement(
  partition: string,
  region: string,
  accountId: string,
): PolicyStatement {
  return {
    Sid: "DecryptParametersWithSsmKey",
    Effect: "Allow",
    Action: ["kms:Decrypt"],
    Resource: [`arn:${partition}:kms:${region}:${accountId}:key/*`],
    Condition: {
      StringEquals: { "kms:ViaService": `ssm.${region}.amazonaws.com` },
      "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/aws/ssm" },
    },
  };
}
