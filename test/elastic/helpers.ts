// Sandbox pieces of the elastic tests: a stand-in IMDSv2 on 127.0.0.1 (ephemeral port), rendered
// files written under a temporary root, and scripts run asynchronously (the stand-in servers live
// in this process, so a blocking spawnSync would deadlock them).
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import {
  renderNginxAuthCheck,
  renderNginxConf,
  resolveContext,
  resolveReplicas,
  type RenderContext,
  type RenderedFile,
} from "../../cloud-init";
import type { PoolPlan } from "../../planner/types";
import { STUB_LOG_LINE } from "../tools";

/** What the stand-in IMDS answers; null means 404 (no such notice). */
export interface ImdsState {
  instanceType: string;
  spotAction: { action: string; time: string } | null;
  rebalance: { noticeTime: string } | null;
  targetLifecycleState: string;
}

export interface StandInImds {
  url: string;
  state: ImdsState;
  /** "METHOD path status" of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * IMDSv2 as EC2 serves it: PUT /latest/api/token with a TTL header returns a token; every GET must
 * carry it (401 otherwise); notices that are not there are 404.
 */
export async function startImds(instanceType: string): Promise<StandInImds> {
  const state: ImdsState = {
    instanceType,
    spotAction: null,
    rebalance: null,
    targetLifecycleState: "InService",
  };
  const requests: string[] = [];
  const token = `AQAEA${"x".repeat(51)}==`;
  const server: Server = createServer((req, res) => {
    const reply = (status: number, body = ""): void => {
      requests.push(`${req.method} ${req.url} ${status}`);
      res.writeHead(status, { "content-type": "text/plain" }).end(body);
    };
    if (req.method === "PUT" && req.url === "/latest/api/token") {
      const ttl = Number(req.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      return ttl >= 1 && ttl <= 21600 ? reply(200, token) : reply(400);
    }
    if (req.method !== "GET") return reply(405);
    if (req.headers["x-aws-ec2-metadata-token"] !== token) return reply(401);
    switch (req.url) {
      case "/latest/meta-data/instance-type":
        return reply(200, state.instanceType);
      case "/latest/meta-data/spot/instance-action":
        return state.spotAction ? reply(200, JSON.stringify(state.spotAction)) : reply(404);
      case "/latest/meta-data/events/recommendations/rebalance":
        return state.rebalance ? reply(200, JSON.stringify(state.rebalance)) : reply(404);
      case "/latest/meta-data/autoscaling/target-lifecycle-state":
        return reply(200, state.targetLifecycleState);
      default:
        return reply(404);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Writes rendered files under root (each at its absolute path below it), with their modes. */
export function writeFiles(root: string, files: RenderedFile[]): void {
  for (const f of files) {
    const path = join(root, ...f.path.split("/").filter(Boolean));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.content);
    chmodSync(path, parseInt(f.mode, 8));
  }
}

/** Writes a stub command that logs "name args" to $STUB_LOG, then runs body. */
export function writeStub(binDir: string, name: string, body: string): void {
  mkdirSync(binDir, { recursive: true });
  writeFileSync(join(binDir, name), `#!/usr/bin/env bash\n${STUB_LOG_LINE}\n${body}\n`);
  chmodSync(join(binDir, name), 0o755);
}

export interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop; resolves when it exits. */
export function runAsync(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; done: Promise<Finished>; output: () => string } {
  const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Finished>((resolve) =>
    child.on("exit", (status) => resolve({ status, stdout, stderr })),
  );
  return { child, done, output: () => `${stdout}\n${stderr}` };
}

/** Polls until check() is true, or fails with what() after timeoutMs. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: () => string,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
}

/**
 * The pool's rendered proxy config under real nginx in a sandbox: runtime files under `base/nginx`,
 * the health and drain flags under `root` (where the rendered scripts write them), the API key's
 * check from renderNginxAuthCheck. Resolves once `/health` answers 200 on 127.0.0.1:`proxyPort`.
 */
export async function startSandboxProxy(args: {
  pool: PoolPlan;
  context: RenderContext;
  base: string;
  root: string;
  key: string;
  proxyPort: number;
}): Promise<{ nginx: ReturnType<typeof runAsync>; proxy: string }> {
  const { pool, context, base, root, key, proxyPort } = args;
  const ctx = resolveContext(context, pool.name, pool.proxyPort);
  const prefix = join(base, "nginx");
  writeFiles(prefix, [
    { path: "/auth.conf", content: renderNginxAuthCheck(key), mode: "0644" },
    { path: "/temp/.keep", content: "", mode: "0644" },
  ]);
  const conf = renderNginxConf(resolveReplicas(pool, ctx), ctx, {
    pidFile: join(prefix, "nginx.pid"),
    tempDir: join(prefix, "temp"),
    errorLog: join(prefix, "error.log"),
    accessLog: join(prefix, "access.log"),
    authInclude: join(prefix, "auth.conf"),
    unhealthyFile: join(root, "var/lib/gpufleet/health/unhealthy"),
    drainFlag: join(root, "var/lib/gpufleet/drain/draining"),
  });
  writeFileSync(join(prefix, "nginx.conf"), conf);
  const nginx = runAsync(
    "nginx",
    ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-g", "daemon off;"],
    process.env,
  );
  const proxy = `http://127.0.0.1:${proxyPort}`;
  await waitFor(
    async () => (await fetch(`${proxy}/health`).catch(() => null))?.status === 200,
    60_000,
    () => `nginx: ${nginx.output()}`,
  );
  return { nginx, proxy };
}

/** A spot pool as a user writes it: an on-demand floor of 1, three more types. */
export const SPOT_POOL = {
  name: "chat",
  instanceType: "g5.2xlarge",
  count: 2,
  minCount: 1,
  maxCount: 6,
  capacity: {
    onDemandBase: 1,
    spot: true,
    instanceTypes: ["g6e.xlarge", "g6.2xlarge", "g5.12xlarge"],
  },
  scaling: { targetWaitingPerInstance: 4 },
};
