// Alert and recording rules, rendered from the plan: per-pool rules know the pool's expected
// targets and its
// cold-start grace; fleet-wide rules read recording rules that fold each engine's own metric names
// into one.
import { stringify } from "yaml";
import type { FleetPlan, PoolPlan } from "../planner/types";
import {
  JOBS,
  instancePricePerHour,
  scrapedReplicas,
  startupGraceSeconds,
  type ResolvedMonitoringContext,
} from "./context";
import { namesOf, type EngineMetricNames } from "./metrics";

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: "critical" | "warning" } & Record<string, string>;
  annotations: { summary: string; description: string; runbook?: string };
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Array<RecordingRule | AlertRule>;
}

/**
 * Labels every per-replica recording keeps (engine-exported labels such as model_name are dropped).
 */
export const REPLICA_LABELS = ["job", "pool", "replica", "model", "engine", "instance_id"] as const;
const BY_REPLICA = `by (${REPLICA_LABELS.join(", ")})`;
const ENGINE_SELECTOR = `{job="${JOBS.engine}"}`;

/**
 * `agg by (replica labels) (name{job=engine})` per engine, joined with `or` (each replica runs one
 * engine).
 */
function fold(
  concept: keyof EngineMetricNames,
  agg: "sum" | "max",
  wrap: (series: string) => string = (s) => s,
): string {
  return namesOf(concept)
    .map((name) => `${agg} ${BY_REPLICA} (${wrap(`${name}${ENGINE_SELECTOR}`)})`)
    .join("\n  or\n");
}

/** Per-replica series in one name whatever the engine (dashboards and alerts read these). */
export function recordingRules(): RecordingRule[] {
  const rate = (s: string): string => `rate(${s}[5m])`;
  return [
    { record: "gpufleet:replica_requests_running", expr: fold("running", "sum") },
    { record: "gpufleet:replica_requests_waiting", expr: fold("waiting", "sum") },
    // max, not sum: a data-parallel vLLM exports one usage per engine core; the fullest one is what
    // saturates.
    { record: "gpufleet:replica_kv_cache_usage_ratio", expr: fold("kvUsage", "max") },
    { record: "gpufleet:replica_prompt_tokens:rate5m", expr: fold("promptTokens", "sum", rate) },
    {
      record: "gpufleet:replica_generation_tokens:rate5m",
      expr: fold("generationTokens", "sum", rate),
    },
  ];
}

/**
 * The plan's prices as constant series per pool, and the instances each pool runs now (cost panels
 * and tokens per dollar multiply the two).
 */
export function costRules(
  plan: FleetPlan,
  platform: ResolvedMonitoringContext["platform"] = "hosts",
): RecordingRule[] {
  return plan.pools.flatMap((pool) => [
    { record: "gpufleet:pool_instances", expr: poolInstances(pool, platform) },
    {
      record: "gpufleet:pool_instance_cost_dollars_per_hour",
      expr: `vector(${round(instancePricePerHour(pool))})`,
      labels: { pool: pool.name },
    },
    {
      record: "gpufleet:pool_planned_cost_dollars_per_hour",
      expr: `vector(${round(pool.costPerHour)})`,
      labels: { pool: pool.name },
    },
  ]);
}

/**
 * Instances (hosts, or Kubernetes nodes' worth of GPUs) a pool runs now. Hosts: one node_exporter
 * each. Kubernetes: engine pods (a StatefulSet pod is one replica, a LeaderWorkerSet's scraped leader
 * stands for its group of `nodes` nodes), `replicas.length` of them per instance.
 */
