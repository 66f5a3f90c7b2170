// The monitoring instance's cloud-config and its configuration bundle: the user data is valid for
// cloud-init, its
// scripts clean under shellcheck, its units clean under systemd-analyze, it holds parameter NAMES
// and the bucket's
// name only and no configuration, so it is the same for every plan; the bundle (the bucket's
// objects) is every
// rendered file plus a manifest of their sha256, with no secret.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  CONFIG_PREFIX,
  MANIFEST_FILE,
  monitoringFilePaths,
  renderMonitoringBundle,
  renderMonitoringFiles,
  renderMonitoringUserData,
} from "../../monitoring";
import { CONTEXT, DEV_PLAN, ENGINES_PLAN, HOST } from "./fixtures";
import { cloudInitSchema, describeRun, requireTool, run, tempDir, verifyUnits } from "../tools";

const HOSTS = [
  ["webhook and SNS", HOST],
  [
    "no receiver",
    { ...HOST, receivers: {}, parameters: { ...HOST.parameters, alertWebhookUrl: undefined } },
  ],
] as const;

const PLANS = [
  ["dev", DEV_PLAN],
  ["engines", ENGINES_PLAN],
] as const;

const UNITS = [
  "gpufleet-monitoring.target",
  "gpufleet-monitoring-setup.service",
  "gpufleet-monitoring-sync.service",
  "gpufleet-monitoring-sync.timer",
  "gpufleet-prometheus.service",
  "gpufleet-alertmanager.service",
  "gpufleet-grafana.service",
];

const SCRIPTS_DIR = join(__dirname, "..", "..", "monitoring", "scripts");

