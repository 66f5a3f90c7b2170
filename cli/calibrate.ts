// `gpufleet calibrate` / `npm run calibrate`: plan every calibration case (a real engine start-up
// log)
// with the same settings pinned, and compare the plan's weights and KV tokens with what the engine
// logged.
import { CALIBRATION_CASES, type CalibrationCase } from "../calibration/cases";
import { GPUS } from "../planner/catalog/gpus";
import { MODELS, findModel } from "../planner/catalog/models";
import { computeDtype } from "../planner/engines";
import {
  GiB,
  activationBytes,
  ceil2,
  memoryAccounting,
  overheadGiB,
  parseRelease,
  sglangPreLoadGiB,
} from "../planner/memory";
import { PlanError, assumesNvlink, planFleet, type Accounting } from "../planner/plan";
import type { ModelSpec, PoolSpec } from "../planner/types";

/**
 * The plan may under-state the engine's KV tokens by 10 % and over-state them by 3 % (issue 13; issue
 * 3's −15 %…+5 % tightened to what the release-aware model reaches). Over-stating by more than 5 %
 * is never allowed (NEVER_OVER), whatever these bounds become.
 */
export const KV_UNDER = -0.1;
export const KV_OVER = 0.03;
export const NEVER_OVER = 0.05;
/** Median |KV error| over the judged cases the model must reach (issue 13). */
export const KV_MEDIAN = 0.03;
/**
 * The same on consumer cards: the target. Reached (0.7 %) once vLLM's V0 accounting was split
 * at PR #10511 (0.6.5), which moved the CUDA context inside the budget: the RTX 3090 logs of 0.6.4
 * no longer pay for the H100 log of the 0.6.5 build.
 */
export const CONSUMER_KV_MEDIAN = 0.03;
export const WEIGHTS_TOLERANCE = 0.05;

export interface CalibrationResult {
  id: string;
  engine: string;
  gpu: string;
  tensorParallel: number;
  model: string;
  loggedKvTokens: number;
  plannedKvTokens: number | null;
  kvError: number | null;
  loggedWeightsGiB: number | null;
  plannedWeightsGiB: number | null;
  weightsError: number | null;
  /** Kept in the table for its figures but not judged, with the reason (calibration/cases.ts). */
  excluded: string | null;
  /** The engine refused to start (maxModelLen above its KV cache): the planner must refuse too. */
  engineRefused: boolean;
  plannerRefused: string | null;
  ok: boolean;
}

function caseModel(c: CalibrationCase): ModelSpec {
  const known = findModel(c.model);
  if (known) return known;
  // A third-party quantization of a catalog model (e.g.
  // RedHatAI/Llama-3.3-70B-Instruct-FP8-dynamic):
  // the catalog architecture with pre-quantized weights.
  const m = /^[^/]+\/(.+?)-(FP8(?:-dynamic)?|AWQ|GPTQ(?:-Int4)?)$/i.exec(c.model);
  const base = m
    ? MODELS.find((x) => x.id.split("/")[1]?.toLowerCase() === m[1]?.toLowerCase())
    : undefined;
  if (base && m && !c.arch) {
    const q = m[2]!.toLowerCase().startsWith("fp8")
      ? "fp8"
      : m[2]!.toLowerCase().startsWith("awq")
        ? "awq"
        : "gptq";
    return {
      ...base,
      id: c.model,
      weightsQuantization: q,
      artifacts: { [q]: c.model },
      source: c.source,
    };
  }
  if (!c.arch)
    throw new Error(
      `calibration case ${c.id}: model ${c.model} is not in the catalog and has no arch`,
    );
  const { paramsB, ...arch } = c.arch;
  return {
    id: c.model,
    servedName: c.id
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, "-")
      .slice(0, 63),
    paramsB,
    arch,
    weightsQuantization:
      c.flags.quantization && c.flags.quantization !== "none" && /fp8|awq|gptq/i.test(c.model)
        ? c.flags.quantization
        : undefined,
    gated: false,
    artifacts: {},
    source: c.source,
  };
}

/**
 * The vLLM release a case's log came from, "major.minor.patch" from its engineVersion text. A V0
 * log of a V1-era release (VLLM_USE_V1=0) has no case here; every "V0" log is ≤ 0.7.
 */
export function vllmRelease(c: CalibrationCase): string | null {
  const r = parseRelease(c.engineVersion);
  return r ? r.join(".") : null;
}

