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
import {
  cloudInitSchema,
  describeRun,
  requireTool,
  run,
  shellcheckEach,
  verifyUnits,
} from "../tools";

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

/** One cloud-init and one shellcheck process for every pool's files; each test reads its own. */
const schemaErrors = new Map<string, string | null>();
const findings = new Map<string, string[]>();
const scriptsOf = (name: string): string[] => {
  const dir = poolDirs.get(name)!;
  return [
    join(dir, "opt/gpufleet/lib/gpufleet-lib.sh"),
    ...readdirSync(join(dir, "opt/gpufleet/bin")).map((f) => join(dir, "opt/gpufleet/bin", f)),
    join(dir, "usr/local/bin/gpufleet-status"),
  ];
};

describe("cloud-init schema", () => {
  beforeAll(() => {
    const files = names.map((name) => join(poolDirs.get(name)!, "user-data.yaml"));
    for (const [file, error] of cloudInitSchema(files)) schemaErrors.set(file, error);
  });

  it.each(names)("%s user-data.yaml is valid cloud-config", (name) => {
    const file = join(poolDirs.get(name)!, "user-data.yaml");
    expect(schemaErrors.has(file)).toBe(true);
    expect(schemaErrors.get(file), file).toBeNull();
  });

  it("the batched check refuses what `cloud-init schema` refuses", () => {
    const bad = join(outDir, "bad-user-data.yaml");
    writeFileSync(bad, "#cloud-config\nruncmd: 5\nwrite_files: [{content: x}]\n");
    const noHeader = join(outDir, "no-header.yaml");
    writeFileSync(noHeader, "runcmd: [ls]\n");
    const results = cloudInitSchema([bad, noHeader]);
    expect(results.get(bad)).toMatch(/runcmd: 5 is not of type 'array'/);
    expect(results.get(noHeader)).toMatch(/needs to begin with "#cloud-config"/);
    // The CLI itself, on the same file, for the record.
    const cli = run("cloud-init", ["schema", "--config-file", bad]);
    expect(cli.status).not.toBe(0);
  });
});

describe("shellcheck", () => {
  beforeAll(() => {
    const files = names.flatMap(scriptsOf);
    for (const [file, list] of shellcheckEach(["--shell=bash", "--severity=style"], files))
      findings.set(file, list);
  });

  it.each(names)("%s scripts have no findings", (name) => {
    const scripts = scriptsOf(name);
    // Ollama pools also get gpufleet-ollama-models.
    expect(scripts).toHaveLength(name.includes("ollama") ? 6 : 5);
    for (const script of scripts) {
      expect(findings.has(script), script).toBe(true);
      expect(findings.get(script), script).toEqual([]);
    }
  });

  it("the batched check reports each script's own findings", () => {
    const bad = join(outDir, "bad.sh");
    writeFileSync(bad, "#!/usr/bin/env bash\necho $1\n");
    const good = join(outDir, "good.sh");
    writeFileSync(good, '#!/usr/bin/env bash\necho "$1"\n');
    const twin = join(outDir, "twin.sh");
    writeFileSync(twin, "#!/usr/bin/env bash\necho $1\n");
    const results = shellcheckEach(["--shell=bash", "--severity=style"], [bad, good, twin]);
    expect(results.get(bad)).toEqual([expect.stringMatching(/^2:6 SC2086 /)]);
    expect(results.get(good)).toEqual([]);
    // A byte-identical copy has the same findings (checked once).
    expect(results.get(twin)).toEqual(results.get(bad));
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
