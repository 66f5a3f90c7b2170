// Support rules: which engine runs which model, weight format, KV dtype, compute dtype and
// tensor-parallel size on which GPU generation. Reads the engine catalog; pure.
import { ENGINES, isGgufEngine } from "./catalog/engines";
import { releaseHasFlag, compareVersions } from "./launch/flags";
import type { Rejection } from "./rejection";
import { pickImage, resolveRelease, type HostDriver, type ReleasePin } from "./release";
import type { Dtype, EngineId, GpuSpec, KvCacheDtype, ModelSpec, Quantization } from "./types";

/** Compute capability "8.6" → 86 (integer, so comparisons are exact). */
export function ccValue(computeCapability: string): number {
  const m = /^(\d+)\.(\d+)$/.exec(computeCapability.trim());
  if (!m) throw new Error(`bad compute capability "${computeCapability}"`);
  return Number(m[1]) * 10 + Number(m[2]);
}

function ccText(cc: number): string {
  return `${Math.floor(cc / 10)}.${cc % 10}`;
}

/** Models that refuse float16 (overflow to inf/NaN in fp16): Gemma 2 and 3. */
export function refusesFp16(model: ModelSpec): boolean {
  return /^gemma[23]/.test(model.arch.model_type);
}

/** bf16 from compute capability 8.0, else fp16. */
export function computeDtype(gpu: GpuSpec, _model?: ModelSpec): Dtype {
  return ccValue(gpu.computeCapability) >= 80 ? "bfloat16" : "float16";
}

/** What a GGUF engine's artifact for this model is called, in messages. */
export function ggufArtifactName(engine: EngineId): string {
  return ENGINES[engine].weights === "ollama" ? "Ollama tag" : "GGUF file";
}

/** The GGUF artifact this GGUF engine would load for the model, or undefined. */
export function ggufArtifactOf(
  model: ModelSpec,
  engine: EngineId,
): { quantization: Quantization } | undefined {
  switch (ENGINES[engine].weights) {
    case "ollama":
      return model.artifacts.ollama;
    case "gguf":
      return model.artifacts.gguf;
    default:
      return undefined;
  }
}

/** Weight formats the engine can load for this model on this GPU, most preferred first. */
export function supportedQuantizations(
  engine: EngineId,
  gpu: GpuSpec,
  model: ModelSpec,
): Quantization[] {
  const spec = ENGINES[engine];
  const cc = ccValue(gpu.computeCapability);
  if (cc < spec.minCc) return [];
  const ok = (q: Quantization): boolean => {
    const minCc = spec.quantizations[q];
    return minCc !== undefined && cc >= minCc;
  };
  if (isGgufEngine(engine)) {
    const q = ggufArtifactOf(model, engine)?.quantization;
    return q !== undefined && ok(q) ? [q] : [];
  }
  if (model.weightsQuantization) {
    return ok(model.weightsQuantization) ? [model.weightsQuantization] : [];
  }
  if (!refusesFp16(model) || cc >= 80) {
    // Unquantized first; then online FP8 (half the bytes); then pre-quantized repos the model
    // lists.
    const order: Quantization[] = ["none", "fp8"];
    if (model.artifacts.awq) order.push("awq");
    if (model.artifacts.gptq) order.push("gptq");
    if (engine === "vllm") order.push("bitsandbytes");
    return order.filter(ok);
  }
  return [];
}

/** KV-cache dtypes the engine offers on this GPU, the default ("auto") first. */
export function supportedKvCacheDtypes(engine: EngineId, gpu: GpuSpec): KvCacheDtype[] {
  const spec = ENGINES[engine];
  const cc = ccValue(gpu.computeCapability);
  if (cc < spec.minCc) return [];
  const order: KvCacheDtype[] = ["auto", "fp8", "q8_0", "q4_0"];
  return order.filter((d) => {
    const rule = spec.kvCacheDtypes[d];
    return rule !== undefined && cc >= rule.minCc;
  });
}

/** Tensor-parallel sizes the planner tries (and accepts when pinned). */
export const TENSOR_PARALLEL_SIZES = [1, 2, 4, 8, 16] as const;

/**
 * The one head-split rule of tensor parallelism: the size divides both the attention heads and
 * the KV heads (each GPU holds whole heads, and the KV cache is planned with kv_heads ÷ TP per
 * GPU). vLLM would replicate KV heads when TP exceeds them; the planner does not plan that layout.
 */
export function splitsHeads(model: ModelSpec, tp: number): { attention: boolean; kv: boolean } {
  return {
    attention: model.arch.num_attention_heads % tp === 0,
    kv: model.arch.num_key_value_heads % tp === 0,
  };
}

