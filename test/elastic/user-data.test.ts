// The boot files of an elastic pool carry every instance type's plan, its loader fits EC2's 16 KB
// with four types, passes the real validators, and the bootstrap's selector installs the plan of
// the type the stand-in IMDSv2 reports.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig, toPlanInput } from "../../config";
import { EC2_USER_DATA_LIMIT } from "../../cloud-init";
import { compactFile } from "../../cloud-init/compact";
import { planPath, renderElasticPool } from "../../cloud-init/elastic";
import { packBootFiles, renderLoaderUserData, sha256Hex, bootFilesKey } from "../../cloud-init";
import { planElasticFleet, poolVariants } from "../../planner/capacity";
import type { PoolPlan } from "../../planner/types";
import { HOST_PATH, cloudInitSchema, describeRun, requireTool, run, verifyUnits } from "../tools";
import { SPOT_POOL, runAsync, startImds, writeFiles, type StandInImds } from "./helpers";

const CONTEXT = {
  stack: "prod",
  region: "us-east-1",
  apiKeyParameter: "/gpufleet/prod/engine-api-key",
  hfTokenParameter: "/gpufleet/prod/hf-token",
  logGroup: "/gpufleet/prod",
};

/** The README's four-type spot pool: g5.2xlarge first, then g6e.xlarge, g6.2xlarge, g5.12xlarge. */
const POOL: PoolPlan = planElasticFleet(
  toPlanInput("prod", parseStackConfig({ pools: [SPOT_POOL] })),
).pools[0]!;
const TYPES = poolVariants(POOL).map((v) => v.instanceType!);

