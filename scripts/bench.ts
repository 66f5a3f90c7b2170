// `npm run bench`: how long planning takes, measured rather than asserted in tests.
//  0. the CLI's start: `gpufleet plan --stack dev` beside a bare `node -e 0` (target ≤ 4×);
//  1. plan every catalog combination: each GPU × GPU count × model (and auto) × engine (and auto);
//  2. plan generated stacks of 1, 10 and 100 pools end to end (config validation included);
// 3. `gpufleet preview` (the whole Pulumi program under mocks) of generated stacks of 1, 10 and 100
// full pools,
// each in a fresh process, as a user runs it: wall time (process start included) and the process's
// peak RSS.
// Prints wall time and peak RSS; run with --json for machine-readable output, --startup for step 0
// alone.
import { spawn, spawnSync } from "node:child_process";
import { BenchClient, clientOverhead } from "../cli/bench/client";
import { runStep } from "../cli/bench/runner";
import { createRandom, createWorkload } from "../cli/bench/workload";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import type * as PreviewModule from "../cli/preview";
import { parseStackConfig, toPlanInput } from "../config";
import { MODELS } from "../planner/catalog/models";
import { PlanError, planFleet } from "../planner/plan";
import { generatedStack, kubernetesStack, previewStack, spotPreviewStack } from "./bench-stacks";
import { ENGINE_IDS, GPU_IDS, type PoolSpec } from "../planner/types";

interface Result {
  name: string;
  runs: number;
  planned: number;
  refused: number;
  totalMs: number;
  perRunMs: number;
  peakRssMB: number;
}

let peakRss = 0;
const sampleRss = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

function timeIt(name: string, specs: PoolSpec[][], stack = "bench"): Result {
  let planned = 0;
  let refused = 0;
  const start = performance.now();
  for (const pools of specs) {
    try {
      planFleet({ stack, pools });
      planned++;
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      refused++;
    }
    if ((planned + refused) % 200 === 0) sampleRss();
  }
  const totalMs = performance.now() - start;
  sampleRss();
  return {
    name,
    runs: specs.length,
    planned,
    refused,
    totalMs,
    perRunMs: totalMs / specs.length,
    peakRssMB: peakRss / 2 ** 20,
  };
}

function catalogCombinations(): PoolSpec[][] {
  const out: PoolSpec[][] = [];
  for (const gpu of GPU_IDS)
    for (const gpuCount of [1, 2, 4, 8])
      for (const model of ["auto", ...MODELS.map((m) => m.id)])
        for (const engine of ["auto", ...ENGINE_IDS] as const)
          out.push([{ name: "p", gpu, gpuCount, count: 1, model, engine }]);
  return out;
}

function timeStacks(sizes: number[]): Result[] {
  return sizes.map((n) => {
    const raw = generatedStack(n);
    const reps = n >= 100 ? 5 : 20;
    const start = performance.now();
    for (let i = 0; i < reps; i++) planFleet(toPlanInput("bench", parseStackConfig(raw)));
    const totalMs = performance.now() - start;
    sampleRss();
    return {
      name: `stack of ${n} pools (validate + plan)`,
      runs: reps,
      planned: reps,
      refused: 0,
      totalMs,
      perRunMs: totalMs / reps,
      peakRssMB: peakRss / 2 ** 20,
    };
  });
}

interface PreviewChildReport {
  ms: number;
  maxRssMB: number;
  resources: number;
}

