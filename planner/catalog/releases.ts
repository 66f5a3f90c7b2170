// Engine releases: every release of each engine the planner knows, with its images (the CUDA
// version each is built on and so the NVIDIA driver it needs), how its launch differs, and which
// memory accounting it follows. A pool picks one with `engineVersion`; without it the engine's
// pinned release (catalog/engines.ts `version`) is used. Pure data and lookups.
//
// Why `engineVersion` and not `image`: the version is what decides the memory accounting, the
// defaults and the flags an engine takes; the image follows from the version, the GPU (SGLang's
// Turing build) and the host's driver (a CUDA 12 variant where the CUDA 13 default needs a newer
// driver). Pinning an image would make the user choose the CUDA variant by hand and hide the
// version from the memory model. A release gpufleet does not list is allowed with
// `memoryAccounting` naming the listed release it behaves like (config/README).
//
// Driver minimums: the CUDA toolkit's minimum Linux driver ("CUDA Toolkit and Corresponding
// Driver Versions", CUDA release notes, Table 3, GA column, read 2026-12-01). That is what the NVIDIA
// container toolkit enforces at `docker run` ("nvidia-container-cli: requirement error:
// unsatisfied condition: cuda>=12.8, please update your driver", vllm-project/vllm#18813 for
// vllm-openai:v0.9.0, #5635 for v0.4.3–v0.5 with cuda>=12.4). The CUDA base images also let a few
// older datacenter driver branches through with the forward-compatibility package; the planner does
// not count on that (conservative).
import type { EngineId } from "../types";
import { pinImage } from "./digests";

/** CUDA version → the lowest Linux driver that runs it (CUDA release notes, Table 3, GA). */
export const CUDA_MIN_DRIVER: Readonly<Record<string, string>> = {
  "12.4": "550.54.14",
  "12.6": "560.28.03",
  "12.8": "570.26",
  "12.9": "575.51.03",
  "13.0": "580.65.06",
};

export interface ImageVariant {
  /** Full image reference, e.g. "vllm/vllm-openai:v0.31.0". */
  image: string;
  /** The CUDA version it is built on (a key of CUDA_MIN_DRIVER). */
  cuda: string;
}

export interface EngineRelease {
  engine: EngineId;
  /** Version as the engine spells it ("0.31.0", "0.4.8.post1", "b11459"). */
  version: string;
  /**
   * Images of this release, the default first, then CUDA 12 variants the planner falls back to
   * when the host's driver is older than the default needs.
   */
  images: readonly ImageVariant[];
  /**
   * On GPUs below `belowCc` (×10) this release's images lack kernels: an unpinned pool runs
   * `release` instead; a pinned one is refused.
   */
  legacy?: { belowCc: number; release: string; why: string };
  /** Lowest compute capability (×10) this release runs on, when it differs from the engine's. */
  minCc?: number;
  minCcWhy?: string;
  /**
   * vLLM: the image's entrypoint is `python3 -m vllm.entrypoints.openai.api_server`, which takes the
   * model as `--model` (a positional model is "unrecognized arguments", vllm-project/vllm#27389).
   */
  modelFlag?: boolean;
  /**
   * vLLM: its multiprocessing executor spans nodes without Ray (`--nnodes`, `--node-rank`,
   * `--master-addr`, `--master-port`, `--headless` workers): why the planner believes it. Absent:
   * the release lacks those flags and a model that fits no single node is refused on it.
   */
  multiNode?: string;
  /** Where the version, its images and their CUDA come from (and when it was read). */
  source: string;
}

const release = (r: EngineRelease): EngineRelease => r;

/**
 * vllm-project/vllm#23691 "[V1] Support MP Executor for multi node distributed inference", merged
 * 2025-11-14 (after 0.9.2, before 0.15.1): `vllm serve … --nnodes N --node-rank R --master-addr
 * LEADER [--master-port P] [--headless]`; ParallelConfig.nnodes / node_rank / master_addr /
 * master_port (default 29501) in vllm/config/parallel.py at main 00193b8, read 2026-12-01.
 */
/**
 * SGLang's own multi-node launch (`--nnodes`, `--node-rank`, `--dist-init-addr HOST:PORT`) predates
 * every listed release; pipeline stages (`--pp-size`) arrived with sgl-project/sglang#5724 (opened
 * 2025-04-24, merged 2025-05), before 0.4.8.post1.
 */
const SGLANG_MULTI_NODE =
  "SGLang launcher across nodes (--nnodes/--node-rank/--dist-init-addr) with --pp-size: sgl-project/sglang#5724, merged 2025-05";

