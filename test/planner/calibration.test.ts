// The calibration table (real engine start-up logs) as a test: the plan's KV tokens may under-state
// what the engine logged by up to 10 % and over-state it by at most 3 % (never more than 5 %), the
// median |error| at most 3 %, for consumer and data-center GPUs alike; weights within ±5 %.
import { describe, expect, it } from "vitest";
import { CALIBRATION_CASES } from "../../calibration/cases";
import {
  CONSUMER_KV_MEDIAN,
  KV_MEDIAN,
  KV_OVER,
  KV_UNDER,
  NEVER_OVER,
  calibrationStats,
  isConsumerGpu,
  runCalibration,
  runCalibrationCase,
} from "../../cli/calibrate";
import { KV_UNCERTAINTY } from "../../planner/fit";

const judged = CALIBRATION_CASES.filter((c) => !c.excluded);

describe("calibration against engine start-up logs", () => {
  it.each(judged.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const r = runCalibrationCase(c);
    if (r.engineRefused) {
      // The engine refused these settings; the plan must not promise more than it had.
      expect(r.plannerRefused !== null || (r.kvError ?? 1) <= KV_OVER).toBe(true);
    } else {
      expect(r.plannerRefused).toBeNull();
      expect(r.kvError).not.toBeNull();
      expect(r.kvError!).toBeGreaterThanOrEqual(KV_UNDER);
      expect(r.kvError!).toBeLessThanOrEqual(KV_OVER);
    }
    if (r.weightsError !== null) expect(Math.abs(r.weightsError)).toBeLessThanOrEqual(0.05);
  });

  it("covers what the issue asks: ≥ 15 judged cases, vLLM and SGLang, ≥ 5 GPU types, tensor parallelism, quantized weights", () => {
    expect(judged.length).toBeGreaterThanOrEqual(15);
    expect(new Set(judged.map((c) => c.engine))).toEqual(new Set(["vllm", "sglang"]));
    expect(new Set(judged.map((c) => c.gpu)).size).toBeGreaterThanOrEqual(5);
    expect(judged.filter((c) => c.tensorParallel > 1).length).toBeGreaterThanOrEqual(3);
    expect(judged.some((c) => c.flags.quantization && c.flags.quantization !== "none")).toBe(true);
    // "some with FP8 KV cache": from both engines, on more than one GPU type.
    const fp8 = judged.filter((c) => c.flags.kvCacheDtype === "fp8");
    expect(new Set(fp8.map((c) => c.engine))).toEqual(new Set(["vllm", "sglang"]));
    expect(new Set(fp8.map((c) => c.gpu)).size).toBeGreaterThanOrEqual(3);
    for (const c of CALIBRATION_CASES) {
      expect(c.source).toMatch(/^https:\/\//);
      expect(c.excerpt.length).toBeGreaterThan(20);
    }
  });

  // A bf16-KV twin is the same run without --kv-cache-dtype fp8 (its id is the fp8 case's id
  // without "-kvfp8…").
  const twins = judged.flatMap((fp8) => {
    const twin =
      fp8.flags.kvCacheDtype === "fp8"
        ? judged.find((c) => c !== fp8 && fp8.id.startsWith(`${c.id}-kvfp8`))
        : undefined;
    return twin ? [[fp8.id, fp8, twin] as const] : [];
  });

  it("has bf16-KV twins for fp8-KV cases", () => {
    expect(twins.length).toBeGreaterThanOrEqual(3);
  });

  it.each(twins)(
    "%s: fp8 KV keeps the pool and doubles the tokens, in the log and in the plan",
    (_id, fp8, twin) => {
      expect(twin.flags.kvCacheDtype).toBe("auto");
      expect({ ...fp8.flags, kvCacheDtype: "auto" }).toEqual(twin.flags);
      const logged = fp8.logged.kvTokens / twin.logged.kvTokens;
      expect(logged).toBeGreaterThan(1.95);
      expect(logged).toBeLessThan(2.05);
      const planned =
        runCalibrationCase(fp8).plannedKvTokens! / runCalibrationCase(twin).plannedKvTokens!;
      expect(planned).toBeGreaterThan(1.95);
      expect(planned).toBeLessThan(2.001); // whole tokens: floor(2x) may exceed 2·floor(x) by one
    },
  );

  it("bounds: −10 % … +3 % per case, never over 5 %, median |KV error| ≤ 3 %", () => {
    expect(KV_UNDER).toBe(-0.1);
    expect(KV_OVER).toBeLessThanOrEqual(NEVER_OVER);
    expect(NEVER_OVER).toBe(0.05);
    const all = runCalibration();
    const sets = [
      [all, KV_MEDIAN],
      [all.filter((r) => !isConsumerGpu(r)), KV_MEDIAN],
      [all.filter(isConsumerGpu), CONSUMER_KV_MEDIAN],
    ] as const;
    for (const [set, median] of sets) {
      const st = calibrationStats(set);
      expect(st.cases).toBeGreaterThanOrEqual(3);
      expect(st.medianAbsKvError).toBeLessThanOrEqual(median);
      expect(st.worstOver).toBeLessThanOrEqual(KV_OVER);
      expect(st.worstUnder).toBeGreaterThanOrEqual(KV_UNDER);
    }
  });

  it("covers the small budgets of issue 13: 24 GB cards, low utilization, TP over PCIe, small batches", () => {
    const gib = (c: (typeof judged)[number]) =>
      ({ "RTX-3090": 24, "RTX-4090": 24, L4: 24, A10G: 24, "RTX-A5000": 24 })[c.gpu as string];
    expect(judged.filter((c) => gib(c) === 24).length).toBeGreaterThanOrEqual(4);
    // Utilization ≤ 0.5 appears only in logs whose repository is unresolved (T4 at 0.50, RTX 4090
    // at 0.40: CANDIDATE_CASES_SOURCE_UNRESOLVED); the lowest judged one is 0.70.
    expect(judged.some((c) => (c.flags.gpuMemoryUtilization ?? 0.9) <= 0.7)).toBe(true);
    expect(
      judged.some(
        (c) => c.tensorParallel > 1 && ["RTX-4090", "RTX-3090", "L4", "L40S"].includes(c.gpu),
      ),
    ).toBe(true);
    expect(judged.some((c) => (c.flags.maxNumSeqs ?? 256) <= 8)).toBe(true);
    expect(judged.some((c) => (c.flags.maxNumBatchedTokens ?? 2048) <= 512)).toBe(true);
  });

  it("the uncertainty the planner grants a pinned context is no more than the table measures", () => {
    const st = calibrationStats(runCalibration());
    expect(KV_UNCERTAINTY).toBeGreaterThan(0);
    // A pin short by less than KV_UNCERTAINTY is planned: the table must show the model
    // under-stating by at least that much somewhere, or the grace is not measured.
    expect(-st.worstUnder).toBeGreaterThanOrEqual(KV_UNCERTAINTY);
    expect(-st.worstUnder).toBeLessThan(KV_UNCERTAINTY + 0.01);
  });

  it("excluded cases say why", () => {
    for (const r of runCalibration().filter((x) => x.excluded))
      expect(r.excluded!.length).toBeGreaterThan(40);
  });
});
