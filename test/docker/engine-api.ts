// Runs the containers the docker target declares (captured under the offline mocks, the inputs the
// @pulumi/docker provider would receive) on a real Docker daemon through the Docker Engine API
// (dockerode), in the order `pulumi up` would: network and volume, the downloads to completion,
// engines, proxies. Used by the real-daemon proof and by `npm run bench`.
//
// What differs from a GPU host, and only that: every image is the locally built Debian image
// (test/docker/image.sh) with shims for what the real images ship (`vllm`, huggingface_hub) that
// run the stand-in engine or fake a Hub download instead, and the image entrypoints of node_exporter, Prometheus and
// Alertmanager (Debian's builds); no GPU device request (there is no GPU), a DCGM exporter stand-in
// (DCGM needs a GPU), a `litellm` shim that records what its wrapper handed it, no Grafana and no
// PostgreSQL (no image or Debian package here); host ports are published on 127.0.0.1 at a port the daemon picks (fixed ports would collide
// with other test runs); the healthcheck interval is 2 s instead of 30 s and the watchdog's 2 s
// instead of 30 s, its load grace opts.watchdogGraceSeconds (the test's patience, same scripts).
import { readFileSync } from "node:fs";
import { get } from "node:http";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import Docker from "dockerode";
import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../../cli/offline-mocks";

export const TEST_IMAGE = "gpufleet-test/bookworm:2";
const STANDIN = path.join(__dirname, "../../standin/engine.mjs");

/** Shims placed in every container: the real images' programs, as stand-ins. */
function shims(standinArgs: string[]): Array<{ path: string; content: string; mode: number }> {
  return [
    { path: "/opt/standin/engine.mjs", content: readFileSync(STANDIN, "utf8"), mode: 0o444 },
    {
      // vllm/vllm-openai's ENTRYPOINT is `vllm serve`: the stand-in takes the same arguments.
      path: "/usr/local/bin/vllm",
      content: `#!/bin/sh\n[ "$1" = serve ] && shift\nexec node /opt/standin/engine.mjs --engine vllm "$@" ${standinArgs.join(" ")}\n`,
      mode: 0o755,
    },
    {
      // LiteLLM (no image here): records what its wrapper handed it (root-only file), then serves
      // HTTP on its --port so that the published port answers.
      path: "/usr/local/bin/litellm",
      content:
        '#!/bin/sh\numask 077\nprintf "%s\\n" "$LITELLM_MASTER_KEY" "$LITELLM_SALT_KEY" "$GPUFLEET_ENGINE_API_KEY" "$DATABASE_URL" "$*" > /tmp/litellm-seen\nport=4000\nwhile [ $# -gt 0 ]; do [ "$1" = --port ] && port="$2"; shift; done\nexec python3 -m http.server "$port"\n',
      mode: 0o755,
    },
    {
      // ollama/ollama's ENTRYPOINT /bin/ollama: `serve` runs the stand-in as Ollama on OLLAMA_HOST's
      // port with an empty store (nothing but a placeholder: the plan's tags must be pulled);
      // `list` (the healthcheck) asks it.
      path: "/usr/bin/ollama",
      content:
        '#!/bin/sh\nport="${OLLAMA_HOST##*:}"\ncase "$1" in\n  serve) exec node /opt/standin/engine.mjs --engine ollama --host "${OLLAMA_HOST%:*}" --port "$port" --served-model-name standin-empty --ollama-pulled standin-empty ;;\n  list) exec curl -fsS -o /dev/null "127.0.0.1:$port/api/tags" ;;\nesac\nexit 2\n',
      mode: 0o755,
    },
    {
      // The engine images' huggingface_hub (gpufleet-fetch.py imports it in the download one-shot
      // of an HF model): snapshot_download puts the snapshot into the cache layout under HF_HOME
      // after a moment of "downloading", and reads the token where the real library does.
      path: "/usr/lib/python3/dist-packages/huggingface_hub/__init__.py",
      content: [
        "import os, time",
        "def snapshot_download(repo_id, ignore_patterns=None):",
        "    path = os.environ.get('HF_TOKEN_PATH')",
        "    if path and not open(path).read().strip():",
        "        raise SystemExit('empty token file ' + path)",
        "    time.sleep(1)",
        "    repo = os.path.join(os.environ['HF_HOME'], 'hub', 'models--' + repo_id.replace('/', '--'))",
        "    os.makedirs(os.path.join(repo, 'snapshots', 'standin'), exist_ok=True)",
        "    os.makedirs(os.path.join(repo, 'refs'), exist_ok=True)",
        "    open(os.path.join(repo, 'refs', 'main'), 'w').write('standin')",
        "    return os.path.join(repo, 'snapshots', 'standin')",
        "",
      ].join("\n"),
      mode: 0o444,
    },
  ];
}

