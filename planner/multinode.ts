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
import { GPUS, findGpu } from "./catalog/gpus";
import { PRICES_AS_OF, efaGbpsOf, findInstanceType } from "./catalog/instances";
import { findModel } from "./catalog/models";
import { RELEASES, findRelease } from "./catalog/releases";
import { estimateColdStartSeconds, estimateDecodeTokensPerSecond } from "./estimates";
import { GiB, embeddingParams, round } from "./memory";
import { PlanError, assumesNvlink, planFleet, type PlanInput } from "./plan";
import { DLAMI_DRIVER, releasePinOf, resolveRelease } from "./release";
import type {
  FleetPlan,
  GpuSpec,
  InstanceTypeSpec,
  ModelSpec,
  MultiNodeLaunch,
  MultiNodeLayout,
  PoolPlan,
  PoolSpec,
  ReplicaPlan,
} from "./types";

/** Most nodes one replica is spread over (pipeline stages); beyond this, pick bigger GPUs. */
export const MAX_NODES = 8;

/** How vLLM's multiprocessing executor joins nodes (the rank flags the target fills in per pod). */
export const VLLM_MULTI_NODE_LAUNCH: MultiNodeLaunch = {
  executor: "mp",
  nodesFlag: "--nnodes",
  nodeRankFlag: "--node-rank",
  masterAddrFlag: "--master-addr",
  addressFormat: "host",
  masterPortFlag: "--master-port",
  // ParallelConfig.master_port's default (vllm/config/parallel.py, main at 00193b8, read
  // 2026-12-01); written out so that the security group's and the bootstrap's port is the engine's.
  port: 29501,
  workerFlags: ["--headless"],
};

/**
 * How SGLang joins nodes (its own launcher, no Ray): `--nnodes N --node-rank R --dist-init-addr
 * LEADER:PORT` on every node, `--pp-size` for pipeline stages (sgl-project/sglang#5724, merged
 * 2025-05); ranks above 0 run schedulers only, no HTTP server. Port 20000 as SGLang's multi-node
 * docs write it (docs "Multi-node deployment", read 2026-12-01).
 */
export const SGLANG_MULTI_NODE_LAUNCH: MultiNodeLaunch = {
  executor: "sglang",
  nodesFlag: "--nnodes",
  nodeRankFlag: "--node-rank",
  masterAddrFlag: "--dist-init-addr",
  addressFormat: "host:port",
  masterPortFlag: null,
  port: 20000,
  workerFlags: [],
};

/** Engines that spread one replica over nodes, and how. */
const MULTI_NODE_ENGINES = {
  vllm: VLLM_MULTI_NODE_LAUNCH,
  sglang: SGLANG_MULTI_NODE_LAUNCH,
} as const;
type MultiNodeEngine = keyof typeof MULTI_NODE_ENGINES;

/** The releases gpufleet lists whose launch spans nodes, for messages. */
function multiNodeReleases(engine: MultiNodeEngine): string {
  return RELEASES[engine]
    .filter((r) => r.multiNode !== undefined)
    .map((r) => r.version)
    .join(", ");
}

/**
 * Why the pool's vLLM release cannot start a multi-node layout, or undefined when it can (a pin
 * the planner refuses anyway is left to planFleet's own message).
 */
function releaseProblem(
  engine: MultiNodeEngine,
  pool: PoolSpec,
  gpu: GpuSpec,
  at: string,
): string | undefined {
  const release = resolveRelease(engine, gpu, releasePinOf(pool) ?? {});
  if ("problem" in release) return undefined;
  if (findRelease(engine, release.behavesAs)?.multiNode !== undefined) return undefined;
  const name = engine === "vllm" ? "vLLM" : "SGLang";
  return `${at}.engineVersion: ${name} ${release.version} has no multi-node launch without Ray (vLLM's --nnodes, --node-rank, --master-addr, --headless arrived with vllm-project/vllm#23691, merged 2025-11-14); a model that fits no single node needs one of ${multiNodeReleases(engine)} (or leave engineVersion unset)`;
}

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
  /** Problems that rule out every layout, each with its config key (release, count, capacity). */
  problems?: string[];
  /** A layout fits and only the pool's count does not make whole groups (its problem says so). */
  countOnly?: boolean;
}

