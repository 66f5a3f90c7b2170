// prometheus.yml: EC2 discovery of this stack's GPU instances by their tags, one scrape job per
// planned replica
// port of each pool, relabelled so that every engine series carries pool, replica, model, engine
// and instance_id.
import { stringify } from "yaml";
import { EXPORTER_PORTS } from "../cloud-init/context";
import { MULTI_NODE_TAGS } from "../cloud-init/multinode";
import type { FleetPlan, PoolPlan, ReplicaPlan } from "../planner/types";
import {
  CONTAINER_PATHS,
  DISCOVERY_TAGS,
  ENGINE_ROLE,
  JOBS,
  MONITORING_PORTS,
  SECRET_FILES,
  ec2TagLabel,
  scrapedReplicas,
  type ConfigPaths,
  type DockerScrapeTargets,
  type ResolvedMonitoringContext,
} from "./context";

/** File name of the rule file under `<prometheus>/rules/`. */
export const RULE_FILE = "gpufleet.rules.yml";

/** Seconds between EC2 DescribeInstances calls: new instances are scraped within a minute. */
const EC2_REFRESH_SECONDS = 60;

type Relabel = Record<string, unknown>;

/** A regex matching `port` as one word of a space-separated port list (the tags' format). */
function portInList(port: number): string {
  return `(.* )?${port}( .*)?`;
}

function ec2Discovery(
  ctx: ResolvedMonitoringContext,
  port: number,
  pool?: string,
): Record<string, unknown> {
  // Filtered by EC2 itself (server-side): only running instances of this stack's engine role (and
  // pool).
  const filters = [
    { name: `tag:${DISCOVERY_TAGS.stack}`, values: [ctx.stack] },
    { name: `tag:${DISCOVERY_TAGS.role}`, values: [ENGINE_ROLE] },
    ...(pool !== undefined ? [{ name: `tag:${DISCOVERY_TAGS.pool}`, values: [pool] }] : []),
    { name: "instance-state-name", values: ["running"] },
  ];
  return { region: ctx.region, port, refresh_interval: `${EC2_REFRESH_SECONDS}s`, filters };
}

/** Relabelling shared by every job on the GPU hosts: the discovered host's identity as labels. */
function hostLabels(): Relabel[] {
  return [
    { source_labels: [ec2TagLabel(DISCOVERY_TAGS.pool)], target_label: "pool" },
    { source_labels: ["__meta_ec2_instance_id"], target_label: "instance_id" },
    { source_labels: ["__meta_ec2_instance_type"], target_label: "instance_type" },
    { source_labels: ["__meta_ec2_availability_zone"], target_label: "availability_zone" },
  ];
}

/** The label values of one replica, from the plan (the instance's tags carry only its ports). */
export function replicaLabels(replica: ReplicaPlan): Record<string, string> {
  return {
    model: replica.model.servedName,
    engine: replica.engine,
    gpus: replica.gpus.join(","),
    port: String(replica.port),
  };
}

/**
 * The scrape job of one replica port of one pool. Engines protect /metrics differently (llama.cpp's
 * and SGLang's
 * API-key middleware cover it, vLLM's and lmdeploy's do not); every engine job sends the key — a
 * Bearer header an
 * engine does not check costs nothing.
 */
function engineJob(
  pool: PoolPlan,
  replica: ReplicaPlan,
  ctx: ResolvedMonitoringContext,
  paths: ConfigPaths,
): Record<string, unknown> {
  const labels = replicaLabels(replica);
  const relabel: Relabel[] = [
    // A host whose tag does not list this port runs another plan (an instance refresh in progress):
    // skip it.
    {
      source_labels: [ec2TagLabel(DISCOVERY_TAGS.replicaPorts)],
      regex: portInList(replica.port),
      action: "keep",
    },
    // A worker rank of a multi-node group serves no HTTP (--headless): only its leader is scraped.
    ...(replica.multiNode?.ec2
      ? [{ source_labels: [ec2TagLabel(MULTI_NODE_TAGS.role)], regex: "worker", action: "drop" }]
      : []),
    { target_label: "job", replacement: JOBS.engine },
    ...hostLabels(),
    // replica = <instance id>:<port>: unique across the fleet, stable while the instance lives.
    {
      source_labels: ["__meta_ec2_instance_id"],
      target_label: "replica",
      replacement: `$1:${replica.port}`,
    },
    ...Object.entries(labels).map(([label, value]) => ({
      target_label: label,
      replacement: value,
    })),
  ];
  return {
    job_name: `engine-${pool.name}-${replica.port}`,
    metrics_path: replica.metricsPath,
    authorization: {
      type: "Bearer",
      credentials_file: `${paths.secrets}/${SECRET_FILES.engineApiKey}`,
    },
    ec2_sd_configs: [ec2Discovery(ctx, replica.port, pool.name)],
    relabel_configs: relabel,
  };
}

function exporterJob(
  job: string,
  port: number,
  ctx: ResolvedMonitoringContext,
): Record<string, unknown> {
  return {
    job_name: job,
    ec2_sd_configs: [ec2Discovery(ctx, port)],
    relabel_configs: [
      {
        source_labels: [ec2TagLabel(DISCOVERY_TAGS.exporterPorts)],
        regex: portInList(port),
        action: "keep",
      },
      ...hostLabels(),
    ],
  };
}

