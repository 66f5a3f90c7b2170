// Issue 11 item 8: the GPU host's units are sandboxed and its containers confined. systemd's own
// analyzer scores every rendered unit (`systemd-analyze security --offline`, the exposure on its
// 0–10 scale) and checks it parses (`verify`); the `docker run` lines carry the confinement each
// container allows.
import { spawn } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeRenderedPool } from "../../cli/render";
import { planFromFile } from "../../cli/main";
import {
  renderNginxAuthCheck,
  renderNginxConf,
  resolveContext,
  resolveReplicas,
} from "../../cloud-init";
import { renderElasticUnits } from "../../cloud-init/elastic";
import { renderSupportUnits, renderDockerRun, proxyCapabilities } from "../../cloud-init/units";
import { ENGINE_CONTAINER_SECURITY } from "../../planner/catalog/engines";
import type { PoolPlan } from "../../planner/types";
import { CONTEXT } from "./fixtures";
import { render } from "../../cloud-init";
import { planElasticFleet } from "../../planner/capacity";
import { planFleetMultiNode } from "../../planner/multinode";
import { BIG_MODELS, LLAMA_405B } from "../planner/big-models";
import {
  describeRun,
  freePort,
  requireTool,
  run,
  securityExposure,
  systemdRoot,
  tempDir,
} from "../tools";

/** One pool per engine (vLLM, SGLang, lmdeploy, llama.cpp, Ollama, embeddings, reranker). */
const POOLS: PoolPlan[] = planFromFile({
  config: join(__dirname, "../../examples/engines.yaml"),
  stack: "dev",
}).plan.pools;

/** Highest exposure systemd-analyze may give a sandboxed unit (0 = locked down, 10 = none). */
const MAX_EXPOSURE = 2.5;
/** The one unit left unsandboxed, and why (cloud-init/hardening.ts). */
const UNSANDBOXED = new Set(["gpufleet-bootstrap.service"]);

const MULTI_NODE_UNIT = "gpufleet-multinode-member-vllm-8000.service";
let root: string;
let units: string[];

