// Plain data shared by the planner, the renderers, the CLI and the Pulumi program.
// Nothing here imports @pulumi/*: the planner runs identically in tests, in the CLI and in `pulumi
// up`.

/** Catalog ids of the GPUs the planner knows (DESIGN.md, "Plan JSON"). */
export const GPU_IDS = [
  "T4",
  "A10G",
  "L4",
  "L40S",
  "V100-16GB",
  "V100-32GB",
  "A100-40GB",
  "A100-80GB",
  "H100",
  "H200",
  "GTX-1080",
  "RTX-3060",
  "RTX-3080",
  "RTX-3090",
  "RTX-4070",
  "RTX-4080",
  "RTX-4090",
  "RTX-A4000",
  "RTX-A5000",
  "RTX-A6000",
  "QUADRO-RTX-4000",
  "RTX-2080-TI",
  "RTX-5090",
  "L40",
  "A40",
  "RTX-6000-ADA",
  "RTX-PRO-6000",
  "B200",
] as const;
export type GpuId = (typeof GPU_IDS)[number];
/** A catalog id, or the id of a GPU the stack defines (gpufleet:gpus). */
export type GpuRef = GpuId | (string & {});

export type GpuArchitecture =
  "pascal" | "volta" | "turing" | "ampere" | "ada" | "hopper" | "blackwell";

export interface GpuSpec {
  /** Catalog id, or the stack's own id for a GPU it defines (gpufleet:gpus). */
  id: GpuRef;
  /** Name as `nvidia-smi --query-gpu=name` prints it (the bootstrap compares it). */
  nvidiaSmiName: string;
  architecture: GpuArchitecture;
  /** Total memory as the CUDA runtime reports it (cudaMemGetInfo total / 2^30), GiB. */
  memoryGiB: number;
  /** "major.minor", e.g. "8.6". */
  computeCapability: string;
  /** Peak memory bandwidth, GB/s (10^9 bytes/s). */
  memoryBandwidthGBs: number;
  /** Whether the GPU is offered by a cloud (AWS) or is own hardware only. */
  cloud: boolean;
  /** Own hardware's cost per GPU, USD per hour, when the stack gives one (gpufleet:gpus). */
  pricePerHour?: number;
}

/**
 * The EC2 vCPU quota an instance family draws from (Service Quotas, "Running On-Demand …
 * instances").
 */
export type VcpuQuota = "G and VT" | "P";

export interface InstanceTypeSpec {
  /** e.g. "g5.2xlarge". */
  name: string;
  /** e.g. "g5". */
  family: string;
  gpu: GpuId;
  gpuCount: number;
  vcpus: number;
  memoryGiB: number;
  /**
   * Baseline ("up to" figures use the burst number and say so in the source comment) network
   * bandwidth, Gbit/s.
   */
  networkGbps: number;
  /** Local instance-store NVMe: number of disks and total GB (0 when none). */
  localNvmeDisks: number;
  localNvmeGB: number;
  /** On-demand Linux price in us-east-1, USD per hour (date in the catalog's comment). */
  pricePerHour: number;
  vcpuQuota: VcpuQuota;
  /** GPUs are linked by NVLink/NVSwitch (tensor parallelism is cheap) rather than PCIe only. */
  nvlink: boolean;
  /**
   * Set when the type has no on-demand offer (e.g. sold through EC2 Capacity Blocks only): says so.
   */
  purchaseNote?: string;
  /**
   * Elastic Fabric Adapters the type takes (one per network card that supports EFA); 0 = no EFA,
   * NCCL between instances then runs over TCP on ENA. Sources in catalog/instances.ts.
   */
  efaInterfaces: number;
}

/** Weight formats the planner reasons about. "none" = the model's own dtype (bf16/fp16). */
export const QUANTIZATIONS = [
  "none",
  "fp8",
  "awq",
  "gptq",
  "bitsandbytes",
  "gguf-q4_k_m",
  "gguf-q5_k_m",
  "gguf-q8_0",
] as const;
export type Quantization = (typeof QUANTIZATIONS)[number];

export const KV_CACHE_DTYPES = ["auto", "fp8", "q8_0", "q4_0"] as const;
/**
 * "auto" = same as the compute dtype; "fp8" = vLLM/SGLang/lmdeploy 8-bit; q8_0/q4_0 =
 * llama.cpp/Ollama.
 */
export type KvCacheDtype = (typeof KV_CACHE_DTYPES)[number];

export type Dtype = "bfloat16" | "float16" | "float32";

export const ENGINE_IDS = ["vllm", "sglang", "lmdeploy", "ollama", "llamacpp"] as const;
export type EngineId = (typeof ENGINE_IDS)[number];

