// IAM policy documents of the fleet, as pure functions of plain values (resolved once by the
// component).

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
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
 * AWS-managed policy that lets SSM Session Manager (instead of SSH) and Run Command reach the
 * instance.
 */
export const SSM_MANAGED_INSTANCE_CORE = "AmazonSSMManagedInstanceCore";

export interface InstancePolicyArgs {
  /** "aws", "aws-cn", "aws-us-gov". */
  partition: string;
  region: string;
  accountId: string;
  stack: string;
  /** ARN of the stack's CloudWatch log group (without the trailing ":*"). */
  logGroupArn: string;
}

/** Prefix of this stack's SSM parameters (cloud-init/context.ts secretParameterNames). */
export function parameterPathOf(stack: string): string {
  return `/gpufleet/${stack}/`;
}

/**
 * The instance role's inline policy: read this stack's own SSM parameters (by ARN), decrypt them
 * with the
 * AWS-managed `aws/ssm` key only through SSM, write to this stack's log group. Nothing else, no
 * wildcard action.
 *
 * The broad permissions the instance needs for Session Manager come from
 * AmazonSSMManagedInstanceCore, an
 * AWS-managed policy: its ssmmessages / ec2messages / ssm:UpdateInstanceInformation actions have no
 * resource-level
 * permissions, so AWS requires `Resource: "*"` there; this document has none.
 */
export function instancePolicyDocument(a: InstancePolicyArgs): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ReadOwnParameters",
        Effect: "Allow",
        Action: ["ssm:GetParameter", "ssm:GetParameters"],
        Resource: [
          `arn:${a.partition}:ssm:${a.region}:${a.accountId}:parameter${parameterPathOf(a.stack)}*`,
        ],
      },
      ssmKeyDecryptStatement(a.partition, a.region, a.accountId),
      {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [a.logGroupArn, `${a.logGroupArn}:log-stream:*`],
      },
    ],
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
