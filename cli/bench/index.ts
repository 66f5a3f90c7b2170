// `gpufleet bench`: load-tests an OpenAI-compatible endpoint (a deployed pool, or any URL) with a
// concurrency sweep or Poisson arrivals, and holds the measurements against the plan. Loaded
// lazily by cli/main.ts, so the other commands never pay for undici or the progress bar.
import { writeFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ConfigError } from "../../config";
import { PlanError } from "../../planner/plan";
import { BenchClient } from "./client";
import {
  evaluateSlos,
  formatReportMarkdown,
  formatReportTable,
  loadLabel,
  measureAgainstPlan,
  parseSlos,
  REPORT_SCHEMA,
  toReportStep,
  type BenchReport,
  type ReportStep,
} from "./report";
import { runStep, type StepLoad, type StepProgress } from "./runner";
import { renderSvg } from "./svg";
import { resolveTarget } from "./target";
import {
  BenchInputError,
  createRandom,
  createWorkload,
  loadDataset,
  parseDistribution,
  type Distribution,
} from "./workload";

export interface BenchIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Whether err is a terminal (progress bar) — false in tests and pipes. */
  errIsTty?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Aborting it is the same as Ctrl-C. */
  signal?: AbortSignal;
}

/** Exit codes: 0 ok, 1 an SLO failed or the endpoint refused, 2 bad input, 130 interrupted. */
export const EXIT = { ok: 0, slo: 1, badInput: 2, interrupted: 130 } as const;

