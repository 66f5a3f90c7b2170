// Runs the real on-host scripts with bash under a temporary root, with stub nvidia-smi, docker,
// systemctl, curl,
// aws, lsblk, mkfs, mount, df on PATH that record their calls.
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { PoolPlan } from "../../planner/types";
import { A10G_VLLM, CONTEXT, G5_12XL_SGLANG, G5_OLLAMA, G6_LLAMACPP } from "./fixtures";
import { API_KEY, a10gLines, createSandbox, type Sandbox } from "./sandbox-helpers";
import { describeRun, requireTool, run } from "../tools";

// Each test renders a pool and runs bash scripts: seconds when idle, far more on a shared machine.
vi.setConfig({ testTimeout: 120_000 });

let sandbox: Sandbox | undefined;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
});

async function booted(pool: PoolPlan): Promise<Sandbox> {
  sandbox = await createSandbox(pool, CONTEXT);
  const boot = sandbox.runScript("gpufleet-bootstrap");
  expect(boot.status, describeRun("gpufleet-bootstrap", boot)).toBe(0);
  return sandbox;
}

function fatalLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.includes("FATAL"));
}

const isEngineStart = (call: string): boolean =>
  /^systemctl start --no-block .*gpufleet-\w+-\d+\.service/.test(call);

