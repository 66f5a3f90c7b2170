// The real-daemon proof: the containers the docker target declares (captured under the offline
// mocks, the provider's inputs) run on a real dockerd through the Docker Engine API. It FAILS when
// no daemon answers (.ci/run starts dockerd) or the local image is missing (test/docker/image.sh):
// a skipped proof would look like a passing one.
import { request } from "node:http";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyCaptured,
  crashUnderRestartPolicy,
  containerLog,
  execIn,
  requireDaemon,
  standinControl,
  teardown,
  type Applied,
} from "./engine-api";
import { DOCKER_SECRETS, runDocker } from "./harness";

const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const STACK = `proof${process.pid}`;
let applied: Applied;
/** The models the plan picks for the two pools below (RTX 4090s, Russian chat; embedding). */
const CHAT_MODEL = "IlyaGusev/saiga_nemo_12b";
const EMBED_MODEL = "BAAI/bge-m3";
/** Each download one-shot's name → when it exited (and its exit code). */
const downloads = new Map<string, { finished: number; exitCode: number }>();
const AUTH = `authorization: Bearer ${DOCKER_SECRETS.apiKey}`;
/** The watchdog's load grace here (the plan's is minutes): the stand-in answers within a second. */
const WATCHDOG_GRACE = 5;
const WATCHDOG = `${STACK}-local-watchdog`;

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** What the watchdog recorded for a replica (its state directory in the host's state volume). */
async function watchdogRecord(name: string): Promise<{ restarts: number; state: string }> {
  const out = await execIn(docker, WATCHDOG, [
    "sh",
    "-c",
    `cat /var/lib/gpufleet/watchdog/${name}.restarts 2>/dev/null || echo 0; cat /var/lib/gpufleet/watchdog/${name}.state 2>/dev/null || echo none`,
  ]);
  const [restarts, state] = out.trim().split("\n");
  return { restarts: Number(restarts), state: state ?? "none" };
}

function watchdogLog(): Promise<string> {
  return containerLog(docker, WATCHDOG);
}

function call(
  port: number,
  path: string,
  opts: { key?: string; body?: unknown } = {},
): Promise<{ status: number; body: string; chunkTimes: number[] }> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: data ? "POST" : "GET",
        headers: {
          ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
          ...(data ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        let body = "";
        const chunkTimes: number[] = [];
        res.on("data", (d: Buffer) => {
          chunkTimes.push(Date.now());
          body += d.toString("utf8");
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, chunkTimes }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

beforeAll(async () => {
  await requireDaemon(docker);
  await teardown(docker, STACK);
  // A chat pool of two vLLM replicas and an embedding pool sharing GPU 0, as `pulumi up` would.
  const run = await runDocker(
    {
      pools: [
        { name: "chat", gpu: "RTX-4090", gpuCount: 2, engine: "vllm", gpuShare: 0.8 },
        { name: "embed", gpu: "RTX-4090", gpuCount: 2, gpuIndices: [0], task: "embedding" },
      ],
      apiKey: DOCKER_SECRETS.apiKey,
      hfToken: DOCKER_SECRETS.hfToken,
      monitoring: { enabled: true },
      gateway: { enabled: true },
    },
    { dryRun: false, stack: STACK },
  );
  applied = await applyCaptured(docker, run.resources, {
    standinArgs: ["--token-rate", "20", "--output-tokens", "20"],
    watchdogGraceSeconds: WATCHDOG_GRACE,
    prometheusIntervalSeconds: 2,
  });
  for (const c of await docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`gpufleet.stack=${STACK}`, "gpufleet.role=download"] }),
  })) {
    const info = await docker.getContainer(c.Id).inspect();
    downloads.set(info.Name.replace(/^\//, ""), {
      finished: Date.parse(info.State.FinishedAt),
      exitCode: info.State.ExitCode,
    });
  }
});

afterAll(async () => {
  await teardown(docker, STACK);
});

