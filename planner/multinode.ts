// Multi-node layout: when a pinned model fits no single node of a pool, spread one replica over
// several nodes — tensor parallel within a node, pipeline parallel across nodes — and plan its
// memory per GPU. Built on the planner's public entry points: every pipeline stage is planned by
// planFleet as a single-node replica of a "stage model" (the heaviest stage's layers and
// embeddings), so the memory model, engine rules and launch arguments stay the planner's own.
//
// Why this split (vLLM docs, "Distributed inference and serving", v0.8.3 and later: "the tensor
// parallel size should be the number of GPUs in each node, and the pipeline parallel size the
// number of nodes"): tensor parallelism all-reduces every layer's activations and needs NVLink or
// PCIe inside a node; pipeline parallelism only hands one activation tensor per token from stage
// to stage, which plain TCP between nodes carries. vLLM runs it without Ray since its
// multiprocessing executor learned `--nnodes/--node-rank/--master-addr` and `--headless` workers
// (vLLM docs, deployment/frameworks/lws.md and kthena.md, multiprocessing examples, checked
// 2026-12-01).
import { findGpu } from "./catalog/gpus";
import { PRICES_AS_OF } from "./catalog/instances";
import { findModel } from "./catalog/models";
import { estimateColdStartSeconds, estimateDecodeTokensPerSecond } from "./estimates";
import { GiB, embeddingParams, round } from "./memory";
import { PlanError, assumesNvlink, planFleet, type PlanInput } from "./plan";
import type {
  FleetPlan,
  ModelSpec,
  MultiNodeLayout,
  PoolPlan,
  PoolSpec,
  ReplicaPlan,
} from "./types";

/** Most nodes one replica is spread over (pipeline stages); beyond this, pick bigger GPUs. */
export const MAX_NODES = 8;

/** How vLLM's multiprocessing executor joins nodes (the rank flags the target fills in per pod). */
export const VLLM_MULTI_NODE_LAUNCH: MultiNodeLayout["launch"] = {
  executor: "mp",
  nodeRankFlag: "--node-rank",
  masterAddrFlag: "--master-addr",
  workerFlags: ["--headless"],
};

/** TP sizes for one node: divisors of its GPU count that split the attention and KV heads. */
function tensorParallelPerNode(model: ModelSpec, gpusPerNode: number): number[] {
  return [8, 4, 2, 1].filter(
    (tp) =>
      tp <= gpusPerNode &&
      gpusPerNode % tp === 0 &&
      model.arch.num_attention_heads % tp === 0 &&
      model.arch.num_key_value_heads % tp === 0,
  );
}

/**
 * The heaviest pipeline stage as a model of its own: ⌈layers ÷ PP⌉ decoder layers plus one
 * embedding-sized matrix (the first stage holds the token embedding, the last the LM head; with
 * untied embeddings a quantized stage is counted as if both stayed in the model dtype, which only
 * over-counts) and any vision tower (first stage). Its KV cache holds every token for its layers,
 * so the stage with the most layers bounds the tokens the replica holds.
 */
export function stageModel(model: ModelSpec, pipelineParallel: number): ModelSpec {
  const arch = model.arch;
  const layers = arch.num_hidden_layers;
  const stageLayers = Math.ceil(layers / pipelineParallel);
  const { embed, lmHead } = embeddingParams(arch);
  const extra = (model.extraParamsB ?? 0) * 1e9;
  const perLayer = Math.max(0, model.paramsB * 1e9 - extra - embed - lmHead) / layers;
  const stageParams = stageLayers * perLayer + Math.max(embed, lmHead) + extra;
  const share = stageParams / (model.paramsB * 1e9);
  // With per-layer types, the stage with the most full-attention layers (the largest KV per token).
  let layerTypes = arch.layer_types;
  if (layerTypes && layerTypes.length === layers) {
    let best = layerTypes.slice(0, stageLayers);
    for (let s = 0; s < pipelineParallel; s++) {
      const slice = layerTypes.slice(s * stageLayers, (s + 1) * stageLayers);
      const full = (t: string[]): number => t.filter((x) => !x.includes("sliding")).length;
      if (slice.length === stageLayers && full(slice) > full(best)) best = slice;
    }
    layerTypes = best;
  }
  return {
    ...model,
    paramsB: stageParams / 1e9,
    activeParamsB:
      model.activeParamsB !== undefined ? model.activeParamsB * Math.min(1, share) : undefined,
    arch: { ...arch, num_hidden_layers: stageLayers, layer_types: layerTypes },
  };
}