/** Sizes a host of `gpuCount` GPUs can give the model: they divide the GPU count and the heads. */
export function tensorParallelOptions(model: ModelSpec, gpuCount: number): number[] {
  return TENSOR_PARALLEL_SIZES.filter((tp) => {
    if (tp > gpuCount || gpuCount % tp !== 0) return false;
    const s = splitsHeads(model, tp);
    return s.attention && s.kv;
  });
}

/** Why the engine cannot split the model over `tp` GPUs (undefined when it can). */
export function tensorParallelProblem(
  engine: EngineId,
  model: ModelSpec,
  tp: number,
): string | undefined {
  const spec = ENGINES[engine];
  const name = `${engine} ${spec.version}`;
  if (!Number.isInteger(tp) || tp < 1)
    return `tensorParallel must be a positive integer, got ${tp}`;
  if (tp === 1) return undefined;
  switch (spec.tensorParallel.split) {
    case "none":
      return `${name} has no tensor parallelism (it spreads layers on its own): use tensorParallel 1, or llamacpp / vllm for several GPUs`;
    case "layers":
      return undefined;
    case "heads": {
      const { attention, kv } = splitsHeads(model, tp);
      const { num_attention_heads: heads, num_key_value_heads: kvHeads } = model.arch;
      if (!attention || !kv) {
        const what =
          !attention && !kv
            ? `divides neither the ${heads} attention heads nor the ${kvHeads} KV heads of ${model.id}`
            : !kv
              ? `does not divide ${model.id}'s ${kvHeads} KV heads`
              : `does not divide ${model.id}'s ${heads} attention heads`;
        const ok = TENSOR_PARALLEL_SIZES.filter((t) => {
          const s = splitsHeads(model, t);
          return s.attention && s.kv;
        });
        return `tensorParallel ${tp} ${what}: use one of ${ok.join(", ")}`;
      }
      if (spec.tensorParallel.powerOfTwo && (tp & (tp - 1)) !== 0)
        return `${name} takes --tp as a power of two, got ${tp}: use 2, 4 or 8`;
      return undefined;
    }
  }
}

export interface SupportQuery {
  engine: EngineId;
  gpu: GpuSpec;
  model: ModelSpec;
  quantization: Quantization;
  kvCacheDtype: KvCacheDtype;
  dtype: Dtype;
  tensorParallel: number;
  /** The pool's release pin; default the engine's pinned release. */
  releasePin?: ReleasePin;
  /** The hosts' NVIDIA driver when known. */
  hostDriver?: HostDriver;
  /** What the replica serves (pooling tasks need vLLM's --runner). */
  task?: "chat" | "embedding" | "rerank";
}

/**
 * Why the engine cannot run this combination (empty when it can), each reason with what would work
 * instead.
 */