/** The release whose accounting the plan of a case follows (planner/memory.ts memoryAccounting). */
export function accountingOf(c: CalibrationCase): Accounting {
  if (c.engine !== "vllm") return {};
  const release = vllmRelease(c);
  if (!release)
    throw new Error(`calibration case ${c.id}: no vLLM release in "${c.engineVersion}"`);
  // A V0 engine of a V1-era release (the log says "V0 LLM engine (v0.9.0)") keeps V0's accounting.
  return { vllm: /\bV0\b/.test(c.engineVersion) ? `${release} V0` : release };
}

/**
 * vLLM's defaults when the log does not show them (vllm/engine/arg_utils.py, V1 ≥ 0.8; V0 ≤ 0.7).
 */
function vllmDefaults(c: CalibrationCase, maxModelLen: number): { seqs: number; batched: number } {
  const v0 =
    c.engine === "vllm" && memoryAccounting("vllm", vllmRelease(c) ?? undefined).profile === "v0";
  const mem = GPUS[c.gpu].memoryGiB;
  if (v0) return { seqs: 256, batched: maxModelLen <= 32768 ? Math.max(maxModelLen, 2048) : 2048 };
  const big = mem >= 70 && !c.gpu.startsWith("A100");
  return { seqs: big ? 1024 : 256, batched: big ? 8192 : 2048 };
}

export function planCase(c: CalibrationCase): { pool: PoolSpec; model: ModelSpec } {
  const model = caseModel(c);
  const gpu = GPUS[c.gpu];
  const configured = c.flags.maxModelLen ?? model.arch.max_position_embeddings;
  // SGLang sizes its KV pool from mem_fraction_static alone and caps requests at the pool: its
  // context
  // does not change the pool (no sliding-window model here), so plan it at a context the pool
  // holds.
  const maxModelLen = c.engine === "sglang" ? Math.min(configured, 4096) : configured;
  const defaults = vllmDefaults(c, maxModelLen);
  const seqs = c.flags.maxNumSeqs ?? defaults.seqs;
  const batched = c.flags.maxNumBatchedTokens ?? defaults.batched;
  const quantization = c.flags.quantization ?? "none";
  let util = c.flags.gpuMemoryUtilization ?? 0.9;
  if (c.engine === "sglang") {
    // Express SGLang's --mem-fraction-static as the planner's budget (planner/engines.ts inverts
    // this).
    const f = c.flags.memFractionStatic ?? 0.88;
    const dtype = computeDtype(gpu, model);
    const act =
      activationBytes({
        engine: "sglang",
        arch: model.arch,
        tp: c.tensorParallel,
        maxNumBatchedTokens: batched,
        maxNumSeqs: seqs,
        dtype,
      }) / GiB;
    const over = overheadGiB({
      engine: "sglang",
      tp: c.tensorParallel,
      nvlink: assumesNvlink(c.gpu),
      eager: false,
    });
    util =
      (f * (gpu.memoryGiB - sglangPreLoadGiB(ceil2(over), !gpu.cloud)) + ceil2(act) + ceil2(over)) /
      gpu.memoryGiB;
  }
  return {
    model,
    pool: {
      name: "calibration",
      gpu: c.gpu,
      gpuCount: c.gpuCount,
      count: 1,
      model: model.id,
      engine: c.engine,
      tensorParallel: c.tensorParallel,
      maxModelLen,
      gpuMemoryUtilization: util,
      kvCacheDtype: c.flags.kvCacheDtype ?? "auto",
      quantization,
      maxNumSeqs: seqs,
      maxNumBatchedTokens: batched,
      minConcurrency: 1,
    },
  };
}

export function runCalibrationCase(c: CalibrationCase): CalibrationResult {
  const { pool, model } = planCase(c);
  // vLLM refuses to start when max_model_len exceeds its KV cache; SGLang caps requests instead.
  const refused = c.engine === "vllm" && c.logged.kvTokens < (pool.maxModelLen ?? 0);
  let plannedKv: number | null = null;
  let plannedW: number | null = null;
  let plannerRefused: string | null = null;
  try {
    const plan = planFleet({
      stack: "calibration",
      pools: [pool],
      models: [model],
      accounting: accountingOf(c),
    });
    const r = plan.pools[0]?.replicas[0];
    plannedKv = r?.memory.kvTokens ?? null;
    plannedW = r?.memory.weightsGiB ?? null;
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    plannerRefused = err.problems.join("; ");
  }
  const kvError = plannedKv === null ? null : (plannedKv - c.logged.kvTokens) / c.logged.kvTokens;
  const lw = c.logged.weightsGiB ?? null;
  const weightsError = plannedW === null || lw === null ? null : (plannedW - lw) / lw;
  const weightsOk = weightsError === null || Math.abs(weightsError) <= WEIGHTS_TOLERANCE;
  const kvOk = refused
    ? plannerRefused !== null || (kvError !== null && kvError <= KV_OVER)
    : kvError !== null && kvError >= KV_UNDER && kvError <= KV_OVER;
  return {
    id: c.id,
    engine: c.engine,
    gpu: c.gpu,
    tensorParallel: c.tensorParallel,
    model: c.model,
    loggedKvTokens: c.logged.kvTokens,
    plannedKvTokens: plannedKv,
    kvError,
    loggedWeightsGiB: lw,
    plannedWeightsGiB: plannedW,
    weightsError,
    engineRefused: refused,
    plannerRefused,
    excluded: c.excluded ?? null,
    ok: c.excluded !== undefined || (kvOk && weightsOk),
  };
}