/** A root with the distribution's units, a stub docker.service and every rendered unit. */
beforeAll(async () => {
  root = systemdRoot("hardening");
  const out = join(root, "rendered");
  for (const pool of POOLS) {
    await writeRenderedPool(pool, CONTEXT, out);
    for (const sub of ["etc", "opt", "usr/local"])
      cpSync(join(out, pool.name, sub), join(root, sub), { recursive: true });
  }
  // An elastic pool's drain and queue-metrics units.
  const ctx = resolveContext(CONTEXT, POOLS[0]!.name, POOLS[0]!.proxyPort);
  for (const u of renderElasticUnits(ctx, { publishMetrics: true }))
    writeFileSync(join(root, "etc/systemd/system", u.name), u.content);
  for (const script of ["gpufleet-drain", "gpufleet-metrics"])
    writeFileSync(join(root, "opt/gpufleet/bin", script), "#!/bin/sh\n", { mode: 0o755 });
  // A multi-node group member's replica unit (Llama 3.1 405B over two p5.48xlarge), under a name
  // of its own beside the single-node vllm replica.
  const big = planFleetMultiNode(
    {
      stack: CONTEXT.stack,
      pools: [
        {
          name: "big",
          instanceType: "p5.48xlarge",
          count: 2,
          model: LLAMA_405B.id,
          engine: "auto",
          quantization: "none",
        },
      ],
      models: BIG_MODELS,
    },
    planElasticFleet,
    true,
  ).pools[0]!;
  for (const f of render(big, CONTEXT).files) {
    if (f.path === "/etc/systemd/system/gpufleet-vllm-8000.service")
      writeFileSync(join(root, "etc/systemd/system", MULTI_NODE_UNIT), f.content);
    if (f.path === "/opt/gpufleet/bin/gpufleet-multinode")
      writeFileSync(join(root, f.path), f.content, { mode: 0o755 });
  }
  rmSync(out, { recursive: true, force: true });
  units = readdirSync(join(root, "etc/systemd/system")).filter(
    (f) => f.startsWith("gpufleet") && f.endsWith(".service"),
  );
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function exposure(unit: string): number {
  return securityExposure(root, unit);
}

describe("systemd sandboxing of the GPU host's units", () => {
  it("renders every kind of unit: replicas of each engine, helpers, download, watchdog, drain, metrics", () => {
    for (const u of [
      "gpufleet-download.service",
      "gpufleet-watchdog.service",
      "gpufleet-proxy.service",
      "gpufleet-node-exporter.service",
      "gpufleet-dcgm-exporter.service",
      "gpufleet-logs.service",
      "gpufleet-drain.service",
      "gpufleet-metrics.service",
      "gpufleet-bootstrap.service",
      MULTI_NODE_UNIT,
    ])
      expect(units).toContain(u);
    for (const engine of ["vllm", "sglang", "lmdeploy", "llamacpp", "ollama"])
      expect(units.some((u) => u.startsWith(`gpufleet-${engine}-`))).toBe(true);
  });

  it("every unit but gpufleet-bootstrap scores at most 2.5 on systemd-analyze security (10 = no sandbox)", () => {
    const scores = Object.fromEntries(units.map((u) => [u, exposure(u)]));
    for (const [unit, score] of Object.entries(scores)) {
      if (UNSANDBOXED.has(unit)) expect(score, unit).toBeGreaterThan(9);
      else expect(score, `${unit}: ${JSON.stringify(scores)}`).toBeLessThanOrEqual(MAX_EXPOSURE);
    }
  }, 120_000);

  it("systemd-analyze verify accepts every sandboxed unit without a word", () => {
    const r = run("systemd-analyze", ["verify", "--man=no", `--root=${root}`, ...units]);
    expect(r.status, describeRun("systemd-analyze verify", r)).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toBe("");
  }, 120_000);

  it("units that only drive docker have no network namespace of their own nor any IP; the watchdog only loopback", () => {
    const read = (u: string): string => readFileSync(join(root, "etc/systemd/system", u), "utf8");
    for (const u of units.filter((u) => /^gpufleet-(vllm|sglang|lmdeploy|llamacpp)-/.test(u))) {
      expect(read(u)).toContain("\nPrivateNetwork=yes\n");
      expect(read(u)).toContain("\nRestrictAddressFamilies=AF_UNIX\n");
      expect(read(u)).toContain("\nCapabilityBoundingSet=\n");
    }
    const ollama = read(units.find((u) => u.startsWith("gpufleet-ollama-"))!);
    expect(ollama).toContain("\nIPAddressAllow=localhost\nIPAddressDeny=any\n");
    expect(read("gpufleet-watchdog.service")).toContain(
      "\nIPAddressAllow=localhost\nIPAddressDeny=any\n",
    );
    expect(read("gpufleet-download.service")).toContain(
      "\nReadWritePaths=-/var/lib/gpufleet -/opt/gpufleet/models\n",
    );
    expect(read("gpufleet-bootstrap.service")).not.toContain("ProtectSystem");
    // A multi-node member ranks itself with the aws CLI and waits for its leader over the network.
    expect(read(MULTI_NODE_UNIT)).toContain("ExecStart=/opt/gpufleet/bin/gpufleet-multinode exec ");
    expect(read(MULTI_NODE_UNIT)).toContain(
      "\nRestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n",
    );
    expect(read(MULTI_NODE_UNIT)).not.toContain("PrivateNetwork");
  });
});

describe("container confinement in the docker run lines", () => {
  const ctx = resolveContext(CONTEXT, "x", 8080);

  it("every engine container drops every capability and gains no privilege (the catalog's one fact)", () => {
    expect(ENGINE_CONTAINER_SECURITY.capAdd).toEqual([]);
    for (const pool of POOLS) {
      for (const replica of resolveReplicas(pool, ctx)) {
        const line = renderDockerRun(replica, ctx);
        expect(line, replica.name).toContain(" --cap-drop ALL --security-opt no-new-privileges ");
        expect(line).not.toContain("--cap-add");
        expect(line).not.toContain("--privileged");
      }
    }
  });

  it("helpers: nginx gets back only CHOWN, SETGID, SETUID; exporters and the log shipper nothing; DCGM keeps Docker's set plus SYS_ADMIN", () => {
    const execOf = (name: string): string =>
      /\nExecStart=(.*)\n/.exec(renderSupportUnits(ctx).find((u) => u.name === name)!.content)![1]!;
    expect(execOf("gpufleet-proxy.service")).toContain(
      "--cap-drop ALL --cap-add CHOWN --cap-add SETGID --cap-add SETUID --security-opt no-new-privileges ",
    );
    for (const u of ["gpufleet-node-exporter.service", "gpufleet-logs.service"]) {
      expect(execOf(u)).toContain("--cap-drop ALL --security-opt no-new-privileges ");
      expect(execOf(u)).not.toContain("--cap-add");
    }
    expect(execOf("gpufleet-dcgm-exporter.service")).toContain("--security-opt no-new-privileges ");
    expect(execOf("gpufleet-dcgm-exporter.service")).toContain("--cap-add SYS_ADMIN");
    expect(proxyCapabilities(80)).toContain("NET_BIND_SERVICE");
    expect(proxyCapabilities(8080)).not.toContain("NET_BIND_SERVICE");
  });
});

describe("the proxy's capabilities, proven on real nginx", () => {
  /**
   * The pool's rendered proxy config under nginx started as root with only `caps` in its bounding
   * set and no-new-privs (setpriv, util-linux): what `docker run --cap-drop ALL --cap-add …
   * --security-opt no-new-privileges` leaves the container's root. Resolves with /health's status
   * (0 when nginx never answered; 502 is nginx answering without a replica behind it) and nginx's
   * output.
   */
  /** /health's HTTP status, 0 when nothing answered within a second. */
  async function ask(port: number): Promise<number> {
    const signal = AbortSignal.timeout(1000);
    return (
      (await fetch(`http://127.0.0.1:${port}/health`, { signal }).catch(() => null))?.status ?? 0
    );
  }

  async function proxyWith(caps: readonly string[]): Promise<{ status: number; output: string }> {
    requireTool("nginx");
    requireTool("setpriv");
    const pool = POOLS[0]!;
    const port = await freePort();
    const ctx = resolveContext({ ...CONTEXT, proxyPort: port }, pool.name, pool.proxyPort);
    const prefix = tempDir("proxy-caps");
    // Workers (www-data) stat the health and drain flags under it, as they do under /var/lib.
    chmodSync(prefix, 0o755);
    // The temp directory as the image has it: root's; nginx creates and chowns what is below.
    mkdirSync(join(prefix, "temp"), { mode: 0o755 });
    writeFileSync(join(prefix, "auth.conf"), renderNginxAuthCheck("k".repeat(48)));
    const conf = renderNginxConf(resolveReplicas(pool, ctx), ctx, {
      pidFile: join(prefix, "nginx.pid"),
      tempDir: join(prefix, "temp"),
      errorLog: join(prefix, "error.log"),
      accessLog: join(prefix, "access.log"),
      authInclude: join(prefix, "auth.conf"),
      unhealthyFile: join(prefix, "unhealthy"),
      drainFlag: join(prefix, "draining"),
    });
    writeFileSync(join(prefix, "nginx.conf"), conf);
    const bounding = ["-all", ...caps.map((c) => `+${c.toLowerCase()}`)].join(",");
    const nginx = spawn(
      "setpriv",
      [
        `--bounding-set=${bounding}`,
        "--no-new-privs",
        "nginx",
        "-p",
        prefix,
        "-c",
        join(prefix, "nginx.conf"),
        "-g",
        "daemon off;",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    let exited = false;
    nginx.stdout.on("data", (d: Buffer) => (output += d.toString()));
    nginx.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exit = new Promise<void>((r) => nginx.once("exit", () => ((exited = true), r())));
    let status = 0;
    try {
      // Up to 15 s for nginx to answer. A master that could not chown its temp directories exits;
      // one whose workers could not change their user says it cannot respawn them.
      const deadline = Date.now() + 15_000;
      const log = join(prefix, "error.log");
      const dead = (): boolean =>
        exited || (existsSync(log) && /cannot be respawned/.test(readFileSync(log, "utf8")));
      while (Date.now() < deadline && status === 0 && !dead()) {
        await new Promise((r) => setTimeout(r, 100));
        status = await ask(port);
      }
      // A worker that could not change its user exits right after the start: ask once more.
      await new Promise((r) => setTimeout(r, 300));
      if (status !== 0) status = dead() ? 0 : await ask(port);
    } finally {
      if (!exited) nginx.kill("SIGTERM");
      await exit;
      const log = join(prefix, "error.log");
      if (existsSync(log)) output += readFileSync(log, "utf8");
      rmSync(prefix, { recursive: true, force: true });
    }
    return { status, output };
  }

  it("starts and answers with exactly CHOWN, SETGID and SETUID", async () => {
    const r = await proxyWith(proxyCapabilities(8080));
    // No replica runs behind it: nginx itself answers, from a worker that changed its user.
    expect(r.status, r.output).toBe(502);
    expect(r.output).not.toMatch(/Operation not permitted/);
  }, 60_000);

  it.each(["CHOWN", "SETUID"])(
    "fails without %s (none of the three is spare)",
    async (cap) => {
      const r = await proxyWith(proxyCapabilities(8080).filter((c) => c !== cap));
      expect(r.status, r.output).not.toBe(200);
      expect(r.output).toMatch(/Operation not permitted/);
    },
    60_000,
  );
});