const VLLM_MP_MULTI_NODE =
  "multiprocessing executor across nodes (--nnodes/--node-rank/--master-addr/--master-port, --headless workers): vllm-project/vllm#23691, merged 2025-11-14";

/** Every release the planner knows, oldest first, per engine. */
export const RELEASES: Readonly<Record<EngineId, readonly EngineRelease[]>> = {
  vllm: [
    release({
      engine: "vllm",
      version: "0.6.4.post1",
      images: [{ image: "vllm/vllm-openai:v0.6.4.post1", cuda: "12.4" }],
      // vLLM 0.6 still shipped xformers / FlashAttention-2 paths for sm70 (docs "Installation",
      // compute capability 7.0 or higher, v0.6.4).
      minCc: 70,
      minCcWhy: "vLLM 0.6 supports compute capability 7.0 and above",
      modelFlag: true,
      source:
        "images from v0.4.3 to v0.8.x need cuda>=12.4 (vllm-project/vllm#5635, 2024-06-18); V0 engine; ENTRYPOINT api_server (Dockerfile, hmellor in vllm-project/vllm#17172, 2025-05-04)",
    }),
    release({
      engine: "vllm",
      version: "0.8.5.post1",
      images: [{ image: "vllm/vllm-openai:v0.8.5.post1", cuda: "12.4" }],
      modelFlag: true,
      source:
        "CUDA 12.4 until v0.9.0 raised the image to cuda>=12.8 (vllm-project/vllm#18813, 2025-05-28); ENTRYPOINT api_server (vllm-project/vllm#17172, 2025-05-04)",
    }),
    release({
      engine: "vllm",
      version: "0.9.2",
      images: [{ image: "vllm/vllm-openai:v0.9.2", cuda: "12.8" }],
      modelFlag: true,
      source:
        "v0.9.0 images need cuda>=12.8 (vllm-project/vllm#18813, 2025-05-28), torch 2.7.0+cu128 (vllm-project/vllm#18841); 0.9.2 is the last 0.9 release (vllm-project/vllm#22756)",
    }),
    release({
      engine: "vllm",
      version: "0.15.1",
      images: [
        { image: "vllm/vllm-openai:v0.15.1", cuda: "12.9" },
        { image: "vllm/vllm-openai:v0.15.1-cu130", cuda: "13.0" },
      ],
      modelFlag: true,
      multiNode: VLLM_MP_MULTI_NODE,
      source:
        "seed 000 runs vLLM 0.15.1; tags v0.15.1 (CUDA 12.x) and v0.15.1-cu130 (CUDA 13.0) listed in published deployment notes (2026); unsuffixed images since late 2025 need cuda>=12.9 (janhq/server#262, 2025-11-25); --model as in published `docker run … vllm/vllm-openai:v0.15.1 --model …` lines",
    }),
    release({
      engine: "vllm",
      version: "0.21.0",
      images: [
        { image: "vllm/vllm-openai:v0.21.0", cuda: "13.0" },
        { image: "vllm/vllm-openai:v0.21.0-cu129", cuda: "12.9" },
      ],
      multiNode: VLLM_MP_MULTI_NODE,
      source:
        "the unsuffixed tag is a CUDA 13.0 build from v0.20 (llm-d/llm-d-kv-cache#584, 2026-05-14: ':v0.20.2 now resolves to a cu130 build'); v0.21.0-cu129 is CUDA 12.9.1 (NVIDIA/Model-Optimizer#2042); first release with CUDA graphs inside the budget (planner/memory.ts)",
    }),
    release({
      engine: "vllm",
      version: "0.31.0",
      images: [
        { image: pinImage("vllm/vllm-openai:v0.31.0"), cuda: "13.0" },
        { image: "vllm/vllm-openai:v0.31.0-cu129", cuda: "12.9" },
      ],
      multiNode: VLLM_MP_MULTI_NODE,
      source: "catalog/engines.ts (pushed 2026-10-04, registry digests in published notes)",
    }),
  ],
  sglang: [
    release({
      engine: "sglang",
      version: "0.4.8.post1",
      images: [{ image: "lmsysorg/sglang:v0.4.8.post1-cu126", cuda: "12.6" }],
      multiNode: SGLANG_MULTI_NODE,
      source:
        "seed 003 runs lmsysorg/sglang:v0.4.8.post1-cu126 (CUDA 12.6) on a Turing Quadro RTX 4000",
    }),
    release({
      engine: "sglang",
      version: "0.5.9",
      images: [{ image: "lmsysorg/sglang:v0.5.9-cu129-amd64", cuda: "12.9" }],
      multiNode: SGLANG_MULTI_NODE,
      source:
        "seed 000 runs SGLang 0.5.9; image lmsysorg/sglang:v0.5.9-cu129-amd64 (CUDA 12.9) in published profiling notes (2026)",
    }),
    release({
      engine: "sglang",
      version: "0.5.19",
      images: [{ image: pinImage("lmsysorg/sglang:v0.5.19-cu129"), cuda: "12.9" }],
      multiNode: SGLANG_MULTI_NODE,
      source: "catalog/engines.ts: the newest CUDA 12.9 build, pushed 2026-09-04",
    }),
    release({
      engine: "sglang",
      version: "0.5.21",
      images: [{ image: pinImage("lmsysorg/sglang:v0.5.21"), cuda: "13.0" }],
      legacy: {
        belowCc: 80,
        release: "0.5.19",
        why: "its CUDA 13 kernels miss sm75 (sgl-project/sglang#24224)",
      },
      multiNode: SGLANG_MULTI_NODE,
      source: "catalog/engines.ts (pushed 2026-10-01)",
    }),
  ],
  lmdeploy: [
    release({
      engine: "lmdeploy",
      version: "0.17.0",
      images: [
        { image: "openmmlab/lmdeploy:v0.17.0-cu12.8", cuda: "12.8" },
        // .github/workflows/docker.yml pushes <release>-cu12.8 and <release>-cu13.0; the CUDA 12.8
        // build is the default here (it runs on older drivers and on V100).
      ],
      source: "catalog/engines.ts (user report running it on 4× V100, 2026-09)",
    }),
  ],
  llamacpp: [
    release({
      engine: "llamacpp",
      version: "b11459",
      images: [{ image: pinImage("ghcr.io/ggml-org/llama.cpp:server-cuda-b11459"), cuda: "12.8" }],
      source: "catalog/engines.ts (server-cuda image, CUDA 12.8.1, notes dated 2026-10-08)",
    }),
  ],
  ollama: [
    release({
      engine: "ollama",
      version: "0.35.1",
      // Ollama bundles CUDA 12 and CUDA 13 runners and picks one by driver at run time; its base
      // image needs no CUDA from the host beyond what its CUDA 12 runner needs.
      images: [{ image: pinImage("ollama/ollama:0.35.1"), cuda: "12.8" }],
      source: "catalog/engines.ts (compose files, autumn 2026)",
    }),
  ],
};

