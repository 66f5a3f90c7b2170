// Assemble: a fit and the hardware → the replicas (one per GPU group, ports 8000 + first GPU) and
// the pool plan with its price, quota and proxy port.
import { isGgufEngine } from "./catalog/engines";
import { estimateColdStartSeconds, estimateDecodeTokensPerSecond } from "./estimates";
import type { Fit } from "./fit";
import type { Hardware } from "./hardware";
import { buildLaunch } from "./launch";
import { GiB, round, weightBytes } from "./memory";
import { DEFAULT_PROXY_PORT, FIRST_ENGINE_PORT } from "./policy";
import type { HostDriver, ReleasePin } from "./release";
import { speculativeArgs } from "./speculative";
import type {
  EngineId,
  ModelSpec,
  OllamaServing,
  PoolPlan,
  PoolSpec,
  Quantization,
  Reason,
  ReplicaPlan,
  SpeculativePlan,
  VramCategory,
} from "./types";

/** The repo, GGUF repo/file or Ollama tag the replica downloads. */
export function sourceOf(model: ModelSpec, engine: EngineId, quantization: Quantization): string {
  if (isGgufEngine(engine)) {
    if (engine === "ollama") return model.artifacts.ollama?.tag ?? model.id;
    const g = model.artifacts.gguf;
    return g ? `${g.repo}/${g.file}` : model.id;
  }
  if (quantization === "awq") return model.artifacts.awq ?? model.id;
  if (quantization === "gptq") return model.artifacts.gptq ?? model.id;
  if (quantization === "fp8") return model.artifacts.fp8 ?? model.artifacts.hf ?? model.id;
  return model.artifacts.hf ?? model.id;
}

/** One replica per group of `fit.tp` GPUs, each carrying the pool's reasons and warnings. */
export function planReplicas(
  fit: Fit,
  hw: Hardware,
  modelDir: string,
  reasons: Reason[],
  warnings: string[],
  host: { releasePin?: ReleasePin; hostDriver?: HostDriver } = {},
): ReplicaPlan[] {
  const replicas: ReplicaPlan[] = [];
  const count = Math.floor(hw.gpuCount / fit.tp);
  const source = sourceOf(fit.model, fit.engine, fit.quantization);
  const spec = fit.speculative;
  const extraArgs = spec ? speculativeArgs(spec.resolved, fit.engine) : [];
  const allReasons = spec ? [...reasons, speculativeReason(spec.plan)] : reasons;
  for (let i = 0; i < count; i++) {
    const gpus = Array.from({ length: fit.tp }, (_, k) => i * fit.tp + k);
    const port = FIRST_ENGINE_PORT + (gpus[0] ?? 0);
    const launch = buildLaunch({
      engine: fit.engine,
      task: fit.model.task ?? "chat",
      model: fit.model,
      gpu: hw.gpu,
      gpus,
      tensorParallel: fit.tp,
      port,
      dtype: fit.dtype,
      quantization: fit.quantization,
      kvCacheDtype: fit.kvCacheDtype,
      maxModelLen: fit.maxModelLen,
      gpuMemoryUtilization: fit.util,
      maxNumSeqs: fit.maxNumSeqs,
      maxNumBatchedTokens: fit.maxNumBatchedTokens,
      memory: fit.memory,
      source,
      modelDir,
      releasePin: host.releasePin,
      hostDriver: host.hostDriver,
      ...(fit.engine === "ollama" ? { loadedModels: 1 + (fit.colocated?.length ?? 0) } : {}),
    });
    const weightsGB = (fit.memory.weightsGiB * fit.tp * GiB) / 1e9;
    replicas.push({
      gpus,
      tensorParallel: fit.tp,
      port,
      engine: fit.engine,
      image: launch.image,
      release: launch.release,
      model: {
        id: fit.model.id,
        servedName: fit.model.servedName,
        paramsB: fit.model.paramsB,
        dtype: fit.dtype,
        quantization: fit.quantization,
        source,
        gated: fit.model.gated,
      },
      maxModelLen: fit.maxModelLen,
      gpuMemoryUtilization: fit.util,
      kvCacheDtype: fit.kvCacheDtype,
      maxNumSeqs: fit.maxNumSeqs,
      maxNumBatchedTokens: fit.maxNumBatchedTokens,
      concurrency: fit.concurrency,
      memory: fit.memory,
      args: [...launch.args, ...extraArgs],
      env: launch.env,
      apiKey: launch.apiKey,
      needsIpcHost: launch.needsIpcHost,
      healthPath: launch.healthPath,
      modelsPath: launch.modelsPath,
      metricsPath: launch.metricsPath,
      memoryKnob: launch.memoryKnob,
      memoryFraction: launch.memoryFraction,
      weightsFormat: launch.weightsFormat,
      estimates: {
        coldStartSeconds: estimateColdStartSeconds(
          fit.engine,
          weightsGB,
          hw.instance?.networkGbps ?? null,
        ),
        decodeTokensPerSecond: estimateDecodeTokensPerSecond(hw.gpu, fit.tp, weightsGB),
      },
      reasons: allReasons,
      warnings,
      ...(spec ? { speculative: spec.plan } : {}),
      ...(fit.engine === "ollama" ? { ollama: ollamaServing(fit, source) } : {}),
    });
  }
  return replicas;
}