function poolInstances(pool: PoolPlan, platform: ResolvedMonitoringContext["platform"]): string {
  if (platform === "hosts") return `count by (pool) (up{job="${JOBS.node}",pool="${pool.name}"})`;
  const nodes = pool.replicas[0]?.multiNode?.nodes ?? 1;
  const perInstance = Math.max(1, pool.replicas.length);
  const pods = `count by (pool) (up{job="${JOBS.engine}",pool="${pool.name}"})`;
  const factor = round(nodes / perInstance);
  return factor === 1 ? pods : `${pods} * ${factor}`;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function minutes(m: number): string {
  return `${m}m`;
}

/** Alerts that depend on a pool's plan: its expected targets and its cold-start grace. */
export function poolAlerts(plan: FleetPlan, ctx: ResolvedMonitoringContext): AlertRule[] {
  return ctx.platform === "kubernetes"
    ? kubernetesPoolAlerts(plan, ctx)
    : hostPoolAlerts(plan, ctx);
}

function hostPoolAlerts(plan: FleetPlan, ctx: ResolvedMonitoringContext): AlertRule[] {
  const alerts: AlertRule[] = [];
  for (const pool of plan.pools) {
    const grace = startupGraceSeconds(pool, ctx.thresholds.replicaStartupGraceSeconds);
    const p = `pool="${pool.name}"`;
    const engineUp = `up{job="${JOBS.engine}",${p}}`;
    const boot = `node_boot_time_seconds{job="${JOBS.node}",${p}}`;
    const scraped = scrapedReplicas(pool).length;
    if (scraped > 0) {
      alerts.push({
        alert: "GpufleetReplicaDown",
        // `unless` a young host: a replica is expected down while its instance downloads and loads
        // the model.
        // A host whose node_exporter is gone too is not young: the alert fires (TargetsMissing says
        // more).
        expr: `${engineUp} == 0\nunless on (instance_id)\n(time() - ${boot}) < ${grace}`,
        for: "5m",
        labels: { severity: "critical", pool: pool.name },
        annotations: {
          summary: replicaDownSummary,
          description:
            `Prometheus cannot scrape the engine on port {{ $labels.port }} of {{ $labels.instance_id }} although the host booted more than ${grace} s ago (the pool's cold-start grace). ` +
            "The watchdog restarts it; check `journalctl -u gpufleet-{{ $labels.engine }}-{{ $labels.port }}` over SSM Session Manager.",
        },
      });
      alerts.push(
        noHealthyReplica(
          pool,
          `(sum by (pool) (${engineUp}) == 0 or absent(${engineUp}))`,
          `max by (pool) (time() - ${boot}) < ${grace}`,
        ),
      );
    }
    const expected: Array<[string, number]> = [
      [JOBS.engine, pool.count * scraped],
      [JOBS.node, pool.count],
      [JOBS.dcgm, pool.count],
    ];
    for (const [job, n] of expected) {
      if (n === 0) continue;
      const up = `up{job="${job}",${p}}`;
      alerts.push({
        alert: "GpufleetTargetsMissing",
        expr: `count by (job, pool) (${up}) < ${n}\nor\nabsent(${up})`,
        // Longer than an instance refresh's replacement: a target briefly missing while the ASG
        // swaps hosts is normal.
        for: "15m",
        labels: { severity: "warning", pool: pool.name, job },
        annotations: {
          summary: `Prometheus finds fewer ${job} targets in pool ${pool.name} than planned (${n})`,
          description:
            `Found {{ $value }} of ${n}. Instances missing from EC2 discovery (not running, tags changed, the ASG below its desired count) ` +
            "or the monitoring role cannot call ec2:DescribeInstances.",
        },
      });
    }
  }
  return alerts;
}

const replicaDownSummary =
  "Replica {{ $labels.replica }} ({{ $labels.model }}, {{ $labels.engine }}) of pool {{ $labels.pool }} is down";

function noHealthyReplica(pool: PoolPlan, down: string, young: string): AlertRule {
  return {
    alert: "GpufleetNoHealthyReplica",
    expr: `${down}\nunless on (pool)\n(${young})`,
    for: "5m",
    labels: { severity: "critical", pool: pool.name },
    annotations: {
      summary: `Pool ${pool.name} has no replica answering`,
      description: `No engine of pool ${pool.name} (${[...new Set(pool.replicas.map((r) => r.model.servedName))].join(", ")}) can be scraped: requests routed to this pool fail.`,
    },
  };
}

/**
 * The pod names of a pool's workload: a StatefulSet's `<pool>-<ordinal>`, a LeaderWorkerSet's
 * leader `<pool>-<group>` and workers `<pool>-<group>-<index>` (components/kubernetes). Digits after
 * the pool's name keep pool "a" from matching pool "a-b"'s pods.
 */
export function poolPodRegex(pool: string): string {
  return `${pool}-[0-9]+(-[0-9]+)?`;
}

/**
 * Kubernetes: a pod younger than the pool's cold-start grace is still starting (kube-state-metrics'
 * kube_pod_start_time, which kube-prometheus-stack installs); Prometheus finds engine pods through
 * PodMonitors, so a missing pod is the workload controller's business (KEDA changes the count,
 * kube-prometheus-stack's KubeStatefulSetReplicasMismatch watches it) and node/DCGM exporters run
 * per node, not per pool: no per-pool target count.
 */
function kubernetesPoolAlerts(plan: FleetPlan, ctx: ResolvedMonitoringContext): AlertRule[] {
  const alerts: AlertRule[] = [];
  for (const pool of plan.pools) {
    if (scrapedReplicas(pool).length === 0) continue;
    const grace = startupGraceSeconds(pool, ctx.thresholds.replicaStartupGraceSeconds);
    const engineUp = `up{job="${JOBS.engine}",pool="${pool.name}"}`;
    const age = `time() - kube_pod_start_time{namespace="${ctx.namespace}",pod=~"${poolPodRegex(pool.name)}"}`;
    alerts.push({
      alert: "GpufleetReplicaDown",
      expr:
        `${engineUp} == 0\nunless on (replica)\n` +
        `label_replace((${age}) < ${grace}, "replica", "$1", "pod", "(.+)")`,
      for: "5m",
      labels: { severity: "critical", pool: pool.name },
      annotations: {
        summary: replicaDownSummary,
        description:
          `Prometheus cannot scrape the engine of pod {{ $labels.replica }} (node {{ $labels.instance_id }}) although it started more than ${grace} s ago (the pool's cold-start grace). ` +
          `Its liveness probe restarts it; check \`kubectl -n ${ctx.namespace} logs {{ $labels.replica }} -c engine\`.`,
      },
    });
    // A pool that may scale to zero has no series at zero: only "pods but none up" is an alert.
    const down = ctx.zeroPools.includes(pool.name)
      ? `sum by (pool) (${engineUp}) == 0`
      : `(sum by (pool) (${engineUp}) == 0 or absent(${engineUp}))`;
    alerts.push(
      noHealthyReplica(
        pool,
        down,
        `label_replace(min(${age}) < ${grace}, "pool", "${pool.name}", "", "")`,
      ),
    );
  }
  return alerts;
}

/** Alerts on the folded per-replica series and the exporters, one rule each for the whole fleet. */
export function fleetAlerts(ctx: ResolvedMonitoringContext): AlertRule[] {
  const t = ctx.thresholds;
  const kubernetes = ctx.platform === "kubernetes";
  const ttftBuckets = namesOf("ttft")
    .map((name) => `rate(${name}_bucket${ENGINE_SELECTOR}[5m])`)
    .join(" or ");
  return [
    {
      alert: "GpufleetKvCacheFull",
      expr: `gpufleet:replica_kv_cache_usage_ratio > ${t.kvCacheUsageRatio}`,
      for: minutes(t.kvCacheMinutes),
      labels: { severity: "warning" },
      annotations: {
        summary:
          "KV cache of {{ $labels.replica }} ({{ $labels.model }}) above " +
          `${Math.round(t.kvCacheUsageRatio * 100)} %`,
        description: `Above ${t.kvCacheUsageRatio} for ${t.kvCacheMinutes} minutes: new requests wait or running ones are preempted. Add instances to pool {{ $labels.pool }} or lower its maxModelLen.`,
      },
    },
    {
      alert: "GpufleetRequestsWaiting",
      expr: `gpufleet:replica_requests_waiting > ${t.requestsWaiting}`,
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: "{{ $value }} requests queued on {{ $labels.replica }} ({{ $labels.model }})",
        description: `More than ${t.requestsWaiting} requests waiting for 5 minutes: the replica is saturated.`,
      },
    },
    {
      alert: "GpufleetTtftHigh",
      expr: `histogram_quantile(0.95, sum by (pool, model, engine, le) (${ttftBuckets})) > ${t.ttftP95Seconds}`,
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary:
          "TTFT p95 of {{ $labels.model }} in pool {{ $labels.pool }} is {{ $value | humanizeDuration }}",
        description: `Time to first token p95 above ${t.ttftP95Seconds} s for 10 minutes (queueing or long prompts). llama.cpp exports no TTFT histogram and is not covered.`,
      },
    },
    {
      alert: "GpufleetGpuXidError",
      expr: `DCGM_FI_DEV_XID_ERRORS{job="${JOBS.dcgm}"} > 0`,
      labels: { severity: "critical" },
      annotations: {
        summary:
          "GPU {{ $labels.gpu }} of {{ $labels.instance_id }} (pool {{ $labels.pool }}) reported XID {{ $value }}",
        description:
          "An NVIDIA XID error (e.g. 48 double-bit ECC, 63/64 row remapping, 79 fallen off the bus) often needs a GPU reset: " +
          "terminate the instance and let the ASG replace it. https://docs.nvidia.com/deploy/xid-errors/",
      },
    },
    {
      alert: "GpufleetGpuTemperatureHigh",
      expr: `DCGM_FI_DEV_GPU_TEMP{job="${JOBS.dcgm}"} > ${t.gpuTemperatureCelsius}`,
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: "GPU {{ $labels.gpu }} of {{ $labels.instance_id }} at {{ $value }} °C",
        description: `Above ${t.gpuTemperatureCelsius} °C for 5 minutes: the GPU throttles its clocks.`,
      },
    },
    kubernetes ? modelCacheVolumeAlert(ctx) : hostDiskAlert(ctx),
    {
      alert: "GpufleetExporterDown",
      // On Kubernetes node_exporter belongs to kube-prometheus-stack (its TargetDown covers it).
      expr: kubernetes
        ? `up{job="${JOBS.dcgm}"} == 0`
        : `up{job=~"${JOBS.node}|${JOBS.dcgm}"} == 0`,
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: kubernetes
          ? "{{ $labels.job }} on node {{ $labels.instance_id }} is not answering"
          : "{{ $labels.job }} on {{ $labels.instance_id }} (pool {{ $labels.pool }}) is not answering",
        description:
          "GPU and host metrics of this instance are missing; the alerts that read them are blind.",
      },
    },
  ];
}

