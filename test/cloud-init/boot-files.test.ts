// A GPU host's boot files travel in the stack's bucket and its user data is only their loader: the
// user data's size no longer depends on replicas, engines or instance types (EC2 takes at most
// 16,384 bytes). The loader runs for real here: a stand-in `aws` serves the archive, GNU tar
// unpacks it, and a tampered or missing archive stops the boot with one FATAL line.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  EC2_USER_DATA_LIMIT,
  bootFilesKey,
  packBootFiles,
  render,
  renderLoaderUserData,
  sha256Hex,
  type RenderedPool,
} from "../../cloud-init";
import { renderElasticPool } from "../../cloud-init/elastic";
import { parseStackConfig, toPlanInput } from "../../config";
import { planElasticFleet, poolVariants } from "../../planner/capacity";
import { planFleet } from "../../planner/plan";
import { ENGINE_IDS, type PoolPlan } from "../../planner/types";
import { untar } from "../components/harness";
import { cloudInitSchema, describeRun, requireTool, run, tempDir } from "../tools";
import { ALL_POOLS, CONTEXT, P4D_VLLM8, TWENTY_TYPES } from "./fixtures";

/** A bucket name as S3 gives one for the prefix (gpufleet-<stack>-boot- + 26 characters). */
const BUCKET = "gpufleet-production-stack-boot-0123456789abcdef0123456789";
const LONG_CONTEXT = {
  ...CONTEXT,
  stack: "production-stack",
  region: "ap-southeast-2",
  apiKeyParameter: "/gpufleet/production-stack/engine-api-key",
  hfTokenParameter: "/gpufleet/production-stack/hf-token",
  logGroup: "/gpufleet/production-stack",
};

/** Every engine on the largest hosts: eight replicas each on eight GPUs. */
const EIGHT_GPU_POOLS: PoolPlan[] = ENGINE_IDS.map(
  (engine) =>
    planFleet({
      stack: LONG_CONTEXT.stack,
      pools: [
        {
          name: `eight-replicas-of-${engine}`,
          instanceType: "p4d.24xlarge",
          count: 1,
          model: "Qwen/Qwen2.5-7B-Instruct",
          engine,
          tensorParallel: 1,
        },
      ],
    }).pools[0]!,
);

export const ELASTIC_20: PoolPlan = planElasticFleet(
  toPlanInput(
    LONG_CONTEXT.stack,
    parseStackConfig({
      pools: [
        {
          name: "elastic-every-type-of-20-types",
          instanceType: "g5.48xlarge",
          count: 2,
          minCount: 1,
          maxCount: 8,
          model: "Qwen/Qwen2.5-7B-Instruct",
          engine: "vllm",
          tensorParallel: 1,
          capacity: { spot: true, onDemandBase: 1, instanceTypes: TWENTY_TYPES },
          scaling: { targetWaitingPerInstance: 4 },
        },
      ],
    }),
  ),
).pools[0]!;

async function loaderOf(
  rendered: RenderedPool,
  region = LONG_CONTEXT.region,
): Promise<{ archive: Buffer; key: string; userData: string }> {
  const archive = await packBootFiles(rendered.files);
  const key = bootFilesKey(rendered.pool, archive);
  const userData = renderLoaderUserData(rendered, {
    bucket: BUCKET,
    key,
    sha256: sha256Hex(archive),
    region,
  });
  return { archive, key, userData };
}

