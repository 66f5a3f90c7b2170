// gpufleet-monitoring-sync, run for real with bash under a temporary root (GPUFLEET_ROOT), with
// stub aws (S3 served
// from a directory), docker, systemctl and curl that record their calls: it installs exactly the
// bucket's files after
// checking them against the manifest, fails with one FATAL line at boot when it cannot, does
// nothing while the
// manifest is unchanged, and on a change reloads Prometheus and Alertmanager and restarts Grafana
// only when Grafana's
// environment or provisioning changed.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  renderMonitoringBundle,
  renderMonitoringHostFiles,
  type MonitoringBundle,
  type MonitoringContext,
} from "../../monitoring";
import type { FleetPlan } from "../../planner/types";
import { HOST_PATH, STUB_LOG_LINE, describeRun, run } from "../tools";
import { CONTEXT, DEV_PLAN, ENGINES_PLAN, HOST } from "./fixtures";

const STUBS: Record<string, string> = {
  // aws s3 cp [--recursive] s3://BUCKET/KEY DEST, served from $STUB_DIR/s3/BUCKET/KEY.
  aws: `args=(); recursive=no
for a in "$@"; do
  case "$a" in --recursive) recursive=yes ;; --region|--only-show-errors|s3|cp) ;; us-*|eu-*) ;; *) args+=("$a") ;; esac
done
src="\${args[0]}"; dst="\${args[1]}"
if [ -e "$STUB_DIR/s3-denied" ]; then
  echo "An error occurred (AccessDenied) when calling the ListObjectsV2 operation: Access Denied" >&2; exit 1
fi
path="$STUB_DIR/s3/\${src#s3://}"
if [ "$recursive" = yes ]; then
  mkdir -p "$dst"; if [ -d "$path" ]; then cp -R "$path/." "$dst"; fi; exit 0
fi
if [ ! -f "$path" ]; then echo "fatal error: An error occurred (404) when calling the HeadObject operation: Key \\"\${src#s3://*/}\\" does not exist" >&2; exit 1; fi
cp "$path" "$dst"`,
  docker: "exit 0",
  systemctl: `case "\${1:-}" in
  is-active) unit="\${!#}"; [ -e "$STUB_DIR/active-$unit" ] ;;
  *) exit 0 ;;
esac`,
  curl: `url="\${!#}"; port="\${url#http://127.0.0.1:}"; port="\${port%%/*}"
if [ -e "$STUB_DIR/metrics-$port" ]; then cat "$STUB_DIR/metrics-$port"; exit 0; fi
exit 7`,
};

const ETC = "etc/gpufleet-monitoring";
const BUCKET = HOST.configBucket;

interface Sandbox {
  base: string;
  root: string;
  stubDir: string;
  sync(mode?: "--boot"): ReturnType<typeof run>;
  upload(bundle: MonitoringBundle): void;
  calls(): string[];
  clearCalls(): void;
  installed(): string[];
  read(path: string): string;
}

let sandbox: Sandbox | undefined;
afterEach(() => {
  if (sandbox) rmSync(sandbox.base, { recursive: true, force: true });
  sandbox = undefined;
});

function bundleOf(plan: FleetPlan, ctx: MonitoringContext = CONTEXT): MonitoringBundle {
  return renderMonitoringBundle(plan, ctx);
}

function createSandbox(): Sandbox {
  const base = mkdtempSync(join(tmpdir(), "gpufleet-mon-sync-"));
  const root = join(base, "root");
  const stubBin = join(base, "stubs");
  const stubDir = join(base, "stub-state");
  mkdirSync(stubBin);
  mkdirSync(join(stubDir, "s3"), { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(stubBin, name), `#!/usr/bin/env bash\n${STUB_LOG_LINE}\n${body}\n`);
    chmodSync(join(stubBin, name), 0o755);
  }
  // The host's files as cloud-init writes them (monitoring.env, the scripts), plus the setup's
  // secrets.
  for (const f of renderMonitoringHostFiles(HOST)) {
    const target = join(root, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content, { mode: parseInt(f.mode, 8) });
  }
  mkdirSync(join(root, ETC, "secrets"), { recursive: true });
  writeFileSync(join(root, ETC, "secrets", "engine-api-key"), "sk-never-touched");
  const logFile = join(base, "calls.log");
  writeFileSync(logFile, "");
  const env: NodeJS.ProcessEnv = {
    PATH: `${stubBin}:${HOST_PATH}`,
    HOME: base,
    LANG: "C",
    GPUFLEET_ROOT: root,
    GPUFLEET_CONSOLE: join(base, "console"),
    GPUFLEET_RETRY_BACKOFF_SECONDS: "0",
    GPUFLEET_RELOAD_WAIT_SECONDS: "0",
    GPUFLEET_SYNC_ATTEMPTS: "2",
    STUB_LOG: logFile,
    STUB_DIR: stubDir,
  };
  const sb: Sandbox = {
    base,
    root,
    stubDir,
    sync: (mode) =>
      run(
        "bash",
        [join(root, "opt/gpufleet/bin/gpufleet-monitoring-sync"), ...(mode ? [mode] : [])],
        { env },
      ),
    upload(bundle) {
      const dir = join(stubDir, "s3", BUCKET);
      rmSync(dir, { recursive: true, force: true });
      for (const o of [...bundle.files, bundle.manifest]) {
        mkdirSync(dirname(join(dir, o.key)), { recursive: true });
        writeFileSync(join(dir, o.key), o.content);
      }
    },
    calls: () => readFileSync(logFile, "utf8").split("\n").filter(Boolean),
    clearCalls: () => writeFileSync(logFile, ""),
    installed() {
      const out: string[] = [];
      const walk = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(join(d, e.name));
          else out.push(relative(join(root, ETC), join(d, e.name)));
        }
      };
      walk(join(root, ETC));
      return out.filter((p) => p !== "monitoring.env" && !p.startsWith("secrets/")).sort();
    },
    read: (path) => readFileSync(join(root, ETC, path), "utf8"),
  };
  return sb;
}

