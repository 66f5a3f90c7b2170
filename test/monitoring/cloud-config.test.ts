// The monitoring instance's cloud-config: valid for cloud-init, its setup script clean under shellcheck, every
// config file and unit written, parameter NAMES only, under EC2's 16 KB once gzipped.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { requireTool } from "../cloud-init/tools";
import { renderMonitoringFiles, renderMonitoringUserData, type MonitoringHostContext } from "../../monitoring";
import { CONTEXT, DEV_PLAN, ENGINES_PLAN } from "./fixtures";
import { describeRun, run, tempDir } from "./tools";

const HOST: MonitoringHostContext = {
  ...CONTEXT,
  dataVolumeId: "vol-0123456789abcdef0",
  parameters: {
    grafanaAdminPassword: "/gpufleet/dev/grafana-admin-password",
    engineApiKey: "/gpufleet/dev/engine-api-key",
    alertWebhookUrl: "/gpufleet/dev/alert-webhook-url",
  },
};

const PLANS = [
  ["dev", DEV_PLAN],
  ["engines", ENGINES_PLAN],
] as const;

describe("monitoring cloud-config", () => {
  it.each(PLANS)("%s: passes cloud-init's schema", (_n, plan) => {
    requireTool("cloud-init");
    const dir = tempDir("mon-ud");
    writeFileSync(join(dir, "user-data.yaml"), renderMonitoringUserData(plan, HOST).userData);
    const r = run("cloud-init", ["schema", "--config-file", join(dir, "user-data.yaml")]);
    expect(r.status, describeRun("cloud-init schema", r)).toBe(0);
  });

  it("its setup script passes shellcheck", () => {
    requireTool("shellcheck");
    const r = run("shellcheck", ["--shell=bash", "--severity=style", join(__dirname, "..", "..", "monitoring", "scripts", "gpufleet-monitoring-setup.sh")]);
    expect(r.status, describeRun("shellcheck", r)).toBe(0);
  });

  it.each(PLANS)("%s: fits EC2's user-data limit (gzipped when needed)", (_n, plan) => {
    const rendered = renderMonitoringUserData(plan, HOST);
    const body = Buffer.from(rendered.base64(), "base64");
    expect(body.length).toBeLessThanOrEqual(16384);
    const text = (body[0] === 0x1f ? gunzipSync(body) : body).toString("utf8");
    expect(text).toBe(rendered.userData);
  });

  it("writes every config file, the setup script and the units; starts the target", () => {
    const rendered = renderMonitoringUserData(DEV_PLAN, HOST);
    const doc = parse(rendered.userData.replace(/^#cloud-config\n/, "")) as { write_files: Array<{ path: string }>; runcmd: string[][]; packages: string[] };
    const paths = doc.write_files.map((f) => f.path);
    for (const f of renderMonitoringFiles(DEV_PLAN, CONTEXT)) expect(paths).toContain(`/etc/gpufleet-monitoring/${f.path}`);
    for (const unit of ["gpufleet-monitoring.target", "gpufleet-monitoring-setup.service", "gpufleet-prometheus.service", "gpufleet-alertmanager.service", "gpufleet-grafana.service"]) {
      expect(paths).toContain(`/etc/systemd/system/${unit}`);
    }
    expect(paths).toContain("/opt/gpufleet/bin/gpufleet-monitoring-setup");
    expect(doc.packages).toEqual(["docker.io", "awscli"]);
    expect(doc.runcmd.at(-1)).toEqual(["systemctl", "start", "--no-block", "gpufleet-monitoring.target"]);
  });

  it("reads secrets at boot by name; retention, data path and listen addresses as configured", () => {
    const ud = renderMonitoringUserData(DEV_PLAN, { ...HOST, retentionDays: 30 }).userData;
    expect(ud).toContain("GPUFLEET_API_KEY_PARAMETER=/gpufleet/dev/engine-api-key");
    expect(ud).toContain("GF_SECURITY_ADMIN_PASSWORD__FILE=/run/gpufleet-secrets/grafana-admin-password");
    expect(ud).toContain("--storage.tsdb.retention.time=30d");
    expect(ud).toContain("/var/lib/gpufleet-monitoring/prometheus:/prometheus");
    // Prometheus and Alertmanager listen on loopback only; Grafana is the one port the load balancer reaches.
    expect(ud).toContain("--web.listen-address=127.0.0.1:9090");
    expect(ud).toContain("--web.listen-address=127.0.0.1:9093");
    expect(ud).not.toMatch(/GF_SECURITY_ADMIN_PASSWORD=/);
  });

  it("refuses a webhook receiver without its parameter, and bad names", () => {
    expect(() => renderMonitoringUserData(DEV_PLAN, { ...HOST, parameters: { ...HOST.parameters, alertWebhookUrl: undefined } })).toThrow(/alertWebhookUrl/);
    expect(() => renderMonitoringUserData(DEV_PLAN, { ...HOST, dataVolumeId: "disk-1" })).toThrow(/dataVolumeId/);
    expect(() => renderMonitoringUserData(DEV_PLAN, { ...HOST, thresholds: { kvCacheUsageRatio: 90 } })).toThrow(/kvCacheUsageRatio/);
  });
});