/** Hugging Face config.json fields (under their own names) the memory model needs. */
export interface ModelArchitecture {
  /** config.json `architectures[0]`, e.g. "Qwen2ForCausalLM". */
  architectures: string[];
  model_type: string;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  /** Explicit head_dim when config.json has it; else hidden_size / num_attention_heads. */
  head_dim?: number;
  hidden_size: number;
  intermediate_size: number;
  vocab_size: number;
  max_position_embeddings: number;
  /** Window of sliding-window attention layers, when the model has them. */
  sliding_window?: number | null;
  /**
   * Which layers use the sliding window: every layer except each Nth (Gemma 3: 6 → 5 local : 1
   * global),
   * or given per layer (`layer_types`). Absent with `sliding_window` set = every layer slides
   * (Mistral v0.1).
   */
  sliding_window_pattern?: number;
  layer_types?: string[];
  /**
   * Whether sliding windows are active at all (Qwen2 configs carry a window but
   * `use_sliding_window: false`).
   */
  use_sliding_window?: boolean;
  torch_dtype: Dtype;
  tie_word_embeddings: boolean;
  /** Mixture-of-experts: experts and experts per token. */
  num_experts?: number;
  num_experts_per_tok?: number;
  moe_intermediate_size?: number;
}

export interface ModelArtifacts {
  /** Repo with the weights in the model's own dtype (the model id itself unless given). */
  hf?: string;
  /** Pre-quantized repos. */
  awq?: string;
  gptq?: string;
  fp8?: string;
  /** One GGUF file for llama.cpp. */
  gguf?: { repo: string; file: string; quantization: Extract<Quantization, `gguf-${string}`> };
  /** Ollama library tag, and the weight format that tag ships. */
  ollama?: { tag: string; quantization: Extract<Quantization, `gguf-${string}`> };
}

export type ReasoningFamily = "qwen3" | "deepseek_r1";

/**
 * What a model / pool serves: chat and completions, embeddings (/v1/embeddings) or reranking
 * (/v1/rerank).
 */
export const TASKS = ["chat", "embedding", "rerank"] as const;
export type Task = (typeof TASKS)[number];

export interface ModelSpec {
  /** Hugging Face repo id, e.g. "Qwen/Qwen2.5-7B-Instruct". */
  id: string;
  /** The name clients put in `model` (OpenAI API). */
  servedName: string;
  /** Total parameters, billions (including embeddings; for MoE all experts). */
  paramsB: number;
  /** Parameters read per token, billions (MoE); equals paramsB for dense models. */
  activeParamsB?: number;
  /** Hugging Face repo of the base model for fine-tunes. */
  baseModel?: string;
  arch: ModelArchitecture;
  /** The repo's weights are already quantized (then only that quantization is possible). */
  weightsQuantization?: Exclude<Quantization, "none">;
  /** Needs an accepted licence and an HF token to download. */
  gated: boolean;
  artifacts: ModelArtifacts;
  /** Vision or audio towers loaded beside the language model, billions of params (Gemma 3). */
  extraParamsB?: number;
  reasoning?: ReasoningFamily;
  /** What the model serves; default "chat". */
  task?: Task;
  /**
   * Set when the repo could not be confirmed to exist: every plan using it carries this as a
   * warning.
   */
  unconfirmed?: string;
  /** Where the figures come from (HF config.json URL and date). */
  source: string;
}

/** Speculative decoding methods a pool may ask for (planner/speculative.ts). */
export const SPECULATIVE_METHODS = ["ngram", "draft", "eagle", "eagle3"] as const;
export type SpeculativeMethod = (typeof SPECULATIVE_METHODS)[number];

/** A pool's speculative decoding option (config `speculative`). */
export interface SpeculativeSpec {
  method: SpeculativeMethod;
  /** Draft model (catalog id, served name or gpufleet:models id) or EAGLE heads' HF repo. */
  model?: string;
  /** Tokens proposed per step; default per method (planner/speculative.ts). */
  tokens?: number;
  /** n-gram only: the longest n-gram matched in the prompt; default 4. */
  promptLookupMax?: number;
}

/** What a replica's plan says about its speculative decoding. */
export interface SpeculativePlan {
  method: SpeculativeMethod;
  /** The engine's own name of the method ("draft_model", "STANDALONE", …). */
  engineMethod: string;
  tokens: number;
  /** The drafter's repository and its memory per GPU (inside the replica's figures), or null (n-gram). */
  draft: { source: string; weightsGiB: number; kvBytesPerToken: number; reserveGiB: number } | null;
  /** Single-stream decode speed-up seen elsewhere, and where. */
  expectedSpeedup: { low: number; high: number; source: string };
}