describe("user data size", () => {
  const cases: Array<[string, RenderedPool]> = [
    ...EIGHT_GPU_POOLS.map((p) => [p.name, render(p, LONG_CONTEXT)] as [string, RenderedPool]),
    ...ALL_POOLS.map((p) => [p.name, render(p, CONTEXT)] as [string, RenderedPool]),
    [
      ELASTIC_20.name,
      renderElasticPool(ELASTIC_20, LONG_CONTEXT, { publishMetrics: true, drainOnRebalance: true }),
    ],
  ];

  it("the worst cases are what they claim: eight replicas of every engine, twenty instance types", () => {
    expect(EIGHT_GPU_POOLS.map((p) => [p.replicas[0]!.engine, p.replicas.length])).toEqual(
      ENGINE_IDS.map((e) => [e, 8]),
    );
    const variants = poolVariants(ELASTIC_20);
    expect(variants).toHaveLength(20);
    expect(variants.reduce((n, v) => n + v.replicas.length, 0)).toBe(94);
    // Inline, these files would be far over EC2's limit even gzipped.
    const inline = render(EIGHT_GPU_POOLS[0]!, LONG_CONTEXT);
    expect(gzipSync(Buffer.from(inline.userData), { level: 9 }).length).toBeGreaterThan(
      EC2_USER_DATA_LIMIT,
    );
  });

  it.each(cases)(
    "%s: the loader user data stays under 3,000 bytes plain, a margin of over 13,000 bytes",
    async (_, rendered) => {
      const { userData } = await loaderOf(rendered);
      const plain = Buffer.byteLength(userData);
      const gzipped = gzipSync(Buffer.from(userData), { level: 9 }).length;
      // Sent plain (under the limit, so no gzip); gzipped it would be smaller still.
      expect(plain).toBeLessThanOrEqual(3000);
      expect(gzipped).toBeLessThan(plain);
      expect(EC2_USER_DATA_LIMIT - plain).toBeGreaterThanOrEqual(13_000);
    },
  );

  it("does not grow with replicas or instance types: one byte count for a 1-replica and a 94-replica pool of equal names", async () => {
    const one = planFleet({
      stack: LONG_CONTEXT.stack,
      pools: [
        {
          name: ELASTIC_20.name,
          instanceType: "g5.xlarge",
          count: 1,
          model: "Qwen/Qwen2.5-0.5B-Instruct",
          engine: "vllm",
        },
      ],
    }).pools[0]!;
    const small = await loaderOf(render(one, LONG_CONTEXT));
    const large = await loaderOf(
      renderElasticPool(ELASTIC_20, LONG_CONTEXT, { publishMetrics: true }),
    );
    // The elastic start command names its drain and metrics units and the plan selector.
    const startOf = (ud: string): string => (parse(ud) as { runcmd: string[][] }).runcmd[0]![2]!;
    expect(Buffer.byteLength(large.userData) - Buffer.byteLength(startOf(large.userData))).toBe(
      Buffer.byteLength(small.userData) - Buffer.byteLength(startOf(small.userData)),
    );
    // While the files it loads are many times larger.
    const bytes = (r: RenderedPool): number =>
      r.files.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
    expect(
      bytes(renderElasticPool(ELASTIC_20, LONG_CONTEXT, { publishMetrics: true })),
    ).toBeGreaterThan(5 * bytes(render(one, LONG_CONTEXT)));
  });

  it("packs the same files into the same bytes (an unchanged plan changes no launch template)", async () => {
    const a = await loaderOf(render(P4D_VLLM8, CONTEXT));
    const b = await loaderOf(render(P4D_VLLM8, CONTEXT));
    expect(a.archive.equals(b.archive)).toBe(true);
    expect(a.userData).toBe(b.userData);
    expect(a.key).toMatch(/^pools\/a100x8\/[0-9a-f]{64}\.tar\.gz$/);
  });

  it("refuses a path outside the root and a file written twice", async () => {
    const f = { path: "/etc/gpufleet/x", content: "x", mode: "0644" };
    await expect(packBootFiles([{ ...f, path: "/etc/../root/x" }])).rejects.toThrow(/plain/);
    await expect(packBootFiles([{ ...f, path: "etc/x" }])).rejects.toThrow(/plain/);
    await expect(packBootFiles([f, f])).rejects.toThrow(/twice/);
  });
});

