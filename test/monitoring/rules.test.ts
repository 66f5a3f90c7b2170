// Alert rules: promtool accepts the rule files, and `promtool test rules` proves every alert fires
// on a synthetic
// series that should trigger it and stays quiet on a healthy one.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { describe, expect, it } from "vitest";
import {
  JOBS,
  renderRules,
  resolveMonitoringContext,
  ruleGroups,
  startupGraceSeconds,
  type AlertRule,
  type RuleGroup,
} from "../../monitoring";
import type { FleetPlan } from "../../planner/types";
import { CONTEXT, DEV_PLAN, ENGINES_PLAN } from "./fixtures";
import { describeRun, requireTool, run, tempDir } from "../tools";

const ctx = resolveMonitoringContext({
  ...CONTEXT,
  thresholds: { replicaStartupGraceSeconds: 600 },
});

/** One pool of one vLLM replica: per-pool alerts of other pools stay out of the expected lists. */
const ONE_POOL: FleetPlan = {
  ...ENGINES_PLAN,
  pools: [ENGINES_PLAN.pools.find((p) => p.name === "vllm")!],
};
const POOL = ONE_POOL.pools[0]!;
const REPLICA = POOL.replicas[0]!;

const host = {
  pool: POOL.name,
  instance_id: "i-0aaa",
  instance_type: POOL.instanceType ?? "",
  availability_zone: "us-east-1a",
};
const replicaLabels = {
  job: JOBS.engine,
  ...host,
  replica: `i-0aaa:${REPLICA.port}`,
  model: REPLICA.model.servedName,
  engine: REPLICA.engine,
  gpus: REPLICA.gpus.join(","),
  port: String(REPLICA.port),
};
/** The labels the per-replica recording rules keep. */
const folded = {
  job: JOBS.engine,
  pool: POOL.name,
  replica: replicaLabels.replica,
  model: replicaLabels.model,
  engine: replicaLabels.engine,
  instance_id: host.instance_id,
};

function series(
  name: string,
  labels: Record<string, string>,
  values: string,
): { series: string; values: string } {
  const body = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");
  return { series: `${name}{${body}}`, values };
}

interface Case {
  name: string;
  alert: string;
  input: Array<{ series: string; values: string }>;
  evalTime: string;
  /** Expected alerts' labels; [] = stays quiet. */
  expect: Array<Record<string, string>>;
}

const node = { job: JOBS.node, ...host };
const dcgm = { job: JOBS.dcgm, ...host, gpu: "0", UUID: "GPU-1", modelName: "NVIDIA L40S" };
const engineUp = (v: string): { series: string; values: string } => series("up", replicaLabels, v);
const nodeUp = series("up", node, "1x40");
const dcgmUp = series("up", dcgm, "1x40");
const bootedAtEpoch = series("node_boot_time_seconds", node, "0x40");
/** A histogram whose observations all fall in (lo, hi]: 10 per minute. */
function histogram(
  base: string,
  lo: string,
  hi: string,
): Array<{ series: string; values: string }> {
  return [
    series(`${base}_bucket`, { ...replicaLabels, le: lo }, "0x40"),
    series(`${base}_bucket`, { ...replicaLabels, le: hi }, "0+10x40"),
    series(`${base}_bucket`, { ...replicaLabels, le: "+Inf" }, "0+10x40"),
    series(`${base}_count`, replicaLabels, "0+10x40"),
  ];
}