export function checkEngineSupport(q: SupportQuery): string[] {
  const spec = ENGINES[q.engine];
  const cc = ccValue(q.gpu.computeCapability);
  const release = resolveRelease(q.engine, q.gpu, q.releasePin);
  const name = `${q.engine} ${"problem" in release ? spec.version : release.version}`;
  const on = `${q.gpu.id} (compute capability ${q.gpu.computeCapability}`;
  const gguf = isGgufEngine(q.engine);
  const reasons: string[] = [];
  if ("problem" in release) return [release.problem.message];
  const image = pickImage(release, q.hostDriver);
  if ("problem" in image) reasons.push(image.problem);
  if (
    q.engine === "vllm" &&
    (q.task === "embedding" || q.task === "rerank") &&
    !releaseHasFlag("vllm", release.behavesAs, "--runner")
  )
    reasons.push(
      `${name} has no --runner pooling (vLLM takes it from 0.10.1): pin engineVersion 0.10.1 or later for ${q.task} pools`,
    );
  if (
    q.engine === "vllm" &&
    q.quantization === "bitsandbytes" &&
    compareVersions(release.behavesAs, "0.8.0") < 0
  )
    reasons.push(
      `${name} loads bitsandbytes only with --load-format bitsandbytes as well, which gpufleet does not emit: use quantization "fp8" or "awq", or engineVersion 0.8.5.post1 or later`,
    );

  if (cc < spec.minCc) {
    reasons.push(
      `${name} does not run on ${on}; needs ≥ ${ccText(spec.minCc)}): ${spec.minCcWhy}; use ` +
        (cc >= 70
          ? "lmdeploy or a GGUF engine (llamacpp, ollama)"
          : "a GGUF engine (llamacpp, ollama)"),
    );
    return reasons;
  }

  // Weight format.
  const qMinCc = spec.quantizations[q.quantization];
  const supportedQ = supportedQuantizations(q.engine, q.gpu, q.model);
  const alt = supportedQ.length
    ? `use quantization ${supportedQ.map((s) => `"${s}"`).join(" or ")}`
    : "use another engine";
  if (qMinCc === undefined) {
    reasons.push(
      gguf
        ? `${name} loads GGUF weights only, not "${q.quantization}": ${alt}`
        : `${name} cannot load ${q.quantization} weights: ${alt}`,
    );
  } else if (cc < qMinCc) {
    reasons.push(
      `${name} cannot load ${q.quantization} weights on ${on}; needs ≥ ${ccText(qMinCc)}): ${alt}`,
    );
  } else if (!gguf) {
    if (q.model.weightsQuantization && q.quantization !== q.model.weightsQuantization) {
      reasons.push(
        `${q.model.id} is already quantized as ${q.model.weightsQuantization}, so ${name} can only load it as that: use quantization "${q.model.weightsQuantization}"`,
      );
    } else if (
      !q.model.weightsQuantization &&
      (q.quantization === "awq" || q.quantization === "gptq") &&
      !q.model.artifacts[q.quantization]
    ) {
      reasons.push(
        `${q.model.id} lists no ${q.quantization.toUpperCase()} repo, and ${name} cannot quantize to ${q.quantization} at load time: use quantization "none" or "fp8"`,
      );
    }
  } else {
    const have = ggufArtifactOf(q.model, q.engine)?.quantization;
    if (have === undefined) {
      reasons.push(
        `${q.model.id} has no ${ggufArtifactName(q.engine)} in the catalog: use an HF engine (vllm, sglang, lmdeploy)`,
      );
    } else if (have !== q.quantization) {
      reasons.push(
        `${q.model.id}'s ${ggufArtifactName(q.engine)} ships ${have}, not ${q.quantization}: use quantization "${have}"`,
      );
    }
  }

  // KV cache.
  const kvRule = spec.kvCacheDtypes[q.kvCacheDtype];
  const kvOk = supportedKvCacheDtypes(q.engine, q.gpu);
  const kvAlt = `use kvCacheDtype ${kvOk.map((d) => `"${d}"`).join(" or ")}`;
  if (!kvRule) {
    reasons.push(`${name} has no "${q.kvCacheDtype}" KV cache: ${kvAlt}`);
  } else if (cc < kvRule.minCc) {
    const full = q.engine === "vllm" || q.engine === "sglang" ? "; safe natively on ≥ 8.9" : "";
    reasons.push(
      `${name} cannot use an FP8 KV cache on ${on}; needs ≥ ${ccText(kvRule.minCc)}${full}): ${kvAlt}`,
    );
  }

  // Compute dtype.
  if (q.dtype === "bfloat16" && cc < 80) {
    reasons.push(`bfloat16 needs compute capability ≥ 8.0 and ${on}): use dtype "float16"`);
  }
  if (!gguf && refusesFp16(q.model)) {
    if (cc < 80) {
      reasons.push(
        `${q.model.id} (${q.model.arch.model_type}) refuses float16 and ${on}) has no bfloat16; float32 would double the weights and is not planned: ` +
          `use a GPU with compute capability ≥ 8.0, or a GGUF engine (llamacpp, ollama)`,
      );
    } else if (q.dtype === "float16") {
      reasons.push(
        `${q.model.id} (${q.model.arch.model_type}) refuses float16: use dtype "bfloat16"`,
      );
    }
  }
  if (q.dtype === "float32") {
    reasons.push(
      `float32 is not planned (twice the memory of 16-bit weights): use dtype "${computeDtype(q.gpu)}"`,
    );
  }

  // Parallelism.
  const tpProblem = tensorParallelProblem(q.engine, q.model, q.tensorParallel);
  if (tpProblem) reasons.push(tpProblem);
  return reasons;
}

/** checkEngineSupport's reasons as rejections of stage "support". */
export function supportRejections(q: SupportQuery): Rejection[] {
  return checkEngineSupport(q).map((message) => ({
    stage: "support",
    model: q.model.id,
    engine: q.engine,
    tp: q.tensorParallel,
    quantization: q.quantization,
    kvCacheDtype: q.kvCacheDtype,
    message,
  }));
}

/**
 * Image for this engine on this GPU (the legacy build where the default lacks the GPU's kernels).
 */
export function imageFor(engine: EngineId, gpu: GpuSpec): string {
  const release = resolveRelease(engine, gpu);
  if ("problem" in release) throw new Error(release.problem.message);
  return release.images[0]!.image;
}