/** One pool as validated config hands it to the planner. */
export interface PoolSpec {
  name: string;
  /** EC2 instance type, or undefined for own hardware given by gpu + gpuCount. */
  instanceType?: string;
  gpu?: GpuRef;
  /** The definition of `gpu` when the stack defines it (gpufleet:gpus) rather than the catalog. */
  gpuSpec?: GpuSpec;
  gpuCount?: number;
  count: number;
  /** What the pool serves; default "chat". */
  task?: Task;
  model: string; // "auto" or a model id / served name
  engine: EngineId | "auto";
  maxModelLen?: number;
  gpuMemoryUtilization?: number;
  kvCacheDtype?: KvCacheDtype;
  quantization?: Quantization;
  tensorParallel?: number;
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  /** Full-length sequences the KV cache must hold at the chosen context (default 1). */
  minConcurrency?: number;
  /** Port of the on-host proxy, the load balancer's target (default 8080). */
  proxyPort?: number;
  /** Engine release to run (planner/catalog/releases.ts); default: the engine's pinned one. */
  engineVersion?: string;
  /** The listed release an unlisted engineVersion is planned as (its accounting and flags). */
  memoryAccounting?: string;
  /** NVIDIA driver of the pool's hosts, when known (own hardware, or a custom AMI). */
  driverVersion?: string;
  /** The pool's hosts boot an AMI of the user's (pool or stack amiId): its driver is unknown. */
  customAmi?: boolean;
  /** Flags appended to the engine's command line (planner/passthrough.ts refuses owned ones). */
  extraArgs?: string[];
  /** Variables added to the engine's environment. */
  env?: Record<string, string>;
  /** Speculative decoding (vLLM, SGLang); default none. */
  speculative?: SpeculativeSpec;
  /**
   * Ollama: more models the same Ollama instance serves beside `model` (Ollama tags, catalog ids or
   * served names); default none.
   */
  extraModels?: string[];
}

/** The models one Ollama instance serves and how it is told to hold them. */
export interface OllamaServing {
  /** Every model the instance serves, the pool's own first: pulled by tag, answered by name. */
  models: { id: string; tag: string; servedName: string; weightsGiB: number }[];
  /** OLLAMA_MAX_LOADED_MODELS: all of them stay loaded (the plan's memory holds them together). */
  maxLoadedModels: number;
  /** OLLAMA_NUM_PARALLEL: slots per model, from the plan's memory. */
  numParallel: number;
}

export interface MemoryBreakdown {
  /** Per GPU. */
  weightsGiB: number;
  activationGiB: number;
  overheadGiB: number;
  kvCacheGiB: number;
  /**
   * Per GPU (kv heads ÷ TP), bytes of KV cache one token costs at maxModelLen (sliding layers
   * averaged).
   */
  kvBytesPerToken: number;
  /** Tokens the KV cache holds (the whole replica). */
  kvTokens: number;
}

export interface Reason {
  /** What was decided: "model", "engine", "maxModelLen", … */
  field: string;
  /** Why, in a sentence a person reads. */
  why: string;
}

export interface ReplicaPlan {
  gpus: number[];
  tensorParallel: number;
  port: number;
  engine: EngineId;
  image: string;
  model: {
    id: string;
    servedName: string;
    paramsB: number;
    dtype: Dtype;
    quantization: Quantization;
    /** The repo / file / tag actually downloaded. */
    source: string;
    gated: boolean;
  };
  maxModelLen: number;
  gpuMemoryUtilization: number;
  kvCacheDtype: KvCacheDtype;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  /** Full-length sequences the KV cache holds at maxModelLen. */
  concurrency: number;
  memory: MemoryBreakdown;
  args: string[];
  env: Record<string, string>;
  /** How the systemd unit hands the engine its API key (the value is never in the plan). */
  apiKey: ApiKeyDelivery;
  /** Needs --ipc=host (PyTorch / NCCL shared memory). */
  needsIpcHost: boolean;
  /** The engine's own memory knob as launched, e.g. "--mem-fraction-static 0.83". */
  memoryKnob: string;
  /**
   * The memory share in args that the bootstrap may lower when a GPU has less free memory than
   * planned (vLLM, SGLang, lmdeploy); null where the knob is a token count (llama.cpp, Ollama).
   */
  memoryFraction: MemoryFraction | null;
  /** How the weights reach the host cache: an HF snapshot, one GGUF file, or an Ollama pull. */
  weightsFormat: WeightsFormat;
  /** Path the engine answers health on, and the one listing models. */
  healthPath: string;
  modelsPath: string;
  metricsPath: string | null;
  estimates: {
    coldStartSeconds: number;
    decodeTokensPerSecond: number;
  };
  reasons: Reason[];
  warnings: string[];
  /**
   * The engine release and the NVIDIA driver its image needs (from the CUDA it is built on); the
   * bootstrap compares the host's driver with it before starting the engine.
   */
  release?: { version: string; cuda: string; minDriver: string };
  /** Ollama: the models the instance serves, by tag and by the name clients send. */
  ollama?: OllamaServing;
  /** Speculative decoding: method, drafter and its memory (counted in `memory`), expected effect. */
  speculative?: SpeculativePlan;
  /** Set when one replica spans several nodes (planner/multinode.ts); memory is per GPU of its heaviest stage. */
  multiNode?: MultiNodeLayout;
}

