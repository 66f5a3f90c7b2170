// The alert rules the Kubernetes target carries in its PrometheusRule: the same renderer as on
// hosts, with the series a cluster has (pods, kube-state-metrics, kubelet volume stats) instead of
// the EC2 hosts' node_exporter per pool. promtool checks them and proves each one fires and stays
// quiet on synthetic series.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import {
  JOBS,
  MODEL_CACHE_CLAIM,
  renderRules,
  resolveMonitoringContext,
  ruleGroups,
  type AlertRule,
  type MonitoringContext,
  type RuleGroup,
} from "../../monitoring";
import type { FleetPlan } from "../../planner/types";
import { DEV_PLAN, ENGINES_PLAN } from "../monitoring/fixtures";
import { describeRun, requireTool, run, tempDir } from "../tools";

const NS = "gpufleet";
const K8S: MonitoringContext = {
  stack: "dev",
  region: "us-east-1",
  platform: "kubernetes",
  namespace: NS,
  thresholds: { replicaStartupGraceSeconds: 600 },
};

const ONE_POOL: FleetPlan = {
  ...ENGINES_PLAN,
  pools: [ENGINES_PLAN.pools.find((p) => p.name === "vllm")!],
};
const POOL = ONE_POOL.pools[0]!;
const REPLICA = POOL.replicas[0]!;
const POD = `${POOL.name}-0`;

/** The labels the pool's PodMonitor gives an engine target (components/kubernetes). */
const engine = {
  job: JOBS.engine,
  pool: POOL.name,
  replica: POD,
  model: REPLICA.model.servedName,
  engine: REPLICA.engine,
  instance_id: "gpu-node-1",
  port: String(REPLICA.port),
  namespace: NS,
};

function series(name: string, labels: Record<string, string>, values: string) {
  const body = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");
  return { series: `${name}{${body}}`, values };
}

/** kube-state-metrics: the pod started at `t` seconds (promtool's clock starts at 0). */
const started = (pod: string, t: number) =>
  series("kube_pod_start_time", { namespace: NS, pod, job: "kube-state-metrics" }, `${t}x40`);

interface Case {
  name: string;
  alert: string;
  zeroPools?: string[];
  input: Array<{ series: string; values: string }>;
  expect: Array<Record<string, string>>;
}

const claim = { namespace: NS, persistentvolumeclaim: `${MODEL_CACHE_CLAIM}-${POD}` };
const dcgm = { job: JOBS.dcgm, instance_id: "gpu-node-1", gpu: "0" };

const CASES: Case[] = [
  {
    name: "engine down in a pod started long ago",
    alert: "GpufleetReplicaDown",
    input: [series("up", engine, "0x40"), started(POD, 0)],
    expect: [{ ...engine, severity: "critical" }],
  },
  {
    name: "engine down in a pod still in its cold start",
    alert: "GpufleetReplicaDown",
    // Started at 1000 s; evaluated at 1200 s: 200 s old, inside the 600 s grace.
    input: [series("up", engine, "0x40"), started(POD, 1000)],
    expect: [],
  },
  {
    name: "no engine of the pool answers",
    alert: "GpufleetNoHealthyReplica",
    input: [series("up", engine, "0x40"), started(POD, 0)],
    expect: [{ pool: POOL.name, severity: "critical" }],
  },
  {
    name: "no engine answers but one pod is young",
    alert: "GpufleetNoHealthyReplica",
    input: [series("up", engine, "0x40"), started(POD, 0), started(`${POOL.name}-1`, 1000)],
    expect: [],
  },
  {
    name: "a pool with no pod at all",
    alert: "GpufleetNoHealthyReplica",
    input: [series("up", { ...dcgm, job: JOBS.dcgm }, "1x40")],
    expect: [{ job: JOBS.engine, pool: POOL.name, severity: "critical" }],
  },
  {
    name: "a pool asleep at zero is not an alert",
    alert: "GpufleetNoHealthyReplica",
    zeroPools: [POOL.name],
    input: [series("up", { ...dcgm, job: JOBS.dcgm }, "1x40")],
    expect: [],
  },
  {
    name: "a pool that may sleep but has pods, none answering",
    alert: "GpufleetNoHealthyReplica",
    zeroPools: [POOL.name],
    input: [series("up", engine, "0x40"), started(POD, 0)],
    expect: [{ pool: POOL.name, severity: "critical" }],
  },
  {
    name: "model-cache volume nearly full",
    alert: "GpufleetDiskNearlyFull",
    input: [
      series("kubelet_volume_stats_available_bytes", claim, "5x40"),
      series("kubelet_volume_stats_capacity_bytes", claim, "100x40"),
    ],
    expect: [{ ...claim, severity: "warning" }],
  },
  {
    name: "model-cache volume with room",
    alert: "GpufleetDiskNearlyFull",
    input: [
      series("kubelet_volume_stats_available_bytes", claim, "50x40"),
      series("kubelet_volume_stats_capacity_bytes", claim, "100x40"),
    ],
    expect: [],
  },
  {
    name: "DCGM exporter down",
    alert: "GpufleetExporterDown",
    input: [series("up", dcgm, "0x40")],
    expect: [{ ...dcgm, severity: "warning" }],
  },
  {
    name: "DCGM exporter up",
    alert: "GpufleetExporterDown",
    input: [series("up", dcgm, "1x40")],
    expect: [],
  },
];