export interface MultiNodeResult {
  pool?: PoolPlan;
  /** Why each tried layout did not fit, for the error. */
  tried: string[];
}

/**
 * Plans one pool as a multi-node replica group: the smallest number of nodes (2…MAX_NODES) whose
 * heaviest stage fits a node's GPUs, with the largest TP per node. vLLM only (its multiprocessing
 * launch); a pin of another engine is reported.
 */
export function planMultiNodePool(
  pool: PoolSpec,
  input: Pick<PlanInput, "stack" | "models" | "modelDir" | "accounting">,
): MultiNodeResult {
  const extra = input.models ?? [];
  const model = findModel(pool.model, extra);
  const gpu = findGpu(pool.gpu ?? "");
  if (!model || !gpu || pool.gpuCount === undefined || pool.instanceType !== undefined)
    return { tried: [] };
  if (pool.engine !== "auto" && pool.engine !== "vllm")
    return {
      tried: [`a multi-node layout runs vLLM's multiprocessing launch; ${pool.engine} is pinned`],
    };
  if ((pool.task ?? "chat") !== "chat") return { tried: [] };
  if (pool.speculative !== undefined)
    return {
      tried: [
        "speculative decoding does not run with pipeline parallelism in vLLM (remove speculative to spread the model over nodes)",
      ],
    };
  const tried: string[] = [];
  for (const tp of tensorParallelPerNode(model, pool.gpuCount)) {
    if (pool.tensorParallel !== undefined && pool.tensorParallel !== tp) continue;
    for (let pp = 2; pp <= Math.min(MAX_NODES, model.arch.num_hidden_layers); pp++) {
      const stage = stageModel(model, pp);
      try {
        const plan = planFleet({
          stack: input.stack,
          pools: [
            {
              ...pool,
              gpuCount: tp,
              tensorParallel: tp,
              engine: "vllm",
              model: model.id,
              count: 1,
            },
          ],
          // Found first under the model's own id: its arguments name the real repository.
          models: [stage, ...extra],
          modelDir: input.modelDir,
          accounting: input.accounting,
        });
        const stagePool = plan.pools[0]!;
        return { pool: assembleMultiNodePool(pool, stagePool, model, tp, pp), tried };
      } catch (err) {
        if (!(err instanceof PlanError)) throw err;
        const why = err.problems[0]?.replace(/^gpufleet:pools\[0\](\.\w+)?: /, "") ?? "";
        tried.push(`${pp} nodes × TP ${tp}: ${why.slice(0, 240)}`);
      }
    }
  }
  return { tried };
}

