// The bench report: its JSON schema (gpufleet.bench/v1, the contract README "Bench" documents),
// SLO checks, the comparison with the plan, and the table / markdown renderings.
import type { ErrorKind } from "./client";
import type { StepResult } from "./runner";
import type { ServerStep } from "./server-metrics";
import type { Summary } from "./stats";
import { BenchInputError } from "./workload";

export const REPORT_SCHEMA = "gpufleet.bench/v1";

export interface ReportStep {
  /** Concurrency of the step (concurrency mode), else null. */
  concurrency: number | null;
  /** Poisson arrival rate, requests/s (rate mode), else null. */
  rate: number | null;
  /** Rate mode: the cap on requests in flight. */
  maxConcurrency: number | null;
  windowSeconds: number;
  requests: { sent: number; succeeded: number; failed: number };
  errors: Partial<Record<ErrorKind, number>>;
  errorRate: number;
  ttftMs: Summary | null;
  itlMs: Summary | null;
  e2eMs: Summary | null;
  decodeTokensPerSecond: Summary | null;
  outputTokens: number;
  outputTokensPerSecond: number;
  requestsPerSecond: number;
  /** Pool $/hour ÷ output tokens per hour × 10⁶; null without a price or without output. */
  costPerMillionOutputTokens: number | null;
  peakInFlight: number;
  delayedArrivals: number;
  server: ServerStep | null;
  cancelled: boolean;
}

export interface PlanComparison {
  stack: string;
  pool: string;
  servedName: string;
  engine: string;
  gpu: string;
  instances: number;
  replicas: number;
  costPerHour: number;
  predicted: {
    /** The plan's single-stream decode estimate of one replica. */
    singleStreamTokensPerSecond: number;
    /** Full-length (maxModelLen) sequences the whole pool's KV caches hold. */
    fullLengthConcurrency: number;
    maxModelLen: number;
  };
  measured: {
    /** Median per-request decode rate at the lowest load step; null without one. */
    singleStreamTokensPerSecond: number | null;
    /** The step it was read from. */
    singleStreamStep: number | null;
    ttftP99ThresholdMs: number;
    /** Highest concurrency (or rate) whose TTFT p99 stays within the threshold; null if none. */
    concurrencyWithinTtft: number | null;
    rateWithinTtft: number | null;
  };
}

export interface SloResult {
  expr: string;
  pass: boolean;
  /** Indexes of the steps that broke it (or had no measurement for it). */
  failedSteps: number[];
}

export interface BenchReport {
  schema: typeof REPORT_SCHEMA;
  startedAt: string;
  finishedAt: string;
  target: {
    url: string;
    model: string;
    stack: string | null;
    pool: string | null;
    metricsUrl: string | null;
  };
  options: {
    mode: "concurrency" | "rate";
    steps: number[];
    maxConcurrency: number | null;
    durationSeconds: number | null;
    requests: number | null;
    warmupSeconds: number;
    timeoutSeconds: number;
    idleTimeoutSeconds: number;
    input: string;
    output: string;
    dataset: string | null;
    seed: number;
    ignoreEos: boolean;
  };
  steps: ReportStep[];
  plan: PlanComparison | null;
  slo: SloResult[];
  /** Interrupted (SIGINT): the steps hold what was measured until then. */
  cancelled: boolean;
}

export function toReportStep(r: StepResult, costPerHour: number | null): ReportStep {
  const sent = r.requests.sent;
  return {
    concurrency: r.load.kind === "concurrency" ? r.load.concurrency : null,
    rate: r.load.kind === "rate" ? r.load.rate : null,
    maxConcurrency: r.load.kind === "rate" ? r.load.maxConcurrency : null,
    windowSeconds: r.windowSeconds,
    requests: r.requests,
    errors: r.errors,
    errorRate: sent > 0 ? r.requests.failed / sent : 0,
    ttftMs: r.ttftMs,
    itlMs: r.itlMs,
    e2eMs: r.e2eMs,
    decodeTokensPerSecond: r.decodeTokensPerSecond,
    outputTokens: r.outputTokens,
    outputTokensPerSecond: r.outputTokensPerSecond,
    requestsPerSecond: r.requestsPerSecond,
    costPerMillionOutputTokens:
      costPerHour !== null && r.outputTokensPerSecond > 0
        ? (costPerHour / (r.outputTokensPerSecond * 3600)) * 1e6
        : null,
    peakInFlight: r.peakInFlight,
    delayedArrivals: r.delayedArrivals,
    server: r.server,
    cancelled: r.cancelled,
  };
}

// ---- SLOs -----------------------------------------------------------------------------------