/** What one Ollama instance serves: each model by tag and by the name clients send. */
function ollamaServing(fit: Fit, tag: string): OllamaServing {
  const dtype = fit.dtype;
  const gib = (m: ModelSpec): number =>
    Math.ceil(
      (weightBytes(m, m.artifacts.ollama?.quantization ?? fit.quantization, dtype) / GiB) * 100,
    ) / 100;
  const models = [fit.model, ...(fit.colocated ?? [])].map((m, i) => ({
    id: m.id,
    tag: i === 0 ? tag : m.artifacts.ollama!.tag,
    servedName: m.servedName,
    weightsGiB: gib(m),
  }));
  return { models, maxLoadedModels: models.length, numParallel: fit.maxNumSeqs };
}

/** The plan's line on speculative decoding: what runs, what it costs, what it is expected to do. */
function speculativeReason(p: SpeculativePlan): Reason {
  const cost = p.draft
    ? `${p.draft.source}: ${p.draft.weightsGiB} GiB of weights, ${p.draft.kvBytesPerToken} B of KV per token and ${p.draft.reserveGiB} GiB of graphs per GPU, counted in the memory above`
    : "no draft model, no GPU memory";
  const e = p.expectedSpeedup;
  return {
    field: "speculative",
    why: `${p.method} (${p.engineMethod}, ${p.tokens} tokens per step; ${cost}); expected single-stream decode ×${e.low}–×${e.high}, less under heavy batching (${e.source})`,
  };
}

/**
 * The pool-level part of a plan: hardware, price, quota, proxy port; the instance type's purchase
 * note first.
 */
export function assemblePoolPlan(
  pool: PoolSpec,
  task: PoolPlan["task"],
  hw: Hardware,
  category: VramCategory,
  replicas: ReplicaPlan[],
  warnings: string[],
): PoolPlan {
  const price = hw.instance ? hw.instance.pricePerHour * pool.count : 0;
  return {
    name: pool.name,
    task,
    instanceType: hw.instance?.name ?? null,
    count: pool.count,
    gpu: {
      model: hw.gpu.id,
      count: hw.gpuCount,
      memoryGiB: hw.gpu.memoryGiB,
      computeCapability: hw.gpu.computeCapability,
    },
    category,
    costPerHour: round(price, 3),
    proxyPort: pool.proxyPort ?? DEFAULT_PROXY_PORT,
    vcpuQuota: hw.instance
      ? { quota: hw.instance.vcpuQuota, vcpus: hw.instance.vcpus * pool.count }
      : null,
    localNvmeGB: hw.instance?.localNvmeGB ?? 0,
    networkGbps: hw.instance?.networkGbps ?? null,
    replicas,
    warnings: hw.instance?.purchaseNote ? [hw.instance.purchaseNote, ...warnings] : warnings,
  };
}
