// The on-host proxy for real: gpufleet-bootstrap (in the sandbox) writes the key check from the
// key in SSM, Debian's nginx runs the rendered nginx.conf with it on 127.0.0.1 in front of a
// stand-in replica, and requests with and without the key get what a client would get. Keys of
// every length the config accepts, with letters and digits as the generated key has, and with the
// characters special to a regular expression.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY_PATTERN, renderNginxAuthCheck } from "../../cloud-init";
import type { PoolPlan } from "../../planner/types";
import { CONTEXT, G5_OLLAMA } from "./fixtures";
import { createSandbox } from "./sandbox-helpers";
import { describeRun, requireTool } from "../tools";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A key like RandomPassword's (letters and digits), deterministic per length. */
function alnumKey(length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += ALNUM[(i * 7 + length * 13) % ALNUM.length];
  return s;
}

/** The same letters with every letter's case swapped. */
const swapCase = (s: string): string =>
  [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join("");

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", ok));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

/** The stand-in replica: answers every path with 200 and echoes the path and key it received. */
let upstream: Server;
let upstreamPort = 0;
beforeAll(async () => {
  upstream = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ path: req.url, authorization: req.headers.authorization ?? null }));
  });
  await new Promise<void>((ok) => upstream.listen(0, "127.0.0.1", ok));
  upstreamPort = (upstream.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((ok) => upstream.close(() => ok())));

interface Proxy {
  port: number;
  root: string;
  get(path: string, authorization?: string): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

/** Boots the sandbox with `key` in SSM, then runs nginx with the files the bootstrap wrote. */
async function startProxy(key: string): Promise<Proxy> {
  requireTool("nginx");
  const port = await freePort();
  const pool: PoolPlan = {
    ...G5_OLLAMA,
    proxyPort: port,
    replicas: G5_OLLAMA.replicas.map((r) => ({ ...r, port: upstreamPort })),
  };
  const sb = await createSandbox(pool, CONTEXT);
  sb.setSsm(CONTEXT.apiKeyParameter, key);
  const boot = sb.runScript("gpufleet-bootstrap");
  expect(boot.status, describeRun("gpufleet-bootstrap", boot)).toBe(0);
  expect(sb.read("etc/gpufleet/secrets/nginx-auth.conf")).toBe(renderNginxAuthCheck(key));
  const conf = sb
    .read("etc/gpufleet/nginx.conf")
    .replace(`listen ${port};`, `listen 127.0.0.1:${port};`)
    .replace("pid /var/run/nginx.pid;", `pid ${sb.root}/nginx.pid;`)
    .replace("error_log stderr", `error_log ${sb.root}/error.log`)
    .replace("access_log /dev/stdout", `access_log ${sb.root}/access.log`)
    .replaceAll("/var/cache/nginx", sb.root)
    .replace("include /etc/gpufleet/", `include ${sb.root}/etc/gpufleet/`)
    .replace(
      "-f /var/lib/gpufleet/health/unhealthy",
      `-f ${sb.root}/var/lib/gpufleet/health/unhealthy`,
    );
  expect(conf).toContain(`listen 127.0.0.1:${port};`);
  writeFileSync(join(sb.root, "nginx-test.conf"), conf);
  // nginx's workers (user nobody when started as root) must reach the watchdog's file, as the
  // proxy container's workers reach the host's /var/lib/gpufleet/health; mkdtemp made it 0700.
  chmodSync(join(sb.root, "../.."), 0o755);
  const args = [
    "-e",
    join(sb.root, "error.log"),
    "-p",
    sb.root,
    "-c",
    join(sb.root, "nginx-test.conf"),
  ];
  const child: ChildProcess = spawn("nginx", [...args, "-g", "daemon off;"], { stdio: "pipe" });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((ok) => child.on("exit", (code) => ok(code)));
  const get = async (path: string, authorization?: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: authorization === undefined ? {} : { authorization },
    });
    return { status: res.status, body: await res.text() };
  };
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    sb.cleanup();
  };
  // Up when /health answers; nginx that exits (a config it rejects) fails the test with its words.
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) {
      sb.cleanup();
      throw new Error(`nginx exited ${child.exitCode}: ${stderr}`);
    }
    try {
      if ((await get("/health")).status === 200) break;
    } catch {
      // not listening yet
    }
    if (i > 300) {
      await stop();
      throw new Error(`nginx did not answer /health on 127.0.0.1:${port}: ${stderr}`);
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return { port, root: sb.root, get, stop };
}

