// `npm run bench`: how long planning takes, measured rather than asserted in tests.
//  1. plan every catalog combination: each GPU × GPU count × model (and auto) × engine (and auto);
//  2. plan generated stacks of 1, 10 and 100 pools end to end (config validation included);
// 3. `gpufleet preview` (the whole Pulumi program under mocks) of generated stacks of 1, 10 and 100
// full pools,
// each in a fresh process, as a user runs it: wall time (process start included) and the process's
// peak RSS.
// Prints wall time and peak RSS; run with --json for machine-readable output.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import type * as PreviewModule from "../cli/preview";
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

function generatedStack(pools: number): Record<string, unknown> {
  const types = INSTANCE_TYPES.map((t) => t.name);
  return {
    pools: Array.from({ length: pools }, (_, i) => ({
      name: `pool-${i}`,
      instanceType: types[i % types.length],
      count: 1 + (i % 3),
    })),
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

/**
 * A stack of `pools` full pools for the preview: every EC2 type in turn (multi-GPU types get a
 * replica per GPU),
 * each pool serving its own model (copies of Qwen2.5-1.5B's architecture under distinct ids), so
 * that the load
 * balancer gets one target group and one header rule per pool — 100 pools is the ALB's limit of
 * both.
 */
function previewStack(pools: number): Record<string, unknown> {
  const types = INSTANCE_TYPES.filter((t) => t.pricePerHour > 0).map((t) => t.name);
  return {
    "aws:region": "us-east-1",
    "gpufleet:pools": Array.from({ length: pools }, (_, i) => ({
      name: `pool-${i}`,
      instanceType: types[i % types.length],
      count: 1 + (i % 3),
      model: `bench/model-${i}`,
    })),
    "gpufleet:models": Array.from({ length: pools }, (_, i) => ({
      id: `bench/model-${i}`,
      config: {
        architectures: ["Qwen2ForCausalLM"],
        model_type: "qwen2",
        num_hidden_layers: 28,
        num_attention_heads: 12,
        num_key_value_heads: 2,
        hidden_size: 1536,
        intermediate_size: 8960,
        vocab_size: 151936,
        max_position_embeddings: 32768,
        torch_dtype: "bfloat16",
        tie_word_embeddings: true,
      },
    })),
  };
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

function timePreviews(sizes: number[]): Result[] {
  const dir = mkdtempSync(path.join(tmpdir(), "gpufleet-bench-"));
  return sizes.map((n) => {
    const file = path.join(dir, `Pulumi.bench${n}.yaml`);
    writeFileSync(file, stringify({ config: previewStack(n) }));
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
      name: `gpufleet preview of ${n} pools (${report.resources} resources; program ${report.ms.toFixed(0)} ms)`,
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
  const aws = previewStack(pools);
  const gpus = ["L4", "A10G", "L40S", "A100-80GB", "H100"];
  const stack = {
    "gpufleet:target": "kubernetes",
    "gpufleet:gateway": { enabled: true },
    "gpufleet:hfToken": "hf_bench_placeholder_token_not_a_secret",
    "gpufleet:pools": [
      ...Array.from({ length: pools - 1 }, (_, i) => ({
        name: `pool-${i}`,
        gpu: gpus[i % gpus.length],
        gpuCount: [1, 2, 4, 8][i % 4],
        count: 1 + (i % 3),
        model: `bench/model-${i}`,
      })),
      { name: "big", gpu: "L4", gpuCount: 8, model: "bench/llama-405b", quantization: "fp8" },
    ],
    "gpufleet:models": [
      ...(aws["gpufleet:models"] as unknown[]),
      {
        id: "bench/llama-405b",
        config: {
          architectures: ["LlamaForCausalLM"],
          model_type: "llama",
          num_hidden_layers: 126,
          num_attention_heads: 128,
          num_key_value_heads: 8,
          hidden_size: 16384,
          intermediate_size: 53248,
          vocab_size: 128256,
          max_position_embeddings: 131072,
          torch_dtype: "bfloat16",
          tie_word_embeddings: false,
        },
      },
    ],
  };
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

function main(): void {
  const childAt = process.argv.indexOf("--preview-child");
  if (childAt >= 0) {
    previewChild(process.argv[childAt + 1]!).catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    });
    return;
  }
  const results = [
    timeIt("every catalog combination (GPU × count × model × engine)", catalogCombinations()),
    ...timeStacks([1, 10, 100]),
    ...timePreviews([1, 10, 100]),
    timeKubernetesPreview(20),
  ];
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
