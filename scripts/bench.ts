// `npm run bench`: how long planning takes, measured rather than asserted in tests.
//  1. plan every catalog combination: each GPU × GPU count × model (and auto) × engine (and auto);
//  2. plan generated stacks of 1, 10 and 100 pools end to end (config validation included).
// Prints wall time and peak RSS; run with --json for machine-readable output.
import { performance } from "node:perf_hooks";
import { parseStackConfig, toPlanInput } from "../config";
import { MODELS } from "../planner/catalog/models";
import { INSTANCE_TYPES } from "../planner/catalog/instances";
import { PlanError, planFleet } from "../planner/plan";
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
  return { name, runs: specs.length, planned, refused, totalMs, perRunMs: totalMs / specs.length, peakRssMB: peakRss / 2 ** 20 };
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

function generatedStack(pools: number): Record<string, unknown> {
  const types = INSTANCE_TYPES.map((t) => t.name);
  return {
    pools: Array.from({ length: pools }, (_, i) => ({ name: `pool-${i}`, instanceType: types[i % types.length], count: 1 + (i % 3) })),
  };
}

function timeStacks(sizes: number[]): Result[] {
  return sizes.map((n) => {
    const raw = generatedStack(n);
    const reps = n >= 100 ? 5 : 20;
    const start = performance.now();
    for (let i = 0; i < reps; i++) planFleet(toPlanInput("bench", parseStackConfig(raw)));
    const totalMs = performance.now() - start;
    sampleRss();
    return { name: `stack of ${n} pools (validate + plan)`, runs: reps, planned: reps, refused: 0, totalMs, perRunMs: totalMs / reps, peakRssMB: peakRss / 2 ** 20 };
  });
}

function main(): void {
  const results = [timeIt("every catalog combination (GPU × count × model × engine)", catalogCombinations()), ...timeStacks([1, 10, 100])];
  if (process.argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  for (const r of results) {
    process.stdout.write(
      `${r.name}: ${r.runs} runs (${r.planned} planned, ${r.refused} refused) in ${r.totalMs.toFixed(0)} ms — ${r.perRunMs.toFixed(2)} ms each; peak RSS ${r.peakRssMB.toFixed(0)} MB\n`,
    );
  }
}

main();