/** The hosts a pool's replica group spreads over: an EC2 instance type, or own GPUs. */
interface Hosts {
  gpu: GpuSpec;
  gpusPerHost: number;
  instance: InstanceTypeSpec | null;
}

function hostsOf(pool: PoolSpec): Hosts | undefined {
  if (pool.instanceType !== undefined) {
    const instance = findInstanceType(pool.instanceType);
    return instance
      ? { gpu: GPUS[instance.gpu], gpusPerHost: instance.gpuCount, instance }
      : undefined;
  }
  const gpu = pool.gpuSpec ?? findGpu(pool.gpu ?? "");
  if (!gpu || pool.gpuCount === undefined) return undefined;
  return { gpu, gpusPerHost: pool.gpuCount, instance: null };
}

/**
 * Plans one pool as a multi-node replica group: the smallest number of nodes (2…MAX_NODES) whose
 * heaviest stage fits a node's GPUs, with the largest TP per node. vLLM only (its multiprocessing
 * launch); a pin of another engine is reported.
 */
export function planMultiNodePool(
  pool: PoolSpec & { capacity?: unknown },
  input: Pick<PlanInput, "stack" | "models" | "modelDir" | "accounting">,
  at = "gpufleet:pools[0]",
): MultiNodeResult {
  const extra = input.models ?? [];
  const model = findModel(pool.model, extra);
  const hosts = hostsOf(pool);
  if (!model || !hosts) return { tried: [] };
  const { gpu, instance } = hosts;
  if (pool.engine !== "auto" && pool.engine !== "vllm" && pool.engine !== "sglang")
    return {
      tried: [
        `a multi-node layout runs vLLM's multiprocessing launch or SGLang's own; ${pool.engine} is pinned`,
      ],
    };
  // vLLM unless SGLang is pinned.
  const engine: MultiNodeEngine = pool.engine === "sglang" ? "sglang" : "vllm";
  if ((pool.task ?? "chat") !== "chat") return { tried: [] };
  if (pool.speculative !== undefined)
    return {
      tried: [
        "speculative decoding does not run with pipeline parallelism in vLLM (remove speculative to spread the model over nodes)",
      ],
    };
  const problems: string[] = [];
  const release = releaseProblem(engine, pool, gpu, at);
  if (release) problems.push(release);
  if (instance && pool.capacity !== undefined)
    problems.push(
      `${at}.capacity: a multi-node group runs ${instance.name} instances side by side in one cluster placement group; other instance types, spot and reservations do not mix into it (remove capacity, or pick an instance type the model fits)`,
    );
  if (problems.length > 0) return { tried: [], problems };
  // Own hardware on EC2's side: the stage is planned on the instance's GPUs, with the AMI's driver.
  const stageHosts: Partial<PoolSpec> = instance
    ? {
        instanceType: undefined,
        gpu: instance.gpu,
        gpuSpec: undefined,
        driverVersion: pool.driverVersion ?? (pool.customAmi ? undefined : DLAMI_DRIVER.version),
      }
    : {};
  const tried: string[] = [];
  for (const tp of tensorParallelPerNode(model, hosts.gpusPerHost)) {
    if (pool.tensorParallel !== undefined && pool.tensorParallel !== tp) continue;
    for (let pp = 2; pp <= Math.min(MAX_NODES, model.arch.num_hidden_layers); pp++) {
      const stage = stageModel(model, pp);
      try {
        const plan = planFleet({
          stack: input.stack,
          pools: [
            {
              ...pool,
              ...stageHosts,
              gpuCount: tp,
              tensorParallel: tp,
              engine,
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
        if (instance && pool.count % pp !== 0)
          return {
            tried,
            countOnly: true,
            problems: [
              `${at}.count: ${pool.count} instance(s) of ${instance.name} do not make whole groups: ${model.id} spans ${pp} instances per replica (${pp} nodes × TP ${tp}); use a multiple of ${pp} (${pp}, ${2 * pp}, …)`,
            ],
          };
        return {
          pool: assembleMultiNodePool(pool, stagePool, model, hosts, tp, pp, engine),
          tried,
        };
      } catch (err) {
        if (!(err instanceof PlanError)) throw err;
        const why = err.problems[0]?.replace(/^gpufleet:pools\[0\](\.\w+)?: /, "") ?? "";
        tried.push(`${pp} nodes × TP ${tp}: ${why.slice(0, 240)}`);
      }
    }
  }
  return { tried };
}

/**
 * Where the DLAMI keeps libfabric (with its EFA provider) and the aws-ofi-nccl plugin that lets
 * NCCL use it ("AWS Deep Learning Base GPU AMI" release notes: EFA installer and aws-ofi-nccl under
 * /opt/amazon, read 2026-12-01). The engine images carry NCCL but not the plugin: the host's copy is
 * mounted read-only at the same path (cloud-init/units.ts) and found through LD_LIBRARY_PATH.
 */
export const EFA_HOST_DIR = "/opt/amazon";

/** Types whose EFA does RDMA reads (GPUDirect RDMA): the P4 and P5 families (AWS EFA docs). */
const EFA_RDMA_FAMILIES: ReadonlySet<string> = new Set(["p4d", "p4de", "p5", "p5e", "p5en"]);

/**
 * The engine's environment for NCCL over EFA (AWS EC2 User Guide "Get started with EFA and NCCL",
 * read 2026-12-01): libfabric's EFA provider, RDMA reads where the type has them, NCCL's net plugin
 * "ofi" (libnccl-net-ofi.so from aws-ofi-nccl) on the library path beside the image's own.
 */
export function efaEnv(instance: InstanceTypeSpec): Record<string, string> {
  return {
    FI_PROVIDER: "efa",
    ...(EFA_RDMA_FAMILIES.has(instance.family) ? { FI_EFA_USE_DEVICE_RDMA: "1" } : {}),
    NCCL_NET_PLUGIN: "ofi",
    LD_LIBRARY_PATH: [
      `${EFA_HOST_DIR}/ofi-nccl/lib/x86_64-linux-gnu`,
      `${EFA_HOST_DIR}/ofi-nccl/lib`,
      `${EFA_HOST_DIR}/efa/lib`,
      // The CUDA base images' own value (nvidia/cuda Dockerfiles), kept after ours.
      "/usr/local/nvidia/lib",
      "/usr/local/nvidia/lib64",
    ].join(":"),
  };
}

/** The links a layout assumes between and within nodes, and what they mean for its speed. */
function interconnectOf(
  hosts: Hosts,
  tp: number,
  pp: number,
): { interconnect: MultiNodeLayout["interconnect"]; warning?: string } {
  const { gpu, instance } = hosts;
  const nvlink = instance ? instance.nvlink : assumesNvlink(gpu.id);
  const inside = `tensor parallel (${tp}) stays inside a node, over ${nvlink ? (instance ? "NVLink/NVSwitch" : "NVLink (assumed for SXM-class GPUs)") : "PCIe"}`;
  const withinNode = nvlink ? "nvlink" : "pcie";
  if (!instance)
    return {
      interconnect: {
        withinNode,
        acrossNodes: "tcp",
        acrossNodesGbps: null,
        why: `${inside}; only pipeline stages talk across nodes, one activation per token, which NCCL carries over the pod network (TCP); InfiniBand or EFA speeds it up but is not needed`,
      },
    };
  const efa = efaGbpsOf(instance);
  if (efa > 0)
    return {
      interconnect: {
        withinNode,
        acrossNodes: "efa",
        acrossNodesGbps: efa,
        why: `${inside}; the ${pp} instances of a group share a cluster placement group and talk over one Elastic Fabric Adapter each (network card 0, ${efa} Gbit/s of ${instance.name}'s ${instance.networkGbps}; NCCL through libfabric, FI_PROVIDER=efa): pipeline stages hand one activation per token across, far below that`,
      },
    };
  return {
    interconnect: {
      withinNode,
      acrossNodes: "tcp",
      acrossNodesGbps: instance.networkGbps,
      why: `${inside}; ${instance.name} has no Elastic Fabric Adapter, so the ${pp} instances of a group (one cluster placement group) talk over TCP on ENA, up to ${instance.networkGbps} Gbit/s, with NCCL's socket transport`,
    },
    warning: `multi-node over TCP: ${instance.name} has no EFA, so NCCL between the ${pp} instances of a group runs over TCP sockets on ENA (up to ${instance.networkGbps} Gbit/s, latency in the tens of microseconds): every token crosses ${pp - 1} stage boundar${pp === 2 ? "y" : "ies"} that way and time to first token and decode will be slow; an EFA type (g5.8xlarge and up, g6e.24xlarge and up, p4d, p5) or bigger GPUs avoid it`,
  };
}

function assembleMultiNodePool(
  pool: PoolSpec,
  stagePool: PoolPlan,
  model: ModelSpec,
  hosts: Hosts,
  tp: number,
  pp: number,
  engine: MultiNodeEngine,
): PoolPlan {
  const stage = stagePool.replicas[0]!;
  const { gpu, instance } = hosts;
  const { interconnect, warning } = interconnectOf(hosts, tp, pp);
  const layout: MultiNodeLayout = {
    nodes: pp,
    tensorParallel: tp,
    pipelineParallel: pp,
    gpusPerNode: tp,
    stageLayers: Math.ceil(model.arch.num_hidden_layers / pp),
    interconnect,
    launch: MULTI_NODE_ENGINES[engine],
    ec2: instance
      ? { groups: pool.count / pp, efaInterfaces: interconnect.acrossNodes === "efa" ? 1 : 0 }
      : null,
  };
  // The whole model's weights (every node downloads the repository; each loads its stage).
  const stageGB = (stage.memory.weightsGiB * tp * GiB) / 1e9;
  const weightsGB = (stageGB * model.paramsB) / stage.model.paramsB;
  const args =
    engine === "vllm"
      ? [
          ...stage.args,
          "--pipeline-parallel-size",
          String(pp),
          "--distributed-executor-backend",
          layout.launch.executor,
          layout.launch.nodesFlag,
          String(pp),
        ]
      : [...stage.args, "--pp-size", String(pp), layout.launch.nodesFlag, String(pp)];
  const where = instance ? `${instance.name} instance` : `node of ${hosts.gpusPerHost} × ${gpu.id}`;
  const replicas: ReplicaPlan[] = [
    {
      ...stage,
      model: { ...stage.model, paramsB: model.paramsB },
      args,
      env: {
        ...(instance && interconnect.acrossNodes === "efa" ? efaEnv(instance) : {}),
        ...stage.env,
      },
      estimates: {
        coldStartSeconds: estimateColdStartSeconds(
          engine,
          weightsGB,
          instance?.networkGbps ?? null,
        ),
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
          why: `pinned by config; fits no single ${where}`,
        },
        {
          field: "tensorParallel",
          why: `${tp} GPUs per node (tensor parallel inside a node) × ${pp} nodes (pipeline parallel, ${layout.stageLayers} of ${model.arch.num_hidden_layers} layers per stage): the fewest nodes whose heaviest stage fits`,
        },
        { field: "interconnect", why: interconnect.why },
        ...(instance
          ? [
              {
                field: "count",
                why: `${pool.count} instance(s) make ${pool.count / pp} group(s) of ${pp}; each group is its own auto scaling group in the pool's cluster placement group, rank 0 (the only one serving HTTP) in a group of its own behind the load balancer`,
              },
            ]
          : []),
      ],
      multiNode: layout,
    },
  ];
  const ec2 = instance
    ? {
        instanceType: instance.name,
        costPerHour: round(instance.pricePerHour * pool.count, 3),
        vcpuQuota: { quota: instance.vcpuQuota, vcpus: instance.vcpus * pool.count },
        localNvmeGB: instance.localNvmeGB,
        networkGbps: instance.networkGbps,
      }
    : {};
  return {
    ...stagePool,
    ...ec2,
    // The pool's own count (the stage was planned as one host): EC2 instances, Kubernetes groups.
    count: pool.count,
    gpu: { ...stagePool.gpu, count: instance ? instance.gpuCount : tp },
    replicas,
    warnings: [
      `multi-node: each replica spans ${pp} nodes of ${tp} × ${gpu.id}; memory figures are per GPU of the heaviest stage`,
      ...(warning ? [warning] : []),
      ...(instance && tp < instance.gpuCount
        ? [
            `multi-node: ${model.id} splits its attention heads only ${tp} ways, so each ${instance.name} runs its stage on ${tp} of its ${instance.gpuCount} GPUs; the other ${instance.gpuCount - tp} stay idle (a type with ${tp} GPUs costs less)`,
          ]
        : []),
      ...(instance?.purchaseNote ? [instance.purchaseNote] : []),
      ...stagePool.warnings,
    ],
  };
}

/**
 * Problems no layout over more nodes can solve: an unknown type or GPU, a refused release or
 * pass-through, a context beyond the model's, a tensor parallel size the host's GPUs do not divide.
 */
const NOT_A_FIT_PROBLEM =
  /^gpufleet:pools\[\d+\]\.(?:(?:instanceType|gpu|engineVersion|memoryAccounting|extraArgs|env):|maxModelLen: \d+ is longer than|tensorParallel: \d+ does not divide)/;

/**
 * `base` (planFleet, or the EC2 target's planElasticFleet), and for every pool that cannot be
 * planned on one host but pins a model, a multi-node layout: own GPUs (gpu + gpuCount, e.g.
 * Kubernetes nodes) or an EC2 instance type (groups of instances). Pools that still cannot be
 * planned keep their single-node problems, with the layouts tried. Throws PlanError.
 */
export function planFleetMultiNode<I extends PlanInput>(
  input: I,
  base: (input: I) => FleetPlan = planFleet,
  /** Spread only pools of EC2 instance types (the aws target: own GPUs are another target's). */
  instancesOnly = false,
): FleetPlan {
  try {
    return base(input);
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
      // Only a model that fits no single host: an unknown type or GPU keeps its own problem.
      const eligible =
        pool.model !== "auto" &&
        (pool.instanceType !== undefined || (pool.gpu !== undefined && !instancesOnly)) &&
        !lines.some((l) => NOT_A_FIT_PROBLEM.test(l));
      const result = eligible
        ? planMultiNodePool(pool, input, `gpufleet:pools[${i}]`)
        : { tried: [] };
      if (result.pool) spread.set(i, result.pool);
      else if (result.countOnly) problems.push(...result.problems!);
      else if (result.problems?.length) problems.push(...lines, ...result.problems);
      else if (result.tried.length > 0)
        problems.push(
          ...lines,
          `gpufleet:pools[${i}].model: no multi-node layout of up to ${MAX_NODES} nodes fits either: ${result.tried.slice(0, 3).join("; ")}`,
        );
      else problems.push(...lines);
    }
    if (problems.length > 0) throw new PlanError(problems);
    const rest = input.pools.filter((_, i) => !spread.has(i));
    const planned = rest.length > 0 ? base({ ...input, pools: rest }).pools : [];
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