/** Child mode: one preview of the given stack file, then a one-line JSON report. */
async function previewChild(file: string): Promise<void> {
  // Loaded only here, so that the planning benchmarks above run without the Pulumi SDK in memory.
  const { runPreview } = require("../cli/preview") as typeof PreviewModule;
  const run = await runPreview({ config: file });
  const report: PreviewChildReport = {
    ms: run.ms,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    resources: run.resources.filter((r) => r.custom).length,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function timePreviews(
  sizes: number[],
  build: (pools: number) => Record<string, unknown> = previewStack,
  kind = "",
): Result[] {
  const dir = mkdtempSync(path.join(tmpdir(), "gpufleet-bench-"));
  return sizes.map((n) => {
    const file = path.join(dir, `Pulumi.bench${n}.yaml`);
    writeFileSync(file, stringify({ config: build(n) }));
    const start = performance.now();
    const child = spawnSync(
      process.execPath,
      ["-r", "tsx/cjs", __filename, "--preview-child", file],
      {
        encoding: "utf8",
        cwd: path.join(__dirname, ".."),
        maxBuffer: 64 * 2 ** 20,
      },
    );
    const wallMs = performance.now() - start;
    if (child.status !== 0) throw new Error(`preview of ${n} pools failed:\n${child.stderr}`);
    const report = JSON.parse(child.stdout.trim().split("\n").pop()!) as PreviewChildReport;
    return {
      name: `gpufleet preview of ${n} ${kind}pools (${report.resources} resources; program ${report.ms.toFixed(0)} ms)`,
      runs: 1,
      planned: n,
      refused: 0,
      totalMs: wallMs,
      perRunMs: wallMs,
      peakRssMB: report.maxRssMB,
    };
  });
}

/**
 * `gpufleet preview` of a 20-pool Kubernetes stack (target kubernetes, the gateway on), in a fresh
 * process like timePreviews: pools on own GPUs in turn, each serving its own model, one of them
 * Llama-3.1-405B-sized so that a LeaderWorkerSet spans nodes.
 */
function timeKubernetesPreview(pools = 20): Result {
  const stack = kubernetesStack(pools);
  const file = path.join(
    mkdtempSync(path.join(tmpdir(), "gpufleet-bench-k8s-")),
    "Pulumi.k8s.yaml",
  );
  writeFileSync(file, stringify({ config: stack }));
  const start = performance.now();
  const child = spawnSync(
    process.execPath,
    ["-r", "tsx/cjs", __filename, "--preview-child", file],
    {
      encoding: "utf8",
      cwd: path.join(__dirname, ".."),
      maxBuffer: 64 * 2 ** 20,
    },
  );
  const wallMs = performance.now() - start;
  if (child.status !== 0) throw new Error(`kubernetes preview failed:\n${child.stderr}`);
  const report = JSON.parse(child.stdout.trim().split("\n").pop()!) as PreviewChildReport;
  return {
    name: `gpufleet preview of a ${pools}-pool Kubernetes stack (${report.resources} resources; program ${report.ms.toFixed(0)} ms)`,
    runs: 1,
    planned: pools,
    refused: 0,
    totalMs: wallMs,
    perRunMs: wallMs,
    peakRssMB: report.maxRssMB,
  };
}

/** `npm run bench`'s elastic part: a 100-pool spot stack through `gpufleet preview`. */
function timeSpotPreview(pools: number): Result[] {
  return timePreviews([pools], spotPreviewStack, "spot ");
}

/** Median of a list of numbers. */
function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall time of one child process, ms; throws when it fails. */
function wallMs(args: string[]): number {
  const start = performance.now();
  const child = spawnSync(process.execPath, args, {
    cwd: path.join(__dirname, ".."),
    encoding: "utf8",
    maxBuffer: 16 * 2 ** 20,
  });
  const ms = performance.now() - start;
  if (child.status !== 0) throw new Error(`node ${args.join(" ")} failed:\n${child.stderr}`);
  return ms;
}

interface StartupResult {
  runs: number;
  /** Median wall time of `gpufleet plan --stack dev`, ms (process start included). */
  planMs: number;
  /** Median wall time of a bare `node -e 0`, ms. */
  nodeMs: number;
  /** planMs / nodeMs; issue 12's target is at most 4. */
  ratio: number;
  /** How bin/gpufleet.js ran: from dist/ (compiled by npm ci) or from the sources through tsx. */
  mode: string;
}

/**
 * `gpufleet plan --stack dev` beside a bare `node -e 0`, alternating, so that both see the same
 * machine load; medians of `runs` each. The CLI runs as a user runs it (bin/gpufleet.js).
 */
function timeStartup(runs = 9): StartupResult {
  const bin = path.join(__dirname, "..", "bin", "gpufleet.js");
  const probe = spawnSync(process.execPath, [bin, "--help"], {
    cwd: path.join(__dirname, ".."),
    encoding: "utf8",
  });
  const mode = /running the TypeScript sources/.test(probe.stderr)
    ? "from the sources through tsx (dist/ missing or stale: npm run build)"
    : "from dist/";
  const plan: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    bare.push(wallMs(["-e", "0"]));
    plan.push(wallMs([bin, "plan", "--stack", "dev"]));
  }
  const planMs = median(plan);
  const nodeMs = median(bare);
  return { runs, planMs, nodeMs, ratio: planMs / nodeMs, mode };
}

/**
 * The docker target on the local daemon (test/docker/bench.ts, in a child process): preview of a
 * 4-pool docker stack, apply → every stand-in replica healthy for 1 and 4 replicas, a crashed
 * engine → healthy again. Needs dockerd and test/docker/image.sh's image; without them it reports
 * why instead of a number.
 */
function timeDockerTarget(): Result[] {
  const child = spawnSync(process.execPath, ["-r", "tsx/cjs", "test/docker/bench.ts"], {
    encoding: "utf8",
    cwd: path.join(__dirname, ".."),
    maxBuffer: 64 * 2 ** 20,
  });
  if (child.status !== 0) {
    // The error and what it carries (a replica's state, the watchdog's log), not the stack trace.
    const why = child.stderr
      .trim()
      .split("\n")
      .filter((l) => !/^\s+at /.test(l))
      .join("\n");
    process.stderr.write(`docker target not measured: ${why}\n`);
    return [];
  }
  const rows = JSON.parse(child.stdout.trim().split("\n").pop()!) as Array<{
    name: string;
    ms: number;
  }>;
  return rows.map((r) => ({
    name: `docker: ${r.name}`,
    runs: 1,
    planned: 1,
    refused: 0,
    totalMs: r.ms,
    perRunMs: r.ms,
    peakRssMB: 0,
  }));
}

function main(): void {
  const childAt = process.argv.indexOf("--preview-child");
  if (childAt >= 0) {
    previewChild(process.argv[childAt + 1]!).catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    });
    return;
  }
  // `npm run bench -- --load-tool`: only the bench client's own figures.
  if (process.argv.includes("--load-tool")) return void benchLoadTool();
  const startup = timeStartup();
  if (process.argv.includes("--startup")) {
    process.stdout.write(`${JSON.stringify(startup)}\n`);
    return;
  }
  const results = [
    timeIt("every catalog combination (GPU × count × model × engine)", catalogCombinations()),
    ...timeStacks([1, 10, 100]),
    ...timePreviews([1, 10, 100]),
    timeKubernetesPreview(20),
    ...timeSpotPreview(100),
    ...timeDockerTarget(),
  ];
  if (process.argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ startup, results }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `CLI start: gpufleet plan --stack dev ${startup.planMs.toFixed(0)} ms vs node -e 0 ${startup.nodeMs.toFixed(0)} ms (medians of ${startup.runs}, alternating) = ${startup.ratio.toFixed(1)}× (target ≤ 4×), ${startup.mode}\n`,
  );
  void benchLoadTool();
  for (const r of results) {
    process.stdout.write(
      `${r.name}: ${r.runs} runs (${r.planned} planned, ${r.refused} refused) in ${r.totalMs.toFixed(0)} ms — ${r.perRunMs.toFixed(2)} ms each; peak RSS ${r.peakRssMB.toFixed(0)} MB\n`,
    );
  }
}

