// Issue 11 item 8 on the monitoring host: every container runs as its image's own non-root user
// with no capability, no-new-privileges and a read-only root filesystem; the boot script makes
// each data directory that user's own; the units that drive docker are sandboxed like the GPU
// hosts' (systemd-analyze security --offline scores them). Debian's Prometheus and Alertmanager
// then run with the rendered arguments and configuration under exactly that confinement.
import { spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONTAINER_PATHS,
  MONITORING_HOST_PATHS,
  RULE_FILE,
  SECRET_FILES,
  renderAlertmanagerConfig,
  renderMonitoringUserData,
  renderPrometheusConfig,
  renderRules,
  resolveMonitoringContext,
  type ConfigPaths,
} from "../../monitoring";
import {
  MONITORING_CONTAINER_USERS,
  type MonitoringContainer,
} from "../../monitoring/cloud-config";
import { CONTEXT, DEV_PLAN, HOST } from "./fixtures";
import {
  describeRun,
  freePort,
  requireTool,
  run,
  securityExposure,
  systemdRoot,
  tempDir,
} from "../tools";

const CONTAINERS: MonitoringContainer[] = ["prometheus", "alertmanager", "grafana"];
const RENDERED = renderMonitoringUserData(HOST).files;

function fileAt(path: string): string {
  const f = RENDERED.find((x) => x.path === path);
  if (!f) throw new Error(`not rendered: ${path}`);
  return f.content;
}

function unitOf(c: MonitoringContainer): string {
  return fileAt(`/etc/systemd/system/gpufleet-${c}.service`);
}