const CASES: Case[] = [
  {
    name: "replica down on a host booted long ago",
    alert: "GpufleetReplicaDown",
    input: [engineUp("0x40"), bootedAtEpoch, nodeUp],
    evalTime: "20m",
    expect: [{ ...replicaLabels, severity: "critical" }],
  },
  {
    name: "replica up",
    alert: "GpufleetReplicaDown",
    input: [engineUp("1x40"), bootedAtEpoch, nodeUp],
    evalTime: "20m",
    expect: [],
  },
  {
    name: "replica down while its host is still in the cold-start grace",
    alert: "GpufleetReplicaDown",
    // Booted at 900 s; at 20 min the host is 300 s old, under the 600 s grace.
    input: [engineUp("0x40"), series("node_boot_time_seconds", node, "900x40"), nodeUp],
    evalTime: "20m",
    expect: [],
  },
  {
    name: "no replica of the pool answers",
    alert: "GpufleetNoHealthyReplica",
    input: [engineUp("0x40"), bootedAtEpoch],
    evalTime: "20m",
    expect: [{ pool: POOL.name, severity: "critical" }],
  },
  {
    name: "the pool's replica answers",
    alert: "GpufleetNoHealthyReplica",
    input: [engineUp("1x40"), bootedAtEpoch],
    evalTime: "20m",
    expect: [],
  },
  {
    name: "the pool's host has no node_exporter and no dcgm target",
    alert: "GpufleetTargetsMissing",
    input: [engineUp("1x40")],
    evalTime: "20m",
    expect: [
      { job: JOBS.node, pool: POOL.name, severity: "warning" },
      { job: JOBS.dcgm, pool: POOL.name, severity: "warning" },
    ],
  },
  {
    name: "every planned target is discovered",
    alert: "GpufleetTargetsMissing",
    input: [engineUp("1x40"), nodeUp, dcgmUp],
    evalTime: "20m",
    expect: [],
  },
  {
    name: "vLLM KV cache above 90 % for 10 minutes",
    alert: "GpufleetKvCacheFull",
    input: [
      series(
        "vllm:kv_cache_usage_perc",
        { ...replicaLabels, model_name: "x", exported_engine: "0" },
        "0.95x40",
      ),
    ],
    evalTime: "15m",
    expect: [{ ...folded, severity: "warning" }],
  },
  {
    name: "SGLang KV pool above 90 % (sglang:token_usage folds into the same alert)",
    alert: "GpufleetKvCacheFull",
    input: [series("sglang:token_usage", { ...replicaLabels, engine: "sglang" }, "0.97x40")],
    evalTime: "15m",
    expect: [{ ...folded, engine: "sglang", severity: "warning" }],
  },
  {
    name: "KV cache at 50 %",
    alert: "GpufleetKvCacheFull",
    input: [series("vllm:kv_cache_usage_perc", replicaLabels, "0.5x40")],
    evalTime: "15m",
    expect: [],
  },
  {
    name: "KV cache above 90 % for only 5 minutes",
    alert: "GpufleetKvCacheFull",
    input: [series("vllm:kv_cache_usage_perc", replicaLabels, "0.5x10 0.95x30")],
    evalTime: "15m",
    expect: [],
  },
  {
    name: "requests waiting above the threshold",
    alert: "GpufleetRequestsWaiting",
    input: [series("vllm:num_requests_waiting", replicaLabels, "40x40")],
    evalTime: "10m",
    expect: [{ ...folded, severity: "warning" }],
  },
  {
    name: "llama.cpp requests deferred above the threshold",
    alert: "GpufleetRequestsWaiting",
    input: [
      series("llamacpp:requests_deferred", { ...replicaLabels, engine: "llamacpp" }, "40x40"),
    ],
    evalTime: "10m",
    expect: [{ ...folded, engine: "llamacpp", severity: "warning" }],
  },
  {
    name: "a short queue",
    alert: "GpufleetRequestsWaiting",
    input: [series("vllm:num_requests_waiting", replicaLabels, "3x40")],
    evalTime: "10m",
    expect: [],
  },
  {
    name: "TTFT p95 above the threshold (observations between 6 and 20 s)",
    alert: "GpufleetTtftHigh",
    input: histogram("vllm:time_to_first_token_seconds", "6", "20"),
    evalTime: "20m",
    expect: [
      {
        pool: POOL.name,
        model: REPLICA.model.servedName,
        engine: REPLICA.engine,
        severity: "warning",
      },
    ],
  },
  {
    name: "TTFT under half a second",
    alert: "GpufleetTtftHigh",
    input: histogram("vllm:time_to_first_token_seconds", "0.1", "0.5"),
    evalTime: "20m",
    expect: [],
  },
  {
    name: "an XID error",
    alert: "GpufleetGpuXidError",
    input: [series("DCGM_FI_DEV_XID_ERRORS", dcgm, "0x5 79x10")],
    evalTime: "10m",
    expect: [{ ...dcgm, severity: "critical" }],
  },
  {
    name: "no XID error",
    alert: "GpufleetGpuXidError",
    input: [series("DCGM_FI_DEV_XID_ERRORS", dcgm, "0x20")],
    evalTime: "10m",
    expect: [],
  },
  {
    name: "a hot GPU",
    alert: "GpufleetGpuTemperatureHigh",
    input: [series("DCGM_FI_DEV_GPU_TEMP", dcgm, "91x20")],
    evalTime: "10m",
    expect: [{ ...dcgm, severity: "warning" }],
  },
  {
    name: "a cool GPU",
    alert: "GpufleetGpuTemperatureHigh",
    input: [series("DCGM_FI_DEV_GPU_TEMP", dcgm, "65x20")],
    evalTime: "10m",
    expect: [],
  },
  ...(["/opt/gpufleet/models", "/"] as const).map((mountpoint) => ({
    name: `${mountpoint} nearly full`,
    alert: "GpufleetDiskNearlyFull",
    input: [
      series(
        "node_filesystem_avail_bytes",
        { ...node, mountpoint, fstype: "ext4", device: "/dev/nvme1n1" },
        "5e9x20",
      ),
      series(
        "node_filesystem_size_bytes",
        { ...node, mountpoint, fstype: "ext4", device: "/dev/nvme1n1" },
        "100e9x20",
      ),
    ],
    evalTime: "15m",
    expect: [{ ...node, mountpoint, fstype: "ext4", device: "/dev/nvme1n1", severity: "warning" }],
  })),
  {
    name: "the model cache half free",
    alert: "GpufleetDiskNearlyFull",
    input: [
      series(
        "node_filesystem_avail_bytes",
        { ...node, mountpoint: "/opt/gpufleet/models", fstype: "ext4" },
        "50e9x20",
      ),
      series(
        "node_filesystem_size_bytes",
        { ...node, mountpoint: "/opt/gpufleet/models", fstype: "ext4" },
        "100e9x20",
      ),
    ],
    evalTime: "15m",
    expect: [],
  },
  {
    name: "node_exporter not answering",
    alert: "GpufleetExporterDown",
    input: [series("up", node, "0x20")],
    evalTime: "10m",
    expect: [{ ...node, severity: "warning" }],
  },
  {
    name: "exporters answering",
    alert: "GpufleetExporterDown",
    input: [nodeUp, dcgmUp],
    evalTime: "10m",
    expect: [],
  },
];

