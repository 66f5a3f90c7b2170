// The monitoring instance's cloud-config: Prometheus, Alertmanager and Grafana as containers under
// systemd, data on
// the EBS volume, secrets read from SSM at boot by gpufleet-monitoring-setup, configuration
// (everything the plan
// shapes) fetched from the stack's private S3 bucket by gpufleet-monitoring-sync at boot and every
// 5 minutes. The
// user data holds parameter NAMES and the bucket's name only, and does not depend on the plan: its
// size is the same
// for 1 pool and for 100 (test/monitoring/cloud-config.test.ts and the component's mock test check
// it).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import { EC2_USER_DATA_LIMIT } from "../cloud-init";
import { shellQuote, type CommandWord } from "../cloud-init/quote";
import {
  dockerRunUnit,
  unitFile,
  type ContainerConfinement,
  type UnitEntry,
} from "../cloud-init/docker-unit";
import { dockerUnitSandbox, monitoringSyncSandbox } from "../cloud-init/hardening";
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
import { buildDashboards, dashboardFiles } from "./dashboards";
import {
  GRAFANA_PATHS,
  grafanaEnvironment,
  renderGrafanaDashboardProvider,
  renderGrafanaDatasources,
} from "./grafana";
import { RULE_FILE, renderPrometheusConfig } from "./prometheus";
import { renderRules } from "./rules";

/**
 * Key prefix of the configuration objects in the bucket (and the only prefix the instance role may
 * read).
 */
export const CONFIG_PREFIX = "monitoring/";

/**
 * The manifest of the configuration: `sha256sum` lines (`<hex>  <path>`), sorted by path; uploaded
 * last.
 */
export const MANIFEST_FILE = "manifest.sha256";