/** The words of a container unit's ExecStart (none of them is quoted in these units). */
function execWords(c: MonitoringContainer): string[] {
  const line = /^ExecStart=(.*)$/m.exec(unitOf(c))![1]!;
  expect(line).not.toMatch(/['"\\]/);
  return line.split(" ");
}

/** `docker run` options before the image, and the image's arguments after it. */
function splitRun(c: MonitoringContainer): { options: string[]; args: string[] } {
  const words = execWords(c);
  const image = resolveMonitoringContext(HOST).images[c];
  const at = words.indexOf(image);
  expect(at, `${c}: image ${image} in ${words.join(" ")}`).toBeGreaterThan(0);
  return { options: words.slice(0, at), args: words.slice(at + 1) };
}

/** Bind mounts (`-v host:container[:ro]`) of a container unit. */
function mountsOf(c: MonitoringContainer): Array<{ host: string; at: string; ro: boolean }> {
  const { options } = splitRun(c);
  const out: Array<{ host: string; at: string; ro: boolean }> = [];
  for (let i = 0; i < options.length; i++) {
    if (options[i] !== "-v") continue;
    const [host, at, mode] = options[i + 1]!.split(":");
    out.push({ host: host!, at: at!, ro: mode === "ro" });
  }
  return out;
}

/** The variables of the rendered monitoring.env (plain `NAME=value` lines). */
function hostEnv(): Record<string, string> {
  const text = fileAt(`${MONITORING_HOST_PATHS.etc}/monitoring.env`);
  return Object.fromEntries(
    text
      .trimEnd()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

describe("the monitoring host's containers are confined", () => {
  it.each(CONTAINERS)(
    "%s: its own non-root user, every capability dropped, none added, no-new-privileges, read-only root",
    (c) => {
      const { options } = splitRun(c);
      const { uid, gid } = MONITORING_CONTAINER_USERS[c];
      expect(uid).not.toBe(0);
      const confinement = [
        "--user",
        `${uid}:${gid}`,
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--read-only",
      ].join(" ");
      expect(options.join(" ")).toContain(` ${confinement} `);
      expect(options).not.toContain("--cap-add");
      expect(options).not.toContain("--privileged");
      // Nothing but the container's own data directory is mounted writable.
      const writable = mountsOf(c).filter((m) => !m.ro);
      expect(writable.map((m) => m.host)).toEqual([`${MONITORING_HOST_PATHS.data}/${c}`]);
    },
  );

  it("the pinned images' users: nobody (65534) for Prometheus and Alertmanager, grafana (472, group 0)", () => {
    expect(MONITORING_CONTAINER_USERS).toEqual({
      prometheus: { uid: 65534, gid: 65534 },
      alertmanager: { uid: 65534, gid: 65534 },
      grafana: { uid: 472, gid: 0 },
    });
  });

  it("Grafana alone gets a tmpfs, at /tmp (SQLite temp files, plugin downloads), noexec", () => {
    expect(splitRun("grafana").options.join(" ")).toContain(
      " --read-only --tmpfs /tmp:rw,noexec,nosuid,nodev,size=128m ",
    );
    for (const c of ["prometheus", "alertmanager"] as const)
      expect(splitRun(c).options).not.toContain("--tmpfs");
  });
});

describe("the boot script makes each data directory the container's own", () => {
  const setup = fileAt(`${MONITORING_HOST_PATHS.bin}/gpufleet-monitoring-setup`);

  it("monitoring.env names each container's owner, the same uid:gid as its --user", () => {
    const env = hostEnv();
    for (const c of CONTAINERS) {
      const { options } = splitRun(c);
      const user = options[options.indexOf("--user") + 1];
      expect(env[`GPUFLEET_${c.toUpperCase()}_USER`], c).toBe(user);
      expect(setup).toContain(`own_data_dir ${c} "$GPUFLEET_${c.toUpperCase()}_USER"\n`);
    }
    // The secret files too: the engine key is Prometheus's, the webhook Alertmanager's, the admin
    // password Grafana's.
    expect(setup).toMatch(/engine-api-key" "\$GPUFLEET_PROMETHEUS_USER"/);
    expect(setup).toMatch(/alert-webhook-url" "\$GPUFLEET_ALERTMANAGER_USER"/);
    expect(setup).toMatch(/grafana-admin-password" "\$GPUFLEET_GRAFANA_USER"/);
  });

  it("the script's own lines, run with the rendered monitoring.env: 0700 directories owned by each uid, existing files included", () => {
    // The data-directory lines of the rendered script, from `own_data_dir() {` to its last call,
    // run by bash with the rendered env and the data directory in a temporary tree.
    const lines = setup.split("\n");
    const from = lines.findIndex((l) => l.startsWith("own_data_dir() {"));
    const to = lines.map((l) => l.startsWith("own_data_dir ")).lastIndexOf(true);
    expect(from).toBeGreaterThan(0);
    expect(to - from).toBeGreaterThan(6);
    const dir = tempDir("mon-own");
    try {
      const env = join(dir, "monitoring.env");
      writeFileSync(env, fileAt(`${MONITORING_HOST_PATHS.etc}/monitoring.env`));
      // A volume from an earlier host: Prometheus's TSDB already holds a root-owned file.
      mkdirSync(join(dir, "data/prometheus/wal"), { recursive: true });
      writeFileSync(join(dir, "data/prometheus/wal/00000000"), "");
      const script = [
        "set -euo pipefail",
        `. ${env}`,
        `GPUFLEET_DATA_DIR=${join(dir, "data")}`,
        'fatal() { echo "FATAL $*" >&2; exit 1; }',
        ...lines.slice(from, to + 1),
      ].join("\n");
      const r = run("bash", ["-c", script]);
      expect(r.status, describeRun("bash (data directories)", r)).toBe(0);
      for (const c of CONTAINERS) {
        const st = statSync(join(dir, "data", c));
        const { uid, gid } = MONITORING_CONTAINER_USERS[c];
        expect([st.uid, st.gid, st.mode & 0o777], c).toEqual([uid, gid, 0o700]);
      }
      expect(statSync(join(dir, "data/prometheus/wal/00000000")).uid).toBe(65534);
      // A bad owner stops the boot instead of chowning to something else.
      const bad = run("bash", ["-c", `${script}\nown_data_dir grafana root`]);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain("FATAL bad owner 'root'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("systemd sandboxing of the monitoring host's units", () => {
  let root: string;
  beforeAll(() => {
    root = systemdRoot("mon-hardening");
    for (const f of RENDERED) {
      const target = join(root, f.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.content, { mode: parseInt(f.mode, 8) });
    }
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("the container units and the sync score at most 2.5 on systemd-analyze security; the setup (it mounts the data volume) stays unsandboxed", () => {
    const units = readdirSync(join(root, "etc/systemd/system")).filter((u) =>
      u.endsWith(".service"),
    );
    expect(units.sort()).toEqual(
      [
        "gpufleet-alertmanager.service",
        "gpufleet-grafana.service",
        "gpufleet-monitoring-setup.service",
        "gpufleet-monitoring-sync.service",
        "gpufleet-prometheus.service",
      ].sort(),
    );
    const scores = Object.fromEntries(units.map((u) => [u, securityExposure(root, u)]));
    for (const [unit, score] of Object.entries(scores)) {
      if (unit === "gpufleet-monitoring-setup.service") expect(score, unit).toBeGreaterThan(9);
      else expect(score, `${unit}: ${JSON.stringify(scores)}`).toBeLessThanOrEqual(2.5);
    }
  }, 120_000);

  it("container units have no network of their own; the sync reaches AWS but never sees the secrets", () => {
    for (const c of CONTAINERS) {
      const unit = unitOf(c);
      expect(unit).toContain("\nPrivateNetwork=yes\n");
      expect(unit).toContain("\nRestrictAddressFamilies=AF_UNIX\n");
      expect(unit).toContain("\nCapabilityBoundingSet=\n");
    }
    const sync = fileAt("/etc/systemd/system/gpufleet-monitoring-sync.service");
    expect(sync).toContain("\nReadWritePaths=-/etc/gpufleet-monitoring -/var/lib/gpufleet\n");
    expect(sync).toContain("\nInaccessiblePaths=-/etc/gpufleet-monitoring/secrets\n");
    expect(sync).toContain("\nCapabilityBoundingSet=\n");
    expect(fileAt("/etc/systemd/system/gpufleet-monitoring-setup.service")).not.toContain(
      "ProtectSystem",
    );
  });
});

describe("Prometheus and Alertmanager run under that confinement (Debian's packages)", () => {
  interface Confined {
    status: (path: string) => Promise<number>;
    /** /proc/<pid>/status lines of the running process. */
    proc: () => string;
    output: () => string;
    exited: () => boolean;
    stop: () => Promise<void>;
  }

  /**
   * `argv` as `docker run --user uid:gid --cap-drop ALL --security-opt no-new-privileges
   * --read-only -v <data>:…` leaves it: in a mount namespace of its own where the root filesystem
   * (and the one holding the test's files) is read-only except `data`, as uid:gid with no
   * supplementary group, an empty capability bounding set and no-new-privs (setpriv).
   */
  function confined(
    user: { uid: number; gid: number },
    testRoot: string,
    data: string | null,
    argv: string[],
    port: number,
  ): Confined {
    requireTool("unshare");
    requireTool("setpriv");
    const script = [
      "set -e",
      "mount -o remount,bind,ro /",
      'm="$(findmnt -no TARGET -T "$1")"',
      '[ "$m" = / ] || mount -o remount,bind,ro "$m"',
      'if [ -n "$2" ]; then mount --bind "$2" "$2"; mount -o remount,bind,rw "$2"; fi',
      "shift 2",
      `exec setpriv --reuid ${user.uid} --regid ${user.gid} --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs -- "$@"`,
    ].join("\n");
    const child = spawn(
      "unshare",
      [
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        script,
        "sh",
        testRoot,
        data ?? "",
        ...argv,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    let exited = false;
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const exit = new Promise<void>((r) => child.once("exit", () => ((exited = true), r())));
    return {
      async status(path) {
        const signal = AbortSignal.timeout(2000);
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal }).catch(() => null);
        return res?.status ?? 0;
      },
      proc: () => readFileSync(`/proc/${child.pid}/status`, "utf8"),
      output: () => output,
      exited: () => exited,
      async stop() {
        if (!exited) child.kill("SIGTERM");
        await exit;
      },
    };
  }

  /** Polls `path` until it answers 200 or the process exits; up to 60 s under a loaded machine. */
  async function ready(p: Confined, path: string): Promise<boolean> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !p.exited()) {
      if ((await p.status(path)) === 200) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  /** The rendered image arguments with each container path mapped to its stand-in directory. */
  function argsFor(c: MonitoringContainer, paths: Record<string, string>, port: number): string[] {
    return splitRun(c).args.map((arg) => {
      let out = arg.replace(/^(--web\.listen-address=127\.0\.0\.1:)\d+$/, `$1${port}`);
      for (const [at, standIn] of Object.entries(paths))
        out = out.replace(new RegExp(`=${at}(/|$)`), `=${standIn}$1`);
      return out;
    });
  }

  /**
   * A tree standing in for the host: the configuration (0644 files, as the sync installs them),
   * the secrets (0400, owned by the container's user, as the setup writes them) and the data
   * directory, made the container's own by the setup's lines when `own` (root's 0755 otherwise).
   */
  function hostTree(c: MonitoringContainer, own: boolean): { dir: string; data: string } {
    const dir = tempDir(`mon-${c}`);
    chmodSync(dir, 0o755);
    const data = join(dir, "data", c);
    mkdirSync(data, { recursive: true });
    chmodSync(join(dir, "data"), 0o755);
    if (own) {
      const { uid, gid } = MONITORING_CONTAINER_USERS[c];
      const owner = hostEnv()[`GPUFLEET_${c.toUpperCase()}_USER`];
      expect(owner).toBe(`${uid}:${gid}`);
      const r = run("chown", ["-R", owner!, data]);
      expect(r.status, describeRun("chown", r)).toBe(0);
      chmodSync(data, 0o700);
    }
    return { dir, data };
  }

  function configPaths(dir: string): ConfigPaths {
    return {
      prometheus: join(dir, "etc/prometheus"),
      alertmanager: join(dir, "etc/alertmanager"),
      secrets: join(dir, "secrets"),
    };
  }

  function writeConfig(c: "prometheus" | "alertmanager", dir: string): void {
    const paths = configPaths(dir);
    const ctx = resolveMonitoringContext(
      c === "alertmanager"
        ? // Debian 12's Alertmanager is 0.25, without the webhook's url_file (0.26; the pinned image
          // is 0.28.1): the SNS receiver alone, so that the rendered file runs unchanged.
          { ...CONTEXT, receivers: { snsTopicArn: CONTEXT.receivers!.snsTopicArn } }
        : CONTEXT,
    );
    const put = (path: string, content: string, mode: number): void => {
      mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
      writeFileSync(path, content, { mode });
    };
    mkdirSync(paths.secrets, { mode: 0o711 });
    if (c === "prometheus") {
      put(
        join(paths.prometheus, "prometheus.yml"),
        renderPrometheusConfig(DEV_PLAN, ctx, paths),
        0o644,
      );
      put(join(paths.prometheus, "rules", RULE_FILE), renderRules(DEV_PLAN, ctx), 0o644);
      const key = join(paths.secrets, SECRET_FILES.engineApiKey);
      put(key, "k".repeat(48), 0o400);
      chownSync(key, 65534, 65534);
    } else {
      put(
        join(paths.alertmanager, "alertmanager.yml"),
        renderAlertmanagerConfig(ctx, paths),
        0o644,
      );
    }
  }

  const BINARIES = { prometheus: "prometheus", alertmanager: "prometheus-alertmanager" } as const;
  const READY = { prometheus: "/-/ready", alertmanager: "/-/ready" } as const;

  async function start(
    c: "prometheus" | "alertmanager",
    opts: { own: boolean; writableData: boolean },
  ): Promise<{ p: Confined; up: boolean; data: string; cleanup: () => Promise<void> }> {
    requireTool(BINARIES[c]);
    const { dir, data } = hostTree(c, opts.own);
    writeConfig(c, dir);
    const port = await freePort();
    const containerPaths: Record<string, string> = {
      [c === "prometheus" ? CONTAINER_PATHS.prometheus : CONTAINER_PATHS.alertmanager]:
        c === "prometheus" ? configPaths(dir).prometheus : configPaths(dir).alertmanager,
      [mountsOf(c).find((m) => !m.ro)!.at]: data,
    };
    const args = argsFor(c, containerPaths, port);
    const p = confined(
      MONITORING_CONTAINER_USERS[c],
      dir,
      opts.writableData ? data : null,
      [BINARIES[c], ...args],
      port,
    );
    const up = await ready(p, READY[c]);
    return {
      p,
      up,
      data,
      async cleanup() {
        await p.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  it.each(["prometheus", "alertmanager"] as const)(
    "%s: serves with the rendered arguments and configuration as its uid, no capability, no-new-privs, read-only root, writing its data directory",
    async (c) => {
      const { p, up, data, cleanup } = await start(c, { own: true, writableData: true });
      try {
        expect(up, p.output()).toBe(true);
        const status = p.proc();
        const { uid, gid } = MONITORING_CONTAINER_USERS[c];
        expect(status).toMatch(new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, "m"));
        expect(status).toMatch(new RegExp(`^Gid:\\s+${gid}\\s+${gid}\\s+${gid}\\s+${gid}$`, "m"));
        expect(status).toMatch(/^CapEff:\s+0+$/m);
        expect(status).toMatch(/^CapBnd:\s+0+$/m);
        expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
        if (c === "prometheus") {
          // The rendered rules loaded; the TSDB writes its WAL.
          expect(await p.status("/api/v1/rules")).toBe(200);
          expect(existsSync(join(data, "wal")), p.output()).toBe(true);
          expect(statSync(join(data, "wal")).uid).toBe(uid);
        } else {
          expect(await p.status("/api/v2/status")).toBe(200);
          // Alertmanager saves its notification log and silences when it stops.
          await p.stop();
          for (const f of ["nflog", "silences"]) {
            expect(existsSync(join(data, f)), `${f}: ${p.output()}`).toBe(true);
            expect(statSync(join(data, f)).uid).toBe(uid);
          }
        }
        expect(p.output()).not.toMatch(/read-only file system|permission denied/i);
      } finally {
        await cleanup();
      }
    },
    120_000,
  );

  it("Prometheus does not start on a data directory left root's (the chown is needed)", async () => {
    const { p, up, cleanup } = await start("prometheus", { own: false, writableData: true });
    try {
      expect(up, p.output()).toBe(false);
      expect(p.output()).toMatch(/permission denied/i);
    } finally {
      await cleanup();
    }
  }, 120_000);

  it("Alertmanager on a data directory left root's cannot save its silences (the chown is needed)", async () => {
    const { p, data, cleanup } = await start("alertmanager", { own: false, writableData: true });
    try {
      await p.stop();
      expect(p.output()).toMatch(/permission denied/i);
      expect(existsSync(join(data, "silences"))).toBe(false);
    } finally {
      await cleanup();
    }
  }, 120_000);

  it("the harness's root really is read-only: Prometheus without its writable volume fails", async () => {
    const { p, up, cleanup } = await start("prometheus", { own: true, writableData: false });
    try {
      expect(up, p.output()).toBe(false);
      expect(p.output()).toMatch(/read-only file system/i);
    } finally {
      await cleanup();
    }
  }, 120_000);
});
