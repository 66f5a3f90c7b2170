// Private S3 buckets of the fleet (boot files, access and flow logs): public access blocked, ACLs
// disabled (the owner owns every object), SSE-S3 by default, TLS only. Wiring only; the policy
// documents are pure (policies.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransportStatement, type BucketPolicyStatement } from "./policies";

/**
 * bucketPrefix of one of the stack's buckets: `gpufleet-<stack>-<purpose>-`, lower-case letters,
 * digits and "-" whatever the stack is called, at most 37 characters (S3 appends 26 and a name may
 * have 63): the stack part is cut to 20 characters, fewer when the purpose is long.
 */
export function bucketPrefix(stack: string, purpose: "boot" | "logs" | "monitoring"): string {
  const room = 37 - "gpufleet-".length - purpose.length - 2;
  const s =
    stack
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .slice(0, Math.min(20, room))
      .replace(/^-+|-+$/g, "") || "stack";
  return `gpufleet-${s}-${purpose}-`;
}

export interface PrivateBucketArgs {
  /** bucketPrefix (S3 appends 26 characters; at most 37 characters). */
  prefix: string;
  /** Tags of the bucket. */
  tags: Record<string, string>;
  /**
   * Statements the bucket policy adds after the TLS-only deny, from the bucket's ARN (e.g. log
   * delivery); default none.
   */
  statements?: (bucketArn: string) => pulumi.Input<BucketPolicyStatement[]>;
  /** Delete the objects' expiry after this many days (a lifecycle rule); default none. */
  expireDays?: number;
}

export interface PrivateBucket {
  bucket: aws.s3.Bucket;
  /** What a writer must wait for: the bucket's public-access block, ownership, encryption, policy. */
  ready: pulumi.Resource[];
}

/** A private bucket named `${name}` (resources `${name}`, each configuration `${name}`). */
export function createPrivateBucket(
  name: string,
  args: PrivateBucketArgs,
  parent: pulumi.Resource,
): PrivateBucket {
  const opts = { parent };
  const bucket = new aws.s3.Bucket(
    name,
    {
      bucketPrefix: args.prefix,
      // It holds nothing but files this program writes again on every run, or logs with an expiry.
      forceDestroy: true,
      tags: args.tags,
    },
    opts,
  );
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    name,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  const ownership = new aws.s3.BucketOwnershipControls(
    name,
    { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
    opts,
  );
  // SSE-S3: readers need s3:GetObject alone, and ALB access logs accept no other encryption.
  const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
    name,
    {
      bucket: bucket.id,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    },
    opts,
  );
  // After the public-access block: S3 refuses concurrent changes to a bucket's policy and that block.
  const policy = new aws.s3.BucketPolicy(
    name,
    {
      bucket: bucket.id,
      policy: bucket.arn.apply((arn) =>
        pulumi.output(args.statements?.(arn) ?? []).apply((statements) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [denyInsecureTransportStatement(arn), ...statements],
          }),
        ),
      ),
    },
    { parent, dependsOn: [publicAccess] },
  );
  const ready: pulumi.Resource[] = [publicAccess, ownership, encryption, policy];
  if (args.expireDays !== undefined) {
    ready.push(
      new aws.s3.BucketLifecycleConfiguration(
        name,
        {
          bucket: bucket.id,
          rules: [
            {
              id: "expire",
              status: "Enabled",
              filter: {},
              expiration: { days: args.expireDays },
              abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
            },
          ],
        },
        opts,
      ),
    );
  }
  return { bucket, ready };
}