/** Median |KV error| and the extremes of a set of results (judged, planned cases only). */
export interface CalibrationStats {
  cases: number;
  medianAbsKvError: number;
  /** Largest over-statement (≥ 0 when any case over-states), or the smallest under-statement. */
  worstOver: number;
  worstUnder: number;
}

export function calibrationStats(results: readonly CalibrationResult[]): CalibrationStats {
  const errs = results
    .filter((r) => !r.excluded && r.kvError !== null)
    .map((r) => r.kvError as number);
  const abs = errs.map(Math.abs).sort((a, b) => a - b);
  const mid = abs.length / 2;
  const median =
    abs.length === 0
      ? 0
      : abs.length % 2 === 1
        ? abs[Math.floor(mid)]!
        : (abs[mid - 1]! + abs[mid]!) / 2;
  return {
    cases: errs.length,
    medianAbsKvError: median,
    worstOver: errs.length ? Math.max(...errs) : 0,
    worstUnder: errs.length ? Math.min(...errs) : 0,
  };
}

/**
 * Consumer and workstation cards (GeForce, RTX / Quadro boards) as against data-center GPUs (Tesla,
 * A/L/H/B series), by the catalog's nvidia-smi name.
 */
export const isConsumerGpu = (r: CalibrationResult): boolean =>
  /GeForce|RTX|Quadro/.test(GPUS[r.gpu as keyof typeof GPUS]?.nvidiaSmiName ?? "");

export function runCalibration(
  cases: readonly CalibrationCase[] = CALIBRATION_CASES,
): CalibrationResult[] {
  return cases.map(runCalibrationCase);
}

const pct = (x: number | null): string =>
  x === null ? "—" : `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

export function formatCalibration(results: readonly CalibrationResult[]): string {
  const rows = results.map((r) => [
    r.excluded ? "excl" : r.ok ? "ok" : "FAIL",
    r.id,
    `${r.tensorParallel}×${r.gpu}`,
    r.loggedKvTokens.toLocaleString("en-US"),
    r.plannedKvTokens === null ? "refused" : r.plannedKvTokens.toLocaleString("en-US"),
    pct(r.kvError),
    r.loggedWeightsGiB?.toFixed(2) ?? "—",
    r.plannedWeightsGiB?.toFixed(2) ?? "—",
    pct(r.weightsError),
  ]);
  const header = [
    "",
    "CASE",
    "GPUS",
    "LOGGED KV",
    "PLANNED KV",
    "KV ERR",
    "LOGGED W",
    "PLANNED W",
    "W ERR",
  ];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const lines = all.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  const judged = results.filter((r) => !r.excluded);
  const ok = judged.filter((r) => r.ok).length;
  lines.push("");
  for (const r of results) if (r.excluded) lines.push(`excluded ${r.id}: ${r.excluded}`);
  const line = (label: string, st: CalibrationStats): string =>
    `${label}: ${st.cases} cases, median |KV error| ${pct(st.medianAbsKvError).replace("+", "")}, worst over-statement ${pct(st.worstOver)}, worst under-statement ${pct(st.worstUnder)}`;
  lines.push(line("all GPUs", calibrationStats(results)));
  lines.push(line("consumer GPUs", calibrationStats(results.filter(isConsumerGpu))));
  lines.push(line("data-center GPUs", calibrationStats(results.filter((r) => !isConsumerGpu(r)))));
  lines.push(
    `${ok}/${judged.length} judged cases within bounds (KV ${KV_UNDER * 100}%…+${KV_OVER * 100}%, weights ±${WEIGHTS_TOLERANCE * 100}%); refused = the planner rejects the settings, as the engine did`,
  );
  return lines.join("\n");
}