/** What only the deployed host knows. */
export interface MonitoringHostContext extends MonitoringContext {
  /**
   * The private S3 bucket holding the rendered configuration (renderMonitoringBundle) under
   * `configPrefix`.
   */
  configBucket: string;
  /** Key prefix of the configuration objects; default CONFIG_PREFIX. Must end in "/". */
  configPrefix?: string;
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

const ETC = MONITORING_HOST_PATHS.etc;
const SETUP_UNIT = "gpufleet-monitoring-setup.service";
const SYNC_UNIT = "gpufleet-monitoring-sync.service";
const SYNC_TIMER = "gpufleet-monitoring-sync.timer";
/** The scripts' state (lock, staging, boot-error); gpufleet-monitoring-sync.sh STATE_DIR. */
const MONITORING_STATE_DIR = "/var/lib/gpufleet";
/** Minutes between two configuration syncs. */
export const SYNC_INTERVAL_MINUTES = 5;

/** The three containers of the monitoring host. */
export type MonitoringContainer = "prometheus" | "alertmanager" | "grafana";

/**
 * Who each container runs as (`docker run --user`): the pinned images' own non-root users, so that
 * no container needs a capability. The boot script (gpufleet-monitoring-setup) makes each one's data
 * directory (MONITORING_HOST_PATHS.data/<container>, on the EBS volume) and secret files its own
 * from these same numbers (monitoring.env GPUFLEET_<CONTAINER>_USER). Checked 2026-12-01 in the
 * images' Dockerfiles at their pinned tags: prometheus/prometheus v2.53.5 and
 * prometheus/alertmanager v0.28.1 (`USER nobody` on quay.io/prometheus/busybox, whose nobody is
 * 65534:65534); grafana/grafana 11.6 (`ARG GF_UID="472"`, `ARG GF_GID="0"`, `USER "$GF_UID"`).
 */
export const MONITORING_CONTAINER_USERS: Record<MonitoringContainer, { uid: number; gid: number }> =
  {
    prometheus: { uid: 65534, gid: 65534 },
    alertmanager: { uid: 65534, gid: 65534 },
    grafana: { uid: 472, gid: 0 },
  };

/**
 * How each container is confined: no capability at all (each runs as its own non-root user and
 * listens above 1024), no-new-privileges, and a read-only root filesystem: Prometheus and
 * Alertmanager write only their data volume; Grafana also stages files under /tmp (SQLite's
 * temporary files, plugin downloads: grafana/grafana#20950), which gets a tmpfs. Its file log
 * under /var/log/grafana stays off (the image's run.sh sets log mode "console").
 */
export const MONITORING_CONFINEMENT: Record<MonitoringContainer, ContainerConfinement> = {
  prometheus: {
    capAdd: [],
    user: MONITORING_CONTAINER_USERS.prometheus,
    readOnlyRoot: { tmpfs: [] },
  },
  alertmanager: {
    capAdd: [],
    user: MONITORING_CONTAINER_USERS.alertmanager,
    readOnlyRoot: { tmpfs: [] },
  },
  grafana: {
    capAdd: [],
    user: MONITORING_CONTAINER_USERS.grafana,
    readOnlyRoot: { tmpfs: ["/tmp"] },
  },
};

/** A container's data directory on the host (on the EBS volume). */
export function dataDir(c: MonitoringContainer): string {
  return `${MONITORING_HOST_PATHS.data}/${c}`;
}

/** `uid:gid`, as chown and monitoring.env write it. */
function owner(c: MonitoringContainer): string {
  const { uid, gid } = MONITORING_CONTAINER_USERS[c];
  return `${uid}:${gid}`;
}

/** The unit of one container of the monitoring host. */
function containerUnit(
  container: MonitoringContainer,
  description: string,
  run: CommandWord[],
): string {
  return dockerRunUnit({
    name: `gpufleet-${container}`,
    description,
    header: description,
    requires: [SETUP_UNIT],
    partOf: "gpufleet-monitoring.target",
    confinement: MONITORING_CONFINEMENT[container],
    run,
    stopSeconds: 30,
    sandbox: dockerUnitSandbox(),
    wantedBy: "gpufleet-monitoring.target",
  });
}

function secretMount(file: string): string[] {
  return ["-v", `${MONITORING_HOST_PATHS.secrets}/${file}:${CONTAINER_PATHS.secrets}/${file}:ro`];
}

export function renderMonitoringUnits(
  ctx: ResolvedMonitoringContext,
): Array<{ name: string; content: string }> {
  const units = [
    {
      name: "gpufleet-monitoring.target",
      content: unitFile(
        {
          Unit: [
            [
              "Description",
              `gpufleet monitoring (stack ${ctx.stack}): Prometheus, Alertmanager, Grafana`,
            ],
            [
              "Wants",
              `${SETUP_UNIT} gpufleet-prometheus.service gpufleet-alertmanager.service gpufleet-grafana.service ${SYNC_TIMER}`,
            ],
          ],
          Install: [["WantedBy", "multi-user.target"]],
        },
        `gpufleet monitoring of stack ${ctx.stack}`,
      ),
    },
    {
      name: SETUP_UNIT,
      content: unitFile(
        {
          Unit: [
            ["Description", "gpufleet monitoring: data volume, secrets and configuration"],
            ["After", "network-online.target docker.service"],
            ["Wants", "network-online.target"],
          ],
          // Not sandboxed: its mount of the data volume must land in the host's mount namespace
          // (cloud-init/hardening.ts says why).
          Service: [
            ["Type", "oneshot"],
            ["RemainAfterExit", "yes"],
            ["ExecStart", `${MONITORING_HOST_PATHS.bin}/gpufleet-monitoring-setup`],
            ["TimeoutStartSec", "15min"],
            ["StandardOutput", "journal"],
            ["StandardError", "journal"],
          ],
        },
        "Mounts the data volume, reads the secrets from SSM and fetches the configuration from S3 before any container starts.",
      ),
    },
    {
      name: SYNC_UNIT,
      content: unitFile(
        {
          Unit: [
            ["Description", "gpufleet monitoring: configuration sync from S3"],
            // After the boot: the setup installs the first configuration, and this never runs
            // alongside it.
            ["After", `network-online.target ${SETUP_UNIT}`],
            ["Wants", "network-online.target"],
            // Until the setup has installed a configuration once, there is nothing to keep in sync.
            ["ConditionPathExists", `${ETC}/${MANIFEST_FILE}`],
          ],
          Service: [
            ["Type", "oneshot"],
            ["ExecStart", `${MONITORING_HOST_PATHS.bin}/gpufleet-monitoring-sync`],
            ["TimeoutStartSec", "4min"],
            ["StandardOutput", "journal"],
            ["StandardError", "journal"],
            // The aws CLI to S3 (credentials from IMDS), docker and systemctl over their sockets;
            // writes the configuration tree and its state, never sees the secrets.
            ...monitoringSyncSandbox({
              writable: [ETC, MONITORING_STATE_DIR],
              hidden: [MONITORING_HOST_PATHS.secrets],
            }),
          ],
        },
        "Fetches the configuration from S3; when its manifest changed, installs it and reloads what reads it.",
      ),
    },
    {
      name: SYNC_TIMER,
      content: unitFile(
        {
          Unit: [
            [
              "Description",
              `gpufleet monitoring: configuration sync every ${SYNC_INTERVAL_MINUTES} minutes`,
            ],
          ],
          Timer: [
            ["OnBootSec", `${SYNC_INTERVAL_MINUTES}min`],
            ["OnUnitActiveSec", `${SYNC_INTERVAL_MINUTES}min`],
            ["AccuracySec", "30s"],
            ["Unit", SYNC_UNIT],
          ],
          Install: [["WantedBy", "timers.target"]],
        },
        `Syncs the configuration from S3 every ${SYNC_INTERVAL_MINUTES} minutes: a plan change reaches the host without replacing it.`,
      ),
    },
    {
      name: "gpufleet-prometheus.service",
      content: containerUnit(
        "prometheus",
        `gpufleet: Prometheus on 127.0.0.1:${MONITORING_PORTS.prometheus}`,
        [
          "-v",
          `${ETC}/prometheus:${CONTAINER_PATHS.prometheus}:ro`,
          ...secretMount(SECRET_FILES.engineApiKey),
          "-v",
          `${dataDir("prometheus")}:/prometheus`,
          ctx.images.prometheus,
          `--config.file=${CONTAINER_PATHS.prometheus}/prometheus.yml`,
          "--storage.tsdb.path=/prometheus",
          `--storage.tsdb.retention.time=${ctx.retentionDays}d`,
          // Only Grafana (same host) queries it: nothing outside the host reaches Prometheus.
          `--web.listen-address=127.0.0.1:${MONITORING_PORTS.prometheus}`,
          `--web.external-url=http://localhost:${MONITORING_PORTS.prometheus}/`,
        ],
      ),
    },
    {
      name: "gpufleet-alertmanager.service",
      content: containerUnit(
        "alertmanager",
        `gpufleet: Alertmanager on 127.0.0.1:${MONITORING_PORTS.alertmanager}`,
        [
          "-v",
          `${ETC}/alertmanager:${CONTAINER_PATHS.alertmanager}:ro`,
          ...(ctx.receivers.webhook ? secretMount(SECRET_FILES.alertWebhookUrl) : []),
          "-v",
          `${dataDir("alertmanager")}:/alertmanager`,
          ctx.images.alertmanager,
          `--config.file=${CONTAINER_PATHS.alertmanager}/alertmanager.yml`,
          "--storage.path=/alertmanager",
          `--web.listen-address=127.0.0.1:${MONITORING_PORTS.alertmanager}`,
          // One instance: no gossip cluster.
          "--cluster.listen-address=",
        ],
      ),
    },
    {
      name: "gpufleet-grafana.service",
      content: containerUnit(
        "grafana",
        `gpufleet: Grafana on :${MONITORING_PORTS.grafana} (the load balancer's target)`,
        [
          "--env-file",
          `${ETC}/grafana.env`,
          "-v",
          `${ETC}/grafana/provisioning:${GRAFANA_PATHS.provisioning}:ro`,
          "-v",
          `${ETC}/grafana/dashboards:${GRAFANA_PATHS.dashboards}:ro`,
          "-v",
          `${MONITORING_HOST_PATHS.secrets}/${SECRET_FILES.grafanaAdminPassword}:${GRAFANA_PATHS.adminPassword}:ro`,
          "-v",
          `${dataDir("grafana")}:/var/lib/grafana`,
          ctx.images.grafana,
        ],
      ),
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
 * The configuration files Prometheus, Alertmanager and Grafana read, as paths relative to the
 * config root
 * (prometheus/…, alertmanager/…, grafana/…, grafana.env): what `gpufleet render` writes to
 * DIR/monitoring/, what
 * the bucket holds under `monitoring/`, and what the host installs under /etc/gpufleet-monitoring.
 * No secrets.
 */
export function renderConfigFiles(
  plan: FleetPlan,
  ctx: ResolvedMonitoringContext,
): Array<{ path: string; content: string }> {
  return [
    { path: CONFIG_PATHS.grafanaEnv, content: envFile(grafanaEnvironment(ctx)) },
    { path: CONFIG_PATHS.prometheus, content: renderPrometheusConfig(plan, ctx) },
    { path: CONFIG_PATHS.rules, content: renderRules(plan, ctx) },
    { path: CONFIG_PATHS.alertmanager, content: renderAlertmanagerConfig(ctx) },
    {
      path: CONFIG_PATHS.datasources,
      content: renderGrafanaDatasources(ctx.docker?.prometheusUrl),
    },
    { path: CONFIG_PATHS.dashboardProvider, content: renderGrafanaDashboardProvider() },
    ...buildDashboards(plan).map((d) => ({
      path: `${CONFIG_PATHS.dashboards}/${d.file}`,
      content: `${JSON.stringify(d.json)}\n`,
    })),
  ];
}

/** Paths (relative to the config root) of the files renderConfigFiles writes. */
const CONFIG_PATHS = {
  grafanaEnv: "grafana.env",
  prometheus: "prometheus/prometheus.yml",
  rules: `prometheus/rules/${RULE_FILE}`,
  alertmanager: "alertmanager/alertmanager.yml",
  datasources: "grafana/provisioning/datasources/gpufleet.yml",
  dashboardProvider: "grafana/provisioning/dashboards/gpufleet.yml",
  dashboards: "grafana/dashboards",
} as const;

/**
 * The paths renderConfigFiles(plan, …) returns, in its order, without rendering anything (cheap:
 * the component
 * declares one object per path before Grafana's URL, which every file's content may depend on, is
 * known).
 */
export function monitoringFilePaths(plan: FleetPlan): string[] {
  const { dashboards, ...fixed } = CONFIG_PATHS;
  return [...Object.values(fixed), ...dashboardFiles(plan).map((f) => `${dashboards}/${f}`)];
}

/** One object of the configuration bucket. */
export interface MonitoringObject {
  /**
   * Path relative to the host's config root (/etc/gpufleet-monitoring), e.g.
   * `prometheus/prometheus.yml`.
   */
  path: string;
  /** Object key: the prefix, then the path. */
  key: string;
  content: string;
  contentType: string;
  /** Hex SHA-256 of the content (UTF-8), as the manifest lists it. */
  sha256: string;
}

export interface MonitoringBundle {
  /** Every configuration file, sorted by path. */
  files: MonitoringObject[];
  /**
   * MANIFEST_FILE: `<sha256>  <path>` per file; the host installs nothing that does not match it.
   */
  manifest: MonitoringObject;
}

function contentTypeOf(path: string): string {
  if (path.endsWith(".json")) return "application/json";
  if (path.endsWith(".yml") || path.endsWith(".yaml")) return "application/yaml";
  return "text/plain; charset=utf-8";
}

function sha256(content: string): string {
  return createHash("sha256").update(content, "utf8").digest("hex");
}

/**
 * Paths the sync script accepts (it refuses anything else): no "..", no spaces, under the three
 * config trees.
 */
const BUNDLE_PATH = /^(grafana\.env|(prometheus|alertmanager|grafana)\/[A-Za-z0-9_.\-/]+)$/;

/**
 * The rendered configuration as the bucket's objects plus their manifest. Pure: the component
 * uploads exactly this,
 * `gpufleet render` writes exactly this, the tests check exactly this.
 */
export function renderMonitoringBundle(
  plan: FleetPlan,
  ctx: MonitoringContext,
  prefix: string = CONFIG_PREFIX,
): MonitoringBundle {
  if (!/^[A-Za-z0-9_.\-/]*\/$/.test(prefix))
    throw new Error(
      `monitoring render: configPrefix "${prefix}" must be a key prefix ending in "/"`,
    );
  const object = (path: string, content: string): MonitoringObject => ({
    path,
    key: `${prefix}${path}`,
    content,
    contentType: contentTypeOf(path),
    sha256: sha256(content),
  });
  const files = renderConfigFiles(plan, resolveMonitoringContext(ctx))
    .map((f) => object(f.path, f.content))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const f of files) {
    if (!BUNDLE_PATH.test(f.path) || f.path.includes("..") || f.path === MANIFEST_FILE)
      throw new Error(`monitoring render: bad config path "${f.path}"`);
  }
  const manifest = files.map((f) => `${f.sha256}  ${f.path}\n`).join("");
  return { files, manifest: object(MANIFEST_FILE, manifest) };
}

const SCRIPTS = join(__dirname, "scripts");

/**
 * Every file cloud-init writes on the monitoring host, in write order. Depends on no plan:
 * configuration is in S3.
 */
export function renderMonitoringHostFiles(host: MonitoringHostContext): MonitoringFile[] {
  const ctx = resolveMonitoringContext(host);
  const problems: string[] = [];
  const SSM = /^[A-Za-z0-9_.\-/]+$/;
  for (const [k, v] of Object.entries(host.parameters)) {
    if (v !== undefined && !SSM.test(v))
      problems.push(`parameters.${k} "${v}" is not an SSM parameter name`);
  }
  if (ctx.receivers.webhook && host.parameters.alertWebhookUrl === undefined) {
    problems.push(
      "receivers.webhook needs parameters.alertWebhookUrl (the SSM parameter holding the URL)",
    );
  }
  if (!/^vol-[0-9a-f]{8,17}$/.test(host.dataVolumeId))
    problems.push(`dataVolumeId "${host.dataVolumeId}" is not an EBS volume id`);
  // S3 bucket naming rules (general purpose buckets): 3–63 lower-case letters, digits, "-" and ".",
  // letter or digit at both ends.
  if (
    !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(host.configBucket) ||
    host.configBucket.includes("..")
  ) {
    problems.push(`configBucket "${host.configBucket}" is not an S3 bucket name`);
  }
  const prefix = host.configPrefix ?? CONFIG_PREFIX;
  if (!/^[A-Za-z0-9_.\-/]*\/$/.test(prefix))
    problems.push(`configPrefix "${prefix}" must be a key prefix ending in "/"`);
  if (problems.length > 0) throw new Error(`monitoring render: ${problems.join("; ")}`);

  const hostEnv: Record<string, string> = {
    GPUFLEET_STACK: ctx.stack,
    GPUFLEET_REGION: ctx.region,
    GPUFLEET_DATA_VOLUME_ID: host.dataVolumeId,
    GPUFLEET_DATA_DEVICE: host.dataDevice ?? DATA_DEVICE,
    GPUFLEET_DATA_DIR: MONITORING_HOST_PATHS.data,
    GPUFLEET_SECRETS_DIR: MONITORING_HOST_PATHS.secrets,
    GPUFLEET_CONFIG_DIR: ETC,
    GPUFLEET_CONFIG_BUCKET: host.configBucket,
    GPUFLEET_CONFIG_PREFIX: prefix,
    GPUFLEET_BIN_DIR: MONITORING_HOST_PATHS.bin,
    GPUFLEET_GRAFANA_PASSWORD_PARAMETER: host.parameters.grafanaAdminPassword,
    GPUFLEET_API_KEY_PARAMETER: host.parameters.engineApiKey,
    GPUFLEET_WEBHOOK_PARAMETER: ctx.receivers.webhook
      ? (host.parameters.alertWebhookUrl ?? "")
      : "",
    // Owners of each container's data directory and secret files (MONITORING_CONTAINER_USERS).
    GPUFLEET_PROMETHEUS_USER: owner("prometheus"),
    GPUFLEET_ALERTMANAGER_USER: owner("alertmanager"),
    GPUFLEET_GRAFANA_USER: owner("grafana"),
  };
  const script = (name: string): MonitoringFile => ({
    path: `${MONITORING_HOST_PATHS.bin}/${name}`,
    content: readFileSync(join(SCRIPTS, `${name}.sh`), "utf8"),
    mode: "0755",
  });
  return [
    { path: `${ETC}/monitoring.env`, content: envFile(hostEnv), mode: "0644" },
    script("gpufleet-monitoring-setup"),
    script("gpufleet-monitoring-sync"),
    ...renderMonitoringUnits(ctx).map((u) => ({
      path: `${MONITORING_HOST_PATHS.units}/${u.name}`,
      content: u.content,
      mode: "0644",
    })),
  ];
}

export interface RenderedMonitoringUserData {
  /** `#cloud-config` text. */
  userData: string;
  files: MonitoringFile[];
  /**
   * What to hand EC2 (base64): plain when it fits 16 KB, else gzipped; throws when even that does
   * not fit.
   */
  base64(): string;
}

/**
 * The monitoring instance's user data: the same for every plan (the configuration comes from the
 * bucket).
 */
export function renderMonitoringUserData(host: MonitoringHostContext): RenderedMonitoringUserData {
  const files = renderMonitoringHostFiles(host);
  const config = {
    package_update: true,
    // Ubuntu 22.04's own packages: Docker for the containers, the aws CLI for the SSM reads and the
    // S3 sync.
    packages: ["docker.io", "awscli"],
    write_files: files.map((f) => ({
      path: f.path,
      owner: "root:root",
      permissions: f.mode,
      content: f.content,
    })),
    runcmd: [
      ["systemctl", "daemon-reload"],
      [
        "systemctl",
        "enable",
        "docker",
        "gpufleet-monitoring.target",
        "gpufleet-prometheus.service",
        "gpufleet-alertmanager.service",
        "gpufleet-grafana.service",
        SYNC_TIMER,
      ],
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
        // Cannot happen with the shipped scripts (the user data does not grow with the plan); kept
        // as a guard.
        throw new Error(
          `monitoring user data is ${body.length} bytes gzipped, over EC2's ${EC2_USER_DATA_LIMIT}`,
        );
      }
      return body.toString("base64");
    },
  };
}