/** CPU time (user + system) a process has used so far, ms, from /proc (Linux). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command), in clock ticks.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * `gpufleet bench` must never be the bottleneck: its client against the stand-in engine
 * (standin/engine.mjs, unlimited token rate) with short streamed responses — requests/s, and the
 * client's own handling time per token event (the timing overhead of every measurement).
 */
async function benchLoadTool(): Promise<void> {
  const engine = path.join(__dirname, "..", "standin", "engine.mjs");
  const proc = spawn(process.execPath, [engine, "--port", "0", "--served-model-name", "bench"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout.on("data", (d: Buffer) => {
      const m = /listening \S+:(\d+)/.exec(d.toString());
      if (m) resolve(Number(m[1]));
    });
    proc.on("exit", (code) => reject(new Error(`stand-in exited ${code}`)));
  });
  try {
    for (const [concurrency, tokens] of [
      [64, 8],
      [16, 64],
    ] as const) {
      const client = new BenchClient({
        origin: `http://127.0.0.1:${port}`,
        basePath: "/v1",
        model: "bench",
        apiKey: null,
        headers: {},
        ignoreEos: true,
        connections: concurrency,
      });
      const next = createWorkload({
        kind: "synthetic",
        input: { kind: "fixed", value: 32 },
        output: { kind: "fixed", value: tokens },
        seed: 1,
      });
      const requests0 = clientOverhead.requests;
      const events0 = clientOverhead.events;
      const ms0 = clientOverhead.ms;
      const cpu0 = process.cpuUsage();
      const server0 = processCpuMs(proc.pid!);
      const r = await runStep({
        client,
        next,
        load: { kind: "concurrency", concurrency },
        budget: { durationMs: 5000, requests: null, warmupMs: 1000 },
        timeoutMs: 60_000,
        idleTimeoutMs: 30_000,
        signal: new AbortController().signal,
        random: createRandom(1),
        metrics: null,
      });
      const cpu = process.cpuUsage(cpu0);
      const serverMs = processCpuMs(proc.pid!) - server0;
      await client.close();
      const events = clientOverhead.events - events0;
      const perEventUs = ((clientOverhead.ms - ms0) / events) * 1000;
      const total = clientOverhead.requests - requests0; // warm-up included, as the CPU time is
      const clientUsPerReq = (cpu.user + cpu.system) / total;
      const serverUsPerReq = (serverMs * 1000) / total;
      process.stdout.write(
        `gpufleet bench client vs stand-in, ${tokens}-token streamed responses at concurrency ${concurrency}: ` +
          `${r.requestsPerSecond.toFixed(0)} req/s wall, ${r.outputTokensPerSecond.toFixed(0)} output tok/s, ` +
          `${r.requests.failed} errors; CPU per request: client ${clientUsPerReq.toFixed(0)} µs, stand-in ` +
          `${serverUsPerReq.toFixed(0)} µs → ${(1e6 / clientUsPerReq).toFixed(0)} req/s per client core; ` +
          `client handling ${perEventUs.toFixed(1)} µs wall per read event (${events} events; on a loaded ` +
          `machine wall time includes preemption)\n`,
      );
    }
  } finally {
    proc.kill("SIGTERM");
  }
}

main();