describe("elastic user data", () => {
  const rendered = renderElasticPool(POOL, CONTEXT, { publishMetrics: true });

  it("a four-type spot pool boots from a loader far under EC2's 16 KB (its files in the boot archive)", async () => {
    expect(TYPES).toHaveLength(4);
    const archive = await packBootFiles(rendered.files);
    const loader = renderLoaderUserData(rendered, {
      bucket: "gpufleet-prod-boot-0123456789abcdef0123456789",
      key: bootFilesKey(POOL.name, archive),
      sha256: sha256Hex(archive),
      region: "us-east-1",
    });
    expect(Buffer.byteLength(loader)).toBeLessThan(EC2_USER_DATA_LIMIT - 13_000);
    expect(loader).toContain(`&& ${rendered.start}`);
  });

  it("strips only comment lines, and only from scripts, units and nginx.conf", () => {
    const script =
      "#!/usr/bin/env bash\n# shellcheck disable=SC1\n# why\n  # more\necho '# kept'\n";
    expect(compactFile("/opt/gpufleet/bin/x", script)).toBe(
      "#!/usr/bin/env bash\n# shellcheck disable=SC1\necho '# kept'\n",
    );
    expect(compactFile("/etc/systemd/system/a.service", "# h\n[Unit]\nA=1\n")).toBe(
      "[Unit]\nA=1\n",
    );
    expect(compactFile("/etc/gpufleet/replicas.tsv", "# name\tport\n")).toBe("# name\tport\n");
  });

  it("writes shared files once and each type's own files under plans/<type>/", () => {
    const paths = rendered.files.map((f) => f.path);
    // Scripts are the same for every type: once, in place.
    for (const p of ["/opt/gpufleet/bin/gpufleet-bootstrap", "/opt/gpufleet/lib/gpufleet-lib.sh"])
      expect(paths.filter((x) => x === p)).toEqual([p]);
    // The plan facts differ: one copy per type, none in place.
    for (const type of TYPES) {
      expect(paths).toContain(planPath(type, "/etc/gpufleet/gpufleet.env"));
      expect(paths).toContain(planPath(type, "/etc/gpufleet/replicas.tsv"));
    }
    expect(paths).not.toContain("/etc/gpufleet/gpufleet.env");
    // The 4-GPU type has four replica units; the others one.
    const units = (type: string): string[] =>
      paths.filter(
        (p) =>
          p.startsWith(planPath(type, "/etc/systemd/system/gpufleet-")) && /-\d+\.service$/.test(p),
      );
    expect(units("g5.12xlarge")).toHaveLength(4);
    expect(units("g6e.xlarge")).toHaveLength(1);
    expect(rendered.userData).toMatch(/gpufleet-select-plan && systemctl daemon-reload/);
    expect(rendered.userData).not.toContain("sk-");
  });

  it("is valid cloud-config, its scripts pass shellcheck, its units systemd-analyze", () => {
    requireTool("shellcheck");
    const dir = mkdtempSync(join(tmpdir(), "gpufleet-elastic-validate-"));
    try {
      writeFiles(dir, [
        { path: "/user-data.yaml", content: rendered.userData, mode: "0644" },
        ...rendered.files,
      ]);
      const userData = join(dir, "user-data.yaml");
      expect(cloudInitSchema([userData]).get(userData)).toBeNull();
      const bin = join(dir, "opt/gpufleet/bin");
      // Every script as the user data writes it (comments stripped), the others' too.
      const sc = run("shellcheck", [
        "--shell=bash",
        "--severity=style",
        "-x",
        ...readdirSync(bin).map((s) => join(bin, s)),
        join(dir, "opt/gpufleet/lib/gpufleet-lib.sh"),
        join(dir, "etc/gpufleet/elastic.env"),
      ]);
      expect(sc.status, describeRun("shellcheck", sc)).toBe(0);
      // Each type's units as that type would boot them: shared units plus its own.
      for (const type of TYPES) {
        const { units, result } = verifyUnits("elastic-units", (root) => {
          writeFiles(
            root,
            rendered.files.filter((f) => !f.path.startsWith("/etc/gpufleet/plans/")),
          );
          writeFiles(
            root,
            rendered.files
              .filter((f) => f.path.startsWith(planPath(type, "/")))
              .map((f) => ({ ...f, path: f.path.slice(planPath(type, "").length) })),
          );
        });
        expect(units).toEqual(
          expect.arrayContaining(["gpufleet-drain.service", "gpufleet-metrics.service"]),
        );
        expect(result.status, describeRun(`systemd-analyze verify (${type})`, result)).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe("gpufleet-select-plan against a stand-in IMDSv2", () => {
  let imds: StandInImds;
  let base: string;
  beforeAll(async () => {
    requireTool("curl");
    imds = await startImds("g5.2xlarge");
    base = mkdtempSync(join(tmpdir(), "gpufleet-select-"));
  });
  afterAll(async () => {
    await imds.close();
    rmSync(base, { recursive: true, force: true });
  });

  async function boot(type: string): Promise<{ root: string; status: number | null; out: string }> {
    imds.state.instanceType = type;
    const root = join(base, type);
    writeFiles(root, renderElasticPool(POOL, CONTEXT, { publishMetrics: true }).files);
    const r = runAsync("bash", [join(root, "opt/gpufleet/bin/gpufleet-select-plan")], {
      PATH: HOST_PATH,
      GPUFLEET_ROOT: root,
      GPUFLEET_CONSOLE: join(base, "console"),
      GPUFLEET_IMDS_ENDPOINT: imds.url,
    });
    const done = await r.done;
    return { root, status: done.status, out: r.output() };
  }

  it.each(["g5.2xlarge", "g6e.xlarge", "g6.2xlarge", "g5.12xlarge"])(
    "on %s installs that type's plan",
    async (type) => {
      const { root, status, out } = await boot(type);
      expect(status, out).toBe(0);
      const plan = poolVariants(POOL).find((v) => v.instanceType === type)!;
      const env = readFileSync(join(root, "etc/gpufleet/gpufleet.env"), "utf8");
      expect(env).toContain(`GPUFLEET_GPU_MODEL=${plan.gpu.model}`);
      expect(env).toContain(`GPUFLEET_GPU_COUNT=${plan.gpu.count}`);
      const replicas = readFileSync(join(root, "etc/gpufleet/replicas.tsv"), "utf8")
        .split("\n")
        .filter((l) => l && !l.startsWith("#"));
      expect(replicas).toHaveLength(plan.replicas.length);
      expect(replicas[0]!.split("\t")[1]).toBe(plan.replicas[0]!.engine);
      const units = readdirSync(join(root, "etc/systemd/system")).filter((u) =>
        /^gpufleet-\w+-\d+\.service$/.test(u),
      );
      expect(units).toHaveLength(plan.replicas.length);
      expect(readFileSync(join(root, "var/lib/gpufleet/instance-type"), "utf8")).toBe(`${type}\n`);
      // IMDSv2: a token first, then the type with it.
      expect(imds.requests).toEqual(
        expect.arrayContaining([
          "PUT /latest/api/token 200",
          "GET /latest/meta-data/instance-type 200",
        ]),
      );
    },
    60_000,
  );

  it("fails the boot, naming the type, when the type has no plan", async () => {
    const { root, status, out } = await boot("p4d.24xlarge");
    expect(status).toBe(1);
    const error = readFileSync(join(root, "var/lib/gpufleet/boot-error"), "utf8");
    expect(error).toMatch(/instance type p4d\.24xlarge has no plan/);
    expect(error).toContain("g6e.xlarge");
    expect(existsSync(join(root, "etc/gpufleet/gpufleet.env")), out).toBe(false);
  }, 60_000);
});
