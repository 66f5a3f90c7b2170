// A pool's boot files as one object in the stack's private bucket, and the loader user data that
// names it (cloud-init/boot-files.ts): EC2 takes at most 16,384 bytes of user data, and a pool's
// files grow with replicas, engines and instance types. Wiring only.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  bootFilesKey,
  packBootFiles,
  renderLoaderUserData,
  sha256Hex,
  type RenderedPool,
} from "../../cloud-init";

export interface PoolBootFilesArgs {
  /** The pool's rendered files and start command (resolved once by the caller). */
  rendered: pulumi.Output<RenderedPool>;
  /** The instances' region (the bucket's). */
  region: pulumi.Input<string>;
  /** The stack's boot-files bucket (Security.bootFilesBucketName). */
  bucket: pulumi.Input<string>;
  /** What must exist before an object is written (the bucket's policy, encryption). */
  ready?: pulumi.Resource[];
  /** Tags of the object. */
  tags: Record<string, string>;
}

export interface PoolBootFiles {
  /** The object holding the pool's archive; launch templates depend on it. */
  object: aws.s3.BucketObjectv2;
  /** The loader user data, base64 (what launch templates take). */
  userData: pulumi.Output<string>;
}

export function createPoolBootFiles(
  name: string,
  args: PoolBootFilesArgs,
  parent: pulumi.Resource,
): PoolBootFiles {
  // One apply packs the archive and names it by its digest; the loader carries that digest.
  const packed = pulumi
    .all([args.rendered, args.region, args.bucket])
    .apply(async ([rendered, region, bucket]) => {
      const archive = await packBootFiles(rendered.files);
      const key = bootFilesKey(rendered.pool, archive);
      const userData = renderLoaderUserData(rendered, {
        bucket,
        key,
        sha256: sha256Hex(archive),
        region,
      });
      return {
        key,
        contentBase64: archive.toString("base64"),
        userData: Buffer.from(userData, "utf8").toString("base64"),
      };
    });
  const object = new aws.s3.BucketObjectv2(
    `${name}-boot-files`,
    {
      bucket: args.bucket,
      key: packed.key,
      contentBase64: packed.contentBase64,
      contentType: "application/gzip",
      serverSideEncryption: "AES256",
      tags: args.tags,
    },
    { parent, dependsOn: args.ready ?? [] },
  );
  return { object, userData: packed.userData };
}