function localJob(job: string, target: string, path = "/metrics"): Record<string, unknown> {
  return {
    job_name: job,
    metrics_path: path,
    static_configs: [{ targets: [target] }],
  };
}

/**
 * Docker target: the same jobs with static targets (container names on the host's network) and the
 * labels EC2 discovery would give: pool, instance_id (the Docker host), replica (the container).
 */
function dockerJobs(
  plan: FleetPlan,
  docker: DockerScrapeTargets,
  paths: ConfigPaths,
): Record<string, unknown>[] {
  const jobs: Record<string, unknown>[] = [];
  const exporters = [
    ["node", JOBS.node, "nodeExporter"],
    ["dcgm", JOBS.dcgm, "dcgmExporter"],
  ] as const;
  for (const [short, job, key] of exporters) {
    for (const pool of plan.pools) {
      const t = docker.pools[pool.name];
      const target = t?.[key];
      if (!t || !target) continue;
      jobs.push({
        job_name: `${short}-${pool.name}`,
        static_configs: [{ targets: [target], labels: { pool: pool.name, instance_id: t.host } }],
        relabel_configs: [{ target_label: "job", replacement: job }],
        // The host's GPUs serve several pools: a pool's DCGM series are those of its own GPUs.
        ...(key === "dcgmExporter"
          ? {
              metric_relabel_configs: [
                {
                  source_labels: ["gpu"],
                  regex: `(${[...t.gpus].sort((a, b) => a - b).join("|")})?`,
                  action: "keep",
                },
              ],
            }
          : {}),
      });
    }
  }
  for (const pool of plan.pools) {
    const t = docker.pools[pool.name];
    if (!t) continue;
    for (const replica of scrapedReplicas(pool)) {
      const target = t.replicas[replica.port];
      if (target === undefined) continue;
      jobs.push({
        job_name: `engine-${pool.name}-${replica.port}`,
        metrics_path: replica.metricsPath,
        authorization: {
          type: "Bearer",
          credentials_file: `${paths.secrets}/${SECRET_FILES.engineApiKey}`,
        },
        static_configs: [
          {
            targets: [target],
            labels: {
              pool: pool.name,
              instance_id: t.host,
              replica: target.replace(/:\d+$/, ""),
              ...replicaLabels(replica),
            },
          },
        ],
        relabel_configs: [{ target_label: "job", replacement: JOBS.engine }],
      });
    }
  }
  return jobs;
}

/**
 * The scrape configs, in a stable order: exporters, then engines by pool and port, then the
 * monitoring host.
 */
export function scrapeConfigs(
  plan: FleetPlan,
  ctx: ResolvedMonitoringContext,
  paths: ConfigPaths = CONTAINER_PATHS,
): Record<string, unknown>[] {
  const grafanaMetrics = `${ctx.grafanaSubPath}/metrics`;
  if (ctx.docker !== undefined) {
    return [
      ...dockerJobs(plan, ctx.docker, paths),
      localJob(JOBS.prometheus, `localhost:${MONITORING_PORTS.prometheus}`),
      localJob(JOBS.alertmanager, ctx.docker.alertmanager),
      localJob(JOBS.grafana, ctx.docker.grafana, grafanaMetrics),
    ];
  }
  const jobs: Record<string, unknown>[] = [
    exporterJob(JOBS.node, EXPORTER_PORTS.nodeExporter, ctx),
    exporterJob(JOBS.dcgm, EXPORTER_PORTS.dcgmExporter, ctx),
  ];
  for (const pool of plan.pools) {
    for (const replica of scrapedReplicas(pool)) jobs.push(engineJob(pool, replica, ctx, paths));
  }
  jobs.push(
    localJob(JOBS.prometheus, `localhost:${MONITORING_PORTS.prometheus}`),
    localJob(JOBS.alertmanager, `localhost:${MONITORING_PORTS.alertmanager}`),
    localJob(JOBS.grafana, `localhost:${MONITORING_PORTS.grafana}`, grafanaMetrics),
  );
  return jobs;
}

/** prometheus.yml. */
export function renderPrometheusConfig(
  plan: FleetPlan,
  ctx: ResolvedMonitoringContext,
  paths: ConfigPaths = CONTAINER_PATHS,
): string {
  const interval = `${ctx.scrapeIntervalSeconds}s`;
  const config = {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      scrape_timeout: `${Math.min(10, ctx.scrapeIntervalSeconds)}s`,
      external_labels: { stack: ctx.stack },
    },
    rule_files: [`${paths.prometheus}/rules/${RULE_FILE}`],
    alerting: {
      alertmanagers: [
        {
          static_configs: [
            {
              targets: [ctx.docker?.alertmanager ?? `localhost:${MONITORING_PORTS.alertmanager}`],
            },
          ],
        },
      ],
    },
    scrape_configs: scrapeConfigs(plan, ctx, paths),
  };
  const header =
    `# gpufleet ${ctx.stack}: Prometheus configuration, rendered from the plan (monitoring/prometheus.ts).\n` +
    (ctx.docker !== undefined
      ? "# Targets: the stack's containers by name on the Docker host's network.\n"
      : `# Targets: EC2 instances tagged ${DISCOVERY_TAGS.stack}=${ctx.stack}, ${DISCOVERY_TAGS.role}=${ENGINE_ROLE}.\n`);
  return header + stringify(config, { lineWidth: 0 });
}