function assembleMultiNodePool(
  pool: PoolSpec,
  stagePool: PoolPlan,
  model: ModelSpec,
  tp: number,
  pp: number,
): PoolPlan {
  const stage = stagePool.replicas[0]!;
  const gpu = findGpu(pool.gpu!)!;
  const nvlink = assumesNvlink(gpu.id);
  const layout: MultiNodeLayout = {
    nodes: pp,
    tensorParallel: tp,
    pipelineParallel: pp,
    gpusPerNode: tp,
    stageLayers: Math.ceil(model.arch.num_hidden_layers / pp),
    interconnect: {
      withinNode: nvlink ? "nvlink" : "pcie",
      acrossNodes: "tcp",
      why: `tensor parallel (${tp}) stays inside a node, over ${nvlink ? "NVLink (assumed for SXM-class GPUs)" : "PCIe"}; only pipeline stages talk across nodes, one activation per token, which NCCL carries over the pod network (TCP); InfiniBand or EFA speeds it up but is not needed`,
    },
    launch: VLLM_MULTI_NODE_LAUNCH,
  };
  // The whole model's weights (every node downloads the repository; each loads its stage).
  const stageGB = (stage.memory.weightsGiB * tp * GiB) / 1e9;
  const weightsGB = (stageGB * model.paramsB) / stage.model.paramsB;
  const args = [
    ...stage.args,
    "--pipeline-parallel-size",
    String(pp),
    "--distributed-executor-backend",
    layout.launch.executor,
    "--nnodes",
    String(pp),
  ];
  const replicas: ReplicaPlan[] = [
    {
      ...stage,
      model: { ...stage.model, paramsB: model.paramsB },
      args,
      estimates: {
        coldStartSeconds: estimateColdStartSeconds("vllm", weightsGB, null),
        // A token passes every stage in turn: single-stream decode reads all weights once.
        decodeTokensPerSecond: estimateDecodeTokensPerSecond(gpu, tp * pp, weightsGB) / pp,
      },
      reasons: [
        ...stage.reasons.filter(
          (r) =>
            r.field !== "tensorParallel" &&
            r.field !== "model" &&
            (r.field !== "engine" || pool.engine !== "auto"),
        ),
        ...(pool.engine === "auto"
          ? [
              {
                field: "engine",
                why: "vLLM: its multiprocessing executor starts ranks on several nodes without Ray",
              },
            ]
          : []),
        {
          field: "model",
          why: `pinned by config; fits no single node of ${pool.gpuCount} × ${gpu.id}`,
        },
        {
          field: "tensorParallel",
          why: `${tp} GPUs per node (tensor parallel inside a node) × ${pp} nodes (pipeline parallel, ${layout.stageLayers} of ${model.arch.num_hidden_layers} layers per stage): the fewest nodes whose heaviest stage fits`,
        },
      ],
      multiNode: layout,
    },
  ];
  return {
    ...stagePool,
    gpu: { ...stagePool.gpu, count: tp },
    replicas,
    warnings: [
      `multi-node: each replica spans ${pp} nodes of ${tp} × ${gpu.id}; memory figures are per GPU of the heaviest stage`,
      ...stagePool.warnings,
    ],
  };
}

/**
 * planFleet, and for every pool that cannot be planned on one node but pins a model and names its
 * GPUs (own hardware, e.g. Kubernetes nodes), a multi-node layout. Pools that still cannot be
 * planned keep their single-node problems, with the layouts tried. Throws PlanError.
 */
export function planFleetMultiNode(input: PlanInput): FleetPlan {
  try {
    return planFleet(input);
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    const failing = new Map<number, string[]>();
    for (const p of err.problems) {
      const m = /^gpufleet:pools\[(\d+)\]/.exec(p);
      const i = m ? Number(m[1]) : -1;
      failing.set(i, [...(failing.get(i) ?? []), p]);
    }
    if (failing.has(-1)) throw err;
    const problems: string[] = [];
    const spread = new Map<number, PoolPlan>();
    for (const [i, lines] of failing) {
      const pool = input.pools[i]!;
      const eligible = pool.model !== "auto" && pool.gpu !== undefined && !pool.instanceType;
      const result = eligible ? planMultiNodePool(pool, input) : { tried: [] };
      if (result.pool) spread.set(i, result.pool);
      else if (result.tried.length > 0)
        problems.push(
          ...lines,
          `gpufleet:pools[${i}].model: no multi-node layout of up to ${MAX_NODES} nodes fits either: ${result.tried.slice(0, 3).join("; ")}`,
        );
      else problems.push(...lines);
    }
    if (problems.length > 0) throw new PlanError(problems);
    const rest = input.pools.filter((_, i) => !spread.has(i));
    const planned = rest.length > 0 ? planFleet({ ...input, pools: rest }).pools : [];
    const pools: PoolPlan[] = [];
    let r = 0;
    input.pools.forEach((_, i) => pools.push(spread.get(i) ?? planned[r++]!));
    return {
      stack: input.stack,
      costPerHour: round(
        pools.reduce((s, p) => s + p.costPerHour, 0),
        3,
      ),
      pricesAsOf: PRICES_AS_OF,
      pools,
    };
  }
}