/** `30s`, `500ms`, `2m`, `1h` → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`"${text}" is not a duration (e.g. 500ms, 30s, 2m)`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms"];
}

function positiveList(text: string): number[] {
  const xs = text.split(",").map((x) => Number(x.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || x <= 0))
    throw new InvalidArgumentError(`"${text}" is not a comma-separated list of positive numbers`);
  return xs;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`"${text}" is not a positive integer`);
  return n;
}

function nonNegativeNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`"${text}" is not a number ≥ 0`);
  return n;
}

interface BenchFlags {
  url?: string;
  model?: string;
  apiKeyEnv?: string;
  apiKeyFile?: string;
  stack?: string;
  config?: string;
  pool?: string;
  outputs?: string;
  concurrency?: number[];
  rate?: number[];
  maxConcurrency: number;
  duration?: number;
  requests?: number;
  warmup: number;
  timeout: number;
  idleTimeout: number;
  inputTokens: string;
  outputTokens?: string;
  dataset?: string;
  seed: number;
  ignoreEos: boolean;
  format: "table" | "json" | "markdown";
  json?: string;
  svg?: string;
  slo: string[];
  ttftThreshold: number;
  metricsUrl?: string;
  metrics: boolean;
  costPerHour?: number;
  quiet?: boolean;
}

function buildCommand(io: BenchIo): Command {
  return new Command("gpufleet bench")
    .description(
      "load-test an OpenAI-compatible endpoint (streamed /v1/chat/completions) and compare it with the plan",
    )
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .option("--url <url>", "endpoint, e.g. http://127.0.0.1:8000 or https://host/v1 (/v1 is added)")
    .option(
      "--model <name>",
      "served model name (default: the pool's, else the first of /v1/models)",
    )
    .option(
      "--api-key-env <name>",
      "environment variable holding the API key (default OPENAI_API_KEY)",
    )
    .option("--api-key-file <file>", "file holding the API key")
    .option("-s, --stack <name>", "stack whose plan and outputs to use (with --pool)")
    .option("-c, --config <file>", "stack config file instead of Pulumi.<stack>.yaml")
    .option("--pool <name>", "pool to load: its model, routing header, price and predictions")
    .option("--outputs <file>", "`pulumi stack output --json` saved to a file (else pulumi is run)")
    .option(
      "--concurrency <list>",
      "concurrency sweep, e.g. 1,2,4,8 (default: powers of 2 to twice the plan's full-length concurrency, else to 64)",
      positiveList,
    )
    .option(
      "--rate <list>",
      "Poisson arrival rates in requests/s, e.g. 1,5,10 (instead of --concurrency)",
      positiveList,
    )
    .option("--max-concurrency <n>", "cap on requests in flight in --rate mode", positiveInt, 256)
    .option(
      "--duration <time>",
      "measured time per step (default 30s when --requests is absent)",
      parseDuration,
    )
    .option("--requests <n>", "measured requests per step", positiveInt)
    .option("--warmup <time>", "unmeasured load at the start of each step", parseDuration, 5000)
    .option(
      "--timeout <time>",
      "cut a request this long after sending it (error kind timeout)",
      parseDuration,
      120_000,
    )
    .option(
      "--idle-timeout <time>",
      "cut a stream silent this long (error kind stall)",
      parseDuration,
      30_000,
    )
    .option("--input-tokens <dist>", "prompt length: N, uniform:A,B or normal:MEAN,SD", "256")
    .option(
      "--output-tokens <dist>",
      "max_tokens: N, uniform:A,B or normal:MEAN,SD (default 128, or the dataset's answers)",
    )
    .option(
      "--dataset <file>",
      "JSONL of {prompt} / {messages}, or ShareGPT conversations (JSON or JSONL)",
    )
    .option(
      "--seed <n>",
      "seed of prompts, lengths and arrivals",
      (v) => positiveInt(String(Number(v) + 1)) - 1,
      1,
    )
    .option("--no-ignore-eos", "do not send ignore_eos (outputs may end before max_tokens)")
    .addOption(
      new Option("-f, --format <format>", "report format")
        .choices(["table", "json", "markdown"])
        .default("table"),
    )
    .option("--json <file>", "also write the JSON report to this file")
    .option("--svg <file>", "write latency and throughput plots to this SVG file")
    .option(
      "--slo <expr>",
      "e.g. ttft_p99<2s, itl_p50<=50ms, error_rate<1%; exit 1 when a step breaks one (repeatable)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      "--ttft-threshold <time>",
      "TTFT p99 bound for the measured concurrency beside the plan's",
      parseDuration,
      2000,
    )
    .option(
      "--metrics-url <url>",
      "server /metrics to scrape (default: the endpoint's origin + /metrics)",
    )
    .option("--no-metrics", "do not scrape the server's /metrics")
    .option(
      "--cost-per-hour <usd>",
      "price of what is loaded, USD/h (default: the pool's)",
      nonNegativeNumber,
    )
    .option("-q, --quiet", "no progress on stderr");
}

/** Runs `gpufleet bench` with argv after the command name; returns the exit code. */
export async function runBench(argv: string[], io: BenchIo): Promise<number> {
  const cmd = buildCommand(io);
  try {
    cmd.parse(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    throw err;
  }
  const flags = cmd.opts<BenchFlags>();
  try {
    return await bench(flags, io);
  } catch (err) {
    if (err instanceof BenchInputError || err instanceof ConfigError || err instanceof PlanError) {
      for (const p of err.problems) io.err(p);
      return EXIT.badInput;
    }
    throw err;
  }
}

async function bench(f: BenchFlags, io: BenchIo): Promise<number> {
  const env = io.env ?? process.env;
  const problems: string[] = [];
  if (f.concurrency && f.rate) problems.push("--rate: give either --concurrency or --rate");
  if (f.requests === undefined && f.duration === undefined) f.duration = 30_000;
  let input: Distribution | undefined;
  let output: Distribution | null = null;
  try {
    input = parseDistribution(f.inputTokens, "--input-tokens");
  } catch (err) {
    problems.push(...(err as BenchInputError).problems);
  }
  try {
    output = f.outputTokens ? parseDistribution(f.outputTokens, "--output-tokens") : null;
  } catch (err) {
    problems.push(...(err as BenchInputError).problems);
  }
  let slos: ReturnType<typeof parseSlos> = [];
  try {
    slos = parseSlos(f.slo);
  } catch (err) {
    problems.push(...(err as BenchInputError).problems);
  }
  if (problems.length) throw new BenchInputError(problems);
  const dataset = f.dataset ? loadDataset(f.dataset) : null;
  const target = resolveTarget({ ...f, env });

  const authHeaders: Record<string, string> = target.apiKey
    ? { authorization: `Bearer ${target.apiKey}` }
    : {};
  const model = target.model ?? (await firstModel(target, authHeaders));
  if (typeof model !== "string") {
    io.err(model.error);
    return EXIT.slo;
  }

  const mode: "concurrency" | "rate" = f.rate ? "rate" : "concurrency";
  const steps = f.rate ?? f.concurrency ?? target.defaultSteps ?? [1, 2, 4, 8, 16, 32, 64];
  const loads: StepLoad[] = steps.map((x) =>
    mode === "rate"
      ? { kind: "rate", rate: x, maxConcurrency: f.maxConcurrency }
      : { kind: "concurrency", concurrency: Math.round(x) },
  );
  const connections =
    mode === "rate"
      ? f.maxConcurrency
      : Math.max(...loads.map((l) => (l.kind === "concurrency" ? l.concurrency : 1)));
  const client = new BenchClient({
    origin: target.origin,
    basePath: target.basePath,
    model,
    apiKey: target.apiKey,
    headers: target.headers,
    ignoreEos: f.ignoreEos,
    connections,
  });
  const metricsUrl = f.metrics ? (f.metricsUrl ?? `${target.origin}/metrics`) : null;
  const next = dataset
    ? createWorkload({ kind: "dataset", entries: dataset, output, seed: f.seed })
    : createWorkload({
        kind: "synthetic",
        input: input!,
        output: output ?? { kind: "fixed", value: 128 },
        seed: f.seed,
      });

  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once("SIGINT", onSigint);
  io.signal?.addEventListener("abort", onSigint, { once: true });
  const progress = await createProgress(io, f.quiet === true, loads.length);
  const startedAt = new Date().toISOString();
  const results: ReportStep[] = [];
  try {
    for (const [i, load] of loads.entries()) {
      if (controller.signal.aborted) break;
      const label = load.kind === "concurrency" ? `c=${load.concurrency}` : `${load.rate}/s`;
      progress.start(i, label);
      const r = await runStep({
        client,
        next,
        load,
        budget: {
          durationMs: f.duration ?? null,
          requests: f.requests ?? null,
          warmupMs: f.warmup,
        },
        timeoutMs: f.timeout,
        idleTimeoutMs: f.idleTimeout,
        signal: controller.signal,
        random: createRandom(f.seed + i),
        metrics: metricsUrl ? { url: metricsUrl, headers: authHeaders } : null,
        onProgress: (p) => progress.update(p),
      });
      const step = toReportStep(r, target.costPerHour);
      results.push(step);
      progress.done(step);
    }
  } finally {
    process.removeListener("SIGINT", onSigint);
    progress.stop();
    await client.close();
  }

  const report: BenchReport = {
    schema: REPORT_SCHEMA,
    startedAt,
    finishedAt: new Date().toISOString(),
    target: {
      url: target.url,
      model,
      stack: target.plan?.stack ?? null,
      pool: target.plan?.pool ?? null,
      metricsUrl,
    },
    options: {
      mode,
      steps,
      maxConcurrency: mode === "rate" ? f.maxConcurrency : null,
      durationSeconds: f.duration === undefined ? null : f.duration / 1000,
      requests: f.requests ?? null,
      warmupSeconds: f.warmup / 1000,
      timeoutSeconds: f.timeout / 1000,
      idleTimeoutSeconds: f.idleTimeout / 1000,
      input: dataset ? "dataset" : f.inputTokens,
      output: f.outputTokens ?? (dataset ? "dataset" : "128"),
      dataset: f.dataset ?? null,
      seed: f.seed,
      ignoreEos: f.ignoreEos,
    },
    steps: results,
    plan: target.plan ? measureAgainstPlan(target.plan, results, f.ttftThreshold) : null,
    slo: evaluateSlos(slos, results),
    cancelled: controller.signal.aborted,
  };
  const json = JSON.stringify(report, null, 2);
  if (f.json) writeFileSync(f.json, `${json}\n`);
  if (f.svg) writeFileSync(f.svg, renderSvg(report));
  io.out(
    f.format === "json"
      ? json
      : f.format === "markdown"
        ? formatReportMarkdown(report)
        : formatReportTable(report),
  );
  if (report.cancelled) return EXIT.interrupted;
  return report.slo.every((s) => s.pass) ? EXIT.ok : EXIT.slo;
}

/** The first model /v1/models lists; an error line when the endpoint refuses or is unreachable. */
async function firstModel(
  target: ReturnType<typeof resolveTarget>,
  headers: Record<string, string>,
): Promise<string | { error: string }> {
  const { request } = await import("undici");
  const url = `${target.origin}${target.basePath}/models`;
  try {
    const res = await request(url, {
      headers: { ...headers, ...target.headers },
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const text = await res.body.text();
    if (res.statusCode === 401 || res.statusCode === 403)
      return { error: `${url}: ${res.statusCode}: the API key was refused` };
    if (res.statusCode !== 200) return { error: `${url}: HTTP ${res.statusCode}` };
    const id = (JSON.parse(text) as { data?: { id?: string }[] }).data?.[0]?.id;
    return id ?? { error: `${url}: lists no model; pass --model` };
  } catch (err) {
    return { error: `${url}: unreachable (${(err as Error).message})` };
  }
}

interface Progress {
  start: (index: number, label: string) => void;
  update: (p: StepProgress) => void;
  done: (step: ReportStep) => void;
  stop: () => void;
}

/**
 * A cli-progress bar on a terminal; on a pipe, one line per finished step (a redrawn bar in a log
 * file helps nobody).
 */
async function createProgress(io: BenchIo, quiet: boolean, total: number): Promise<Progress> {
  const line = (s: ReportStep): string =>
    `${loadLabel(s)}: ${s.requests.succeeded} ok, ${s.requests.failed} errors, TTFT p99 ${s.ttftMs ? s.ttftMs.p99.toFixed(0) : "-"} ms, ${s.outputTokensPerSecond.toFixed(0)} tok/s`;
  if (quiet)
    return {
      start: () => undefined,
      update: () => undefined,
      done: () => undefined,
      stop: () => undefined,
    };
  if (!io.errIsTty)
    return {
      start: () => undefined,
      update: () => undefined,
      done: (s) => io.err(line(s)),
      stop: () => undefined,
    };
  const { SingleBar, Presets } = await import("cli-progress");
  const bar = new SingleBar(
    {
      format:
        "step {step}/{steps} {label} [{bar}] {percentage}% | {phase} | ok {ok} err {errors} | in flight {inFlight}",
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  let label = "";
  let index = 0;
  return {
    start: (i, l) => {
      index = i;
      label = l;
      bar.start(100, 0, {
        step: i + 1,
        steps: total,
        label,
        phase: "warm-up",
        ok: 0,
        errors: 0,
        inFlight: 0,
      });
    },
    update: (p) =>
      bar.update(Math.round(p.fraction * 100), {
        step: index + 1,
        steps: total,
        label,
        phase: p.warmingUp ? "warm-up" : "measuring",
        ok: p.completed - p.errors,
        errors: p.errors,
        inFlight: p.inFlight,
      }),
    done: (s) => {
      bar.stop();
      io.err(line(s));
    },
    stop: () => bar.stop(),
  };
}