/** A replica spread over nodes: tensor parallel within a node, pipeline parallel across nodes. */
export interface MultiNodeLayout {
  nodes: number;
  tensorParallel: number;
  pipelineParallel: number;
  /** GPUs each node (pod) of the group requests. */
  gpusPerNode: number;
  /** Decoder layers of the heaviest pipeline stage. */
  stageLayers: number;
  /** The links the layout assumes, and why it needs no faster one. */
  interconnect: {
    withinNode: "nvlink" | "pcie";
    /**
     * "tcp": NCCL's sockets over the pod network or ENA; "efa": EC2's Elastic Fabric Adapter in a
     * cluster placement group.
     */
    acrossNodes: "tcp" | "efa";
    /** Bandwidth between two nodes the layout counts on, Gbit/s; null when unknown (own hardware). */
    acrossNodesGbps: number | null;
    why: string;
  };
  /** How ranks join: the flags a target fills per node (leader rank 0, workers 1…nodes-1). */
  launch: MultiNodeLaunch;
  /**
   * EC2 pools: instances form groups of `nodes` (pool count ÷ nodes groups), each in the pool's
   * cluster placement group; null for own hardware (Kubernetes: a LeaderWorkerSet group).
   */
  ec2: { groups: number; efaInterfaces: number } | null;
}

/**
 * The engine's own way of joining nodes: the target adds `nodeRankFlag <rank>` and the leader's
 * address on every node, `workerFlags` on ranks above 0.
 */
export interface MultiNodeLaunch {
  /** "mp": vLLM's multiprocessing executor (no Ray); "sglang": SGLang's own launcher. */
  executor: "mp" | "sglang";
  /** Flag and value of the node count, already in the replica's args. */
  nodesFlag: string;
  nodeRankFlag: string;
  /** Flag of the leader's address: vLLM --master-addr HOST, SGLang --dist-init-addr HOST:PORT. */
  masterAddrFlag: string;
  /** How the address is written: the host alone, or host:port. */
  addressFormat: "host" | "host:port";
  /** Flag of the rendezvous port when it is separate from the address (vLLM --master-port), else null. */
  masterPortFlag: string | null;
  /** The rendezvous port on the leader (vLLM's default master_port 29501; SGLang: the same). */
  port: number;
  /** Added on worker nodes only (no API server there). */
  workerFlags: string[];
}

export type VramCategory = "small" | "12gb" | "16gb" | "24gb" | "32gb" | "48gb" | "80gb" | "141gb";

export interface PoolPlan {
  name: string;
  /** What the pool serves: chat, embedding or rerank. */
  task: Task;
  instanceType: string | null;
  count: number;
  gpu: { model: GpuRef; count: number; memoryGiB: number; computeCapability: string };
  category: VramCategory;
  /** All instances of the pool, on-demand USD/h (0 for own hardware). */
  costPerHour: number;
  proxyPort: number;
  /** vCPUs of the EC2 on-demand quota the pool needs, and which quota. */
  vcpuQuota: { quota: VcpuQuota; vcpus: number } | null;
  /** Local NVMe of the instance type, for the model cache. */
  localNvmeGB: number;
  networkGbps: number | null;
  replicas: ReplicaPlan[];
  warnings: string[];
  /** AWS: on-demand floor, spot, the other instance types' plans, reservation (config capacity). */
  capacity?: import("./capacity").PoolCapacityPlan;
  /**
   * Own hosts shared by pools (planner/sharing.ts): the host, its GPUs this pool uses and its share
   * of each; absent for pools on hosts of their own (EC2).
   */
  placement?: {
    host: string;
    gpuIndices: number[];
    share: number;
    sharesWith: string[];
  };
}

