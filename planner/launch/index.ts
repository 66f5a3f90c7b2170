// Launch arguments: the exact `docker run … <image> <args>` tail and environment that boots one
// replica, and the engine facts the renderers need, all from the engine catalog.
//
// Containers run with host networking (`docker run --network host`): the engine binds input.port
// itself, so the port in the plan is the port the engine opens, NCCL/ZMQ side channels of a TP
// group stay on loopback, and no `-p` mapping can drift from the plan. The on-host proxy is the
// only thing the load balancer reaches.
//
// GPUs are handed to the container with `--gpus "device=<list>"`: inside, the replica's GPUs are
// renumbered 0..n-1, so CUDA_VISIBLE_DEVICES is deliberately NOT put in env (setting it to host
// indices would hide the devices).
import { ENGINES, needsIpcHost } from "../catalog/engines";
import { minDriverOf } from "../catalog/releases";
import { pickImage, resolveRelease, type ResolvedRelease } from "../release";
import { checkEngineSupport } from "../support";
import type { EngineId, EngineLaunch, LaunchInput, MemoryFraction } from "../types";
import { memoryKnobFor, memoryShare, type EngineArgs } from "./common";
import { llamacppArgs } from "./llamacpp";
import { lmdeployArgs } from "./lmdeploy";
import { ollamaArgs } from "./ollama";
import { sglangArgs } from "./sglang";
import { vllmArgs } from "./vllm";

export { floor2, memoryKnobFor } from "./common";

const BUILDERS: Readonly<
  Record<EngineId, (input: LaunchInput, release: ResolvedRelease) => EngineArgs>
> = {
  vllm: vllmArgs,
  sglang: sglangArgs,
  lmdeploy: lmdeployArgs,
  llamacpp: llamacppArgs,
  ollama: ollamaArgs,
};

/** The lowerable memory share of a launch, or null (token-count knobs). */
function memoryFractionOf(input: LaunchInput): MemoryFraction | null {
  const knob = ENGINES[input.engine].memoryKnob;
  const value = memoryShare(input);
  if (knob.kind === "tokens" || value === null) return null;
  return { flag: knob.name, value, kind: knob.kind };
}

/** Arguments and environment that boot one replica with the pinned image. */
export function buildLaunch(input: LaunchInput): EngineLaunch {
  const spec = ENGINES[input.engine];
  const problems = checkEngineSupport({
    engine: input.engine,
    gpu: input.gpu,
    model: input.model,
    quantization: input.quantization,
    kvCacheDtype: input.kvCacheDtype,
    dtype: input.dtype,
    tensorParallel: input.tensorParallel,
    releasePin: input.releasePin,
    hostDriver: input.hostDriver,
    task: input.task,
  });
  if (problems.length) throw new Error(problems.join("; "));
  const release = resolveRelease(input.engine, input.gpu, input.releasePin);
  if ("problem" in release) throw new Error(release.problem.message);
  const picked = pickImage(release, input.hostDriver);
  if ("problem" in picked) throw new Error(picked.problem);
  if (input.tensorParallel !== input.gpus.length) {
    throw new Error(
      `tensorParallel ${input.tensorParallel} does not match the ${input.gpus.length} GPUs of the replica`,
    );
  }
  const { args, env } = BUILDERS[input.engine](input, release);
  return {
    image: picked.image.image,
    release: {
      version: release.version,
      cuda: picked.image.cuda,
      minDriver: minDriverOf(picked.image),
    },
    args,
    env,
    apiKey: spec.apiKey,
    healthPath: spec.healthPath,
    modelsPath: spec.modelsPath,
    metricsPath: spec.metricsPath,
    needsIpcHost: needsIpcHost(input.engine, input.tensorParallel),
    memoryKnob: memoryKnobFor(input),
    memoryFraction: memoryFractionOf(input),
    weightsFormat: spec.weights,
  };
}
