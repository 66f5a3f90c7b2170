// The rendered files pass the real validators: cloud-init's schema, shellcheck, nginx -t,
// systemd-analyze verify.
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeRenderedPool } from "../../cli/render";
import {
  renderNginxAuthCheck,
  renderNginxConf,
  resolveContext,
  resolveReplicas,
} from "../../cloud-init";
import { API_KEY } from "./sandbox-helpers";
import { ALL_POOLS as FIXTURE_POOLS, CONTEXT } from "./fixtures";
import { planFromFile } from "../../cli/main";
import type { PoolPlan } from "../../planner/types";

/**
 * The planner's own output too: the dev stack and a stack with one pool per engine
 * (examples/engines.yaml).
 */
const PLANNED_POOLS: PoolPlan[] = [
  ...planFromFile({ config: join(__dirname, "../../Pulumi.dev.yaml") }).plan.pools.map((p) => ({
    ...p,
    name: `dev-${p.name}`,
  })),
  ...planFromFile({
    config: join(__dirname, "../../examples/engines.yaml"),
    stack: "dev",
  }).plan.pools.map((p) => ({ ...p, name: `engines-${p.name}` })),
];
const ALL_POOLS: PoolPlan[] = [...FIXTURE_POOLS, ...PLANNED_POOLS];
import { describeRun, requireTool, run, verifyUnits } from "../tools";

let outDir: string;
const poolDirs = new Map<string, string>();

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), "gpufleet-validate-"));
  for (const pool of ALL_POOLS) {
    const written = await writeRenderedPool(pool, CONTEXT, outDir);
    expect(written[0]).toBe(join(outDir, pool.name, "user-data.yaml"));
    poolDirs.set(pool.name, join(outDir, pool.name));
  }
});

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const names = ALL_POOLS.map((p) => p.name);

describe("cloud-init schema", () => {
  it.each(names)("%s user-data.yaml is valid cloud-config", (name) => {
    requireTool("cloud-init");
    const r = run("cloud-init", [
      "schema",
      "--config-file",
      join(poolDirs.get(name)!, "user-data.yaml"),
    ]);
    expect(r.status, describeRun("cloud-init schema", r)).toBe(0);
    expect(r.stdout).toContain("Valid cloud-config");
  });
});

describe("shellcheck", () => {
  it.each(names)("%s scripts have no findings", (name) => {
    requireTool("shellcheck");
    const dir = poolDirs.get(name)!;
    const scripts = [
      join(dir, "opt/gpufleet/lib/gpufleet-lib.sh"),
      ...readdirSync(join(dir, "opt/gpufleet/bin")).map((f) => join(dir, "opt/gpufleet/bin", f)),
      join(dir, "usr/local/bin/gpufleet-status"),
    ];
    // Ollama pools also get gpufleet-ollama-models.
    expect(scripts).toHaveLength(name.includes("ollama") ? 6 : 5);
    const r = run("shellcheck", ["--shell=bash", "--severity=style", ...scripts]);
    expect(r.status, describeRun("shellcheck", r)).toBe(0);
    expect(r.stdout).toBe("");
  });

  it("a sourced settings file is valid bash too", () => {
    requireTool("shellcheck");
    const r = run("shellcheck", [
      "--shell=bash",
      join(poolDirs.get("a10g")!, "etc/gpufleet/gpufleet.env"),
    ]);
    expect(r.status, describeRun("shellcheck", r)).toBe(0);
  });
});

describe("nginx -t", () => {
  it.each(ALL_POOLS)("$name proxy config is accepted", (pool) => {
    requireTool("nginx");
    const prefix = mkdtempSync(join(tmpdir(), "gpufleet-nginx-"));
    try {
      // What gpufleet-bootstrap writes from SSM, for a generated 48-character key (proxy.test.ts
      // runs nginx with the bootstrap's own file).
      writeFileSync(join(prefix, "auth.conf"), renderNginxAuthCheck(API_KEY));
      const ctx = resolveContext(CONTEXT, pool.name, pool.proxyPort);
      const conf = renderNginxConf(resolveReplicas(pool, ctx), ctx, {
        pidFile: join(prefix, "nginx.pid"),
        tempDir: prefix,
        errorLog: join(prefix, "error.log"),
        accessLog: join(prefix, "access.log"),
        authInclude: join(prefix, "auth.conf"),
      });
      writeFileSync(join(prefix, "nginx.conf"), conf);
      const r = run("nginx", ["-t", "-p", prefix, "-c", join(prefix, "nginx.conf")]);
      expect(r.status, describeRun("nginx -t", r)).toBe(0);
      expect(r.stderr).toContain("test is successful");
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });
});

describe("systemd-analyze verify", () => {
  // verify exits 0 on mere warnings, so any output at all fails the test.
  it.each(names)("%s units verify clean", (name) => {
    const dir = poolDirs.get(name)!;
    const { units, result: r } = verifyUnits("systemd", (root) => {
      for (const sub of ["etc", "opt", "usr/local"])
        cpSync(join(dir, sub), join(root, sub), { recursive: true });
    });
    const pool = ALL_POOLS.find((p) => p.name === name)!;
    expect(units).toHaveLength(pool.replicas.length + 9); // 8 support units + gpufleet-logs.service (CONTEXT has a log group)
    expect(units).toContain("gpufleet-logs.service");
    expect(r.status, describeRun("systemd-analyze verify", r)).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toBe("");
  });
});
