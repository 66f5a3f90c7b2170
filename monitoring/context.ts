// What only the deployment knows about monitoring, with defaults; paths on the monitoring host and
// in its
// containers. Pure data: no @pulumi imports (DESIGN.md).
import { DEFAULT_MODEL_CACHE_DIR } from "../cloud-init/layout";
import type { PoolPlan } from "../planner/types";

/**
 * Tag keys the GPU pools' launch templates put on every instance (components/aws/facts.ts TAG_KEYS,
 * poolTags) —
 * the contract Prometheus discovers targets by. Repeated here, not imported, so that monitoring/
 * stays free of
 * components/; test/monitoring/prometheus.test.ts checks that the two agree.
 */
export const DISCOVERY_TAGS = {
  stack: "gpufleet:stack",
  pool: "gpufleet:pool",
  role: "gpufleet:role",
  replicaPorts: "gpufleet:replica-ports",
  exporterPorts: "gpufleet:exporter-ports",
} as const;

/** Value of DISCOVERY_TAGS.role on GPU instances. */
export const ENGINE_ROLE = "engine";

/**
 * The label EC2 service discovery gives a tag (`__meta_ec2_tag_<key>`, every invalid character →
 * `_`).
 */
export function ec2TagLabel(key: string): string {
  return `__meta_ec2_tag_${key.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/** Scrape job names (the `job` label of every series). */
export const JOBS = {
  engine: "gpufleet-engine",
  node: "gpufleet-node",
  dcgm: "gpufleet-dcgm",
  prometheus: "prometheus",
  alertmanager: "alertmanager",
  grafana: "grafana",
} as const;

/** Ports on the monitoring host (containers run with host networking). */
export const MONITORING_PORTS = { prometheus: 9090, alertmanager: 9093, grafana: 3000 } as const;

/** Host paths of the monitoring instance. */
export const MONITORING_HOST_PATHS = {
  /**
   * Mount point of the encrypted EBS data volume: Prometheus TSDB, Alertmanager state, Grafana's
   * database.
   */
  data: "/var/lib/gpufleet-monitoring",
  /** Rendered configuration (no secrets). */
  etc: "/etc/gpufleet-monitoring",
  /** Root-only files written at boot from SSM. */
  secrets: "/etc/gpufleet-monitoring/secrets",
  /** The boot script. */
  bin: "/opt/gpufleet/bin",
  units: "/etc/systemd/system",
} as const;

/**
 * Where configuration and secrets appear inside the containers; the renderers write paths relative
 * to these.
 */
export interface ConfigPaths {
  /** Prometheus's config dir (prometheus.yml, rules/). */
  prometheus: string;
  /**
   * Directory of the secret files Prometheus and Alertmanager read (engine-api-key,
   * alert-webhook-url).
   */
  secrets: string;
  /** Alertmanager's config dir. */
  alertmanager: string;
}

export const CONTAINER_PATHS: ConfigPaths = {
  prometheus: "/etc/prometheus",
  secrets: "/run/gpufleet-secrets",
  alertmanager: "/etc/alertmanager",
};

/**
 * File names of the secrets under ConfigPaths.secrets (written by the boot script; never rendered).
 */
export const SECRET_FILES = {
  engineApiKey: "engine-api-key",
  alertWebhookUrl: "alert-webhook-url",
  grafanaAdminPassword: "grafana-admin-password",
} as const;

/** Alert thresholds; every field has a default (DEFAULT_THRESHOLDS). */
export interface AlertThresholds {
  /** KV-cache usage ratio (0–1) held for `kvCacheMinutes`; default 0.9. */
  kvCacheUsageRatio: number;
  /** Default 10. */
  kvCacheMinutes: number;
  /** Requests queued in one replica, held for 5 minutes; default 16. */
  requestsWaiting: number;
  /** Time-to-first-token p95 per pool and model, seconds, over 10 minutes; default 5. */
  ttftP95Seconds: number;
  /**
   * GPU temperature, °C, for 5 minutes; default 85 (NVIDIA data-centre GPUs slow down near 87–90).
   */
  gpuTemperatureCelsius: number;
  /**
   * Free share of the root / model-cache filesystem below which the disk is "nearly full"; default
   * 0.10.
   */
  diskFreeRatio: number;
  /**
   * Seconds after an instance boots during which a replica that is not up is still starting (image
   * pull, weights
   * download, load); default per pool: its planned cold start + 300 s, at least 600 (= the ASG's
   * grace period).
   */
  replicaStartupGraceSeconds?: number;
}

export const DEFAULT_THRESHOLDS: Readonly<Omit<AlertThresholds, "replicaStartupGraceSeconds">> = {
  kvCacheUsageRatio: 0.9,
  kvCacheMinutes: 10,
  requestsWaiting: 16,
  ttftP95Seconds: 5,
  gpuTemperatureCelsius: 85,
  diskFreeRatio: 0.1,
};

/**
 * Where Alertmanager sends alerts. Neither set: alerts are visible in Grafana / Alertmanager only.
 */
export interface AlertReceivers {
  /**
   * A webhook receives every alert (Slack-compatible bridges, PagerDuty, …). The URL is a
   * credential: it is never
   * rendered; the boot script writes it from SSM to SECRET_FILES.alertWebhookUrl (Alertmanager's
   * `url_file`).
   */
  webhook?: boolean;
  /**
   * SNS topic ARN; Alertmanager publishes with the instance role (sns:Publish on this ARN only).
   */
  snsTopicArn?: string;
}

/**
 * Container images of the monitoring host; pinned so every boot runs what the tests validated
 * (checked 2026-11-22):
 * Prometheus v2.53.5 (2025-06-30, the last release of the 2.53 LTS line; git tag in
 * prometheus/prometheus),
 * Alertmanager v0.28.1 (CHANGELOG 2025-03-07), Grafana 11.6.1 (CHANGELOG 2025-04-23: fixes
 * CVE-2025-3454,
 * CVE-2025-2703 and CVE-2025-3260 of 11.6.0).
 */
export const DEFAULT_MONITORING_IMAGES = {
  prometheus: "quay.io/prometheus/prometheus:v2.53.5",
  alertmanager: "quay.io/prometheus/alertmanager:v0.28.1",
  grafana: "docker.io/grafana/grafana:11.6.1",
} as const;

export type MonitoringImage = keyof typeof DEFAULT_MONITORING_IMAGES;

/** What the renderers need beyond the plan. */
export interface MonitoringContext {
  /** Pulumi stack name: the discovery filter and the `stack` external label. */
  stack: string;
  /** AWS region of the instances (EC2 discovery, SNS). */
  region: string;
  /** Days Prometheus keeps samples; default 15. */
  retentionDays?: number;
  /** Alert thresholds; default DEFAULT_THRESHOLDS. */
  thresholds?: Partial<AlertThresholds>;
  receivers?: AlertReceivers;
  /**
   * The URL users open Grafana at, e.g. `https://alb-123.elb.amazonaws.com/grafana/` (path rule) or
   * `https://grafana.example.com/` (host rule); Grafana's root_url. A path other than `/` is served
   * as a sub-path.
   * Default `http://localhost:3000/`.
   */
  grafanaRootUrl?: string;
  /** Image overrides; default DEFAULT_MONITORING_IMAGES. */
  images?: Partial<Record<MonitoringImage, string>>;
  /**
   * The GPU hosts' model-cache directory (for the disk alert); default cloud-init's
   * DEFAULT_MODEL_CACHE_DIR.
   */
  modelCacheDir?: string;
  /** Seconds between scrapes; default 15. */
  scrapeIntervalSeconds?: number;
  /**
   * Where the engines run. "hosts" (default): EC2 instances or a Docker host, each with its own
   * node_exporter and DCGM exporter labelled with the host's pool. "kubernetes": pods on nodes that
   * pools may share; exporters are per node (no pool label), pod ages come from kube-state-metrics
   * and the model cache is a PersistentVolumeClaim (kubelet volume stats).
   */
  platform?: MonitoringPlatform;
  /** Namespace of the workloads (platform kubernetes). */
  namespace?: string;
  /**
   * Pools allowed to run no replica at all (Kubernetes scale to zero): their absence is not an
   * alert.
   */
  zeroPools?: string[];
  /** Docker target: static targets by container name instead of EC2 discovery. */
  docker?: DockerScrapeTargets;
}