describe("gpufleet-bootstrap and gpufleet-download", () => {
  it("fetches every model and image before any engine unit starts, then starts one unit per replica", async () => {
    const sb = await booted(G5_12XL_SGLANG);
    const dl = sb.runScript("gpufleet-download");
    expect(dl.status, describeRun("gpufleet-download", dl)).toBe(0);

    const calls = sb.calls();
    const downloads = calls.filter((c) =>
      /^docker run .* snapshot Vikhrmodels\/QVikhr-3-8B-Instruction$/.test(c),
    );
    expect(downloads).toHaveLength(1); // four replicas, one model: downloaded once
    // Into the Hugging Face cache layout under HF_HOME, which the engines read offline, with the
    // engine image's own huggingface_hub: nothing is installed at boot (issue 11 item 8).
    expect(downloads[0]).toContain(" -e HF_HOME=/models ");
    expect(downloads[0]).toContain(" --cap-drop ALL --security-opt no-new-privileges ");
    expect(downloads[0]).toMatch(
      / -v \/opt\/gpufleet\/lib\/gpufleet-fetch\.py:\/gpufleet-fetch\.py:ro --entrypoint python3 lmsysorg\/sglang:v0\.5\.21@sha256:[a-f0-9]{64} \/gpufleet-fetch\.py snapshot Vikhrmodels\/QVikhr-3-8B-Instruction$/,
    );
    expect(calls.filter((c) => /\bpip\b/.test(c))).toEqual([]);
    const pulls = calls.filter((c) => c.startsWith("docker pull"));
    expect(pulls.map((c) => c.split(" ").at(-1))).toContain(
      "lmsysorg/sglang:v0.5.21@sha256:b1259f3ea3275f66237c498ea388919729018bc9f01c3d638391e06e2cf3f469",
    );
    const starts = calls.filter(isEngineStart);
    expect(starts).toEqual([
      "systemctl start --no-block gpufleet-sglang-8000.service gpufleet-sglang-8001.service " +
        "gpufleet-sglang-8002.service gpufleet-sglang-8003.service",
    ]);
    const firstStart = calls.findIndex(isEngineStart);
    const lastFetch = Math.max(...[...downloads, ...pulls].map((c) => calls.lastIndexOf(c)));
    expect(lastFetch).toBeLessThan(firstStart);
    expect(
      sb.exists("opt/gpufleet/models/.gpufleet/Vikhrmodels--QVikhr-3-8B-Instruction.complete"),
    ).toBe(true);

    // One unit per replica, with its devices and port; the memory fraction the unit reads is the
    // planned one.
    G5_12XL_SGLANG.replicas.forEach((_, i) => {
      const unit = sb.read(`etc/systemd/system/gpufleet-sglang-800${i}.service`);
      expect(unit).toContain(`--gpus '"device=${i}"'`);
      expect(unit).toContain(`--port 800${i} `);
      expect(sb.read(`var/lib/gpufleet/replicas/gpufleet-sglang-800${i}.env`)).toBe(
        "GPUFLEET_MEMORY_FRACTION=0.85\n",
      );
    });

    // A second boot (reboot) finds the weights in the cache and downloads nothing.
    writeFileSync(sb.env.STUB_LOG!, "");
    expect(sb.runScript("gpufleet-download").status).toBe(0);
    expect(sb.calls().filter((c) => c.includes(" snapshot "))).toEqual([]);
    expect(sb.calls().filter(isEngineStart)).toHaveLength(1);
  });

  it("writes secrets root-only and an nginx key check that nginx accepts", async () => {
    const sb = await booted(G5_12XL_SGLANG);
    for (const file of ["engine.env", "hf.env", "auth-header", "nginx-auth.conf"]) {
      expect(statSync(join(sb.root, "etc/gpufleet/secrets", file)).mode & 0o777, file).toBe(0o600);
    }
    expect(sb.read("etc/gpufleet/secrets/engine.env")).toBe(
      `GPUFLEET_API_KEY=${API_KEY}\nSGLANG_API_KEY=${API_KEY}\n`,
    );
    expect(sb.read("etc/gpufleet/secrets/hf.env")).toBe("HF_TOKEN=hf_testtoken\n");
    expect(sb.calls()).toContain(
      "aws ssm get-parameter --region us-east-1 --name /gpufleet/dev/engine-api-key --with-decryption --query Parameter.Value --output text",
    );
    requireTool("nginx");
    const conf = sb
      .read("etc/gpufleet/nginx.conf")
      .replace("pid /var/run/nginx.pid;", `pid ${sb.root}/nginx.pid;`)
      .replace("error_log stderr", `error_log ${sb.root}/error.log`)
      .replace("access_log /dev/stdout", `access_log ${sb.root}/access.log`)
      .replaceAll("/var/cache/nginx", sb.root)
      .replace("include /etc/gpufleet/", `include ${sb.root}/etc/gpufleet/`);
    writeFileSync(join(sb.root, "nginx-test.conf"), conf);
    const r = run("nginx", ["-t", "-p", sb.root, "-c", join(sb.root, "nginx-test.conf")]);
    expect(r.status, describeRun("nginx -t", r)).toBe(0);
  });

  it("lowers the utilization of a replica whose GPU has less free memory than planned, and says so", async () => {
    sandbox = await createSandbox(G5_12XL_SGLANG, CONTEXT);
    const lines = a10gLines(4);
    lines[2] = "2, NVIDIA A10G, 23028, 19500"; // 19.0 GiB free; the plan's budget is 0.9 x 22.5 GiB = 20.2 GiB
    sandbox.setGpus(lines);
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(boot.status, describeRun("gpufleet-bootstrap", boot)).toBe(0);
    expect(boot.stdout).toMatch(
      /gpufleet-sglang-8002: GPU 2 has 19\.0 GiB free, less than the planned 20\.2 GiB: lowering utilization 0\.9 -> 0\.84 \(memory knob 0\.85 -> 0\.79, KV cache 3\.1 -> 1\.8 GiB\)/,
    );
    expect(sandbox.read("var/lib/gpufleet/replicas/gpufleet-sglang-8002.env")).toBe(
      "GPUFLEET_MEMORY_FRACTION=0.79\n",
    );
    expect(sandbox.read("var/lib/gpufleet/replicas/gpufleet-sglang-8001.env")).toBe(
      "GPUFLEET_MEMORY_FRACTION=0.85\n",
    );
  });

  it("fails when even the lowered budget cannot hold the weights", async () => {
    sandbox = await createSandbox(A10G_VLLM, CONTEXT);
    sandbox.setGpus(["0, NVIDIA A10G, 23028, 14000"]);
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(boot.status).not.toBe(0);
    expect(fatalLines(boot.stderr)).toEqual([
      "gpufleet-bootstrap: FATAL: gpufleet-vllm-8000: GPU 0 has 13.7 GiB free; even lowered to utilization 0.60 (13.5 GiB) " +
        "it cannot hold weights 12.6 + activations 0.5 + overhead 1.0 + one full-length sequence 2.5 GiB",
    ]);
    expect(sandbox.read("var/lib/gpufleet/boot-error")).toContain("cannot hold weights");
    expect(sandbox.calls().some((c) => c.startsWith("aws"))).toBe(false);
  });

  it("stops the boot on a wrong GPU count", async () => {
    sandbox = await createSandbox(G5_12XL_SGLANG, CONTEXT);
    sandbox.setGpus(a10gLines(3));
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(boot.status).not.toBe(0);
    expect(fatalLines(boot.stderr)).toEqual([
      "gpufleet-bootstrap: FATAL: plan expects 4 x A10G, nvidia-smi reports 3 GPU(s) (3 NVIDIA A10G)",
    ]);
    expect(sandbox.read("../../console")).toContain("plan expects 4 x A10G");
  });

  it("stops the boot when a gated model's HF token is missing", async () => {
    const gated: PoolPlan = {
      ...A10G_VLLM,
      replicas: [
        { ...A10G_VLLM.replicas[0]!, model: { ...A10G_VLLM.replicas[0]!.model, gated: true } },
      ],
    };
    sandbox = await createSandbox(gated, CONTEXT);
    sandbox.setSsm("/gpufleet/dev/hf-token", null);
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(boot.status).not.toBe(0);
    expect(fatalLines(boot.stderr)).toEqual([
      "gpufleet-bootstrap: FATAL: model IlyaGusev/saiga_nemo_12b is gated and the HF token cannot be read from SSM parameter " +
        "/gpufleet/dev/hf-token: An error occurred (ParameterNotFound) when calling the GetParameter operation: " +
        "Parameter /gpufleet/dev/hf-token not found. ",
    ]);
    // The download unit requires the bootstrap; were it started anyway, it refuses too.
    const dl = sandbox.runScript("gpufleet-download");
    expect(dl.status).not.toBe(0);
  });

  it("stops the boot when the engine API key is missing", async () => {
    sandbox = await createSandbox(A10G_VLLM, CONTEXT);
    sandbox.setSsm(CONTEXT.apiKeyParameter, null);
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(boot.status).not.toBe(0);
    expect(fatalLines(boot.stderr)).toHaveLength(1);
    expect(fatalLines(boot.stderr)[0]).toMatch(
      /^gpufleet-bootstrap: FATAL: cannot read the engine API key from SSM parameter \/gpufleet\/dev\/engine-api-key: .*ParameterNotFound/,
    );
    expect(sandbox.exists("etc/gpufleet/secrets/engine.env")).toBe(false);
  });

  it("stops the boot, starting no engine, when a download fails", async () => {
    const sb = await booted(A10G_VLLM);
    sb.stubFile("fail-download", "IlyaGusev/saiga_nemo_12b\n");
    const dl = sb.runScript("gpufleet-download");
    expect(dl.status).not.toBe(0);
    expect(fatalLines(dl.stderr)).toEqual([
      "gpufleet-download: FATAL: download failed after 2 attempts, no engine started: IlyaGusev/saiga_nemo_12b",
    ]);
    expect(sb.calls().filter((c) => c.includes("snapshot IlyaGusev/saiga_nemo_12b"))).toHaveLength(
      2,
    );
    expect(sb.calls().some(isEngineStart)).toBe(false);
    expect(sb.exists("opt/gpufleet/models/.gpufleet/IlyaGusev--saiga_nemo_12b.complete")).toBe(
      false,
    );
  });

  it("fetches a single GGUF file for llama.cpp and pulls Ollama tags through a temporary Ollama", async () => {
    let sb = await booted(G6_LLAMACPP);
    expect(sb.runScript("gpufleet-download").status).toBe(0);
    let calls = sb.calls();
    const gguf = calls.findIndex((c) =>
      / --entrypoint python3 python:3\.12-slim@sha256:[a-f0-9]{64} \/gpufleet-fetch\.py gguf bartowski\/Qwen2\.5-7B-Instruct-GGUF Qwen2\.5-7B-Instruct-Q4_K_M\.gguf \/models\/gguf$/.test(
        c,
      ),
    );
    expect(gguf).toBeGreaterThanOrEqual(0);
    expect(gguf).toBeLessThan(calls.findIndex(isEngineStart));
    sb.cleanup();

    sb = sandbox = await booted(G5_OLLAMA);
    expect(sb.runScript("gpufleet-download").status).toBe(0);
    calls = sb.calls();
    const pull = calls.indexOf(
      "docker exec gpufleet-ollama-pull-qwen2.5_7b ollama pull qwen2.5:7b",
    );
    expect(pull).toBeGreaterThanOrEqual(0);
    expect(calls).toContain(
      "docker run -d --name gpufleet-ollama-pull-qwen2.5_7b --cap-drop ALL --security-opt no-new-privileges -e OLLAMA_MODELS=/models/ollama " +
        "-v /opt/gpufleet/models:/models ollama/ollama:0.35.1@sha256:292ee7945dfc3d5840a181f3ab86fedb1e66703e02c8af98b50f4da56b7e278c",
    );
    expect(pull).toBeLessThan(calls.findIndex(isEngineStart));
  });

  it("formats and mounts the largest free instance-store disk for the model cache", async () => {
    sandbox = await createSandbox(A10G_VLLM, CONTEXT);
    sandbox.stubFile(
      "lsblk",
      [
        'NAME="/dev/nvme0n1" SIZE="107374182400" TYPE="disk" MODEL="Amazon Elastic Block Store"',
        'NAME="/dev/nvme1n1" SIZE="250000000000" TYPE="disk" MODEL="Amazon EC2 NVMe Instance Storage"',
        'NAME="/dev/nvme2n1" SIZE="450000000000" TYPE="disk" MODEL="Amazon EC2 NVMe Instance Storage"',
      ].join("\n") + "\n",
    );
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(boot.status, describeRun("gpufleet-bootstrap", boot)).toBe(0);
    const calls = sandbox.calls();
    expect(calls).toContain("mkfs.ext4 -q -F -L gpufleet-cache -E nodiscard /dev/nvme2n1");
    expect(calls).toContain(`mount -o noatime /dev/nvme2n1 ${sandbox.root}/opt/gpufleet/models`);
    expect(boot.stdout).toContain(
      "model cache: instance store /dev/nvme2n1 mounted on /opt/gpufleet/models",
    );
  });

  it("fails when the model cache has too little space", async () => {
    sandbox = await createSandbox(A10G_VLLM, CONTEXT);
    sandbox.env.STUB_DF_AVAIL_KB = String(5 * 1024 * 1024);
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(fatalLines(boot.stderr)).toEqual([
      "gpufleet-bootstrap: FATAL: model cache /opt/gpufleet/models has 5 GiB free, the planned models need about 14 GiB",
    ]);
  });
});

