// Hardware resolution: a pool's instance type (or own GPU and count) → the GPU, its count, and
// whether its GPUs are linked by NVLink.
import { GPUS, findGpu } from "./catalog/gpus";
import { INSTANCE_TYPES, findInstanceType, instanceTypesOfFamily } from "./catalog/instances";
import type { GpuId, GpuSpec, InstanceTypeSpec, PoolSpec } from "./types";
import { GPU_IDS } from "./types";

export interface Hardware {
  gpu: GpuSpec;
  gpuCount: number;
  instance: InstanceTypeSpec | null;
  /**
   * NVLink between the GPUs: from the instance type; for own hardware assumed for SXM-class GPUs
   * (the larger overhead, so the safer guess).
   */
  nvlink: boolean;
  /** The hosts' NVIDIA driver when known (planner/release.ts hostDriverOf). */
  driver?: import("./release").HostDriver;
}

const SXM_CLASS: ReadonlySet<string> = new Set([
  "V100-16GB",
  "V100-32GB",
  "A100-40GB",
  "A100-80GB",
  "H100",
  "H200",
]);

/** NVLink assumed for own hardware of SXM-class GPUs: the larger overhead, so the safer guess. */
export function assumesNvlink(gpu: string): boolean {
  return SXM_CLASS.has(gpu);
}

/** The pool's hardware, or undefined with the problem (naming the key) added to `problems`. */
export function resolveHardware(
  pool: PoolSpec,
  at: string,
  problems: string[],
): Hardware | undefined {
  if (pool.instanceType !== undefined) {
    const instance = findInstanceType(pool.instanceType);
    if (!instance) {
      const family = pool.instanceType.split(".")[0] ?? "";
      const same = instanceTypesOfFamily(family).map((t) => t.name);
      const hint =
        same.length > 0
          ? `known ${family}.* types: ${same.join(", ")}`
          : `known GPU families: ${[...new Set(INSTANCE_TYPES.map((t) => t.family))].join(", ")}`;
      problems.push(`${at}.instanceType: unknown instance type "${pool.instanceType}"; ${hint}`);
      return undefined;
    }
    return {
      gpu: GPUS[instance.gpu],
      gpuCount: instance.gpuCount,
      instance,
      nvlink: instance.nvlink,
    };
  }
  const gpu = pool.gpuSpec ?? findGpu(pool.gpu ?? "");
  if (!gpu) {
    problems.push(`${at}.gpu: unknown GPU "${pool.gpu}"; known: ${GPU_IDS.join(", ")}`);
    return undefined;
  }
  return { gpu, gpuCount: pool.gpuCount ?? 1, instance: null, nvlink: assumesNvlink(gpu.id) };
}