function expectInstalled(sb: Sandbox, bundle: MonitoringBundle): void {
  expect(sb.installed()).toEqual([...bundle.files.map((f) => f.path), "manifest.sha256"].sort());
  for (const f of bundle.files) expect(sb.read(f.path), f.path).toBe(f.content);
  expect(sb.read("manifest.sha256")).toBe(bundle.manifest.content);
}

const signals = (calls: string[]): string[] =>
  calls.filter((c) => c.startsWith("docker kill") || c.startsWith("systemctl restart"));

function activate(sb: Sandbox): void {
  for (const s of ["prometheus", "alertmanager", "grafana"])
    writeFileSync(join(sb.stubDir, `active-gpufleet-${s}.service`), "");
  writeFileSync(
    join(sb.stubDir, "metrics-9090"),
    "# HELP x\nprometheus_config_last_reload_successful 1\n",
  );
  writeFileSync(join(sb.stubDir, "metrics-9093"), "alertmanager_config_last_reload_successful 1\n");
}

describe("gpufleet-monitoring-sync", () => {
  it("at boot: installs exactly the bucket's files, checked against the manifest; signals nothing (no container runs yet)", () => {
    sandbox = createSandbox();
    const bundle = bundleOf(DEV_PLAN);
    sandbox.upload(bundle);
    const r = sandbox.sync("--boot");
    expect(r.status, describeRun("sync --boot", r)).toBe(0);
    expectInstalled(sandbox, bundle);
    expect(readFileSync(join(sandbox.root, ETC, "secrets", "engine-api-key"), "utf8")).toBe(
      "sk-never-touched",
    );
    expect(signals(sandbox.calls())).toEqual([]);
    const recursive = sandbox.calls().filter((c) => c.includes("--recursive"));
    expect(recursive).toHaveLength(1);
    expect(recursive[0]).toMatch(
      new RegExp(
        `^aws s3 cp --region us-east-1 --only-show-errors --recursive s3://${BUCKET}/monitoring/ \\S+/var/lib/gpufleet/monitoring-sync\\.\\w+/files/$`,
      ),
    );
  });

  it("at boot: one FATAL line and a failed unit when the bucket cannot be read; nothing installed", () => {
    sandbox = createSandbox();
    sandbox.upload(bundleOf(DEV_PLAN));
    writeFileSync(join(sandbox.stubDir, "s3-denied"), "");
    const r = sandbox.sync("--boot");
    expect(r.status).toBe(1);
    const fatal = r.stderr.split("\n").filter((l) => l.includes("FATAL"));
    expect(fatal, r.stderr).toHaveLength(1);
    expect(fatal[0]).toContain(
      `cannot fetch the monitoring configuration from s3://${BUCKET}/monitoring/`,
    );
    expect(fatal[0]).toContain("AccessDenied");
    expect(readFileSync(join(sandbox.root, "var/lib/gpufleet/boot-error"), "utf8")).toContain(
      "cannot fetch",
    );
    expect(sandbox.installed()).toEqual([]);
  });

  it("at boot: refuses files that do not match the manifest (a deployment in progress), and an empty prefix", () => {
    sandbox = createSandbox();
    const bundle = bundleOf(DEV_PLAN);
    sandbox.upload(bundle);
    writeFileSync(
      join(sandbox.stubDir, "s3", BUCKET, "monitoring/prometheus/prometheus.yml"),
      "global: {}\n",
    );
    let r = sandbox.sync("--boot");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^FATAL .*do not match its manifest\.sha256/m);
    expect(sandbox.installed()).toEqual([]);
    rmSync(join(sandbox.stubDir, "s3", BUCKET), { recursive: true });
    r = sandbox.sync("--boot");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^FATAL .*no manifest\.sha256 under s3:/m);
  });

  it("refuses a manifest that names a path outside the configuration trees", () => {
    sandbox = createSandbox();
    const bundle = bundleOf(DEV_PLAN);
    const evil = "0".repeat(64);
    sandbox.upload({
      ...bundle,
      manifest: {
        ...bundle.manifest,
        content: `${bundle.manifest.content}${evil}  secrets/engine-api-key\n`,
      },
    });
    const r = sandbox.sync("--boot");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/FATAL .*bad manifest line/);
    expect(readFileSync(join(sandbox.root, ETC, "secrets", "engine-api-key"), "utf8")).toBe(
      "sk-never-touched",
    );
  });

  it("on the timer: reads only the manifest while it is unchanged, and signals nothing", () => {
    sandbox = createSandbox();
    const bundle = bundleOf(DEV_PLAN);
    sandbox.upload(bundle);
    expect(sandbox.sync("--boot").status).toBe(0);
    activate(sandbox);
    sandbox.clearCalls();
    const r = sandbox.sync();
    expect(r.status, describeRun("sync", r)).toBe(0);
    expect(r.stdout).toBe("");
    const aws = sandbox.calls().filter((c) => c.startsWith("aws"));
    expect(aws).toHaveLength(1);
    expect(aws[0]).toMatch(
      new RegExp(`^aws s3 cp .* s3://${BUCKET}/monitoring/manifest\\.sha256 `),
    );
    expect(signals(sandbox.calls())).toEqual([]);
  });

  it("on the timer, after a plan change: installs the new files, removes dropped ones, reloads Prometheus and Alertmanager, keeps Grafana running", () => {
    sandbox = createSandbox();
    sandbox.upload(bundleOf(ENGINES_PLAN));
    expect(sandbox.sync("--boot").status).toBe(0);
    activate(sandbox);
    sandbox.clearCalls();
    const next = bundleOf(DEV_PLAN);
    sandbox.upload(next);
    const r = sandbox.sync();
    expect(r.status, describeRun("sync", r)).toBe(0);
    expectInstalled(sandbox, next);
    // ENGINES_PLAN has dashboards DEV_PLAN has not (e.g. Ollama's): gone from the host.
    expect(existsSync(join(sandbox.root, ETC, "grafana/dashboards/gpufleet-ollama.json"))).toBe(
      false,
    );
    expect(signals(sandbox.calls())).toEqual([
      "docker kill --signal HUP gpufleet-prometheus",
      "docker kill --signal HUP gpufleet-alertmanager",
    ]);
    expect(r.stdout).toMatch(/reloaded prometheus,reloaded alertmanager/);
  });

  it("restarts Grafana when its environment or provisioning changed", () => {
    sandbox = createSandbox();
    sandbox.upload(bundleOf(DEV_PLAN));
    expect(sandbox.sync("--boot").status).toBe(0);
    activate(sandbox);
    sandbox.clearCalls();
    const moved = bundleOf(DEV_PLAN, {
      ...CONTEXT,
      grafanaRootUrl: "https://grafana.example.com/",
    });
    sandbox.upload(moved);
    const r = sandbox.sync();
    expect(r.status, describeRun("sync", r)).toBe(0);
    expect(sandbox.read("grafana.env")).toContain(
      "GF_SERVER_ROOT_URL=https://grafana.example.com/",
    );
    expect(signals(sandbox.calls())).toContain("systemctl restart gpufleet-grafana.service");
  });

  it("on the timer: a failed fetch or a rejected reload fails the unit with an ERROR line; the running configuration stays", () => {
    sandbox = createSandbox();
    const bundle = bundleOf(DEV_PLAN);
    sandbox.upload(bundle);
    expect(sandbox.sync("--boot").status).toBe(0);
    activate(sandbox);
    sandbox.upload(bundleOf(ENGINES_PLAN));
    writeFileSync(join(sandbox.stubDir, "s3-denied"), "");
    let r = sandbox.sync();
    expect(r.status).toBe(1);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("ERROR"))).toHaveLength(1);
    expect(r.stderr).not.toContain("FATAL");
    expectInstalled(sandbox, bundle);
    rmSync(join(sandbox.stubDir, "s3-denied"));
    writeFileSync(
      join(sandbox.stubDir, "metrics-9090"),
      "prometheus_config_last_reload_successful 0\n",
    );
    r = sandbox.sync();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ERROR .*prometheus rejected the new configuration/m);
  });
});