function hostDiskAlert(ctx: ResolvedMonitoringContext): AlertRule {
  const disk = `{job="${JOBS.node}",mountpoint=~"/|${ctx.modelCacheDir}",fstype!~"tmpfs|overlay|squashfs"}`;
  return {
    alert: "GpufleetDiskNearlyFull",
    expr: `node_filesystem_avail_bytes${disk} / node_filesystem_size_bytes${disk} < ${ctx.thresholds.diskFreeRatio}`,
    for: "10m",
    labels: { severity: "warning" },
    annotations: {
      summary:
        "{{ $labels.mountpoint }} on {{ $labels.instance_id }} (pool {{ $labels.pool }}) is nearly full",
      description: `Less than ${Math.round(ctx.thresholds.diskFreeRatio * 100)} % free on the root or model-cache filesystem: model downloads and image pulls will fail.`,
    },
  };
}

/** Kubernetes: the model cache is a PersistentVolumeClaim per pod (kubelet's volume stats). */
function modelCacheVolumeAlert(ctx: ResolvedMonitoringContext): AlertRule {
  const pvc = `{namespace="${ctx.namespace}",persistentvolumeclaim=~"${MODEL_CACHE_CLAIM}-.+"}`;
  return {
    alert: "GpufleetDiskNearlyFull",
    expr: `kubelet_volume_stats_available_bytes${pvc} / kubelet_volume_stats_capacity_bytes${pvc} < ${ctx.thresholds.diskFreeRatio}`,
    for: "10m",
    labels: { severity: "warning" },
    annotations: {
      summary: "Model cache {{ $labels.persistentvolumeclaim }} is nearly full",
      description: `Less than ${Math.round(ctx.thresholds.diskFreeRatio * 100)} % free on the model-cache volume: the next model download fails. Grow the claim or set a larger cache.`,
    },
  };
}

/**
 * Name of the model-cache volume claim template of a Kubernetes pool's pods; the claims are
 * `<name>-<pod>` (components/kubernetes).
 */
export const MODEL_CACHE_CLAIM = "models";

export function ruleGroups(plan: FleetPlan, ctx: ResolvedMonitoringContext): RuleGroup[] {
  return [
    { name: "gpufleet-recording", rules: [...recordingRules(), ...costRules(plan, ctx.platform)] },
    { name: "gpufleet-pools", rules: poolAlerts(plan, ctx) },
    { name: "gpufleet-fleet", rules: fleetAlerts(ctx) },
  ];
}

/** The rule file (one file, three groups). */
export function renderRules(plan: FleetPlan, ctx: ResolvedMonitoringContext): string {
  return (
    `# gpufleet ${ctx.stack}: recording and alert rules, rendered from the plan (monitoring/rules.ts).\n` +
    stringify({ groups: ruleGroups(plan, ctx) }, { lineWidth: 0 })
  );
}
