// User data of an elastic EC2 pool: one plan per instance type the auto scaling group may launch
// (the files that differ live under /etc/gpufleet/plans/<type>/ and gpufleet-select-plan copies
// the booted type's into place, by the type IMDSv2 reports), the interruption drain and the queue
// metric publisher. Pure: no @pulumi imports.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { ENGINE_METRICS } from "../monitoring/metrics";
import type { PoolPlan } from "../planner/types";
import { resolveContext, type RenderContext, type ResolvedContext } from "./context";
import { renderFiles, type RenderedFile, type RenderedPool } from "./index";
import { HOST_PATHS } from "./layout";
import { awsUnitSandbox } from "./hardening";
import { resolveReplicas, type ResolvedReplica } from "./replicas";
import { renderDockerRun } from "./units";

/** Timing of the drain and the publisher (seconds), and where IMDS is. */
// The constants live in elastic-facts.ts, which loads nothing else: the pricing and the CLI's
// `plan` read them without loading the renderers.
export { ELASTIC_DEFAULTS, HOST_METRICS, metricsNamespace } from "./elastic-facts";
import { ELASTIC_DEFAULTS, HOST_METRICS, metricsNamespace } from "./elastic-facts";

export interface ElasticOptions {
  /** Run gpufleet-metrics (the pool scales on its queue); default false. */
  publishMetrics?: boolean;
  /** Drain on a rebalance recommendation too; default false. */
  drainOnRebalance?: boolean;
  /** IMDS endpoint; default ELASTIC_DEFAULTS.imdsEndpoint. */
  imdsEndpoint?: string;
}

const SCRIPT_DIR = join(__dirname, "scripts");
const script = (name: string): string => readFileSync(join(SCRIPT_DIR, `${name}.sh`), "utf8");

/** Per replica: its unit, metrics endpoint and the engine's names for running, waiting, KV usage. */
export function renderMetricsTsv(replicas: ResolvedReplica[]): string {
  const rows = replicas.map((r) => {
    const names = ENGINE_METRICS[r.plan.engine];
    return [
      r.name,
      `${r.name}.service`,
      String(r.plan.port),
      r.plan.metricsPath ?? "-",
      names?.running ?? "-",
      names?.waiting ?? "-",
      names?.kvUsage ?? "-",
    ].join("\t");
  });
  return `# name\tunit\tport\tmetrics_path\trunning\twaiting\tkv_usage\n${rows.join("\n")}\n`;
}

/**
 * Settings of the drain and the publisher. `: "${X:=v}"` keeps a value set in the environment, so
 * a test can point the scripts at a stand-in IMDS and shorten nothing else.
 */
export function renderElasticEnv(ctx: ResolvedContext, opts: ElasticOptions): string {
  const endpoint = opts.imdsEndpoint ?? ELASTIC_DEFAULTS.imdsEndpoint;
  if (!/^http:\/\/[0-9a-z.:[\]-]+$/.test(endpoint))
    throw new Error(`cloud-init render of pool ${ctx.pool}: imdsEndpoint "${endpoint}" is no URL`);
  const values: Record<string, string | number> = {
    GPUFLEET_IMDS_ENDPOINT: endpoint,
    GPUFLEET_DRAIN_POLL_SECONDS: ELASTIC_DEFAULTS.pollSeconds,
    GPUFLEET_DRAIN_BUDGET_SECONDS: ELASTIC_DEFAULTS.drainBudgetSeconds,
    GPUFLEET_ENGINE_STOP_SECONDS: ELASTIC_DEFAULTS.engineStopSeconds,
    GPUFLEET_DRAIN_ON_REBALANCE: opts.drainOnRebalance ? 1 : 0,
    GPUFLEET_METRICS_NAMESPACE: metricsNamespace(ctx.stack),
    GPUFLEET_METRICS_PERIOD_SECONDS: ELASTIC_DEFAULTS.metricsPeriodSeconds,
  };
  return (
    "# shellcheck shell=bash\n# gpufleet drain and metrics settings (no secrets); the environment wins.\n" +
    Object.entries(values)
      .map(([k, v]) => `: "\${${k}:=${v}}"`)
      .join("\n") +
    "\n"
  );
}

function unit(description: string, service: Array<[string, string]>, after: string): string {
  const lines = [
    `# ${description}`,
    "# Rendered by gpufleet; edits are lost on the next deployment.",
    "",
    "[Unit]",
    `Description=${description}`,
    "Wants=network-online.target",
    `After=${after}`,
    "",
    "[Service]",
    ...service.map(([k, v]) => `${k}=${v}`),
    "StandardOutput=journal",
    "StandardError=journal",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ];
  return `${lines.join("\n")}\n`;
}

/** gpufleet-drain.service (always) and gpufleet-metrics.service (when the pool scales). */
export function renderElasticUnits(
  ctx: ResolvedContext,
  opts: ElasticOptions,
): Array<{ name: string; content: string }> {
  const bin = HOST_PATHS.bin;
  const units = [
    {
      name: "gpufleet-drain.service",
      content: unit(
        `gpufleet: drain pool ${ctx.pool} on a spot notice or scale-in (IMDSv2 every ${ELASTIC_DEFAULTS.pollSeconds} s)`,
        [
          ["Type", "simple"],
          ["ExecStart", `${bin}/gpufleet-drain`],
          ["Restart", "always"],
          ["RestartSec", "5"],
          ...awsUnitSandbox(),
        ],
        "network-online.target",
      ),
    },
  ];
  if (opts.publishMetrics) {
    units.push({
      name: "gpufleet-metrics.service",
      content: unit(
        `gpufleet: publish pool ${ctx.pool}'s queue to CloudWatch ${metricsNamespace(ctx.stack)}`,
        [
          ["Type", "simple"],
          ["ExecStart", `${bin}/gpufleet-metrics`],
          ["Restart", "always"],
          ["RestartSec", "30"],
          ...awsUnitSandbox(),
        ],
        "network-online.target gpufleet-bootstrap.service",
      ),
    });
  }
  return units;
}