export type MonitoringPlatform = "hosts" | "kubernetes";

/**
 * Docker target (platform "hosts"): Prometheus finds every target by container name on the docker
 * network of the host it runs on, not through EC2 discovery. Per pool: its host (the `instance_id`
 * label, as an EC2 instance id is on AWS), the host's exporters and each replica's container. A
 * host's exporters are scraped once per pool on it, labelled with that pool (the DCGM series kept to
 * the pool's GPUs), so the host rules and dashboards read the same labels as on EC2.
 */
export interface DockerScrapeTargets {
  pools: Record<
    string,
    {
      /** The Docker host's short name (components/docker hostKey): label instance_id. */
      host: string;
      /** `name:port` of the host's node exporter and DCGM exporter; null: not run. */
      nodeExporter: string | null;
      dcgmExporter: string | null;
      /** Host GPU indices the pool's replicas use (DCGM series of other GPUs are dropped). */
      gpus: number[];
      /** `name:port` of each replica's engine container, by the replica's port. */
      replicas: Record<number, string>;
    }
  >;
  /** `name:port` of Alertmanager and Grafana as Prometheus and Grafana reach them. */
  alertmanager: string;
  grafana: string;
  /** `http://name:port` of Prometheus as Grafana reaches it. */
  prometheusUrl: string;
}