describe("the docker target on a real daemon", () => {
  it("fetches each model once (gpufleet-fetch.py, the token from its file) before its engines start; every engine turns healthy", async () => {
    // One one-shot per model of the host, each exited 0 with the snapshot and its marker in the
    // cache (the stand-in huggingface_hub refuses an empty token file).
    const chat = `${STACK}-local-download-ilyagusev-saiga-nemo-12b`;
    const embed = `${STACK}-local-download-baai-bge-m3`;
    expect([...downloads.keys()].sort()).toEqual([chat, embed].sort());
    for (const d of downloads.values()) expect(d.exitCode).toBe(0);
    const cache = await execIn(docker, `${STACK}-chat-8000`, [
      "sh",
      "-c",
      "ls -d /models/hub/models--*/snapshots/standin /models/.gpufleet/*.complete",
    ]);
    for (const model of [CHAT_MODEL, EMBED_MODEL]) {
      expect(cache).toContain(`/models/hub/models--${model.replace("/", "--")}/snapshots/standin`);
      expect(cache).toContain(`/models/.gpufleet/${model.replace("/", "--")}.complete`);
    }
    const download = await docker.getContainer(chat).inspect();
    expect(download.HostConfig.NetworkMode).toBe("bridge");
    expect(download.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(download.HostConfig.SecurityOpt).toEqual(["no-new-privileges:true"]);
    expect(download.Config.Env).toContain("HF_TOKEN_PATH=/run/secrets/gpufleet/hf-token");
    for (const [name, model] of [
      [`${STACK}-chat-8000`, chat],
      [`${STACK}-chat-8001`, chat],
      [`${STACK}-embed-8002`, embed],
    ] as const) {
      const info = await docker.getContainer(name).inspect();
      expect(Date.parse(info.State.StartedAt)).toBeGreaterThan(downloads.get(model)!.finished);
      expect(info.State.Health?.Status).toBe("healthy");
      expect(info.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
      expect(info.HostConfig.LogConfig).toEqual({
        Type: "json-file",
        Config: { "max-size": "50m", "max-file": "5" },
      });
    }
  });

  it("proxy: 401 without the key, 200 with it, SSE streamed unbuffered, requests spread over replicas", async () => {
    const ports = applied.published.get(`${STACK}-chat-proxy`)!;
    const port = ports.get(8080)!;
    const info = await docker.getContainer(`${STACK}-chat-proxy`).inspect();
    expect(info.HostConfig.PortBindings?.["8080/tcp"]?.[0]?.HostIp).toBe("127.0.0.1");
    expect((await call(port, "/v1/models")).status).toBe(401);
    expect((await call(port, "/v1/models", { key: `${DOCKER_SECRETS.apiKey}x` })).status).toBe(401);
    const models = await call(port, "/v1/models", { key: DOCKER_SECRETS.apiKey });
    expect(models.status).toBe(200);
    const served = JSON.parse(models.body) as { data: Array<{ id: string }> };
    const model = served.data[0]!.id;
    const stream = await call(port, "/v1/chat/completions", {
      key: DOCKER_SECRETS.apiKey,
      body: { model, stream: true, messages: [{ role: "user", content: "hi" }] },
    });
    expect(stream.status).toBe(200);
    expect(stream.body).toContain("data: [DONE]");
    // 20 tokens at 20 tokens/s: unbuffered, the chunks arrive spread over about a second.
    expect(stream.chunkTimes.length).toBeGreaterThan(5);
    expect(stream.chunkTimes.at(-1)! - stream.chunkTimes[0]!).toBeGreaterThan(500);
    for (let i = 0; i < 8; i++) {
      const r = await call(port, "/v1/chat/completions", {
        key: DOCKER_SECRETS.apiKey,
        body: { model, max_tokens: 2, messages: [{ role: "user", content: `n${i}` }] },
      });
      expect(r.status).toBe(200);
    }
    const served0 = JSON.parse(
      await execIn(docker, `${STACK}-chat-8000`, [
        "curl",
        "-s",
        "-H",
        AUTH,
        "127.0.0.1:8000/standin/stats",
      ]),
    ) as { chatRequests: number };
    const served1 = JSON.parse(
      await execIn(docker, `${STACK}-chat-8001`, [
        "curl",
        "-s",
        "-H",
        AUTH,
        "127.0.0.1:8001/standin/stats",
      ]),
    ) as { chatRequests: number };
    expect(served0.chatRequests).toBeGreaterThan(0);
    expect(served1.chatRequests).toBeGreaterThan(0);
    expect(served0.chatRequests + served1.chatRequests).toBe(9);
  });

  it("docker inspect of every container shows no secret; the key file is root-only", async () => {
    for (const name of applied.declared.keys()) {
      const c = docker.getContainer(name);
      const info = await c.inspect().catch(() => undefined);
      if (!info) continue; // exporters are not run here (they need their real images and a GPU)
      expect(JSON.stringify(info)).not.toContain(DOCKER_SECRETS.apiKey);
      expect(JSON.stringify(info)).not.toContain(DOCKER_SECRETS.hfToken);
    }
    const mode = await execIn(docker, `${STACK}-chat-8000`, [
      "stat",
      "-c",
      "%a %U",
      "/run/secrets/gpufleet/api-key",
    ]);
    expect(mode.trim()).toBe("400 root");
  });

  it("Prometheus (the rendered config and rules) scrapes every engine and exporter target", async () => {
    const prometheus = `${STACK}-local-prometheus`;
    const api = async (path: string): Promise<unknown> =>
      (
        JSON.parse(await execIn(docker, prometheus, ["curl", "-fsS", `localhost:9090${path}`])) as {
          data: unknown;
        }
      ).data;
    interface Target {
      scrapePool: string;
      health: string;
      labels: Record<string, string>;
      lastError: string;
    }
    const expected = [
      "engine-chat-8000",
      "engine-chat-8001",
      "engine-embed-8002",
      "node-chat",
      "node-embed",
      "dcgm-chat",
      "dcgm-embed",
      "prometheus",
      "alertmanager",
    ];
    const targets = await until("every engine and exporter target up", 120_000, async () => {
      const { activeTargets } = (await api("/api/v1/targets")) as { activeTargets: Target[] };
      const up = expected.every((pool) =>
        activeTargets.some((t) => t.scrapePool === pool && t.health === "up"),
      );
      return up ? activeTargets : undefined;
    }).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(await api("/api/v1/targets"))}`);
    });
    // Every target the config names but Grafana's (no image here) is up.
    expect(targets.filter((t) => t.health !== "up").map((t) => t.scrapePool)).toEqual(["grafana"]);
    expect(targets.map((t) => t.scrapePool).sort()).toEqual([...expected, "grafana"].sort());
    const engine = targets.find((t) => t.scrapePool === "engine-chat-8001")!;
    expect(engine.labels).toMatchObject({
      job: "gpufleet-engine",
      pool: "chat",
      replica: `${STACK}-chat-8001`,
      instance_id: "local",
      engine: "vllm",
      port: "8001",
    });
    expect(targets.find((t) => t.scrapePool === "node-embed")!.labels).toMatchObject({
      job: "gpufleet-node",
      pool: "embed",
      instance_id: "local",
    });
    // Alertmanager is Prometheus's, by container name.
    const ams = (await api("/api/v1/alertmanagers")) as {
      activeAlertmanagers: Array<{ url: string }>;
    };
    expect(ams.activeAlertmanagers.map((a) => a.url)).toEqual([
      `http://${STACK}-local-alertmanager:9093/api/v2/alerts`,
    ]);
    // The rule file is loaded and every rule evaluates without an error.
    const groups = await until("every rule evaluated", 60_000, async () => {
      const { groups: g } = (await api("/api/v1/rules")) as {
        groups: Array<{
          name: string;
          rules: Array<{ name: string; health: string; lastError?: string }>;
        }>;
      };
      return g.length === 3 && g.every((x) => x.rules.every((r) => r.health !== "unknown"))
        ? g
        : undefined;
    });
    expect(groups.map((g) => g.name).sort()).toEqual([
      "gpufleet-fleet",
      "gpufleet-pools",
      "gpufleet-recording",
    ]);
    for (const g of groups)
      for (const r of g.rules) expect(r.health, `${r.name}: ${r.lastError ?? ""}`).toBe("ok");
    // The engines' own metric names reach the recording rules: one running series per replica.
    const running = await until("the folded series per replica", 60_000, async () => {
      const { result } = (await api("/api/v1/query?query=gpufleet:replica_requests_running")) as {
        result: Array<{ metric: Record<string, string> }>;
      };
      return result.length === 3 ? result : undefined;
    });
    expect(running.map((r) => r.metric.replica).sort()).toEqual([
      `${STACK}-chat-8000`,
      `${STACK}-chat-8001`,
      `${STACK}-embed-8002`,
    ]);
    const info = await docker.getContainer(prometheus).inspect();
    expect(info.Config.User).toBe("0:0");
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(info.HostConfig.PortBindings ?? {}).toEqual({});
    const mode = await execIn(docker, prometheus, [
      "stat",
      "-c",
      "%a %U",
      "/run/gpufleet-secrets/engine-api-key",
    ]);
    expect(mode.trim()).toBe("400 root");
  });

  it("LiteLLM's wrapper hands it every secret from its 0400 files; docker inspect shows none; the config's pool URLs answer", async () => {
    const name = `${STACK}-local-litellm`;
    // The stand-in `litellm` recorded its environment and arguments (a root-only file).
    const seen = (await execIn(docker, name, ["cat", "/tmp/litellm-seen"])).split("\n");
    expect(seen.slice(0, 5)).toEqual([
      `sk-${DOCKER_SECRETS.random}`,
      DOCKER_SECRETS.random,
      DOCKER_SECRETS.apiKey,
      `postgresql://litellm:${DOCKER_SECRETS.random}@${STACK}-local-postgres:5432/litellm`,
      "--config /etc/litellm/config.yaml --port 4000",
    ]);
    const info = await docker.getContainer(name).inspect();
    const text = JSON.stringify(info);
    expect(text).not.toContain(DOCKER_SECRETS.random);
    expect(text).not.toContain(DOCKER_SECRETS.apiKey);
    expect(info.HostConfig.PortBindings?.["4000/tcp"]?.[0]?.HostIp).toBe("127.0.0.1");
    const modes = await execIn(docker, name, [
      "sh",
      "-c",
      "stat -c '%a %U' /run/secrets/gpufleet/litellm-master-key /run/secrets/gpufleet/litellm-salt-key /run/secrets/gpufleet/postgres-password /run/secrets/gpufleet/api-key",
    ]);
    expect(modes.trim().split("\n")).toEqual(Array(4).fill("400 root"));
    // Every api_base of the rendered config answers with the engine key from the container.
    const config = await execIn(docker, name, ["cat", "/etc/litellm/config.yaml"]);
    const bases = [...config.matchAll(/api_base: (\S+)/g)].map((m) => m[1]!);
    expect(bases.sort()).toEqual([
      `http://${STACK}-chat-proxy:8080/v1`,
      `http://${STACK}-embed-proxy:8081/v1`,
    ]);
    for (const base of bases) {
      const status = await execIn(docker, name, [
        "sh",
        "-c",
        `curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $(cat /run/secrets/gpufleet/api-key)" ${base}/models`,
      ]);
      expect(status, base).toBe("200");
    }
  });

  it("a crashed engine is restarted by its restart policy and turns healthy again", async () => {
    await crashUnderRestartPolicy(docker, {
      name: `${STACK}-chat-8001`,
      port: 8001,
      key: DOCKER_SECRETS.apiKey,
      watchdog: WATCHDOG,
      timeoutMs: 60_000,
    });
  });

  it("a killed engine is restarted by the watchdog through the Docker API", async () => {
    const name = `${STACK}-chat-8000`;
    const info = await docker.getContainer(WATCHDOG).inspect();
    expect(info.Config.Env).toContain("GPUFLEET_SERVICE_MANAGER=docker");
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(info.HostConfig.SecurityOpt).toEqual(["no-new-privileges:true"]);
    await until("the watchdog finds every replica healthy", 60_000, async () =>
      (await watchdogRecord(name)).state === "healthy" ? true : undefined,
    );
    // docker kill counts as a manual stop: the restart policy leaves it exited, the watchdog not.
    const before = await docker.getContainer(name).inspect();
    await docker.getContainer(name).kill();
    await until("the watchdog restarts the killed engine", 90_000, async () => {
      const s = await docker.getContainer(name).inspect();
      return s.State.Running && s.State.StartedAt !== before.State.StartedAt ? true : undefined;
    });
    expect((await watchdogRecord(name)).restarts).toBe(1);
    // The unit's state is what docker reported at the probe: "failed" once the kill has landed,
    // "active" when the probe raced it (SIGKILL is delivered, the container not yet reaped). The
    // failed probe is /health, or /v1/models when the kill landed between the two probes.
    expect(await watchdogLog()).toMatch(
      new RegExp(
        `${name}: GET :8000/(health|v1/models) failed \\(unit (failed|active)\\): restarting it`,
      ),
    );
    await until("the restarted engine healthy", 60_000, async () =>
      (await docker.getContainer(name).inspect()).State.Health?.Status === "healthy"
        ? true
        : undefined,
    );
  });

  it("a hung engine (accepts, never answers) is restarted by the watchdog", async () => {
    const name = `${STACK}-embed-8002`;
    const before = await docker.getContainer(name).inspect();
    const answer = await standinControl(docker, name, 8002, DOCKER_SECRETS.apiKey, { hang: true });
    expect(answer).toContain("hang");
    await until("the watchdog restarts the hung engine", 120_000, async () => {
      const s = await docker.getContainer(name).inspect();
      return s.State.Running && s.State.StartedAt !== before.State.StartedAt ? true : undefined;
    });
    expect((await watchdogRecord(name)).restarts).toBe(1);
    await until("the restarted engine healthy", 60_000, async () =>
      (await docker.getContainer(name).inspect()).State.Health?.Status === "healthy"
        ? true
        : undefined,
    );
  });

  it("a second failure inside the 5-minute cooldown is not restarted", async () => {
    const name = `${STACK}-chat-8000`;
    await docker.getContainer(name).kill();
    const declined =
      /chat-8000: GET :8000\/(health|v1\/models) failed \(unit failed\); restarted \d+s ago, cooldown 300s: not restarting/g;
    // Three runs of the watchdog (2 s apart here) that decline: still exited, still one restart.
    await until("three watchdog runs decline inside the cooldown", 60_000, async () =>
      ((await watchdogLog()).match(declined)?.length ?? 0) >= 3 ? true : undefined,
    );
    const s = await docker.getContainer(name).inspect();
    expect(s.State.Running).toBe(false);
    expect((await watchdogRecord(name)).restarts).toBe(1);
  });

  it("the node exporter serves the host's metrics and the watchdog's textfile metrics", async () => {
    const metrics = await execIn(docker, WATCHDOG, [
      "curl",
      "-fsS",
      `http://${STACK}-local-node-exporter:9100/metrics`,
    ]);
    expect(metrics).toMatch(/^node_filesystem_size_bytes\{.*mountpoint="\/"/m);
    expect(metrics).toMatch(
      new RegExp(`^gpufleet_watchdog_restarts_total\\{replica="${STACK}-chat-8000"\\} 1$`, "m"),
    );
    const info = await docker.getContainer(`${STACK}-local-node-exporter`).inspect();
    expect(info.HostConfig.PidMode).toBe("host");
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
  });

  it("teardown removes every container, network and volume it made", async () => {
    await teardown(docker, STACK);
    const filters = JSON.stringify({ label: [`gpufleet.stack=${STACK}`] });
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
    expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
  });
});
