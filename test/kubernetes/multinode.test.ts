// planner/multinode.ts: nodes × TP × PP layouts for models that fit no single node, their memory
// per GPU, and the plan that shows them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { BIG_MODELS, LLAMA_405B, QWEN3_235B } from "../planner/big-models";
import { poolManifests, type K8sObject } from "../../components/kubernetes/manifests";
import { parseStackConfig, toPlanInput } from "../../config";
import { kubernetesSchema } from "../../config/kubernetes";
import { findGpu } from "../../planner/catalog/gpus";
import { MAX_NODES, planFleetMultiNode, stageModel } from "../../planner/multinode";
import { PlanError, planFleet } from "../../planner/plan";
import { deriveParams, weightBytes } from "../../planner/memory";
import type { GpuId, ModelSpec, PoolSpec, Quantization } from "../../planner/types";

const MODELS = BIG_MODELS;

const pool = (over: Partial<PoolSpec>): PoolSpec => ({
  name: "big",
  gpu: "L4",
  gpuCount: 8,
  count: 1,
  model: LLAMA_405B.id,
  engine: "auto",
  ...over,
});

describe("multi-node layout", () => {
  it.each([
    // model, GPU, quantization → nodes, TP per node
    [LLAMA_405B.id, "L4", "fp8", 3, 8],
    [LLAMA_405B.id, "L4", "none", 6, 8],
    [LLAMA_405B.id, "H100", "none", 2, 8],
    [QWEN3_235B.id, "L4", "fp8", 4, 4],
  ] as const)("%s on 8 × %s (%s): %i nodes × TP %i", (id, gpu, q, nodes, tp) => {
    const model = MODELS.find((m) => m.id === id)!;
    const input = {
      stack: "t",
      pools: [pool({ model: model.id, gpu: gpu as GpuId, quantization: q as Quantization })],
      models: MODELS,
    };
    expect(() => planFleet(input)).toThrow(PlanError);
    const r = planFleetMultiNode(input).pools[0]!.replicas[0]!;
    expect(r.multiNode).toMatchObject({ nodes, tensorParallel: tp, pipelineParallel: nodes });
    expect(r.multiNode!.stageLayers * nodes).toBeGreaterThanOrEqual(model.arch.num_hidden_layers);
    expect(r.multiNode!.stageLayers * (nodes - 1)).toBeLessThan(model.arch.num_hidden_layers);
    expect(r.model.paramsB).toBe(model.paramsB);
    expect(r.args).toEqual(expect.arrayContaining(["--pipeline-parallel-size", String(nodes)]));
    expect(r.args[r.args.indexOf("--nnodes") + 1]).toBe(String(nodes));
    expect(r.args[r.args.indexOf("--tensor-parallel-size") + 1]).toBe(String(tp));
    expect(r.args[0]).toBe(model.id);
    expect(r.multiNode!.interconnect.acrossNodes).toBe("tcp");
    expect(r.multiNode!.interconnect.withinNode).toBe(gpu === "H100" ? "nvlink" : "pcie");
    // One node fewer does not fit: the layout is the smallest.
    if (nodes > 2) {
      const fewer = stageModel(model, nodes - 1);
      expect(() =>
        planFleet({
          stack: "t",
          pools: [
            pool({
              model: model.id,
              gpu: gpu as GpuId,
              gpuCount: tp,
              tensorParallel: tp,
              engine: "vllm",
              quantization: q as Quantization,
            }),
          ],
          models: [fewer, ...MODELS],
        }),
      ).toThrow(PlanError);
    }
  });

  it("keeps the pool's count (groups of nodes), not the one-host stage plan's", () => {
    const plan = planFleetMultiNode({
      stack: "t",
      pools: [pool({ quantization: "fp8", count: 3 })],
      models: MODELS,
    });
    expect(plan.pools[0]!.count).toBe(3);
  });

  it("keeps pools that fit one node on one node, and plans the others beside them", () => {
    const plan = planFleetMultiNode({
      stack: "t",
      pools: [
        { name: "small", gpu: "L4", gpuCount: 1, count: 2, model: "auto", engine: "auto" },
        pool({ quantization: "fp8" }),
      ],
      models: MODELS,
    });
    expect(plan.pools.map((p) => p.name)).toEqual(["small", "big"]);
    expect(plan.pools[0]!.replicas[0]!.multiNode).toBeUndefined();
    expect(plan.pools[1]!.replicas[0]!.multiNode?.nodes).toBe(3);
  });

  it("refuses with the single-node reason and the layouts tried when nothing fits", () => {
    try {
      planFleetMultiNode({
        stack: "t",
        pools: [pool({ gpu: "T4", gpuCount: 1, quantization: "none" })],
        models: MODELS,
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PlanError);
      const problems = (err as PlanError).problems;
      expect(problems[0]).toMatch(/^gpufleet:pools\[0\]/);
      expect(problems.at(-1)).toMatch(
        new RegExp(
          `^gpufleet:pools\\[0\\]\\.model: no multi-node layout of up to ${MAX_NODES} nodes`,
        ),
      );
    }
  });

  it("refuses a pinned engine other than vLLM and SGLang by name", () => {
    expect(() =>
      planFleetMultiNode({
        stack: "t",
        pools: [pool({ engine: "lmdeploy", quantization: "fp8" })],
        models: MODELS,
      }),
    ).toThrow(/vLLM's multiprocessing launch or SGLang's own; lmdeploy is pinned/);
  });

  it("pinned SGLang spreads with its own launcher: --pp-size and --nnodes, the leader as host:port", () => {
    const r = planFleetMultiNode({
      stack: "t",
      pools: [pool({ engine: "sglang", quantization: "fp8" })],
      models: MODELS,
    }).pools[0]!.replicas[0]!;
    expect(r.engine).toBe("sglang");
    expect(r.multiNode?.launch).toMatchObject({
      executor: "sglang",
      masterAddrFlag: "--dist-init-addr",
      addressFormat: "host:port",
      masterPortFlag: null,
      workerFlags: [],
    });
    const nodes = r.multiNode!.nodes;
    expect(r.args.slice(-4)).toEqual(["--pp-size", String(nodes), "--nnodes", String(nodes)]);
    expect(r.args).not.toContain("--distributed-executor-backend");
  });

  it("a pinned-SGLang LeaderWorkerSet: every pod gets --dist-init-addr LEADER:20000, workers no --headless", () => {
    const doc = parseYaml(
      readFileSync(join(__dirname, "../../examples/kubernetes.yaml"), "utf8"),
    ) as { config: Record<string, unknown> };
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc.config))
      if (k.startsWith("gpufleet:")) raw[k.slice("gpufleet:".length)] = v;
    const pools = raw.pools as Array<Record<string, unknown>>;
    const index = pools.findIndex((p) => p.name === "llama405b");
    pools[index] = { ...pools[index], engine: "sglang" };
    const cfg = parseStackConfig(raw);
    const plan = planFleetMultiNode(toPlanInput("dev", cfg));
    const objs = poolManifests(
      { plan, cfg, k8s: cfg.kubernetes ?? kubernetesSchema.parse({}), hfToken: true },
      index,
    );
    const lws = objs.find((o: K8sObject) => o.kind === "LeaderWorkerSet")!;
    type Pod = { spec: { containers: Array<{ name: string; args: string[] }> } };
    const t = (lws as unknown as { spec: { leaderWorkerTemplate: Record<string, Pod> } }).spec
      .leaderWorkerTemplate;
    const engineArgs = (pod: Pod) => pod.spec.containers.find((c) => c.name === "engine")!.args;
    const arg = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
    for (const [role, pod] of [
      ["leader", t.leaderTemplate!],
      ["worker", t.workerTemplate!],
    ] as const) {
      const args = engineArgs(pod);
      expect(arg(args, "--dist-init-addr")).toBe("$(LWS_LEADER_ADDRESS):20000");
      expect(arg(args, "--node-rank")).toBe(role === "leader" ? "0" : "$(LWS_WORKER_INDEX)");
      expect(args).not.toContain("--headless");
      expect(args).not.toContain("--master-addr");
      expect(arg(args, "--pp-size")).toBe(arg(args, "--nnodes"));
    }
  });

  it("stage model: the heaviest stage's layers and one embedding matrix", () => {
    const s = stageModel(LLAMA_405B, 3);
    expect(s.arch.num_hidden_layers).toBe(42);
    const a = LLAMA_405B.arch;
    const embed = a.vocab_size * a.hidden_size;
    const perLayer = (LLAMA_405B.paramsB * 1e9 - 2 * embed) / a.num_hidden_layers;
    expect(LLAMA_405B.paramsB * 1e9).toBeCloseTo(deriveParams(a), -8);
    expect(s.paramsB * 1e9).toBeCloseTo(42 * perLayer + embed, -6);
    // Every stage together hold at least the whole model.
    expect(3 * weightBytes(s, "none", "bfloat16")).toBeGreaterThanOrEqual(
      weightBytes(LLAMA_405B, "none", "bfloat16"),
    );
  });

  it("property: a layout's per-GPU memory fits the GPU's budget and its GPUs hold the model", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<ModelSpec>(...MODELS),
        fc.constantFrom<GpuId>("L4", "A10G", "L40S", "A100-40GB", "A100-80GB", "H100", "RTX-4090"),
        fc.constantFrom(2, 4, 8),
        fc.constantFrom<Quantization | undefined>(undefined, "none", "fp8", "awq"),
        (model, gpu, gpuCount, quantization) => {
          let plan;
          try {
            plan = planFleetMultiNode({
              stack: "t",
              pools: [pool({ model: model.id, gpu, gpuCount, quantization })],
              models: MODELS,
            });
          } catch (err) {
            if (err instanceof PlanError) return;
            throw err;
          }
          const spec = findGpu(gpu)!;
          for (const r of plan.pools[0]!.replicas) {
            const m = r.memory;
            const used = m.weightsGiB + m.activationGiB + m.overheadGiB + m.kvCacheGiB;
            expect(used).toBeLessThanOrEqual(r.gpuMemoryUtilization * spec.memoryGiB + 1e-9);
            expect(m.kvTokens).toBeGreaterThanOrEqual(r.maxModelLen);
            if (!r.multiNode) continue;
            const layout = r.multiNode;
            expect(layout.nodes).toBeLessThanOrEqual(MAX_NODES);
            expect(layout.gpusPerNode).toBeLessThanOrEqual(gpuCount);
            expect(layout.stageLayers * layout.nodes).toBeGreaterThanOrEqual(
              model.arch.num_hidden_layers,
            );
            // Weights of all stages on all GPUs hold at least the whole model in its format.
            const whole = weightBytes(model, r.model.quantization, r.model.dtype) / 1024 ** 3;
            expect(m.weightsGiB * layout.tensorParallel * layout.nodes).toBeGreaterThanOrEqual(
              whole * 0.999,
            );
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});