export interface ResolvedMonitoringContext {
  stack: string;
  region: string;
  retentionDays: number;
  thresholds: Omit<AlertThresholds, "replicaStartupGraceSeconds"> & {
    replicaStartupGraceSeconds?: number;
  };
  receivers: AlertReceivers;
  grafanaRootUrl: string;
  /** Path part of grafanaRootUrl without the trailing slash ("" for a host rule). */
  grafanaSubPath: string;
  images: Record<MonitoringImage, string>;
  modelCacheDir: string;
  scrapeIntervalSeconds: number;
  platform: MonitoringPlatform;
  namespace: string;
  zeroPools: string[];
  docker?: DockerScrapeTargets;
}

/** Fills defaults and checks every field; throws one error listing every problem. */
export function resolveMonitoringContext(ctx: MonitoringContext): ResolvedMonitoringContext {
  const problems: string[] = [];
  if (!/^[A-Za-z0-9_.-]+$/.test(ctx.stack))
    problems.push(`stack "${ctx.stack}" must be letters, digits, "_", "." or "-"`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(ctx.region))
    problems.push(`region "${ctx.region}" is not an AWS region`);
  const retentionDays = ctx.retentionDays ?? 15;
  if (!Number.isInteger(retentionDays) || retentionDays < 1 || retentionDays > 3650) {
    problems.push(`retentionDays ${retentionDays} must be a whole number of days, 1–3650`);
  }
  const thresholds = { ...DEFAULT_THRESHOLDS, ...stripUndefined(ctx.thresholds ?? {}) };
  const ratio = (name: keyof AlertThresholds): void => {
    const v = thresholds[name];
    if (v !== undefined && !(v > 0 && v < 1))
      problems.push(`thresholds.${name} ${v} must be between 0 and 1`);
  };
  const positive = (name: keyof AlertThresholds): void => {
    const v = thresholds[name];
    if (v !== undefined && !(Number.isFinite(v) && v > 0))
      problems.push(`thresholds.${name} ${v} must be positive`);
  };
  ratio("kvCacheUsageRatio");
  ratio("diskFreeRatio");
  positive("kvCacheMinutes");
  positive("requestsWaiting");
  positive("ttftP95Seconds");
  positive("gpuTemperatureCelsius");
  positive("replicaStartupGraceSeconds");
  const arn = ctx.receivers?.snsTopicArn;
  if (
    arn !== undefined &&
    !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(arn)
  ) {
    problems.push(`receivers.snsTopicArn "${arn}" is not an SNS topic ARN`);
  }
  const rootUrl = ctx.grafanaRootUrl ?? "http://localhost:3000/";
  let subPath = "";
  try {
    const url = new URL(rootUrl);
    if (url.protocol !== "http:" && url.protocol !== "https:")
      problems.push(`grafanaRootUrl "${rootUrl}" must be http(s)`);
    subPath = url.pathname.replace(/\/+$/, "");
  } catch {
    problems.push(`grafanaRootUrl "${rootUrl}" is not a URL`);
  }
  const modelCacheDir = ctx.modelCacheDir ?? DEFAULT_MODEL_CACHE_DIR;
  if (!/^\/[A-Za-z0-9_.\-/]*$/.test(modelCacheDir))
    problems.push(`modelCacheDir "${modelCacheDir}" must be an absolute path`);
  const scrapeIntervalSeconds = ctx.scrapeIntervalSeconds ?? 15;
  if (
    !Number.isInteger(scrapeIntervalSeconds) ||
    scrapeIntervalSeconds < 5 ||
    scrapeIntervalSeconds > 300
  ) {
    problems.push(`scrapeIntervalSeconds ${scrapeIntervalSeconds} must be 5–300`);
  }
  const platform = ctx.platform ?? "hosts";
  const namespace = ctx.namespace ?? "";
  if (platform === "kubernetes" && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(namespace))
    problems.push(`namespace "${namespace}" must be a Kubernetes namespace name`);
  const zeroPools = ctx.zeroPools ?? [];
  if (zeroPools.length > 0 && platform !== "kubernetes")
    problems.push("zeroPools: only Kubernetes pools scale to zero");
  if (ctx.docker !== undefined && platform !== "hosts")
    problems.push("docker: static docker targets are hosts (platform hosts)");
  if (problems.length > 0) throw new Error(`monitoring render: ${problems.join("; ")}`);
  return {
    stack: ctx.stack,
    region: ctx.region,
    retentionDays,
    thresholds,
    receivers: ctx.receivers ?? {},
    grafanaRootUrl: rootUrl.endsWith("/") ? rootUrl : `${rootUrl}/`,
    grafanaSubPath: subPath,
    images: { ...DEFAULT_MONITORING_IMAGES, ...stripUndefined(ctx.images ?? {}) },
    modelCacheDir,
    scrapeIntervalSeconds,
    platform,
    namespace,
    zeroPools,
    ...(ctx.docker !== undefined ? { docker: ctx.docker } : {}),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Seconds a replica may be down after its instance booted before the replica-down alerts fire: the
 * pool's slowest
 * planned cold start plus five minutes, at least ten — the same rule as the ASG's health-check
 * grace period
 * (components/aws/facts.ts healthCheckGraceSeconds), so an alert never fires on an instance still
 * downloading.
 */
export function startupGraceSeconds(pool: PoolPlan, configured?: number): number {
  if (configured !== undefined) return configured;
  const cold = Math.max(0, ...pool.replicas.map((r) => r.estimates.coldStartSeconds));
  return Math.max(600, Math.ceil(cold) + 300);
}

/** A pool's replicas that export metrics (Ollama serves none). */
export function scrapedReplicas(pool: PoolPlan): PoolPlan["replicas"] {
  return pool.replicas.filter((r) => r.metricsPath !== null);
}

/**
 * Per-instance on-demand price of a pool, USD/h (the plan's costPerHour covers all `count`
 * instances).
 */
export function instancePricePerHour(pool: PoolPlan): number {
  return pool.count > 0 ? pool.costPerHour / pool.count : 0;
}