/** Image of an unlisted release: the engine's tag scheme (as its listed releases use it). */
export const IMAGE_TEMPLATES: Readonly<Record<EngineId, (version: string) => string>> = {
  vllm: (v) => `vllm/vllm-openai:v${v}`,
  sglang: (v) => `lmsysorg/sglang:v${v}`,
  lmdeploy: (v) => `openmmlab/lmdeploy:v${v}-cu12.8`,
  llamacpp: (v) => `ghcr.io/ggml-org/llama.cpp:server-cuda-${v}`,
  ollama: (v) => `ollama/ollama:${v}`,
};

/** What a version must look like, per engine (the tag it becomes must be a valid image tag). */
export const VERSION_SHAPES: Readonly<Record<EngineId, RegExp>> = {
  vllm: /^\d+\.\d+\.\d+(\.post\d+|rc\d+)?$/,
  sglang: /^\d+\.\d+\.\d+(\.post\d+|rc\d+)?$/,
  lmdeploy: /^\d+\.\d+\.\d+(\.post\d+|rc\d+)?$/,
  llamacpp: /^b\d{3,6}$/,
  ollama: /^\d+\.\d+\.\d+(-rc\d+)?$/,
};

/** A listed release, by its version ("0.31.0"; a leading "v" is accepted). */
export function findRelease(engine: EngineId, version: string): EngineRelease | undefined {
  const v = version.trim().replace(/^v(?=\d)/, "");
  return RELEASES[engine].find((r) => r.version === v);
}

/** The versions listed for an engine, for messages. */
export function releaseNames(engine: EngineId): string {
  return RELEASES[engine].map((r) => r.version).join(", ");
}

/** Driver versions compare numerically, part by part ("575.51.03" < "580.65.06"). */
export function compareDriver(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The lowest driver an image variant needs. */
export function minDriverOf(variant: ImageVariant): string {
  const d = CUDA_MIN_DRIVER[variant.cuda];
  if (!d) throw new Error(`no driver minimum known for CUDA ${variant.cuda}`);
  return d;
}