/** promtool compares annotations verbatim: the rules under test carry none. */
function rulesFile(plan: FleetPlan, zeroPools: string[]): string {
  const groups = ruleGroups(plan, resolveMonitoringContext({ ...K8S, zeroPools })).map(
    (g: RuleGroup) => ({
      ...g,
      rules: g.rules.map((r) =>
        "alert" in r ? { ...(r as AlertRule), annotations: undefined } : r,
      ),
    }),
  );
  return stringify({ groups }, { lineWidth: 0 });
}

describe("alert rules on Kubernetes", () => {
  it("reads no series a cluster lacks: no per-pool node_exporter job, no EC2 boot time", () => {
    const text = renderRules(DEV_PLAN, resolveMonitoringContext(K8S));
    expect(text).not.toContain(JOBS.node);
    expect(text).not.toContain("node_boot_time_seconds");
    expect(text).not.toContain("journalctl");
    expect(text).toContain(`kube_pod_start_time{namespace="${NS}"`);
    // The host platform keeps its own (the default).
    const hosts = renderRules(
      DEV_PLAN,
      resolveMonitoringContext({ stack: "dev", region: "us-east-1" }),
    );
    expect(hosts).toContain(`job="${JOBS.node}"`);
  });

  it("promtool check rules accepts them", () => {
    requireTool("promtool");
    const dir = tempDir("k8s-rules");
    writeFileSync(join(dir, "rules.yml"), renderRules(DEV_PLAN, resolveMonitoringContext(K8S)));
    const r = run("promtool", ["check", "rules", join(dir, "rules.yml")]);
    expect(r.status, describeRun("promtool check rules", r)).toBe(0);
  });

  it("promtool test rules: each alert fires on its series and stays quiet on a healthy one", () => {
    requireTool("promtool");
    const dir = tempDir("k8s-rule-tests");
    const files = new Map<string, string>();
    for (const c of CASES) {
      const key = (c.zeroPools ?? []).join(",") || "none";
      if (!files.has(key)) {
        const file = `rules-${files.size}.yml`;
        writeFileSync(join(dir, file), rulesFile(ONE_POOL, c.zeroPools ?? []));
        files.set(key, file);
      }
    }
    for (const [key, file] of files) {
      const tests = {
        rule_files: [file],
        evaluation_interval: "1m",
        tests: CASES.filter((c) => ((c.zeroPools ?? []).join(",") || "none") === key).map((c) => ({
          name: c.name,
          interval: "1m",
          input_series: c.input,
          alert_rule_test: [
            {
              eval_time: "20m",
              alertname: c.alert,
              exp_alerts: c.expect.map((labels) => ({ exp_labels: labels })),
            },
          ],
        })),
      };
      writeFileSync(join(dir, `tests-${file}`), stringify(tests, { lineWidth: 0 }));
      const r = run("promtool", ["test", "rules", `tests-${file}`], { cwd: dir });
      expect(r.status, describeRun(`promtool test rules (${key})`, r)).toBe(0);
      expect(r.stdout).toMatch(/SUCCESS/);
    }
  });

  it("refuses zeroPools outside Kubernetes", () => {
    expect(() =>
      resolveMonitoringContext({ stack: "dev", region: "us-east-1", zeroPools: ["chat"] }),
    ).toThrow(/zeroPools: only Kubernetes pools scale to zero/);
  });
});