describe("the proxy's key check under real nginx", () => {
  const keys: Array<[string, string]> = [8, 16, 32, 40, 48, 64, 128, 256].map((n) => [
    `${n} letters and digits`,
    alnumKey(n),
  ]);
  keys.push(["48 with every special character", `A.b+C~d/E=f-G_h${alnumKey(32)}`]);

  it.each(keys)(
    "a key of %s: 401 without it, in another case, or altered; 200 with it",
    async (_, key) => {
      expect(key).toMatch(API_KEY_PATTERN);
      const proxy = await startProxy(key);
      try {
        const ok = await proxy.get("/v1/models", `Bearer ${key}`);
        expect(ok.status).toBe(200);
        // The client's header reaches the replica unchanged (engines with a key check it too).
        expect(JSON.parse(ok.body)).toEqual({ path: "/v1/models", authorization: `Bearer ${key}` });
        expect((await proxy.get("/v1/chat/completions", `Bearer ${key}`)).status).toBe(200);

        const refused = [
          undefined,
          "",
          `Bearer ${swapCase(key)}`,
          `bearer ${key}`,
          `BEARER ${key}`,
          `Bearer ${key.slice(0, -1)}`,
          `Bearer ${key}x`,
          `Bearer  ${key}`,
          `Bearer x${key}`,
          key,
          // "." and "+" are literal, not "any character" / "one or more".
          `Bearer ${key.replace(".", "x").replace("+", "")}`,
          `Bearer ${key.replace("+", "++")}`,
        ].filter((h) => h !== `Bearer ${key}`);
        for (const header of refused) {
          const r = await proxy.get("/v1/models", header);
          expect(r.status, `Authorization: ${JSON.stringify(header)}`).toBe(401);
          expect(JSON.parse(r.body)).toEqual({
            error: {
              message: "missing or invalid API key",
              type: "invalid_request_error",
              code: 401,
            },
          });
        }
        // The load balancer's health check needs no key.
        expect((await proxy.get("/health")).status).toBe(200);
        expect((await proxy.get("/metrics", `Bearer ${key}`)).status).toBe(404);
      } finally {
        await proxy.stop();
      }
    },
    120_000,
  );

  it("answers /health with 503 while the watchdog reports the host unhealthy", async () => {
    const proxy = await startProxy(alnumKey(48));
    try {
      const file = join(proxy.root, "var/lib/gpufleet/health/unhealthy");
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, "gpufleet-ollama-8000\n");
      const r = await proxy.get("/health");
      expect(r.status).toBe(503);
      expect(r.body).toContain("this host is to be replaced");
      rmSync(file);
      expect((await proxy.get("/health")).status).toBe(200);
    } finally {
      await proxy.stop();
    }
  }, 120_000);

  it("the boot refuses a key the config would refuse (too long, a space), before writing it", async () => {
    for (const key of [alnumKey(257), `${alnumKey(20)} ${alnumKey(20)}`, "short"]) {
      expect(key).not.toMatch(API_KEY_PATTERN);
      expect(() => renderNginxAuthCheck(key)).toThrow(/8 to 256 characters/);
      const sb = await createSandbox(G5_OLLAMA, CONTEXT);
      try {
        sb.setSsm(CONTEXT.apiKeyParameter, key);
        const boot = sb.runScript("gpufleet-bootstrap");
        expect(boot.status).not.toBe(0);
        expect(boot.stderr).toContain("must be 8 to 256 characters");
        expect(sb.exists("etc/gpufleet/secrets/nginx-auth.conf")).toBe(false);
      } finally {
        sb.cleanup();
      }
    }
  }, 60_000);
});