describe("the loader on a host", () => {
  /** A stand-in `aws` that serves s3api get-object from a directory, or fails. */
  function fakeAws(dir: string, objects: string): string {
    const bin = join(dir, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(
      join(bin, "aws"),
      `#!/bin/sh
# aws s3api get-object --region R --bucket B --key K OUTFILE
echo "$*" >>"${dir}/aws.log"
[ "$1 $2" = "s3api get-object" ] || exit 2
shift 2
while [ "$#" -gt 1 ]; do
  case "$1" in --region) region="$2"; shift 2 ;; --bucket) bucket="$2"; shift 2 ;; --key) key="$2"; shift 2 ;; *) exit 2 ;; esac
done
src="${objects}/$bucket/$key"
[ -f "$src" ] || { echo "An error occurred (AccessDenied) when calling the GetObject operation: Access Denied" >&2; exit 254; }
cp "$src" "$1"
`,
    );
    chmodSync(join(bin, "aws"), 0o755);
    return bin;
  }

  /** Writes the loader and its settings from the user data under dir; returns how to run it. */
  /** `served`: the bytes the bucket holds under the key (the archive itself by default; null: none). */
  async function setUp(rendered: RenderedPool, served?: Buffer | null) {
    requireTool("tar");
    requireTool("sha256sum");
    const dir = tempDir("loader");
    const { archive, key, userData } = await loaderOf(rendered, "us-east-1");
    if (served !== null) {
      mkdirSync(join(dir, "s3", BUCKET, key, ".."), { recursive: true });
      writeFileSync(join(dir, "s3", BUCKET, key), served ?? archive);
    }
    const cfg = parse(userData) as {
      write_files: Array<{ path: string; content: string; permissions: string }>;
      runcmd: string[][];
    };
    for (const f of cfg.write_files) {
      mkdirSync(join(dir, "ud", f.path, ".."), { recursive: true });
      writeFileSync(join(dir, "ud", f.path), f.content, { mode: parseInt(f.permissions, 8) });
    }
    const bin = fakeAws(dir, join(dir, "s3"));
    const rootDir = join(dir, "root");
    mkdirSync(rootDir);
    const loader = join(dir, "ud/opt/gpufleet/bin/gpufleet-fetch-files");
    const exec = () =>
      run(loader, [], {
        env: {
          PATH: `${bin}:/usr/bin:/bin`,
          GPUFLEET_BOOT_ENV: join(dir, "ud/etc/gpufleet/boot-files.env"),
          GPUFLEET_ROOT: rootDir,
          GPUFLEET_STATE: join(dir, "state"),
          GPUFLEET_FETCH_ATTEMPTS: "2",
        },
      });
    return { dir, archive, key, rootDir, exec, cfg };
  }

  it("fetches the archive named in the user data, checks its sha256 and unpacks every file with its mode", async () => {
    const rendered = renderElasticPool(ELASTIC_20, CONTEXT, { publishMetrics: true });
    const s = await setUp(rendered);
    const r = s.exec();
    expect(r.status, describeRun("gpufleet-fetch-files", r)).toBe(0);
    expect(readFileSync(join(s.dir, "aws.log"), "utf8")).toMatch(
      new RegExp(`^s3api get-object --region us-east-1 --bucket ${BUCKET} --key ${s.key} \\S+\\n$`),
    );
    // Every rendered file, byte for byte and with its mode, as the full user data would write it.
    for (const f of rendered.files) {
      const path = join(s.rootDir, f.path);
      expect(readFileSync(path, "utf8"), f.path).toBe(f.content);
      expect((statSync(path).mode & 0o777).toString(8).padStart(4, "0")).toBe(f.mode);
    }
    // The unpacked archive holds nothing else.
    const entries = await untar(s.archive);
    expect([...entries.keys()].sort()).toEqual(rendered.files.map((f) => f.path).sort());
    // Then the pool's own start (the plan selector of an elastic pool, systemd).
    expect(s.cfg.runcmd).toEqual([
      ["sh", "-c", `/opt/gpufleet/bin/gpufleet-fetch-files && ${rendered.start}`],
    ]);
  });

  it("unpacks nothing from an archive that is not the one named (FATAL, boot-error)", async () => {
    const rendered = render(P4D_VLLM8, CONTEXT);
    // Another pool's (valid) archive under this key.
    const other = await packBootFiles(render(ALL_POOLS[1]!, CONTEXT).files);
    const s = await setUp(rendered, other);
    const r = s.exec();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^FATAL gpufleet-fetch-files: .* does not have sha256 [0-9a-f]{64}\n$/,
    );
    expect(readFileSync(join(s.dir, "state/boot-error"), "utf8")).toBe(r.stderr);
    expect(existsSync(join(s.rootDir, "etc"))).toBe(false);
  });

  it("gives up after its attempts when the object cannot be read, naming it and AWS's error", async () => {
    const s = await setUp(render(ALL_POOLS[0]!, CONTEXT), null);
    const r = s.exec();
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `FATAL gpufleet-fetch-files: cannot read s3://${BUCKET}/${s.key} after 2 attempts: An error occurred (AccessDenied) when calling the GetObject operation: Access Denied\n`,
    );
    expect(readFileSync(join(s.dir, "aws.log"), "utf8").trim().split("\n")).toHaveLength(2);
    expect(existsSync(join(s.rootDir, "etc"))).toBe(false);
  });

  it("is valid cloud-config, and the loader passes shellcheck", async () => {
    requireTool("shellcheck");
    const dir = tempDir("loader-schema");
    const { userData } = await loaderOf(
      renderElasticPool(ELASTIC_20, LONG_CONTEXT, { publishMetrics: true }),
    );
    const file = join(dir, "user-data.yaml");
    writeFileSync(file, userData);
    expect(cloudInitSchema([file]).get(file)).toBeNull();
    const script = (
      parse(userData) as { write_files: Array<{ path: string; content: string }> }
    ).write_files.find((f) => f.path.endsWith("gpufleet-fetch-files"))!.content;
    writeFileSync(join(dir, "loader.sh"), script);
    const sc = run("shellcheck", ["-s", "sh", join(dir, "loader.sh")]);
    expect(sc.status, describeRun("shellcheck", sc)).toBe(0);
  });
});