/** A ustar archive of the given files (what PUT /containers/{id}/archive takes). */
export function tarOf(files: Array<{ path: string; content: string; mode: number }>): Buffer {
  const blocks: Buffer[] = [];
  const dirs = new Set<string>();
  const header = (name: string, size: number, mode: number, type: "0" | "5"): Buffer => {
    const h = Buffer.alloc(512);
    h.write(name.slice(0, 99), 0, "utf8");
    h.write(`${mode.toString(8).padStart(7, "0")}\0`, 100);
    h.write("0000000\0", 108);
    h.write("0000000\0", 116);
    h.write(`${size.toString(8).padStart(11, "0")}\0`, 124);
    h.write(
      `${Math.floor(Date.now() / 1000)
        .toString(8)
        .padStart(11, "0")}\0`,
      136,
    );
    h.write("        ", 148);
    h.write(type, 156);
    h.write("ustar\0", 257);
    h.write("00", 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    return h;
  };
  for (const f of files) {
    const rel = f.path.replace(/^\//, "");
    const parts = rel.split("/");
    for (let i = 1; i < parts.length; i++) {
      const d = `${parts.slice(0, i).join("/")}/`;
      if (!dirs.has(d)) {
        dirs.add(d);
        blocks.push(header(d, 0, 0o755, "5"));
      }
    }
    const body = Buffer.from(f.content, "utf8");
    blocks.push(header(rel, body.length, f.mode, "0"), body);
    const pad = (512 - (body.length % 512)) % 512;
    if (pad > 0) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

type Inputs = Record<string, unknown>;

function plain<T>(v: unknown): T {
  return (pulumi.runtime.isRpcSecret(v) ? (v as { value: unknown }).value : v) as T;
}

interface Upload {
  file: string;
  content: unknown;
  permissions?: string;
}

export interface Applied {
  docker: Docker;
  stack: string;
  network: string;
  volume: string;
  /** Container name → its captured inputs. */
  declared: Map<string, Inputs>;
  /** Container name → the host port (127.0.0.1) of each published internal port. */
  published: Map<string, Map<number, number>>;
  /** Milliseconds from the start of apply to every engine healthy. */
  healthyMs: number;
}

/** A DCGM exporter stand-in (python3's http.server): the names monitoring/metrics.ts lists. */
const DCGM_STANDIN = [
  "import sys, http.server",
  "port = int(sys.argv[sys.argv.index('-a') + 1].rsplit(':', 1)[1])",
  "names = ['DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_POWER_USAGE', 'DCGM_FI_DEV_XID_ERRORS']",
  "body = ''.join('# TYPE %s gauge\\n' % n + ''.join('%s{gpu=\"%d\",UUID=\"GPU-standin-%d\"} %d\\n' % (n, g, g, 40 if 'TEMP' in n else 0) for g in (0, 1)) for n in names).encode()",
  "class H(http.server.BaseHTTPRequestHandler):",
  "    def do_GET(self):",
  "        self.send_response(200 if self.path == '/metrics' else 404)",
  "        self.send_header('content-type', 'text/plain; version=0.0.4')",
  "        self.end_headers()",
  "        self.wfile.write(body if self.path == '/metrics' else b'')",
  "http.server.HTTPServer(('', port), H).serve_forever()",
].join("\n");

/** Create options for one captured container (see the header for what is substituted). */
/** The ENTRYPOINT of the real images the test image stands in for, by container role. */
const IMAGE_ENTRYPOINTS: Record<string, string[]> = {
  "node-exporter": ["/usr/bin/prometheus-node-exporter"],
  // prom/prometheus and prom/alertmanager: Debian's builds of the same programs, same flags.
  prometheus: ["/usr/bin/prometheus"],
  alertmanager: ["/usr/bin/prometheus-alertmanager"],
  // The DCGM exporter needs a GPU: a stand-in serving DCGM's metric names for GPUs 0 and 1 at the
  // address its `-a :PORT` names.
  "dcgm-exporter": ["python3", "-c", DCGM_STANDIN],
};

function roleOf(c: Inputs): string | undefined {
  const labels = (c.labels as Array<{ label: string; value: unknown }> | undefined) ?? [];
  const v = labels.find((l) => l.label === "gpufleet.role")?.value;
  return v === undefined ? undefined : String(v);
}

export function createOptions(
  c: Inputs,
  healthIntervalMs: number,
  opts: { env?: Record<string, string> } = {},
): Docker.ContainerCreateOptions {
  const ports = (c.ports as Array<{ internal: number; ip: string }> | undefined) ?? [];
  const labels = Object.fromEntries(
    ((c.labels as Array<{ label: string; value: unknown }> | undefined) ?? []).map((l) => [
      l.label,
      String(l.value),
    ]),
  );
  const hc = c.healthcheck as
    { tests: string[]; timeout: string; retries: number; startPeriod: string } | undefined;
  const ns = (d: string): number => Number(d.replace(/s$/, "")) * 1e9;
  const volumes =
    (c.volumes as
      | Array<{ containerPath: string; readOnly: boolean; volumeName?: string; hostPath?: string }>
      | undefined) ?? [];
  const env = ((c.envs as string[] | undefined) ?? []).map((e) => {
    const k = e.split("=")[0]!;
    return opts.env?.[k] !== undefined ? `${k}=${opts.env[k]}` : e;
  });
  const entrypoint = (c.entrypoints as string[] | undefined) ?? IMAGE_ENTRYPOINTS[roleOf(c) ?? ""];
  const caps = c.capabilities as { adds?: string[]; drops?: string[] } | undefined;
  return {
    name: String(c.name),
    Image: TEST_IMAGE,
    User: c.user as string | undefined,
    Entrypoint: entrypoint,
    Cmd: c.command as string[] | undefined,
    Env: env,
    Labels: labels,
    ExposedPorts: Object.fromEntries(ports.map((p) => [`${p.internal}/tcp`, {}])),
    Healthcheck: hc
      ? {
          Test: hc.tests,
          Interval: healthIntervalMs * 1e6,
          Timeout: ns(hc.timeout),
          Retries: hc.retries,
          StartPeriod: ns(hc.startPeriod),
        }
      : undefined,
    HostConfig: {
      RestartPolicy: { Name: String(c.restart ?? "no") },
      LogConfig: {
        Type: String(c.logDriver),
        Config: c.logOpts as Record<string, string>,
      },
      PortBindings: Object.fromEntries(
        ports.map((p) => [`${p.internal}/tcp`, [{ HostIp: p.ip, HostPort: "" }]]),
      ),
      Mounts: volumes.map((v) => ({
        Type: v.hostPath !== undefined ? ("bind" as const) : ("volume" as const),
        Source: v.hostPath ?? v.volumeName!,
        Target: v.containerPath,
        ReadOnly: v.readOnly,
      })),
      IpcMode: (c.ipcMode as string | undefined) ?? "",
      PidMode: (c.pidMode as string | undefined) ?? "",
      CapAdd: caps?.adds,
      CapDrop: caps?.drops,
      SecurityOpt: c.securityOpts as string[] | undefined,
      NetworkMode: c.networkMode as string | undefined,
    },
    NetworkingConfig: {
      EndpointsConfig: Object.fromEntries(
        ((c.networksAdvanced as Array<{ name: string; aliases: string[] }>) ?? []).map((n) => [
          n.name,
          { Aliases: n.aliases },
        ]),
      ),
    },
  };
}

async function waitFor<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Applies the captured containers as `pulumi up` would: the network and volume, the
 * run-to-completion downloads (each must exit 0), then engines (waited healthy), then the rest.
 */
export async function applyCaptured(
  docker: Docker,
  resources: RecordedResource[],
  opts: {
    standinArgs?: string[];
    healthIntervalMs?: number;
    timeoutMs?: number;
    /** The watchdog's load grace per replica (replicas.tsv's load_grace_s); default the plan's. */
    watchdogGraceSeconds?: number;
    /** Seconds between the watchdog's runs; default 2 (the product's 30 s: the bench). */
    watchdogIntervalSeconds?: number;
    /**
     * Prometheus's scrape and rule-evaluation interval in its uploaded prometheus.yml (the
     * rendered 15 s otherwise): a first scrape and evaluation within seconds, nothing else changed.
     */
    prometheusIntervalSeconds?: number;
  } = {},
): Promise<Applied> {
  const started = Date.now();
  const timeout = opts.timeoutMs ?? 300_000;
  const network = String(
    resources.find((r) => r.type === "docker:index/network:Network")!.inputs.name,
  );
  const volumes = resources
    .filter((r) => r.type === "docker:index/volume:Volume")
    .map((r) => String(r.inputs.name));
  const volume = volumes[0]!;
  const stack = network.replace(/-[^-]+-net$/, "");
  await docker.createNetwork({
    Name: network,
    Driver: "bridge",
    Labels: { "gpufleet.stack": stack },
  });
  for (const v of volumes)
    await docker.createVolume({ Name: v, Labels: { "gpufleet.stack": stack } });
  const captured = resources.filter((r) => r.type === "docker:index/container:Container");
  const declared = new Map(captured.map((r) => [String(r.inputs.name), r.inputs]));
  const published = new Map<string, Map<number, number>>();
  const files = shims(opts.standinArgs ?? []);

  const launch = async (c: Inputs): Promise<Docker.Container> => {
    const container = await docker.createContainer(
      createOptions(c, opts.healthIntervalMs ?? 2000, {
        env: { GPUFLEET_WATCHDOG_INTERVAL_SECONDS: String(opts.watchdogIntervalSeconds ?? 2) },
      }),
    );
    const uploads = (plain<Upload[] | undefined>(c.uploads) ?? []).map((u) => {
      if (u.file === "/etc/gpufleet/replicas.tsv" && opts.watchdogGraceSeconds !== undefined)
        return { ...u, content: withGrace(plain<string>(u.content), opts.watchdogGraceSeconds) };
      if (u.file.endsWith("/prometheus.yml") && opts.prometheusIntervalSeconds !== undefined)
        return {
          ...u,
          content: withIntervals(plain<string>(u.content), opts.prometheusIntervalSeconds),
        };
      return u;
    });
    await container.putArchive(
      tarOf([
        ...files,
        ...uploads.map((u) => ({
          path: u.file,
          content: plain<string>(u.content),
          mode: parseInt(u.permissions ?? "0644", 8),
        })),
      ]),
      { path: "/" },
    );
    await container.start();
    const info = await container.inspect();
    const ports = new Map<number, number>();
    for (const [key, binding] of Object.entries(info.NetworkSettings.Ports ?? {})) {
      if (binding?.[0]) ports.set(Number(key.split("/")[0]), Number(binding[0].HostPort));
    }
    published.set(String(c.name), ports);
    return container;
  };

  // A run-to-completion container: attach and wait for its exit, as the provider's attach does.
  const complete = async (c: RecordedResource): Promise<void> => {
    const container = await launch(c.inputs);
    const result = (await container.wait()) as { StatusCode: number };
    if (result.StatusCode !== 0) {
      const logs = await containerLog(docker, container.id);
      throw new Error(`${String(c.inputs.name)} exited ${result.StatusCode}: ${logs}`);
    }
  };
  // The downloads first; Ollama's model pulls once their engine runs.
  for (const c of captured.filter(
    (r) => r.inputs.attach === true && roleOf(r.inputs) === "download",
  ))
    await complete(c);
  const engines = captured.filter((r) => roleOf(r.inputs) === "engine");
  const running = await Promise.all(engines.map((r) => launch(r.inputs)));
  await Promise.all(
    running.map((container) =>
      waitFor("engine healthy", timeout, async () => {
        const s = (await container.inspect()).State;
        if (s.Health?.Status === "healthy") return true;
        return undefined;
      }),
    ),
  );
  const healthyMs = Date.now() - started;
  for (const c of captured.filter((r) => roleOf(r.inputs) === "ollama-models")) await complete(c);
  for (const r of captured) {
    if (r.inputs.attach === true || roleOf(r.inputs) === "engine") continue;
    const role = (r.inputs.labels as Array<{ label: string; value: unknown }>).find(
      (l) => l.label === "gpufleet.role",
    )?.value;
    // Grafana and PostgreSQL: no image here (Grafana's provisioning is validated as files).
    if (role !== undefined && role !== "grafana" && role !== "postgres") await launch(r.inputs);
  }
  // A started container is not yet a listening nginx: wait until every published port answers
  // HTTP (any status), as a client of the host would retry.
  for (const ports of published.values()) {
    for (const hostPort of ports.values()) {
      await waitFor(`127.0.0.1:${hostPort} answering`, timeout, () => answers(hostPort));
    }
  }
  return { docker, stack, network, volume, declared, published, healthyMs };
}

/** replicas.tsv with every replica's load grace (column load_grace_s) set to `seconds`. */
function withGrace(tsv: string, seconds: number): string {
  const lines = tsv.split("\n");
  const header = lines[0]!.replace(/^# /, "").split("\t");
  const col = header.indexOf("load_grace_s");
  return lines
    .map((line) => {
      if (line === "" || line.startsWith("#")) return line;
      const cells = line.split("\t");
      cells[col] = String(seconds);
      return cells.join("\t");
    })
    .join("\n");
}

/** prometheus.yml with its global scrape and evaluation intervals (and timeout) set to `seconds`. */
function withIntervals(yml: string, seconds: number): string {
  const out = yml
    .replace(/^( {2}scrape_interval: )\d+s$/m, `$1${seconds}s`)
    .replace(/^( {2}evaluation_interval: )\d+s$/m, `$1${seconds}s`)
    .replace(/^( {2}scrape_timeout: )\d+s$/m, `$1${seconds}s`);
  if (
    !out.includes(`  scrape_interval: ${seconds}s`) ||
    !out.includes(`  evaluation_interval: ${seconds}s`)
  )
    throw new Error(
      `prometheus.yml: no global scrape_interval / evaluation_interval to set:\n${yml}`,
    );
  return out;
}

/** true when 127.0.0.1:port answers an HTTP request with any status. */
function answers(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const req = get({ host: "127.0.0.1", port, path: "/health", timeout: 2000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(undefined));
  });
}

/** Removes every container, network and volume labelled with the stack. */
export async function teardown(docker: Docker, stack: string): Promise<void> {
  const filters = JSON.stringify({ label: [`gpufleet.stack=${stack}`] });
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true });
  }
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
  const { Volumes } = await docker.listVolumes({ filters });
  for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove();
}

/**
 * POST /standin/control inside an engine container (the stand-in's run-time switches, e.g.
 * {"crash":true} or {"hang":true}); its answer.
 */
export function standinControl(
  docker: Docker,
  name: string,
  port: number,
  key: string,
  settings: Record<string, unknown>,
): Promise<string> {
  return execIn(docker, name, [
    "curl",
    "-s",
    "-X",
    "POST",
    "-H",
    "content-type: application/json",
    "-H",
    `authorization: Bearer ${key}`,
    "-d",
    JSON.stringify(settings),
    `127.0.0.1:${port}/standin/control`,
  ]);
}

/**
 * Crashes a stand-in engine (its control endpoint) and waits until Docker's restart policy has
 * brought it back healthy (RestartCount up); returns the milliseconds from the crash order. The
 * host's watchdog container is paused meanwhile: a watchdog run probing the replica as it exits
 * would restart it first (docker restart, no RestartCount), which is the watchdog's own proof.
 */
export async function crashUnderRestartPolicy(
  docker: Docker,
  opts: { name: string; port: number; key: string; watchdog: string; timeoutMs: number },
): Promise<number> {
  const engine = docker.getContainer(opts.name);
  const watchdog = docker.getContainer(opts.watchdog);
  const watchdogLog = async (): Promise<string> =>
    (await containerLog(docker, opts.watchdog)).slice(-2000);
  const before = await engine.inspect();
  await watchdog.pause();
  try {
    const crashed = performance.now();
    const answer = await standinControl(docker, opts.name, opts.port, opts.key, { crash: true });
    if (!answer.includes("crashing"))
      throw new Error(`${opts.name}: the stand-in did not take the crash order: ${answer}`);
    for (;;) {
      const s = await engine.inspect();
      if (s.RestartCount > before.RestartCount && s.State.Health?.Status === "healthy")
        return performance.now() - crashed;
      if (performance.now() - crashed > opts.timeoutMs)
        throw new Error(
          `${opts.name} did not come back: restarts ${before.RestartCount} -> ${s.RestartCount}, ${JSON.stringify(s.State)}\nwatchdog: ${await watchdogLog()}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await watchdog.unpause();
  }
}

/** `docker exec` of a command, its stdout. */
export async function execIn(docker: Docker, name: string, cmd: string[]): Promise<string> {
  const exec = await docker
    .getContainer(name)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (d: Buffer) => chunks.push(d));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  return demux(Buffer.concat(chunks), [1]);
}

/**
 * Docker's multiplexed stream (a container without a TTY): frames of an 8-byte header (stream 1
 * stdout, 2 stderr; the length big-endian at 4) and the payload. The text of the streams asked for.
 */
function demux(all: Buffer, streams: number[]): string {
  let out = "";
  for (let i = 0; i + 8 <= all.length;) {
    const len = all.readUInt32BE(i + 4);
    if (streams.includes(all[i] ?? 0)) out += all.subarray(i + 8, i + 8 + len).toString("utf8");
    i += 8 + len;
  }
  return out;
}

/** A container's log (stdout and stderr interleaved as written), without Docker's frame headers. */
export async function containerLog(docker: Docker, name: string): Promise<string> {
  const buf = await docker.getContainer(name).logs({ stdout: true, stderr: true });
  return demux(buf, [1, 2]);
}

/**
 * The real-daemon proofs' precondition: a daemon answers and the local image exists. FAILS (never
 * skips) otherwise, naming what .ci/run does about it.
 */
export async function requireDaemon(docker: Docker): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    throw new Error(
      `no Docker daemon on /var/run/docker.sock (${(err as Error).message}); .ci/run starts dockerd as root`,
    );
  }
  await docker
    .getImage(TEST_IMAGE)
    .inspect()
    .catch(() => {
      throw new Error(
        `${TEST_IMAGE} is missing: build it with test/docker/image.sh (.ci/run does)`,
      );
    });
}