type SloMetric =
  | `${"ttft" | "itl" | "e2e"}_${"p50" | "p90" | "p99" | "mean" | "max"}`
  | "error_rate"
  | "output_tps"
  | "rps";

export interface Slo {
  expr: string;
  metric: SloMetric;
  op: "<" | "<=" | ">" | ">=";
  /** In ms for latencies, a fraction for error_rate, per second for the throughputs. */
  value: number;
}

const SLO_RE =
  /^\s*((?:ttft|itl|e2e)_(?:p50|p90|p99|mean|max)|error_rate|output_tps|rps)\s*(<=|>=|<|>)\s*([0-9]*\.?[0-9]+)\s*(ms|s|%)?\s*$/;

/** Parses `ttft_p99<2s`, `itl_p50<=40ms`, `error_rate<1%`, `output_tps>=500`; all problems at once. */
export function parseSlos(exprs: string[]): Slo[] {
  const problems: string[] = [];
  const slos: Slo[] = [];
  for (const expr of exprs.flatMap((e) => e.split(",")).filter((e) => e.trim())) {
    const m = SLO_RE.exec(expr);
    if (!m) {
      problems.push(
        `--slo: "${expr}" is not <metric><op><value>: metrics ttft|itl|e2e_p50|p90|p99|mean|max (unit ms or s), error_rate (fraction or %), output_tps, rps; ops < <= > >=`,
      );
      continue;
    }
    const metric = m[1] as SloMetric;
    const unit = m[4];
    let value = Number(m[3]);
    const latency = /^(ttft|itl|e2e)_/.test(metric);
    if (latency) {
      if (unit !== "ms" && unit !== "s") {
        problems.push(`--slo: "${expr}": a latency needs its unit, ms or s`);
        continue;
      }
      if (unit === "s") value *= 1000;
    } else if (metric === "error_rate") {
      if (unit === "%") value /= 100;
      else if (unit) {
        problems.push(`--slo: "${expr}": error_rate is a fraction or a percentage`);
        continue;
      }
    } else if (unit) {
      problems.push(`--slo: "${expr}": ${metric} takes no unit (per second)`);
      continue;
    }
    slos.push({ expr: expr.trim(), metric, op: m[2] as Slo["op"], value });
  }
  if (problems.length > 0) throw new BenchInputError(problems);
  return slos;
}

function sloValue(step: ReportStep, metric: SloMetric): number | null {
  if (metric === "error_rate") return step.requests.sent > 0 ? step.errorRate : null;
  if (metric === "output_tps") return step.outputTokensPerSecond;
  if (metric === "rps") return step.requestsPerSecond;
  const [family, stat] = metric.split("_") as ["ttft" | "itl" | "e2e", keyof Summary];
  const s = step[`${family}Ms`];
  return s ? s[stat] : null;
}

export function evaluateSlos(slos: Slo[], steps: ReportStep[]): SloResult[] {
  return slos.map((slo) => {
    const failedSteps: number[] = [];
    steps.forEach((step, i) => {
      const v = sloValue(step, slo.metric);
      const ok =
        v !== null &&
        (slo.op === "<"
          ? v < slo.value
          : slo.op === "<="
            ? v <= slo.value
            : slo.op === ">"
              ? v > slo.value
              : v >= slo.value);
      if (!ok) failedSteps.push(i);
    });
    return { expr: slo.expr, pass: failedSteps.length === 0 && steps.length > 0, failedSteps };
  });
}

// ---- the plan, side by side -------------------------------------------------------------------

export function measureAgainstPlan(
  base: Omit<PlanComparison, "measured">,
  steps: ReportStep[],
  ttftP99ThresholdMs: number,
): PlanComparison {
  const loadOf = (s: ReportStep): number => s.concurrency ?? s.rate ?? 0;
  const usable = steps.filter((s) => s.decodeTokensPerSecond !== null);
  const lowest = usable.length ? usable.reduce((a, b) => (loadOf(b) < loadOf(a) ? b : a)) : null;
  const within = steps.filter(
    (s) => s.ttftMs !== null && s.ttftMs.p99 <= ttftP99ThresholdMs && s.requests.succeeded > 0,
  );
  const top = (xs: (number | null)[]): number | null => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? Math.max(...v) : null;
  };
  return {
    ...base,
    measured: {
      singleStreamTokensPerSecond: lowest ? lowest.decodeTokensPerSecond!.p50 : null,
      singleStreamStep: lowest ? steps.indexOf(lowest) : null,
      ttftP99ThresholdMs,
      concurrencyWithinTtft: top(within.map((s) => s.concurrency)),
      rateWithinTtft: top(within.map((s) => s.rate)),
    },
  };
}

