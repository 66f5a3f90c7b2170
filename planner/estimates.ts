// Estimates shown with every plan: cold start and single-stream decode speed. Rough by nature; each
// assumption is stated so that a reader can redo the arithmetic.
import type { EngineId, GpuSpec } from "./types";

/**
 * Compressed image sizes, GB (ESTIMATE, 2026-11-21: the CUDA images of these engines are 3–12 GB
 * compressed on Docker Hub / GHCR; rounded up so the health-check grace period is not too short).
 */
export const IMAGE_GB: Readonly<Record<EngineId, number>> = {
  vllm: 10,
  sglang: 12,
  lmdeploy: 8,
  ollama: 2,
  llamacpp: 3,
};

/** Hugging Face / registry downloads rarely exceed this per host whatever the NIC (ESTIMATE). */
const MAX_DOWNLOAD_GBPS = 8;
/** Without a known NIC (own hardware) assume a 1 Gbit/s uplink. */
const DEFAULT_GBPS = 1;
/**
 * Boot, driver checks, container start, CUDA graph capture and warm-up (ESTIMATE from seed 000's
 * 30–60 min first start, most of it downloads).
 */
const FIXED_SECONDS = 120;
/** Loading weights from local disk into GPU memory, GB/s (NVMe or gp3 at 1 GB/s). */
const LOAD_GBS = 1;

/**
 * Seconds from instance start to a healthy replica: image and weights downloaded in parallel (the
 * larger dominates) at the instance's network bandwidth, then weights loaded from disk, plus fixed
 * time.
 */
export function estimateColdStartSeconds(
  engine: EngineId,
  weightsGB: number,
  networkGbps: number | null,
): number {
  const gbps = Math.min(networkGbps ?? DEFAULT_GBPS, MAX_DOWNLOAD_GBPS);
  const bytesPerSecond = (gbps * 1e9) / 8;
  const download = (Math.max(IMAGE_GB[engine], weightsGB) * 1e9) / bytesPerSecond;
  const load = weightsGB / LOAD_GBS;
  return Math.round(FIXED_SECONDS + download + load);
}

/**
 * Single-stream decode tokens/s: each token reads every weight once; with tensor parallelism the
 * GPUs
 * read their shards at once. 70 % of peak bandwidth is what memory-bound kernels reach in practice.
 */
export function estimateDecodeTokensPerSecond(
  gpu: GpuSpec,
  tensorParallel: number,
  weightsGB: number,
): number {
  const bandwidth = gpu.memoryBandwidthGBs * tensorParallel * 0.7;
  return Math.round(bandwidth / Math.max(weightsGB, 0.1));
}
