// The interruption drain in the sandbox: the real gpufleet-drain (as the user data writes it), real
// nginx with the rendered proxy config, the stand-in engine, and a stand-in IMDSv2 on 127.0.0.1.
// Notice appears -> the proxy refuses new work -> the in-flight stream completes -> the engines stop,
// all before the notice's deadline. Then the queue publisher reads the same engine.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStackConfig, toPlanInput } from "../../config";
import { renderElasticPool } from "../../cloud-init/elastic";
import { planElasticFleet } from "../../planner/capacity";
import type { PoolPlan } from "../../planner/types";
import { HOST_PATH, requireTool } from "../tools";
import {
  runAsync,
  startImds,
  startSandboxProxy,
  waitFor,
  writeFiles,
  writeStub,
  type StandInImds,
} from "./helpers";

/** A generated-length key (48 characters), as production uses. */
const KEY = "Zq7RkX2mPw9LcV4nTb8HsY3gJd6FaQ1eUo5iKr0tWy2xNv7B";
const ROOT_DIR = join(__dirname, "../..");

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe("gpufleet-drain against a stand-in IMDSv2, real nginx and the stand-in engine", () => {
  let base: string;
  let root: string;
  let imds: StandInImds;
  let engine: ReturnType<typeof runAsync>;
  let enginePort: number;
  let nginx: ReturnType<typeof runAsync>;
  let proxy: string;
  let pool: PoolPlan;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    requireTool("nginx");
    requireTool("curl");
    base = mkdtempSync(join(tmpdir(), "gpufleet-drain-"));
    chmodSync(base, 0o755); // nginx's workers (nobody) stat the drain flag below it
    root = join(base, "root");
    const planned = planElasticFleet(
      toPlanInput(
        "prod",
        parseStackConfig({
          pools: [
            {
              name: "chat",
              instanceType: "g5.2xlarge",
              count: 2,
              minCount: 1,
              maxCount: 4,
              capacity: { spot: true },
              scaling: {},
            },
          ],
        }),
      ),
    ).pools[0]!;
    const replica = planned.replicas[0]!;
    // The engine: the plan's engine kind and served name, 40 tokens at 5 tokens/s (an 8 s stream).
    engine = runAsync(
      process.execPath,
      [
        join(ROOT_DIR, "standin/engine.mjs"),
        "--port",
        "0",
        "--served-model-name",
        replica.model.servedName,
        "--engine",
        replica.engine,
        "--api-key",
        KEY,
        "--token-rate",
        "5",
        "--output-tokens",
        "40",
        "--ignore-max-tokens",
      ],
      process.env,
    );
    await waitFor(() => /listening \S+:\d+/.test(engine.output()), 60_000, engine.output);
    enginePort = Number(/listening \S+:(\d+)/.exec(engine.output())![1]);
    // The plan, with the replica on the engine's ephemeral port and the proxy on a free one.
    pool = { ...planned, replicas: [{ ...replica, port: enginePort }] };
    const proxyPort = await freePort();
    imds = await startImds("g5.2xlarge");
    const context = {
      stack: "prod",
      region: "us-east-1",
      apiKeyParameter: "/gpufleet/prod/engine-api-key",
      proxyPort,
    };
    const rendered = renderElasticPool(pool, context, { publishMetrics: true });
    writeFiles(root, rendered.files);
    // nginx: the rendered proxy config, runtime paths in the sandbox, the drain flag under root.
    ({ nginx, proxy } = await startSandboxProxy({
      pool,
      context,
      base,
      root,
      key: KEY,
      proxyPort,
    }));
    // Stubs: systemctl stops the engine for real (the replica unit's docker stop); aws records.
    const stubs = join(base, "stubs");
    writeFileSync(join(base, "engine.pid"), String(engine.child.pid));
    writeStub(
      stubs,
      "systemctl",
      `printf '%s %s\\n' "$(date +%s.%N)" "$*" >>"$STUB_DIR/systemctl.log"
if [ "$1" = stop ]; then for u in "$@"; do case "$u" in gpufleet-*-[0-9]*.service)
  pid="$(cat "$STUB_DIR/engine.pid")"; kill -TERM "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done ;; esac; done; fi
exit 0`,
    );
    writeStub(stubs, "aws", "exit 0");
    env = {
      PATH: `${stubs}:${HOST_PATH}`,
      LANG: "C",
      GPUFLEET_ROOT: root,
      GPUFLEET_CONSOLE: join(base, "console"),
      GPUFLEET_IMDS_ENDPOINT: imds.url,
      STUB_LOG: join(base, "calls.log"),
      STUB_DIR: base,
    };
    writeFileSync(env.STUB_LOG!, "");
  });

  afterAll(async () => {
    engine?.child.kill("SIGKILL");
    nginx?.child.kill("SIGQUIT");
    await imds?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  const chat = (stream: boolean): Promise<Response> =>
    fetch(`${proxy}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: pool.replicas[0]!.model.servedName,
        messages: [{ role: "user", content: "hi" }],
        stream,
      }),
    });

  it("publishes the queue the engine reports, once per period", async () => {
    const r = runAsync("bash", [join(root, "opt/gpufleet/bin/gpufleet-metrics"), "--once"], env);
    const done = await r.done;
    expect(done.status, r.output()).toBe(0);
    const put = readFileSync(env.STUB_LOG!, "utf8")
      .split("\n")
      .find((l) => l.startsWith("aws cloudwatch put-metric-data"))!;
    expect(put).toContain("--namespace gpufleet/prod");
    const data = JSON.parse(put.slice(put.indexOf("--metric-data ") + 14)) as Array<{
      MetricName: string;
      Value: number;
      Dimensions: Array<{ Name: string; Value: string }>;
      Timestamp: string;
    }>;
    expect(data.map((d) => d.MetricName)).toEqual(["RequestsWaiting", "KvCacheUsage"]);
    expect(data[0]!.Value).toBe(0);
    expect(data[0]!.Dimensions).toEqual([
      { Name: "Stack", Value: "prod" },
      { Name: "Pool", Value: "chat" },
    ]);
    // Stamped at the start of its minute: one datapoint per host per period.
    expect(new Date(data[0]!.Timestamp).getUTCSeconds()).toBe(0);
  }, 120_000);

  it("on a spot notice: refuses new work, lets the stream finish, stops the engine in time", async () => {
    const drain = runAsync("bash", [join(root, "opt/gpufleet/bin/gpufleet-drain")], env);
    try {
      await waitFor(() => /watching IMDS/.test(drain.output()), 60_000, drain.output);
      // A stream in flight before the notice.
      const inflight = await chat(true);
      expect(inflight.status).toBe(200);
      const reader = inflight.body!.getReader();
      let text = "";
      const first = await reader.read();
      text += new TextDecoder().decode(first.value);
      const streamDone = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return Date.now();
          text += new TextDecoder().decode(value);
        }
      })();

      const noticeAt = Date.now();
      const deadline = Math.ceil(noticeAt / 1000) + 120;
      imds.state.spotAction = {
        action: "terminate",
        time: new Date(deadline * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
      };
      // The proxy refuses new work within a poll (5 s), and tells the load balancer.
      const refusedAfter = await waitFor(
        async () => (await chat(false)).status === 503,
        30_000,
        drain.output,
      );
      expect(refusedAfter).toBeLessThan(15_000);
      expect((await fetch(`${proxy}/health`)).status).toBe(503);

      // The stream that was running completes, every token, then the engine stops.
      const streamEnd = await streamDone;
      expect(text).toContain("[DONE]");
      expect((text.match(/"content":/g) ?? []).length).toBeGreaterThanOrEqual(40);
      await waitFor(() => /engines stopped/.test(drain.output()), 60_000, drain.output);
      const stops = readFileSync(join(base, "systemctl.log"), "utf8").trim().split("\n");
      expect(stops[0]).toMatch(/ stop gpufleet-watchdog\.timer gpufleet-watchdog\.service$/);
      const engineStop = stops.find((l) => /stop gpufleet-\w+-\d+\.service/.test(l))!;
      const stoppedAt = Number(engineStop.split(" ")[0]) * 1000;
      expect(stoppedAt).toBeGreaterThanOrEqual(streamEnd - 1000);
      expect(stoppedAt).toBeLessThan(deadline * 1000);
      // The engine process is gone (done resolves on its exit).
      await engine.done;
      expect(engine.child.exitCode !== null || engine.child.signalCode !== null).toBe(true);
      const flag = readFileSync(join(root, "var/lib/gpufleet/drain/draining"), "utf8");
      expect(flag).toMatch(/^reason=spot-interruption\n/);
      expect(flag).toContain(`deadline=${deadline}`);
      expect(readFileSync(env.STUB_LOG!, "utf8")).toMatch(
        /aws cloudwatch put-metric-data .*"MetricName":"SpotInterruptions"/,
      );
      // IMDSv2 all along: a token, then notices with it; polled every 5 s.
      expect(imds.requests).toContain("PUT /latest/api/token 200");
      expect(imds.requests.filter((r) => r.endsWith(" 401"))).toEqual([]);
    } finally {
      drain.child.kill("SIGKILL");
    }
  }, 300_000);
});
