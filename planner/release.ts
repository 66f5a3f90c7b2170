// Which engine release a replica runs, and which of its images the host's driver can start: the
// pool's `engineVersion` (with `memoryAccounting` for a release the catalog does not list) or the
// engine's pinned release, SGLang's Turing build below compute capability 8.0, and the host's
// NVIDIA driver against each image's CUDA. Pure.
import { ENGINES } from "./catalog/engines";
import {
  CUDA_MIN_DRIVER,
  IMAGE_TEMPLATES,
  RELEASES,
  compareDriver,
  findRelease,
  minDriverOf,
  releaseNames,
  type EngineRelease,
  type ImageVariant,
} from "./catalog/releases";
import type { EngineId, GpuSpec } from "./types";

/** The NVIDIA driver of a pool's hosts, and where that figure comes from. */
export interface HostDriver {
  /** As nvidia-smi prints it, e.g. "595.91.07". */
  version: string;
  source: string;
}

/**
 * The driver of the default AMI (components/aws/facts.ts: the SSM parameter of the Deep Learning
 * Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04), "latest"). Release 20260929 ships 595.91.07 with
 * CUDA 13.2 (its x86_64 build log on an L40S, 2026-10-03; the ARM64 Ubuntu 22.04 sibling 20261006
 * lists nvidia_driver 595.91.07, docs.aws.amazon.com/dlami … gpubaseossarm64-ul2204-2026-10-08).
 * "latest" only moves forward, so a later AMI has this driver or a newer one.
 */
export const DLAMI_DRIVER: HostDriver = {
  version: "595.91.07",
  source:
    "the default AMI, Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20260929 or later",
};

/** What a pool pins about its engine's release. */
export interface ReleasePin {
  engineVersion?: string;
  memoryAccounting?: string;
}

/** The release a replica runs, resolved. */
export interface ResolvedRelease {
  engine: EngineId;
  version: string;
  /** Images, the default first. */
  images: readonly ImageVariant[];
  modelFlag: boolean;
  /** The listed release whose memory accounting, defaults and flags it follows. */
  behavesAs: string;
  /** Set for a release the catalog does not list (planned as `behavesAs`). */
  unlisted?: string;
}

/** A problem with the pin, under the config key it belongs to. */
export interface ReleaseProblem {
  key: "engineVersion" | "memoryAccounting";
  message: string;
}

function resolved(r: EngineRelease, version = r.version, unlisted?: string): ResolvedRelease {
  return {
    engine: r.engine,
    version,
    images: r.images,
    modelFlag: r.modelFlag ?? false,
    behavesAs: r.version,
    ...(unlisted ? { unlisted } : {}),
  };
}

function ccOf(gpu: GpuSpec): number {
  const [a, b] = gpu.computeCapability.split(".").map(Number);
  return (a ?? 0) * 10 + (b ?? 0);
}

