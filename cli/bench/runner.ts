// Drives one load step — a fixed concurrency, or Poisson arrivals at a fixed rate under a
// concurrency cap — for its budget, and turns what the client saw into a step result.
import { BenchClient, type ErrorKind, type InFlight, type RequestResult } from "./client";
import { peakOf, scrapeServer, type ServerSnapshot, type ServerStep } from "./server-metrics";
import { Samples, summarize, type Summary } from "./stats";
import type { RequestSpec } from "./workload";

export type StepLoad =
  | { kind: "concurrency"; concurrency: number }
  | { kind: "rate"; rate: number; maxConcurrency: number };

export interface StepBudget {
  /** Measured time after the warm-up, ms; null = until the request budget is spent. */
  durationMs: number | null;
  /** Measured requests to send; null = until the time budget is spent. */
  requests: number | null;
  /** Load applied first and not measured, ms. */
  warmupMs: number;
}

export interface StepArgs {
  client: BenchClient;
  next: () => RequestSpec;
  load: StepLoad;
  budget: StepBudget;
  /** Cut a request this long after it was sent (kind "timeout"). */
  timeoutMs: number;
  /** Cut a request that received nothing for this long (kind "stall"). */
  idleTimeoutMs: number;
  /** Aborting stops sending, cuts what is in flight, and marks the step cancelled. */
  signal: AbortSignal;
  /** Seeded source of uniform numbers for Poisson inter-arrival times. */
  random: () => number;
  /** /metrics URL and headers to scrape, or null. */
  metrics: { url: string; headers: Record<string, string> } | null;
  /** Called about every 200 ms while the step runs. */
  onProgress?: (p: StepProgress) => void;
}

export interface StepProgress {
  /** 0–1 of the step's budget spent (warm-up included). */
  fraction: number;
  warmingUp: boolean;
  completed: number;
  errors: number;
  inFlight: number;
}

export interface StepResult {
  load: StepLoad;
  /** Seconds between the first measured send and the last measured completion. */
  windowSeconds: number;
  requests: { sent: number; succeeded: number; failed: number };
  errors: Partial<Record<ErrorKind, number>>;
  ttftMs: Summary | null;
  itlMs: Summary | null;
  e2eMs: Summary | null;
  /** Per request: (output tokens − 1) ÷ time from the first to the last token. */
  decodeTokensPerSecond: Summary | null;
  outputTokens: number;
  outputTokensPerSecond: number;
  requestsPerSecond: number;
  /** Most requests this client had in flight at once. */
  peakInFlight: number;
  /** Rate mode: arrivals that waited for a free slot under maxConcurrency. */
  delayedArrivals: number;
  server: ServerStep | null;
  cancelled: boolean;
}

class Collector {
  readonly ttft = new Samples();
  readonly itl = new Samples();
  readonly e2e = new Samples();
  readonly decode = new Samples();
  readonly errors: Partial<Record<ErrorKind, number>> = {};
  sent = 0;
  succeeded = 0;
  failed = 0;
  outputTokens = 0;
  firstStart = Infinity;
  lastEnd = -Infinity;

  add(r: RequestResult): void {
    if (r.startedAt < this.firstStart) this.firstStart = r.startedAt;
    if (r.endedAt > this.lastEnd) this.lastEnd = r.endedAt;
    if (r.error) {
      this.failed++;
      this.errors[r.error] = (this.errors[r.error] ?? 0) + 1;
      return;
    }
    this.succeeded++;
    this.outputTokens += r.outputTokens;
    this.e2e.push(r.endedAt - r.startedAt);
    const t = r.tokenTimes;
    if (t.length === 0) return;
    this.ttft.push(t[0]! - r.startedAt);
    for (let i = 1; i < t.length; i++) this.itl.push(t[i]! - t[i - 1]!);
    const span = t[t.length - 1]! - t[0]!;
    if (r.outputTokens > 1 && span > 0) this.decode.push(((r.outputTokens - 1) * 1000) / span);
  }
}