/**
 * The rule file for promtool's unit tests: annotations dropped (promtool compares them verbatim;
 * they do not decide firing).
 */
function rulesWithoutAnnotations(plan: FleetPlan): string {
  const groups = ruleGroups(plan, ctx).map((g: RuleGroup) => ({
    ...g,
    rules: g.rules.map((r) => ("alert" in r ? { ...(r as AlertRule), annotations: undefined } : r)),
  }));
  return stringify({ groups }, { lineWidth: 0 });
}

describe("alert rules", () => {
  it.each([
    ["dev", DEV_PLAN],
    ["engines", ENGINES_PLAN],
  ] as const)("promtool check rules accepts the %s plan's rules", (_n, plan) => {
    requireTool("promtool");
    const dir = tempDir("rules");
    writeFileSync(join(dir, "rules.yml"), renderRules(plan, resolveMonitoringContext(CONTEXT)));
    const r = run("promtool", ["check", "rules", join(dir, "rules.yml")]);
    expect(r.status, describeRun("promtool check rules", r)).toBe(0);
  });

  it("covers every alert of the rule file with a firing and a quiet case", () => {
    const alerts = new Set(
      ruleGroups(ONE_POOL, ctx).flatMap((g) =>
        g.rules.flatMap((r) => ("alert" in r ? [r.alert] : [])),
      ),
    );
    for (const alert of alerts) {
      expect(
        CASES.some((c) => c.alert === alert && c.expect.length > 0),
        `${alert} fires somewhere`,
      ).toBe(true);
      expect(
        CASES.some((c) => c.alert === alert && c.expect.length === 0),
        `${alert} stays quiet somewhere`,
      ).toBe(true);
    }
  });

  it("promtool test rules: each alert fires on its synthetic series and stays quiet on a healthy one", () => {
    requireTool("promtool");
    const dir = tempDir("rule-tests");
    writeFileSync(join(dir, "rules.yml"), rulesWithoutAnnotations(ONE_POOL));
    const tests = {
      rule_files: ["rules.yml"],
      evaluation_interval: "1m",
      tests: CASES.map((c) => ({
        name: c.name,
        interval: "1m",
        input_series: c.input,
        alert_rule_test: [
          {
            eval_time: c.evalTime,
            alertname: c.alert,
            exp_alerts: c.expect.map((labels) => ({ exp_labels: labels })),
          },
        ],
      })),
    };
    writeFileSync(join(dir, "tests.yml"), stringify(tests, { lineWidth: 0 }));
    const r = run("promtool", ["test", "rules", "tests.yml"], { cwd: dir });
    expect(r.status, describeRun("promtool test rules", r)).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS/);
  });

  it("uses each pool's cold-start grace unless a threshold overrides it", () => {
    const groups = ruleGroups(DEV_PLAN, resolveMonitoringContext(CONTEXT));
    for (const pool of DEV_PLAN.pools) {
      const down = groups
        .flatMap((g) => g.rules)
        .find(
          (r) => "alert" in r && r.alert === "GpufleetReplicaDown" && r.labels.pool === pool.name,
        ) as AlertRule;
      expect(down.expr).toContain(`< ${startupGraceSeconds(pool)}`);
      expect(startupGraceSeconds(pool)).toBeGreaterThanOrEqual(600);
    }
    const parsed = parse(renderRules(ONE_POOL, ctx)) as { groups: RuleGroup[] };
    expect(JSON.stringify(parsed)).toContain("< 600");
  });

  it("prices every pool from the plan", () => {
    const rules = ruleGroups(DEV_PLAN, ctx)[0]!.rules.filter(
      (r) => "record" in r && r.record === "gpufleet:pool_planned_cost_dollars_per_hour",
    );
    expect(rules.map((r) => ("labels" in r ? r.labels?.pool : undefined))).toEqual(
      DEV_PLAN.pools.map((p) => p.name),
    );
    const sum = rules.reduce((s, r) => s + Number(/vector\(([\d.]+)\)/.exec(r.expr)![1]), 0);
    expect(sum).toBeCloseTo(DEV_PLAN.costPerHour, 2);
  });
});