describe("gpufleet-watchdog", () => {
  // One boot and download for every test of the watchdog: the running sandbox is copied aside once
  // and put back, at the same paths (the rendered files and the stubs name them), before each test,
  // with its environment as it was. Nine boots cost more than the watchdog runs they set up.
  let shared: Sandbox;
  let env0: NodeJS.ProcessEnv;
  let base: string;
  let snapshot: string;
  beforeAll(async () => {
    shared = await booted(G5_12XL_SGLANG);
    sandbox = undefined; // afterEach must not remove it: afterAll does
    expect(shared.runScript("gpufleet-download").status).toBe(0);
    writeFileSync(shared.env.STUB_LOG!, "");
    env0 = { ...shared.env };
    base = dirname(shared.stubDir);
    snapshot = mkdtempSync(join(tmpdir(), "gpufleet-sandbox-snapshot-"));
    cpSync(base, snapshot, { recursive: true });
  });
  afterAll(() => {
    shared.cleanup();
    rmSync(snapshot, { recursive: true, force: true });
  });
  async function running(): Promise<Sandbox> {
    rmSync(base, { recursive: true, force: true });
    cpSync(snapshot, base, { recursive: true });
    for (const k of Object.keys(shared.env)) if (!(k in env0)) delete shared.env[k];
    Object.assign(shared.env, env0);
    return shared;
  }
  const restartsOf = (sb: Sandbox, unit: string): string[] =>
    sb.calls().filter((c) => c === `systemctl restart --no-block ${unit}`);

  it("restarts a failing replica once, not again within the cooldown, and again after it", async () => {
    const sb = await running();
    sb.stubFile("unhealthy-ports", "8001\n");

    const first = sb.runScript("gpufleet-watchdog");
    expect(first.status, describeRun("gpufleet-watchdog", first)).toBe(0);
    expect(first.stdout).toContain("gpufleet-sglang-8000: healthy");
    expect(first.stdout).toContain(
      "gpufleet-sglang-8001: GET :8001/health failed (unit active): restarting it (watchdog restart #1, 1 of 3 in a row)",
    );
    expect(restartsOf(sb, "gpufleet-sglang-8001.service")).toHaveLength(1);
    expect(sb.calls().filter((c) => c.startsWith("systemctl restart"))).toHaveLength(1);
    // The model list is checked with the API key, from a root-only header file (never on the
    // command line).
    expect(sb.calls()).toContain(
      `curl -fsS -o /dev/null -m 10 -H @${sb.root}/etc/gpufleet/secrets/auth-header http://127.0.0.1:8000/v1/models`,
    );

    const second = sb.runScript("gpufleet-watchdog");
    expect(second.stdout).toMatch(
      /gpufleet-sglang-8001: GET :8001\/health failed \(unit active\); restarted \d+s ago, cooldown 300s: not restarting/,
    );
    expect(restartsOf(sb, "gpufleet-sglang-8001.service")).toHaveLength(1);

    const state = "var/lib/gpufleet/watchdog/gpufleet-sglang-8001.last-restart";
    writeFileSync(join(sb.root, state), `${Math.floor(Date.now() / 1000) - 301}\n`);
    const third = sb.runScript("gpufleet-watchdog");
    expect(third.stdout).toContain("restarting it (watchdog restart #2, 2 of 3 in a row)");
    expect(restartsOf(sb, "gpufleet-sglang-8001.service")).toHaveLength(2);
  });

  it("leaves a replica alone while it is loading its weights", async () => {
    const sb = await running();
    sb.stubFile("unhealthy-ports", "8002\n");
    // Active for 60 s on the monotonic clock (uptime 100000 s).
    sb.stubFile("mono-gpufleet-sglang-8002.service", `${(100000 - 60) * 1_000_000}\n`);
    const r = sb.runScript("gpufleet-watchdog");
    expect(r.stdout).toContain(
      "gpufleet-sglang-8002: GET :8002/health failed, up 60s of its 600s load grace: waiting",
    );
    expect(sb.calls().some((c) => c.startsWith("systemctl restart"))).toBe(false);
  });

  const stateOf = (sb: Sandbox, name: string): string =>
    sb.read(`var/lib/gpufleet/watchdog/${name}.state`).trim();
  const watchdog = (sb: Sandbox): ReturnType<Sandbox["runScript"]> => {
    const r = sb.runScript("gpufleet-watchdog");
    expect(r.status, describeRun("gpufleet-watchdog", r)).toBe(0);
    return r;
  };

  it("checks every replica on its own: an unwritable state file or a garbage counter stops no other check", async () => {
    const sb = await running();
    sb.stubFile("unhealthy-ports", "8001\n8002\n");
    // 8000's state file cannot be written (a directory in its place); 8002's counter is garbage.
    mkdirSync(join(sb.root, "var/lib/gpufleet/watchdog/gpufleet-sglang-8000.state"), {
      recursive: true,
    });
    writeFileSync(
      join(sb.root, "var/lib/gpufleet/watchdog/gpufleet-sglang-8002.last-restart"),
      "12x\n",
    );
    const r = watchdog(sb);
    expect(r.stdout).toContain("ERROR: gpufleet-sglang-8000: the check stopped with exit 1");
    expect(r.stderr).toContain(
      'gpufleet-sglang-8002: last-restart file holds "12x", not a number: read as 0',
    );
    expect(restartsOf(sb, "gpufleet-sglang-8001.service")).toHaveLength(1);
    expect(restartsOf(sb, "gpufleet-sglang-8002.service")).toHaveLength(1);
    expect(stateOf(sb, "gpufleet-sglang-8003")).toBe("healthy");
  });

  it("restarts a replica whose last restart is in the future (the clock stepped back)", async () => {
    const sb = await running();
    sb.stubFile("unhealthy-ports", "8001\n");
    const future = Math.floor(Date.now() / 1000) + 3600;
    mkdirSync(join(sb.root, "var/lib/gpufleet/watchdog"), { recursive: true });
    writeFileSync(
      join(sb.root, "var/lib/gpufleet/watchdog/gpufleet-sglang-8001.last-restart"),
      `${future}\n`,
    );
    const r = watchdog(sb);
    expect(r.stdout).toMatch(
      /gpufleet-sglang-8001: its last restart is recorded \d+s in the future \(the clock stepped back\): cooldown treated as over/,
    );
    expect(restartsOf(sb, "gpufleet-sglang-8001.service")).toHaveLength(1);
  });

  it("shows a unit in systemd's restart loop as restarting, not loading, and leaves its restart to systemd", async () => {
    const sb = await running();
    sb.stubFile("unhealthy-ports", "8001\n");
    sb.stubFile("state-gpufleet-sglang-8001.service", "activating");
    sb.stubFile("sub-gpufleet-sglang-8001.service", "auto-restart");
    sb.stubFile("nrestarts-gpufleet-sglang-8001.service", "3");
    const r = watchdog(sb);
    expect(r.stdout).toContain(
      "gpufleet-sglang-8001: GET :8001/health failed: it exited and is in the service manager's restart loop (3 restarts so far)",
    );
    expect(stateOf(sb, "gpufleet-sglang-8001")).toBe("restarting");
    expect(sb.calls().some((c) => c.startsWith("systemctl restart"))).toBe(false);
    const status = sb.runScript("gpufleet-status");
    const row = status.stdout.split("\n").find((l) => l.startsWith("gpufleet-sglang-8001 "))!;
    expect(row.split(/\s+/).slice(5, 7)).toEqual(["restarting", "3"]);
  });

  it("gives up on a replica that keeps failing: marked failed, ALERT, metric, host unhealthy; a recovery clears it", async () => {
    const sb = await running();
    sb.stubFile("unhealthy-ports", "8001\n");
    const lastRestart = join(
      sb.root,
      "var/lib/gpufleet/watchdog/gpufleet-sglang-8001.last-restart",
    );
    for (let i = 1; i <= 3; i++) {
      const r = watchdog(sb);
      expect(r.stdout).toContain(`restarting it (watchdog restart #${i}, ${i} of 3 in a row)`);
      writeFileSync(lastRestart, `${Math.floor(Date.now() / 1000) - 301}\n`);
    }
    const r = watchdog(sb);
    expect(r.stdout).toContain(
      "ALERT: gpufleet-sglang-8001: GET :8001/health failed after 3 watchdog restarts in a row: giving up on it",
    );
    expect(r.stdout).toContain("ALERT: host unhealthy: given up on gpufleet-sglang-8001");
    expect(restartsOf(sb, "gpufleet-sglang-8001.service")).toHaveLength(3);
    expect(sb.read("var/lib/gpufleet/health/unhealthy")).toBe("gpufleet-sglang-8001\n");
    const metrics = sb.read("var/lib/gpufleet/metrics/gpufleet-watchdog.prom");
    expect(metrics).toContain('gpufleet_replica_given_up{replica="gpufleet-sglang-8001"} 1\n');
    expect(metrics).toContain('gpufleet_replica_given_up{replica="gpufleet-sglang-8000"} 0\n');
    expect(metrics).toContain(
      'gpufleet_watchdog_restarts_total{replica="gpufleet-sglang-8001"} 3\n',
    );
    // No more restarts, however long it waits.
    writeFileSync(lastRestart, "1\n");
    expect(watchdog(sb).stdout).toMatch(
      /gpufleet-sglang-8001: .*; given up since .*: not restarting/,
    );
    expect(restartsOf(sb, "gpufleet-sglang-8001.service")).toHaveLength(3);
    const status = sb.runScript("gpufleet-status").stdout;
    expect(status).toContain(
      "host reported unhealthy (proxy /health 503): the watchdog gave up on gpufleet-sglang-8001",
    );
    expect(
      status
        .split("\n")
        .find((l) => l.startsWith("gpufleet-sglang-8001 "))!
        .split(/\s+/)[5],
    ).toBe("failed");

    // Someone fixed it (e.g. over Session Manager): healthy again, the host is healthy again.
    sb.stubFile("unhealthy-ports", "");
    watchdog(sb);
    expect(stateOf(sb, "gpufleet-sglang-8001")).toBe("healthy");
    expect(sb.exists("var/lib/gpufleet/health/unhealthy")).toBe(false);
  });

  it("gives up at once on a unit that hit systemd's start limit", async () => {
    const sb = await running();
    expect(sb.read("etc/systemd/system/gpufleet-sglang-8002.service")).toMatch(
      /StartLimitIntervalSec=3600\nStartLimitBurst=5\n/,
    );
    sb.stubFile("unhealthy-ports", "8002\n");
    sb.stubFile("state-gpufleet-sglang-8002.service", "failed");
    sb.stubFile("sub-gpufleet-sglang-8002.service", "failed");
    sb.stubFile("result-gpufleet-sglang-8002.service", "start-limit-hit");
    sb.stubFile("nrestarts-gpufleet-sglang-8002.service", "5");
    const r = watchdog(sb);
    expect(r.stdout).toContain(
      "ALERT: gpufleet-sglang-8002: GET :8002/health failed; the service manager hit its start limit after 5 automatic restarts: giving up on it",
    );
    expect(sb.calls().some((c) => c.startsWith("systemctl restart"))).toBe(false);
    expect(sb.read("var/lib/gpufleet/health/unhealthy")).toBe("gpufleet-sglang-8002\n");
  });

  it("acts through the Docker API instead of systemd with GPUFLEET_SERVICE_MANAGER=docker", async () => {
    const sb = await running();
    sb.env.GPUFLEET_SERVICE_MANAGER = "docker";
    sb.stubFile("unhealthy-ports", "8001\n8002\n");
    sb.stubFile("docker-inspect-gpufleet-sglang-8002", "restarting 4 2020-01-02T03:04:05Z 137\n");
    const r = watchdog(sb);
    expect(sb.calls().filter((c) => c.startsWith("docker restart"))).toEqual([
      "docker restart --time 30 gpufleet-sglang-8001",
    ]);
    expect(r.stdout).toContain("restart loop (4 restarts so far)");
    expect(sb.calls().some((c) => c.startsWith("systemctl"))).toBe(false);
    // Replicas are containers on the host's network: probed by name, not on 127.0.0.1.
    expect(sb.calls().some((c) => c.includes("http://gpufleet-sglang-8000:8000/health"))).toBe(
      true,
    );
    expect(sb.calls().some((c) => c.includes("127.0.0.1"))).toBe(false);
  });

  it("checks nothing until the downloads are done", async () => {
    const sb = await booted(G5_12XL_SGLANG);
    sb.stubFile("state-gpufleet-download.service", "activating");
    const r = sb.runScript("gpufleet-watchdog");
    expect(r.stdout).toContain(
      "gpufleet-download is activating: replicas are not started yet, nothing to check",
    );
    expect(sb.calls().some((c) => c.startsWith("curl") || c.startsWith("systemctl restart"))).toBe(
      false,
    );
  });
});