export async function runStep(args: StepArgs): Promise<StepResult> {
  const { client, next, load, budget, signal } = args;
  const inFlight = new Set<InFlight>();
  const measured = new Collector();
  let completed = 0;
  let peakInFlight = 0;
  let delayedArrivals = 0;
  let stopped = false;
  const t0 = performance.now();
  const measureFrom = t0 + budget.warmupMs;
  const deadline = budget.durationMs === null ? Infinity : measureFrom + budget.durationMs;

  const before = args.metrics ? await scrapeServer(args.metrics.url, args.metrics.headers) : null;
  const samples: (ServerSnapshot | null)[] = [before];
  let scraping = false;

  /** Whether another request may be sent now, and whether it is measured. */
  const admit = (): "measured" | "warmup" | "stop" => {
    if (stopped || signal.aborted) return "stop";
    const now = performance.now();
    if (now < measureFrom) return "warmup";
    if (now >= deadline) return "stop";
    if (budget.requests !== null && measured.sent >= budget.requests) return "stop";
    measured.sent++;
    return "measured";
  };

  const sendOne = async (isMeasured: boolean): Promise<void> => {
    const p = client.send(next(), inFlight);
    if (inFlight.size > peakInFlight) peakInFlight = inFlight.size;
    const r = await p;
    completed++;
    if (signal.aborted && r.error !== null) return; // cut by the user: neither success nor error
    if (isMeasured) measured.add(r);
  };

  // One sweep enforces every timeout and reports progress; no timer per request.
  const sweepEvery = Math.max(5, Math.min(200, args.idleTimeoutMs / 10, args.timeoutMs / 10));
  let lastProgress = 0;
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const f of inFlight) {
      if (now - f.startedAt >= args.timeoutMs) f.abort("timeout");
      else if (now - f.lastEventAt >= args.idleTimeoutMs) f.abort("stall");
    }
    if (args.metrics && !scraping && now - lastScrape >= 1000) {
      scraping = true;
      lastScrape = now;
      void scrapeServer(args.metrics.url, args.metrics.headers).then((s) => {
        samples.push(s);
        scraping = false;
      });
    }
    if (args.onProgress && now - lastProgress >= 200) {
      lastProgress = now;
      args.onProgress(progress(now));
    }
  }, sweepEvery);
  let lastScrape = performance.now();

  const progress = (now: number): StepProgress => {
    const total = budget.warmupMs + (budget.durationMs ?? 0);
    const byTime = budget.durationMs === null ? 0 : Math.min(1, (now - t0) / total);
    const done = measured.succeeded + measured.failed;
    const byCount =
      budget.requests === null || now < measureFrom ? 0 : Math.min(1, done / budget.requests);
    return {
      fraction: Math.max(byTime, byCount),
      warmingUp: now < measureFrom,
      completed,
      errors: measured.failed,
      inFlight: inFlight.size,
    };
  };

  const onAbort = (): void => {
    stopped = true;
    for (const f of inFlight) f.abort("timeout");
  };
  signal.addEventListener("abort", onAbort, { once: true });

  try {
    if (load.kind === "concurrency") {
      const worker = async (): Promise<void> => {
        for (;;) {
          const a = admit();
          if (a === "stop") return;
          await sendOne(a === "measured");
        }
      };
      await Promise.all(Array.from({ length: load.concurrency }, worker));
    } else {
      await runArrivals(load, args.random, admit, sendOne, signal, () => delayedArrivals++);
    }
  } finally {
    clearInterval(sweep);
    signal.removeEventListener("abort", onAbort);
  }
  while (scraping) await new Promise((r) => setTimeout(r, 20));
  const after = args.metrics ? await scrapeServer(args.metrics.url, args.metrics.headers) : null;
  samples.push(after);
  if (args.onProgress) args.onProgress(progress(performance.now()));

  const windowMs =
    measured.lastEnd > measured.firstStart ? measured.lastEnd - measured.firstStart : 0;
  const server: ServerStep | null = args.metrics
    ? {
        before,
        peak: peakOf(samples),
        after,
        generatedTokens:
          before?.generationTokens != null && after?.generationTokens != null
            ? after.generationTokens - before.generationTokens
            : null,
      }
    : null;
  return {
    load,
    windowSeconds: windowMs / 1000,
    requests: {
      sent: measured.succeeded + measured.failed,
      succeeded: measured.succeeded,
      failed: measured.failed,
    },
    errors: measured.errors,
    ttftMs: summarize(measured.ttft),
    itlMs: summarize(measured.itl),
    e2eMs: summarize(measured.e2e),
    decodeTokensPerSecond: summarize(measured.decode),
    outputTokens: measured.outputTokens,
    outputTokensPerSecond: windowMs > 0 ? (measured.outputTokens * 1000) / windowMs : 0,
    requestsPerSecond: windowMs > 0 ? (measured.succeeded * 1000) / windowMs : 0,
    peakInFlight,
    delayedArrivals,
    server,
    cancelled: signal.aborted,
  };
}

/**
 * Poisson arrivals: exponential gaps at `rate` per second, all arrivals that are due sent at each
 * wake-up (so a late timer does not lower the rate); at most maxConcurrency in flight, later ones
 * wait for a slot in arrival order.
 */
async function runArrivals(
  load: Extract<StepLoad, { kind: "rate" }>,
  random: () => number,
  admit: () => "measured" | "warmup" | "stop",
  sendOne: (measured: boolean) => Promise<void>,
  signal: AbortSignal,
  delayed: () => void,
): Promise<void> {
  const queue: boolean[] = [];
  const running = new Set<Promise<void>>();
  const launch = (isMeasured: boolean): void => {
    const p = sendOne(isMeasured).then(() => {
      running.delete(p);
      const q = signal.aborted ? undefined : queue.shift();
      if (q !== undefined) launch(q);
    });
    running.add(p);
  };
  let due = performance.now();
  for (let stop = false; !stop;) {
    const now = performance.now();
    while (due <= now) {
      const a = admit();
      if (a === "stop") {
        stop = true;
        break;
      }
      if (running.size < load.maxConcurrency) launch(a === "measured");
      else {
        queue.push(a === "measured");
        delayed();
      }
      due += (-Math.log(1 - random()) * 1000) / load.rate;
    }
    if (!stop) await sleep(due - performance.now(), signal);
  }
  // Arrivals already admitted still go out when a slot frees (they are part of the budget);
  // only an abort drops them.
  if (signal.aborted) queue.length = 0;
  while (running.size > 0) await Promise.race(running);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, Math.max(0, ms));
    signal.addEventListener("abort", done, { once: true });
  });
}

export type { RequestResult };