// ---- renderings -------------------------------------------------------------------------------

function pad(cells: string[][]): string[] {
  const widths: number[] = [];
  for (const row of cells) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return cells.map((row) =>
    row
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const pair = (s: Summary | null): string => (s ? `${ms(s.p50)}/${ms(s.p90)}/${ms(s.p99)}` : "-");

export function loadLabel(s: ReportStep): string {
  return s.concurrency !== null ? `c=${s.concurrency}` : `${s.rate}/s≤${s.maxConcurrency}`;
}

function errorsText(s: ReportStep): string {
  const parts = Object.entries(s.errors).map(([k, n]) => `${k}:${n}`);
  return parts.length ? parts.join(" ") : "0";
}

function serverText(s: ReportStep): string {
  const p = s.server?.peak;
  if (!p || (p.running === null && p.waiting === null)) return "-";
  const kv = p.kvUsage === null ? "" : ` kv ${(p.kvUsage * 100).toFixed(0)}%`;
  return `${p.running ?? "-"}/${p.waiting ?? "-"}${kv}`;
}

const HEADER = [
  "LOAD",
  "OK",
  "ERRORS",
  "TTFT ms p50/p90/p99",
  "ITL ms p50/p90/p99",
  "E2E ms p50/p90/p99",
  "OUT tok/s",
  "req/s",
  "$/M out",
  "SERVER run/wait",
];

function stepRow(s: ReportStep): string[] {
  return [
    loadLabel(s) + (s.cancelled ? " (cut)" : ""),
    String(s.requests.succeeded),
    errorsText(s),
    pair(s.ttftMs),
    pair(s.itlMs),
    pair(s.e2eMs),
    s.outputTokensPerSecond.toFixed(0),
    s.requestsPerSecond.toFixed(1),
    s.costPerMillionOutputTokens === null ? "-" : `$${s.costPerMillionOutputTokens.toFixed(2)}`,
    serverText(s),
  ];
}

function planLines(p: PlanComparison): string[] {
  const m = p.measured;
  const fmt = (x: number | null, digits = 0): string => (x === null ? "none" : x.toFixed(digits));
  const within =
    m.concurrencyWithinTtft !== null || m.rateWithinTtft === null
      ? `concurrency ${fmt(m.concurrencyWithinTtft)}`
      : `rate ${fmt(m.rateWithinTtft, 1)}/s`;
  return [
    `plan ${p.stack}/${p.pool}: ${p.servedName} on ${p.engine}, ${p.instances} instance(s) × ${p.gpu}, ${p.replicas} replica(s), $${p.costPerHour.toFixed(2)}/h`,
    `  single-stream decode: predicted ${p.predicted.singleStreamTokensPerSecond} tok/s, measured ${fmt(m.singleStreamTokensPerSecond)} tok/s`,
    `  concurrency: predicted ${p.predicted.fullLengthConcurrency} full-length (${p.predicted.maxModelLen} tokens) sequences, measured TTFT p99 ≤ ${ms(m.ttftP99ThresholdMs)} ms up to ${within}`,
  ];
}

function sloLines(slos: SloResult[], steps: ReportStep[]): string[] {
  return slos.map(
    (s) =>
      `SLO ${s.expr}: ${s.pass ? "pass" : `FAIL at ${s.failedSteps.map((i) => (steps[i] ? loadLabel(steps[i]!) : i)).join(", ") || "no step"}`}`,
  );
}

export function formatReportTable(r: BenchReport): string {
  const lines = [
    `${r.target.model} at ${r.target.url}${r.cancelled ? " — interrupted" : ""}`,
    ...pad([HEADER, ...r.steps.map(stepRow)]),
  ];
  if (r.plan) lines.push("", ...planLines(r.plan));
  if (r.slo.length) lines.push("", ...sloLines(r.slo, r.steps));
  return lines.join("\n");
}

export function formatReportMarkdown(r: BenchReport): string {
  const esc = (s: string): string => s.replace(/\|/g, "\\|");
  const lines = [
    `### gpufleet bench: \`${r.target.model}\`${r.plan ? ` (${r.plan.stack}/${r.plan.pool})` : ""}${r.cancelled ? " — interrupted" : ""}`,
    "",
    `| ${HEADER.join(" | ")} |`,
    `| ${HEADER.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...r.steps.map((s) => `| ${stepRow(s).map(esc).join(" | ")} |`),
  ];
  if (r.plan) lines.push("", ...planLines(r.plan).map((l) => `- ${l.trim()}`));
  if (r.slo.length)
    lines.push("", ...sloLines(r.slo, r.steps).map((l) => `- ${l.startsWith("SLO") ? l : l}`));
  return lines.join("\n");
}
