// The monitoring instance's cloud-config: Prometheus, Alertmanager and Grafana as containers under systemd, data on
// the EBS volume, secrets read from SSM at boot by gpufleet-monitoring-setup. The user data holds parameter NAMES
// only (test/monitoring/cloud-config.test.ts and the component's mock test check it).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import { EC2_USER_DATA_LIMIT } from "../cloud-init";
import { shellQuote, systemdCommand, type CommandWord } from "../cloud-init/quote";
import type { FleetPlan } from "../planner/types";
import {
  CONTAINER_PATHS,
  MONITORING_HOST_PATHS,
  MONITORING_PORTS,
  SECRET_FILES,
  resolveMonitoringContext,
  type MonitoringContext,
  type ResolvedMonitoringContext,
} from "./context";
import { renderAlertmanagerConfig } from "./alertmanager";
import { buildDashboards } from "./dashboards";
import { GRAFANA_PATHS, grafanaEnvironment, renderGrafanaDashboardProvider, renderGrafanaDatasources } from "./grafana";
import { RULE_FILE, renderPrometheusConfig } from "./prometheus";
import { renderRules } from "./rules";

/** What only the deployed host knows. */
export interface MonitoringHostContext extends MonitoringContext {
  /** Id of the EBS data volume (the boot script finds its NVMe device by it). */
  dataVolumeId: string;
  /** Device name of the volume attachment; default DATA_DEVICE. */
  dataDevice?: string;
  /** NAMES (never values) of the SSM SecureString parameters read at boot. */
  parameters: {
    grafanaAdminPassword: string;
    engineApiKey: string;
    /** Required when receivers.webhook is set. */
    alertWebhookUrl?: string;
  };
}

/** Device name the data volume is attached under. */
export const DATA_DEVICE = "/dev/sdf";

export interface MonitoringFile {
  /** Absolute path on the monitoring host. */
  path: string;
  content: string;
  mode: string;
}

const DOCKER = "/usr/bin/docker";
const ETC = MONITORING_HOST_PATHS.etc;
const SETUP_UNIT = "gpufleet-monitoring-setup.service";

function unitFile(header: string, sections: Record<string, Array<[string, string | number]>>): string {
  const out = [`# ${header}`, "# Rendered by gpufleet (monitoring/cloud-config.ts); edits are lost on the next deployment."];
  for (const [section, entries] of Object.entries(sections)) out.push("", `[${section}]`, ...entries.map(([k, v]) => `${k}=${v}`));
  return `${out.join("\n")}\n`;
}

function containerUnit(name: string, description: string, run: CommandWord[]): string {
  return unitFile(description, {
    Unit: [
      ["Description", description],
      ["After", `docker.service ${SETUP_UNIT}`],
      ["Requires", `docker.service ${SETUP_UNIT}`],
      ["PartOf", "gpufleet-monitoring.target"],
    ],
    Service: [
      ["Type", "simple"],
      ["ExecStartPre", `-${DOCKER} rm -f ${name}`],
      ["ExecStart", systemdCommand([DOCKER, "run", "--rm", "--name", name, "--network", "host", "--log-driver", "none", ...run])],
      ["ExecStop", `${DOCKER} stop --time 30 ${name}`],
      ["Restart", "always"],
      ["RestartSec", 10],
      ["StandardOutput", "journal"],
      ["StandardError", "journal"],
      ["SyslogIdentifier", name],
    ],
    Install: [["WantedBy", "gpufleet-monitoring.target"]],
  });
}

function secretMount(file: string): string[] {
  return ["-v", `${MONITORING_HOST_PATHS.secrets}/${file}:${CONTAINER_PATHS.secrets}/${file}:ro`];
}