/** One instance type's own files: the plan files, proxy, units and the metrics table. */
function variantFiles(variant: PoolPlan, ctx: ResolvedContext): RenderedFile[] {
  const replicas = resolveReplicas(variant, ctx);
  return [
    ...renderFiles(variant, replicas, ctx),
    { path: `${HOST_PATHS.etc}/metrics.tsv`, content: renderMetricsTsv(replicas), mode: "0644" },
  ];
}

/** Where a file of one type's plan waits until gpufleet-select-plan copies it into place. */
export function planPath(instanceType: string, path: string): string {
  return `${HOST_PATHS.etc}/plans/${instanceType}${path}`;
}

/**
 * Files every type shares keep their path; a file that differs between types (or that only some
 * have) goes under /etc/gpufleet/plans/<type>/ for each type.
 */
export function mergeVariantFiles(
  variants: Array<{ instanceType: string; files: RenderedFile[] }>,
): RenderedFile[] {
  if (variants.length === 1) return variants[0]!.files;
  const key = (f: RenderedFile): string => `${f.mode}\0${f.content}`;
  const byPath = new Map<string, Map<string, string>>();
  for (const v of variants)
    for (const f of v.files) {
      const m = byPath.get(f.path) ?? new Map<string, string>();
      m.set(v.instanceType, key(f));
      byPath.set(f.path, m);
    }
  const shared = (path: string): boolean => {
    const m = byPath.get(path)!;
    return m.size === variants.length && new Set(m.values()).size === 1;
  };
  const out: RenderedFile[] = variants[0]!.files.filter((f) => shared(f.path));
  // The types' copies of one file side by side: gzip's 32 KB window then sees their likeness (the
  // user data of a four-type pool must fit 16 KB gzipped).
  for (const path of byPath.keys()) {
    if (shared(path)) continue;
    for (const v of variants) {
      const f = v.files.find((x) => x.path === path);
      if (f) out.push({ ...f, path: planPath(v.instanceType, f.path) });
    }
  }
  return out;
}

/** The cloud-config; the plan is selected before any unit starts, or nothing starts. */
function startCommand(units: string[]): string {
  const bin = HOST_PATHS.bin;
  return [
    `${bin}/gpufleet-select-plan`,
    "systemctl daemon-reload",
    `systemctl enable gpufleet.target gpufleet-watchdog.timer ${units.join(" ")}`,
    `systemctl start --no-block gpufleet.target ${units.join(" ")}`,
  ].join(" && ");
}

function renderUserData(files: RenderedFile[], ctx: ResolvedContext, start: string): string {
  const config = {
    write_files: files.map((f) => ({
      path: f.path,
      owner: "root:root",
      permissions: f.mode,
      content: f.content,
    })),
    runcmd: [["sh", "-c", start]],
  };
  const header = `#cloud-config\n# gpufleet pool ${ctx.pool} (stack ${ctx.stack}), elastic. Logs: journalctl -u 'gpufleet*'; state: sudo gpufleet-status\n`;
  return header + stringify(config, { lineWidth: 0, blockQuote: "literal" });
}

/**
 * Renders an elastic pool: every instance type's plan (PoolPlan.capacity.alternatives), the plan
 * selector, the drain and, with publishMetrics, the queue publisher. The same shape as render().
 */
export function renderElasticPool(
  pool: PoolPlan,
  context: RenderContext,
  opts: ElasticOptions = {},
): RenderedPool {
  const ctx = resolveContext(context, pool.name, pool.proxyPort);
  const variants = [pool, ...(pool.capacity?.alternatives ?? [])];
  const perType = variants.map((v) => ({
    instanceType: v.instanceType ?? "",
    files: variantFiles(v, ctx),
  }));
  if (perType.some((v) => !/^[a-z0-9-]+\.[a-z0-9]+$/.test(v.instanceType)))
    throw new Error(`cloud-init render of pool ${ctx.pool}: an elastic pool needs instance types`);
  const units = renderElasticUnits(ctx, opts);
  const files: RenderedFile[] = [
    {
      path: `${HOST_PATHS.bin}/gpufleet-select-plan`,
      content: script("gpufleet-select-plan"),
      mode: "0755",
    },
    { path: `${HOST_PATHS.bin}/gpufleet-drain`, content: script("gpufleet-drain"), mode: "0755" },
    ...(opts.publishMetrics
      ? [
          {
            path: `${HOST_PATHS.bin}/gpufleet-metrics`,
            content: script("gpufleet-metrics"),
            mode: "0755",
          },
        ]
      : []),
    { path: `${HOST_PATHS.etc}/elastic.env`, content: renderElasticEnv(ctx, opts), mode: "0644" },
    ...mergeVariantFiles(perType),
    ...units.map((u) => ({
      path: `${HOST_PATHS.units}/${u.name}`,
      content: u.content,
      mode: "0644",
    })),
  ];
  const start = startCommand(units.map((u) => u.name));
  const userData = renderUserData(files, ctx, start);
  const first = resolveReplicas(pool, ctx);
  return {
    pool: ctx.pool,
    userData,
    files,
    replicas: first.map((r) => ({ unit: `${r.name}.service`, dockerRun: renderDockerRun(r, ctx) })),
    start,
  };
}