describe("monitoring cloud-config", () => {
  it("passes cloud-init's schema, with a receiver and without", () => {
    const dir = tempDir("mon-ud");
    const files = HOSTS.map(([, host], i) => {
      const file = join(dir, `user-data-${i}.yaml`);
      writeFileSync(file, renderMonitoringUserData(host).userData);
      return file;
    });
    const results = cloudInitSchema(files);
    expect(Object.fromEntries(results)).toEqual(Object.fromEntries(files.map((f) => [f, null])));
  });

  it.each(["gpufleet-monitoring-setup.sh", "gpufleet-monitoring-sync.sh"])(
    "%s passes shellcheck",
    (script) => {
      requireTool("shellcheck");
      const r = run("shellcheck", ["--shell=bash", "--severity=style", join(SCRIPTS_DIR, script)]);
      expect(r.status, describeRun("shellcheck", r)).toBe(0);
    },
  );

  it("fits EC2's user-data limit as it is, whatever the plan (the configuration is in S3)", () => {
    const rendered = renderMonitoringUserData(HOST);
    const body = Buffer.from(rendered.base64(), "base64");
    expect(body.length).toBeLessThanOrEqual(16384);
    const text = (body[0] === 0x1f ? gunzipSync(body) : body).toString("utf8");
    expect(text).toBe(rendered.userData);
    // The renderer takes no plan: the user data cannot depend on it. And no file of any plan is in
    // it.
    expect(renderMonitoringUserData.length).toBe(1);
    for (const [, plan] of PLANS) {
      for (const f of renderMonitoringFiles(plan, CONTEXT))
        expect(rendered.files.map((x) => x.path)).not.toContain(
          `/etc/gpufleet-monitoring/${f.path}`,
        );
    }
    expect(rendered.userData).not.toMatch(/scrape_configs|job_name|"panels"|route:/);
  });

  it("writes the host env, the setup and sync scripts and the units; enables the sync timer; starts the target", () => {
    const rendered = renderMonitoringUserData(HOST);
    const doc = parse(rendered.userData.replace(/^#cloud-config\n/, "")) as {
      write_files: Array<{ path: string }>;
      runcmd: string[][];
      packages: string[];
    };
    const paths = doc.write_files.map((f) => f.path);
    expect(paths.sort()).toEqual(
      [
        "/etc/gpufleet-monitoring/monitoring.env",
        "/opt/gpufleet/bin/gpufleet-monitoring-setup",
        "/opt/gpufleet/bin/gpufleet-monitoring-sync",
        ...UNITS.map((u) => `/etc/systemd/system/${u}`),
      ].sort(),
    );
    expect(doc.packages).toEqual(["docker.io", "awscli"]);
    expect(doc.runcmd[1]).toContain("gpufleet-monitoring-sync.timer");
    expect(doc.runcmd.at(-1)).toEqual([
      "systemctl",
      "start",
      "--no-block",
      "gpufleet-monitoring.target",
    ]);
    const env = rendered.files.find(
      (f) => f.path === "/etc/gpufleet-monitoring/monitoring.env",
    )!.content;
    expect(env).toContain(`GPUFLEET_CONFIG_BUCKET=${HOST.configBucket}\n`);
    expect(env).toContain("GPUFLEET_CONFIG_PREFIX=monitoring/\n");
    expect(env).toContain("GPUFLEET_CONFIG_DIR=/etc/gpufleet-monitoring\n");
  });

  it("syncs every 5 minutes after the boot's setup, never before the first configuration is installed", () => {
    const files = renderMonitoringUserData(HOST).files;
    const unit = (name: string): string =>
      files.find((f) => f.path === `/etc/systemd/system/${name}`)!.content;
    expect(unit("gpufleet-monitoring-sync.timer")).toMatch(/^OnUnitActiveSec=5min$/m);
    expect(unit("gpufleet-monitoring-sync.timer")).toMatch(/^OnBootSec=5min$/m);
    expect(unit("gpufleet-monitoring-sync.timer")).toMatch(
      /^Unit=gpufleet-monitoring-sync\.service$/m,
    );
    expect(unit("gpufleet-monitoring-sync.service")).toMatch(
      /^After=.*gpufleet-monitoring-setup\.service/m,
    );
    expect(unit("gpufleet-monitoring-sync.service")).toMatch(
      /^ConditionPathExists=\/etc\/gpufleet-monitoring\/manifest\.sha256$/m,
    );
    expect(unit("gpufleet-monitoring.target")).toMatch(/^Wants=.*gpufleet-monitoring-sync\.timer/m);
    // Every container still waits for the setup, which fetches the configuration first.
    for (const c of ["prometheus", "alertmanager", "grafana"])
      expect(unit(`gpufleet-${c}.service`)).toMatch(
        /^Requires=docker\.service gpufleet-monitoring-setup\.service$/m,
      );
    const setup = files.find(
      (f) => f.path === "/opt/gpufleet/bin/gpufleet-monitoring-setup",
    )!.content;
    const syncAt = setup.indexOf('gpufleet-monitoring-sync" --boot || exit 1');
    expect(syncAt).toBeGreaterThan(setup.indexOf('fetch "$GPUFLEET_API_KEY_PARAMETER"'));
    expect(syncAt).toBeLessThan(setup.lastIndexOf("systemctl is-active --quiet docker"));
  });

  it("reads secrets at boot by name; retention, data path and listen addresses as configured", () => {
    const ud = renderMonitoringUserData({ ...HOST, retentionDays: 30 }).userData;
    expect(ud).toContain("GPUFLEET_API_KEY_PARAMETER=/gpufleet/dev/engine-api-key");
    expect(ud).toContain("--storage.tsdb.retention.time=30d");
    expect(ud).toContain("/var/lib/gpufleet-monitoring/prometheus:/prometheus");
    expect(ud).toContain("--env-file /etc/gpufleet-monitoring/grafana.env");
    // Prometheus and Alertmanager listen on loopback only; Grafana is the one port the load
    // balancer reaches.
    expect(ud).toContain("--web.listen-address=127.0.0.1:9090");
    expect(ud).toContain("--web.listen-address=127.0.0.1:9093");
    expect(ud).not.toMatch(/GF_SECURITY_ADMIN_PASSWORD=/);
  });

  it("refuses a webhook receiver without its parameter, and bad names", () => {
    expect(() =>
      renderMonitoringUserData({
        ...HOST,
        parameters: { ...HOST.parameters, alertWebhookUrl: undefined },
      }),
    ).toThrow(/alertWebhookUrl/);
    expect(() => renderMonitoringUserData({ ...HOST, dataVolumeId: "disk-1" })).toThrow(
      /dataVolumeId/,
    );
    expect(() =>
      renderMonitoringUserData({ ...HOST, thresholds: { kvCacheUsageRatio: 90 } }),
    ).toThrow(/kvCacheUsageRatio/);
    expect(() => renderMonitoringUserData({ ...HOST, configBucket: "My_Bucket" })).toThrow(
      /configBucket/,
    );
    expect(() => renderMonitoringUserData({ ...HOST, configPrefix: "monitoring" })).toThrow(
      /configPrefix/,
    );
  });

  // No systemd as PID 1 here: verify offline against a root with the distribution's units, a stub
  // docker and the
  // rendered units and scripts (as test/cloud-init/validators.test.ts does for the GPU hosts). Any
  // output fails.
  it("its units pass systemd-analyze verify", () => {
    const { units, result: r } = verifyUnits("mon-systemd", (root) => {
      for (const f of renderMonitoringUserData(HOST).files) {
        const target = join(root, f.path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, f.content);
        chmodSync(target, parseInt(f.mode, 8));
      }
    });
    expect(units.sort()).toEqual([...UNITS].sort());
    expect(r.status, describeRun("systemd-analyze verify", r)).toBe(0);
    expect(`${r.stdout}${r.stderr}`).toBe("");
  });
});

describe("monitoring configuration bundle (the bucket's objects)", () => {
  it.each(PLANS)(
    "%s: one object per rendered file under monitoring/, and a manifest of their sha256",
    (_n, plan) => {
      const bundle = renderMonitoringBundle(plan, CONTEXT);
      const files = renderMonitoringFiles(plan, CONTEXT);
      expect(bundle.files.map((f) => f.path).sort()).toEqual(files.map((f) => f.path).sort());
      // The component declares its objects from this list, before the contents can be rendered.
      expect(monitoringFilePaths(plan)).toEqual(files.map((f) => f.path));
      for (const f of bundle.files) {
        expect(f.key).toBe(`${CONFIG_PREFIX}${f.path}`);
        expect(f.content).toBe(files.find((x) => x.path === f.path)!.content);
        expect(f.sha256).toBe(createHash("sha256").update(f.content).digest("hex"));
      }
      expect(bundle.manifest.key).toBe(`monitoring/${MANIFEST_FILE}`);
      const lines = bundle.manifest.content.trimEnd().split("\n");
      expect(lines).toEqual(bundle.files.map((f) => `${f.sha256}  ${f.path}`));
      const paths = bundle.files.map((f) => f.path);
      expect([...paths].sort()).toEqual(paths);
      for (const p of [
        "prometheus/prometheus.yml",
        "prometheus/rules/gpufleet.rules.yml",
        "alertmanager/alertmanager.yml",
        "grafana.env",
        "grafana/provisioning/datasources/gpufleet.yml",
      ]) {
        expect(bundle.files.map((f) => f.path)).toContain(p);
      }
    },
  );

  it("a plan change changes the bundle, not the user data", () => {
    const dev = renderMonitoringBundle(DEV_PLAN, CONTEXT);
    const engines = renderMonitoringBundle(ENGINES_PLAN, CONTEXT);
    expect(dev.manifest.content).not.toBe(engines.manifest.content);
    // Grafana's environment and provisioning depend on the deployment, not the plan: no Grafana
    // restart on a plan change.
    const grafana = (b: typeof dev): string[] =>
      b.files
        .filter((f) => f.path === "grafana.env" || f.path.startsWith("grafana/provisioning/"))
        .map((f) => f.sha256);
    expect(grafana(dev)).toEqual(grafana(engines));
  });

  it("carries Grafana's settings: the password by file, never by value", () => {
    const env = renderMonitoringBundle(DEV_PLAN, CONTEXT).files.find(
      (f) => f.path === "grafana.env",
    )!.content;
    expect(env).toContain(
      "GF_SECURITY_ADMIN_PASSWORD__FILE=/run/gpufleet-secrets/grafana-admin-password",
    );
    expect(env).toContain(
      "GF_SERVER_ROOT_URL=https://gpufleet-dev-123.us-east-1.elb.amazonaws.com/grafana/",
    );
    expect(env).not.toMatch(/GF_SECURITY_ADMIN_PASSWORD=/);
  });
});