export function renderMonitoringUnits(ctx: ResolvedMonitoringContext): Array<{ name: string; content: string }> {
  const data = MONITORING_HOST_PATHS.data;
  const units = [
    {
      name: "gpufleet-monitoring.target",
      content: unitFile(`gpufleet monitoring of stack ${ctx.stack}`, {
        Unit: [
          ["Description", `gpufleet monitoring (stack ${ctx.stack}): Prometheus, Alertmanager, Grafana`],
          ["Wants", `${SETUP_UNIT} gpufleet-prometheus.service gpufleet-alertmanager.service gpufleet-grafana.service`],
        ],
        Install: [["WantedBy", "multi-user.target"]],
      }),
    },
    {
      name: SETUP_UNIT,
      content: unitFile("Mounts the data volume and reads the secrets from SSM before any container starts.", {
        Unit: [
          ["Description", "gpufleet monitoring: data volume and secrets"],
          ["After", "network-online.target docker.service"],
          ["Wants", "network-online.target"],
        ],
        Service: [
          ["Type", "oneshot"],
          ["RemainAfterExit", "yes"],
          ["ExecStart", `${MONITORING_HOST_PATHS.bin}/gpufleet-monitoring-setup`],
          ["TimeoutStartSec", "15min"],
          ["StandardOutput", "journal"],
          ["StandardError", "journal"],
        ],
      }),
    },
    {
      name: "gpufleet-prometheus.service",
      content: containerUnit("gpufleet-prometheus", `gpufleet: Prometheus on 127.0.0.1:${MONITORING_PORTS.prometheus}`, [
        "--user",
        "65534:65534",
        "-v",
        `${ETC}/prometheus:${CONTAINER_PATHS.prometheus}:ro`,
        ...secretMount(SECRET_FILES.engineApiKey),
        "-v",
        `${data}/prometheus:/prometheus`,
        ctx.images.prometheus,
        `--config.file=${CONTAINER_PATHS.prometheus}/prometheus.yml`,
        "--storage.tsdb.path=/prometheus",
        `--storage.tsdb.retention.time=${ctx.retentionDays}d`,
        // Only Grafana (same host) queries it: nothing outside the host reaches Prometheus.
        `--web.listen-address=127.0.0.1:${MONITORING_PORTS.prometheus}`,
        `--web.external-url=http://localhost:${MONITORING_PORTS.prometheus}/`,
      ]),
    },
    {
      name: "gpufleet-alertmanager.service",
      content: containerUnit("gpufleet-alertmanager", `gpufleet: Alertmanager on 127.0.0.1:${MONITORING_PORTS.alertmanager}`, [
        "--user",
        "65534:65534",
        "-v",
        `${ETC}/alertmanager:${CONTAINER_PATHS.alertmanager}:ro`,
        ...(ctx.receivers.webhook ? secretMount(SECRET_FILES.alertWebhookUrl) : []),
        "-v",
        `${data}/alertmanager:/alertmanager`,
        ctx.images.alertmanager,
        `--config.file=${CONTAINER_PATHS.alertmanager}/alertmanager.yml`,
        "--storage.path=/alertmanager",
        `--web.listen-address=127.0.0.1:${MONITORING_PORTS.alertmanager}`,
        // One instance: no gossip cluster.
        "--cluster.listen-address=",
      ]),
    },
    {
      name: "gpufleet-grafana.service",
      content: containerUnit("gpufleet-grafana", `gpufleet: Grafana on :${MONITORING_PORTS.grafana} (the load balancer's target)`, [
        "--user",
        "472:0",
        "--env-file",
        `${ETC}/grafana.env`,
        "-v",
        `${ETC}/grafana/provisioning:${GRAFANA_PATHS.provisioning}:ro`,
        "-v",
        `${ETC}/grafana/dashboards:${GRAFANA_PATHS.dashboards}:ro`,
        "-v",
        `${MONITORING_HOST_PATHS.secrets}/${SECRET_FILES.grafanaAdminPassword}:${GRAFANA_PATHS.adminPassword}:ro`,
        "-v",
        `${data}/grafana:/var/lib/grafana`,
        ctx.images.grafana,
      ]),
    },
  ];
  return units;
}

function envFile(vars: Record<string, string>): string {
  return `${Object.entries(vars)
    .map(([k, v]) => `${k}=${shellQuote(v)}`)
    .join("\n")}\n`;
}

/**
 * The configuration files Prometheus, Alertmanager and Grafana read, as paths relative to the config root
 * (prometheus/…, alertmanager/…, grafana/…): what `gpufleet render` writes to DIR/monitoring/ and what the host
 * gets under /etc/gpufleet-monitoring.
 */
export function renderConfigFiles(plan: FleetPlan, ctx: ResolvedMonitoringContext): Array<{ path: string; content: string }> {
  return [
    { path: "prometheus/prometheus.yml", content: renderPrometheusConfig(plan, ctx) },
    { path: `prometheus/rules/${RULE_FILE}`, content: renderRules(plan, ctx) },
    { path: "alertmanager/alertmanager.yml", content: renderAlertmanagerConfig(ctx) },
    { path: "grafana/provisioning/datasources/gpufleet.yml", content: renderGrafanaDatasources() },
    { path: "grafana/provisioning/dashboards/gpufleet.yml", content: renderGrafanaDashboardProvider() },
    ...buildDashboards(plan).map((d) => ({ path: `grafana/dashboards/${d.file}`, content: `${JSON.stringify(d.json)}\n` })),
  ];
}