/** The release of `engine` a replica on `gpu` runs, or the problem with the pool's pin. */
export function resolveRelease(
  engine: EngineId,
  gpu: GpuSpec,
  pin: ReleasePin = {},
): ResolvedRelease | { problem: ReleaseProblem } {
  const cc = ccOf(gpu);
  if (pin.engineVersion === undefined) {
    if (pin.memoryAccounting !== undefined)
      return {
        problem: {
          key: "memoryAccounting",
          message: `only with an engineVersion gpufleet does not list; without engineVersion ${engine} ${ENGINES[engine].version} runs with its own accounting`,
        },
      };
    const base = findRelease(engine, ENGINES[engine].version)!;
    if (base.legacy && cc < base.legacy.belowCc)
      return resolved(findRelease(engine, base.legacy.release)!);
    return resolved(base);
  }
  const known = findRelease(engine, pin.engineVersion);
  if (known) {
    if (pin.memoryAccounting !== undefined && findRelease(engine, pin.memoryAccounting) !== known)
      return {
        problem: {
          key: "memoryAccounting",
          message: `${engine} ${known.version} is a listed release and is planned with its own accounting; remove memoryAccounting`,
        },
      };
    if (known.legacy && cc < known.legacy.belowCc) {
      const older = RELEASES[engine].filter((r) => !r.legacy).map((r) => r.version);
      return {
        problem: {
          key: "engineVersion",
          message: `${engine} ${known.version} does not run on ${gpu.id} (compute capability ${gpu.computeCapability}): ${known.legacy.why}; pin one of ${older.join(", ")}, or leave engineVersion unset (then ${known.legacy.release} runs there)`,
        },
      };
    }
    return resolved(known);
  }
  const listed = releaseNames(engine);
  if (pin.memoryAccounting === undefined)
    return {
      problem: {
        key: "engineVersion",
        message: `"${pin.engineVersion}" is no ${engine} release gpufleet lists (${listed}); pin one of them, or set memoryAccounting to the listed release whose memory accounting, defaults and flags it follows`,
      },
    };
  const like = findRelease(engine, pin.memoryAccounting);
  if (!like)
    return {
      problem: {
        key: "memoryAccounting",
        message: `"${pin.memoryAccounting}" is no ${engine} release gpufleet lists; give one of ${listed}`,
      },
    };
  const version = pin.engineVersion.trim().replace(/^v(?=\d)/, "");
  const image: ImageVariant = {
    image: IMAGE_TEMPLATES[engine](version),
    cuda: like.images[0]!.cuda,
  };
  return {
    engine,
    version,
    images: [image],
    modelFlag: like.modelFlag ?? false,
    behavesAs: like.version,
    unlisted: `${engine} ${version} is not a release gpufleet lists: planned with ${like.version}'s memory accounting, defaults and flags, and its image ${image.image} assumed built on CUDA ${image.cuda} (driver ≥ ${minDriverOf(image)}); check the engine's start-up log against the plan`,
  };
}

/** The image the host's driver can start: the default, else the newest CUDA 12 variant. */
export function pickImage(
  release: ResolvedRelease,
  driver: HostDriver | undefined,
): { image: ImageVariant } | { problem: string } {
  if (!driver) return { image: release.images[0]! };
  const fits = release.images.filter((v) => compareDriver(driver.version, minDriverOf(v)) >= 0);
  if (fits.length > 0) return { image: fits[0]! };
  const need = release.images
    .map((v) => `${v.image} (CUDA ${v.cuda}) needs driver ≥ ${minDriverOf(v)}`)
    .join("; ");
  const older = [...RELEASES[release.engine]]
    .reverse()
    .find((r) => r.images.some((v) => compareDriver(driver.version, minDriverOf(v)) >= 0));
  const lowest = release.images.map(minDriverOf).sort(compareDriver)[0]!;
  const fix = older
    ? `pin engineVersion ${older.version} (built on CUDA ${older.images.find((v) => compareDriver(driver.version, minDriverOf(v)) >= 0)!.cuda}), or upgrade the driver to ≥ ${lowest}`
    : `no ${release.engine} release gpufleet lists runs on it: upgrade the driver to ≥ ${lowest}, or use another engine (vLLM ${RELEASES.vllm[0]!.version} needs ≥ ${CUDA_MIN_DRIVER["12.4"]})`;
  return {
    problem: `${release.engine} ${release.version}'s images need a newer NVIDIA driver than the host's ${driver.version} (${driver.source}): ${need}; ${fix}`,
  };
}

/**
 * The driver a pool's hosts run, when the plan can know it: the pool's driverVersion, else the
 * default AMI's on EC2 pools that boot it. A custom AMI or own hardware without driverVersion:
 * unknown here (the bootstrap still checks it before starting an engine).
 */
export function hostDriverOf(
  pool: { driverVersion?: string; customAmi?: boolean; instanceType?: string },
  at: string,
): HostDriver | undefined {
  if (pool.driverVersion !== undefined)
    return { version: pool.driverVersion, source: `${at}.driverVersion` };
  if (pool.instanceType !== undefined && !pool.customAmi) return DLAMI_DRIVER;
  return undefined;
}

/** The release pin of a pool, or undefined when it pins nothing. */
export function releasePinOf(pool: ReleasePin): ReleasePin | undefined {
  if (pool.engineVersion === undefined && pool.memoryAccounting === undefined) return undefined;
  return { engineVersion: pool.engineVersion, memoryAccounting: pool.memoryAccounting };
}
