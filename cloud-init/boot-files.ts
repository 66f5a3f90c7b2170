// A GPU host's boot files travel outside its user data: EC2 takes at most 16,384 bytes of user
// data (gzipped, as the provider sends it), and a pool's files grow with its replicas, its engines
// and (elastic pools) its instance types — an 8-replica p4d.24xlarge pool rendered 16,552 bytes,
// a four-type spot pool 16,612, and an elastic pool may name up to 20 types. The files go into one
// deterministic tar.gz that the program writes to the stack's private bucket; the user data only
// carries a loader (gpufleet-fetch-files) that reads it with the instance role, checks its sha256
// and unpacks it, then starts what the full user data would start. Pure: no @pulumi imports.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { stringify } from "yaml";
import type { RenderedFile, RenderedPool } from "./index";
import { compactFile } from "./compact";
import { HOST_PATHS } from "./layout";

/** Where a pool's boot files are in the stack's bucket, and how the host checks them. */
export interface BootFilesLocation {
  /** The stack's private boot-files bucket. */
  bucket: string;
  /** Object key: bootFilesKey(pool, archive). */
  key: string;
  /** sha256 of the archive, hex. */
  sha256: string;
  /** Region of the bucket (the instance's own). */
  region: string;
}

/** Prefix of the pools' archives in the bucket; the instance role may read only below it. */
export const BOOT_FILES_PREFIX = "pools/";

/** Settings file of the loader (no secrets: bucket, key, digest, region). */
export const BOOT_FILES_ENV = `${HOST_PATHS.etc}/boot-files.env`;

/** The loader script on the host. */
export const BOOT_FILES_LOADER = `${HOST_PATHS.bin}/gpufleet-fetch-files`;

/** The archive's members carry no time: an unchanged plan gives unchanged bytes and key. */
const EPOCH = new Date(0);

/**
 * A deterministic tar.gz of the files (ustar via tar-stream, root-owned, the files' modes, no
 * mtime; gzip level 9, whose header node writes without a time). Paths are made relative to /.
 */
export async function packBootFiles(files: readonly RenderedFile[]): Promise<Buffer> {
  const seen = new Set<string>();
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on("data", (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    tar.on("end", () => resolve());
    tar.on("error", reject);
  });
  for (const f of files) {
    if (!/^\/[A-Za-z0-9._/-]+$/.test(f.path) || f.path.split("/").includes(".."))
      throw new Error(`boot file path ${JSON.stringify(f.path)} is not a plain absolute path`);
    if (seen.has(f.path)) throw new Error(`boot file ${f.path} is written twice`);
    seen.add(f.path);
    tar.entry(
      {
        name: f.path.slice(1),
        mode: parseInt(f.mode, 8),
        mtime: EPOCH,
        uid: 0,
        gid: 0,
        uname: "root",
        gname: "root",
      },
      f.content,
    );
  }
  tar.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks), { level: 9 });
}

/** sha256 of a buffer, hex. */
export function sha256Hex(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * The archive's key: content-addressed, so a new launch-template version names a new object and an
 * instance never unpacks files of another version.
 */
export function bootFilesKey(pool: string, archive: Buffer): string {
  return `${BOOT_FILES_PREFIX}${pool}/${sha256Hex(archive)}.tar.gz`;
}

/** The loader without its comment lines: the repository keeps them, the user data need not. */
const LOADER_SCRIPT = compactFile(
  BOOT_FILES_LOADER,
  readFileSync(join(__dirname, "scripts", "gpufleet-fetch-files.sh"), "utf8"),
);

/** The loader's settings file (sourced by sh). */
export function renderBootFilesEnv(location: BootFilesLocation): string {
  const checks: Array<[string, RegExp]> = [
    [location.bucket, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/],
    [location.key, /^[A-Za-z0-9._/-]+$/],
    [location.sha256, /^[0-9a-f]{64}$/],
    [location.region, /^[a-z]{2}(-[a-z]+)+-\d$/],
  ];
  for (const [value, shape] of checks)
    if (!shape.test(value)) throw new Error(`boot files location: bad value ${value}`);
  return [
    "# gpufleet boot files (no secrets): where gpufleet-fetch-files reads this pool's files.",
    `GPUFLEET_BOOT_BUCKET=${location.bucket}`,
    `GPUFLEET_BOOT_KEY=${location.key}`,
    `GPUFLEET_BOOT_SHA256=${location.sha256}`,
    `GPUFLEET_REGION=${location.region}`,
    "",
  ].join("\n");
}

/**
 * The user data EC2 boots: the loader and its settings, then the loader followed by the pool's own
 * start sequence (RenderedPool.start). Its size depends on names only, never on the plan.
 */
export function renderLoaderUserData(rendered: RenderedPool, location: BootFilesLocation): string {
  const config = {
    write_files: [
      {
        path: BOOT_FILES_ENV,
        owner: "root:root",
        permissions: "0644",
        content: renderBootFilesEnv(location),
      },
      { path: BOOT_FILES_LOADER, owner: "root:root", permissions: "0755", content: LOADER_SCRIPT },
    ],
    runcmd: [["sh", "-c", `${BOOT_FILES_LOADER} && ${rendered.start}`]],
  };
  const header =
    `#cloud-config\n# gpufleet pool ${rendered.pool}: files from s3://${location.bucket}/${location.key}. ` +
    "Logs: journalctl -u 'gpufleet*'; state: sudo gpufleet-status\n";
  return header + stringify(config, { lineWidth: 0, blockQuote: "literal" });
}