const SETUP_SCRIPT = join(__dirname, "scripts", "gpufleet-monitoring-setup.sh");

/** Every file cloud-init writes on the monitoring host, in write order. */
export function renderMonitoringHostFiles(plan: FleetPlan, host: MonitoringHostContext): MonitoringFile[] {
  const ctx = resolveMonitoringContext(host);
  const problems: string[] = [];
  const SSM = /^[A-Za-z0-9_.\-/]+$/;
  for (const [k, v] of Object.entries(host.parameters)) {
    if (v !== undefined && !SSM.test(v)) problems.push(`parameters.${k} "${v}" is not an SSM parameter name`);
  }
  if (ctx.receivers.webhook && host.parameters.alertWebhookUrl === undefined) {
    problems.push("receivers.webhook needs parameters.alertWebhookUrl (the SSM parameter holding the URL)");
  }
  if (!/^vol-[0-9a-f]{8,17}$/.test(host.dataVolumeId)) problems.push(`dataVolumeId "${host.dataVolumeId}" is not an EBS volume id`);
  if (problems.length > 0) throw new Error(`monitoring render: ${problems.join("; ")}`);

  const hostEnv: Record<string, string> = {
    GPUFLEET_STACK: ctx.stack,
    GPUFLEET_REGION: ctx.region,
    GPUFLEET_DATA_VOLUME_ID: host.dataVolumeId,
    GPUFLEET_DATA_DEVICE: host.dataDevice ?? DATA_DEVICE,
    GPUFLEET_DATA_DIR: MONITORING_HOST_PATHS.data,
    GPUFLEET_SECRETS_DIR: MONITORING_HOST_PATHS.secrets,
    GPUFLEET_GRAFANA_PASSWORD_PARAMETER: host.parameters.grafanaAdminPassword,
    GPUFLEET_API_KEY_PARAMETER: host.parameters.engineApiKey,
    GPUFLEET_WEBHOOK_PARAMETER: ctx.receivers.webhook ? host.parameters.alertWebhookUrl ?? "" : "",
  };
  const files: MonitoringFile[] = [
    { path: `${ETC}/monitoring.env`, content: envFile(hostEnv), mode: "0644" },
    { path: `${MONITORING_HOST_PATHS.bin}/gpufleet-monitoring-setup`, content: readFileSync(SETUP_SCRIPT, "utf8"), mode: "0755" },
    { path: `${ETC}/grafana.env`, content: envFile(grafanaEnvironment(ctx)), mode: "0644" },
    ...renderConfigFiles(plan, ctx).map((f) => ({ path: `${ETC}/${f.path}`, content: f.content, mode: "0644" })),
    ...renderMonitoringUnits(ctx).map((u) => ({ path: `${MONITORING_HOST_PATHS.units}/${u.name}`, content: u.content, mode: "0644" })),
  ];
  return files;
}

export interface RenderedMonitoringUserData {
  /** `#cloud-config` text. */
  userData: string;
  files: MonitoringFile[];
  /** What to hand EC2 (base64): plain when it fits 16 KB, else gzipped; throws when even that does not fit. */
  base64(): string;
}

/** The monitoring instance's user data. */
export function renderMonitoringUserData(plan: FleetPlan, host: MonitoringHostContext): RenderedMonitoringUserData {
  const files = renderMonitoringHostFiles(plan, host);
  const config = {
    package_update: true,
    // Ubuntu 22.04's own packages: Docker for the containers, the aws CLI for the SSM reads.
    packages: ["docker.io", "awscli"],
    write_files: files.map((f) => ({ path: f.path, owner: "root:root", permissions: f.mode, content: f.content })),
    runcmd: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "docker", "gpufleet-monitoring.target", "gpufleet-prometheus.service", "gpufleet-alertmanager.service", "gpufleet-grafana.service"],
      ["systemctl", "start", "--no-block", "gpufleet-monitoring.target"],
    ],
  };
  const userData =
    `#cloud-config\n# gpufleet monitoring (stack ${host.stack}). Logs: journalctl -u 'gpufleet-*'\n` +
    stringify(config, { lineWidth: 0, blockQuote: "literal" });
  return {
    userData,
    files,
    base64(): string {
      const plain = Buffer.from(userData, "utf8");
      const body = plain.length <= EC2_USER_DATA_LIMIT ? plain : gzipSync(plain, { level: 9 });
      if (body.length > EC2_USER_DATA_LIMIT) {
        throw new Error(`monitoring user data is ${body.length} bytes gzipped, over EC2's ${EC2_USER_DATA_LIMIT}`);
      }
      return body.toString("base64");
    },
  };
}