/** One line of a fleet's bill, on-demand USD per hour. */
export interface CostItem {
  /** What is billed: "GPU pool a10g", "load balancer", "NAT gateways", … */
  item: string;
  usdPerHour: number;
  /** How the figure is made (count × price) and what it leaves out (traffic). */
  detail: string;
}

/** The whole bill of a deployed fleet and its parts (components/aws/cost.ts for AWS). */
export interface CostBreakdown {
  /** The region whose list prices every figure is: us-east-1. */
  pricesRegion: string;
  /** Date of the GPU instance prices; the other items name their own sources in the code. */
  asOf: string;
  items: CostItem[];
  /** Said with every plan: whose prices these are, and what is not counted. */
  note: string;
}

export interface FleetPlan {
  stack: string;
  /**
   * On-demand USD per hour of the whole fleet. planFleet counts the GPU pools; the target's pricing
   * (components/aws/cost.ts priceAwsFleet) adds what the deployment runs beside them, and every
   * plan the CLI prints or the program exports is priced so.
   */
  costPerHour: number;
  /** Date of the price table used. */
  pricesAsOf: string;
  /** The parts of costPerHour, when the target priced them. */
  costBreakdown?: CostBreakdown;
  pools: PoolPlan[];
}

/** What the planner has decided for one replica, handed to an engine's launch builder. */
export interface LaunchInput {
  engine: EngineId;
  /** chat (default), or embedding / rerank on vLLM's pooling runner. */
  task?: Task;
  model: ModelSpec;
  gpu: GpuSpec;
  /** Host GPU indices of this replica (CUDA_VISIBLE_DEVICES / docker --gpus device list). */
  gpus: number[];
  tensorParallel: number;
  /** Port the engine listens on, on the host (8000 + first GPU index). */
  port: number;
  dtype: Dtype;
  quantization: Quantization;
  kvCacheDtype: KvCacheDtype;
  maxModelLen: number;
  /** vLLM semantics: share of each GPU's total memory the replica may use. */
  gpuMemoryUtilization: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  /** Planned per-GPU memory, from which other engines' knobs are derived. */
  memory: MemoryBreakdown;
  /** Repo id, GGUF file name or Ollama tag the replica loads. */
  source: string;
  /** Where the host's model cache is mounted inside the container (read-only). */
  modelDir: string;
  /** The pool's release pin (engineVersion / memoryAccounting); default the engine's release. */
  releasePin?: import("./release").ReleasePin;
  /** The hosts' NVIDIA driver when known: picks the image variant it can start. */
  hostDriver?: import("./release").HostDriver;
  /** Ollama: models the instance keeps loaded together (default 1). */
  loadedModels?: number;
}

/**
 * How the engine gets its API key: always as an environment variable (docker `-e NAME` copies it
 * from the unit's root-only EnvironmentFile), never on a command line; the value is never in the
 * plan. Engines without a variable of their own take it through their launcher (planner/launch).
 * "none": the engine checks no key (Ollama); the on-host proxy checks it for every engine.
 */
export type ApiKeyDelivery = { kind: "env"; variable: string } | { kind: "none" };

/**
 * What an engine's memory knob is a share of: "total" GPU memory (vLLM --gpu-memory-utilization,
 * SGLang --mem-fraction-static), the memory "free" after the weights (lmdeploy
 * --cache-max-entry-count), or "tokens" of KV context (llama.cpp -c, Ollama's context length).
 */
export type MemoryKnobKind = "total" | "free" | "tokens";

/** A memory share passed as `<flag> <value>` in a replica's args. */
export interface MemoryFraction {
  /** The flag, e.g. "--gpu-memory-utilization". */
  flag: string;
  /** The value as in args, e.g. "0.90". */
  value: string;
  kind: Exclude<MemoryKnobKind, "tokens">;
}

/** How an engine's weights reach the host's model cache. */
export type WeightsFormat = "hf" | "gguf" | "ollama";

export interface EngineLaunch {
  image: string;
  /** The release launched and the driver its image needs. */
  release: { version: string; cuda: string; minDriver: string };
  args: string[];
  env: Record<string, string>;
  apiKey: ApiKeyDelivery;
  healthPath: string;
  modelsPath: string;
  metricsPath: string | null;
  /**
   * Needs --ipc=host (or a large /dev/shm): PyTorch/NCCL shared memory for tensor parallelism and
   * workers.
   */
  needsIpcHost: boolean;
  /**
   * The engine's own memory knob and its value, for the plan's reasons (e.g. "--mem-fraction-static
   * 0.83").
   */
  memoryKnob: string;
  memoryFraction: MemoryFraction | null;
  weightsFormat: WeightsFormat;
}