describe("gpufleet-status", () => {
  it("shows model, engine, port, state, restarts and GPU memory per replica", async () => {
    const sb = await booted(G5_12XL_SGLANG);
    expect(sb.runScript("gpufleet-download").status).toBe(0);
    sb.stubFile("unhealthy-ports", "8001\n8003\n");
    sb.stubFile("state-gpufleet-sglang-8003.service", "failed");
    expect(sb.runScript("gpufleet-watchdog").status).toBe(0);
    const r = sb.runScript("gpufleet-status");
    expect(r.status, describeRun("gpufleet-status", r)).toBe(0);
    const rows = r.stdout.split("\n");
    expect(rows[0]).toBe("gpufleet pool sglang4 (stack dev): 4 x A10G, proxy :8080");
    const row = (port: number): string[] => rows.find((l) => l.includes(`-${port} `))!.split(/\s+/);
    expect(row(8000)).toEqual([
      "gpufleet-sglang-8000",
      "sglang",
      "8000",
      "0",
      "qvikhr-3-8b-instruction",
      "healthy",
      "0",
      "1234",
      "MiB",
    ]);
    expect(row(8001).slice(5, 7)).toEqual(["loading", "1"]);
    expect(row(8003).slice(5, 7)).toEqual(["failed", "1"]);
  });
});
