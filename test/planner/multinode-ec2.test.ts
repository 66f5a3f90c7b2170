// Multi-node layouts of EC2 pools (planner/multinode.ts through the aws target's planner): groups
// of instances, the interconnect they assume (EFA or TCP on ENA), refusals by key.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planStackConfig } from "../../config";
import { planElasticFleet } from "../../planner/capacity";
import { INSTANCE_TYPES, efaGbpsOf, findInstanceType } from "../../planner/catalog/instances";
import { MAX_NODES, planFleetMultiNode } from "../../planner/multinode";
import { PlanError } from "../../planner/plan";
import type { ModelSpec, PoolSpec, Quantization } from "../../planner/types";
import { BIG_MODELS, LLAMA_405B, QWEN3_235B } from "./big-models";

type Ec2Pool = PoolSpec & {
  capacity?: Parameters<typeof planElasticFleet>[0]["pools"][0]["capacity"];
};

const ec2Pool = (over: Partial<Ec2Pool>): Ec2Pool => ({
  name: "big",
  instanceType: "p5.48xlarge",
  count: 2,
  model: LLAMA_405B.id,
  engine: "auto",
  quantization: "none",
  ...over,
});

/** The aws target's planner, as config/validate.ts runs it. */
const planEc2 = (pools: Ec2Pool[]) =>
  planFleetMultiNode({ stack: "t", pools, models: BIG_MODELS }, planElasticFleet, true);

const problemsOf = (f: () => unknown): string[] => {
  try {
    f();
  } catch (err) {
    if (err instanceof PlanError) return err.problems;
    throw err;
  }
  throw new Error("planned, expected a PlanError");
};

describe("multi-node layouts on EC2", () => {
  it.each([
    // model, type, quantization, count → nodes, TP per node, across, Gbit/s between nodes
    [LLAMA_405B.id, "p5.48xlarge", "none", 2, 2, 8, "efa", 100],
    [LLAMA_405B.id, "p4d.24xlarge", "none", 3, 3, 8, "efa", 100],
    [LLAMA_405B.id, "p4de.24xlarge", "none", 4, 2, 8, "efa", 100],
    [QWEN3_235B.id, "g6e.48xlarge", "none", 3, 3, 4, "efa", 100],
    [QWEN3_235B.id, "g6.48xlarge", "fp8", 4, 4, 4, "tcp", 100],
  ] as const)(
    "%s on %s (%s), %i instances: %i nodes × TP %i over %s",
    (id, type, q, count, nodes, tp, across, gbps) => {
      const model = BIG_MODELS.find((m) => m.id === id)!;
      const pools = [ec2Pool({ instanceType: type, model: model.id, quantization: q, count })];
      // One instance holds no replica: the single-node planner refuses the pool.
      expect(() => planElasticFleet({ stack: "t", pools, models: BIG_MODELS })).toThrow(PlanError);
      const pool = planEc2(pools).pools[0]!;
      const it = findInstanceType(type)!;
      const r = pool.replicas[0]!;
      expect(r.multiNode).toMatchObject({
        nodes,
        tensorParallel: tp,
        pipelineParallel: nodes,
        gpusPerNode: tp,
        interconnect: { acrossNodes: across, acrossNodesGbps: gbps },
        ec2: { groups: count / nodes, efaInterfaces: across === "efa" ? 1 : 0 },
        launch: {
          nodesFlag: "--nnodes",
          nodeRankFlag: "--node-rank",
          masterPortFlag: "--master-port",
        },
      });
      expect(r.args[r.args.indexOf("--nnodes") + 1]).toBe(String(nodes));
      expect(r.args[r.args.indexOf("--pipeline-parallel-size") + 1]).toBe(String(nodes));
      expect(r.args[r.args.indexOf("--tensor-parallel-size") + 1]).toBe(String(tp));
      expect(r.args[r.args.indexOf("--distributed-executor-backend") + 1]).toBe("mp");
      // Rank and leader are the bootstrap's: never in the plan's args.
      expect(r.args).not.toContain("--node-rank");
      expect(r.args).not.toContain("--headless");
      expect(pool.instanceType).toBe(type);
      expect(pool.count).toBe(count);
      expect(pool.gpu.count).toBe(it.gpuCount);
      expect(pool.costPerHour).toBeCloseTo(it.pricePerHour * count, 3);
      expect(pool.vcpuQuota).toEqual({ quota: it.vcpuQuota, vcpus: it.vcpus * count });
      expect(r.reasons.find((x) => x.field === "interconnect")?.why).toContain(
        across === "efa" ? "Elastic Fabric Adapter" : "TCP on ENA",
      );
      const slow = pool.warnings.find((w) => w.startsWith("multi-node over TCP"));
      if (across === "tcp") expect(slow).toMatch(/will be slow/);
      else expect(slow).toBeUndefined();
    },
  );

  it("pinned SGLang: its own launcher (--pp-size, --nnodes; rank and --dist-init-addr at boot), every listed release", () => {
    for (const engineVersion of [undefined, "0.5.9", "0.5.21"]) {
      const r = planEc2([ec2Pool({ engine: "sglang", engineVersion })]).pools[0]!.replicas[0]!;
      expect(r.engine).toBe("sglang");
      expect(r.multiNode).toMatchObject({
        nodes: 2,
        tensorParallel: 8,
        launch: {
          executor: "sglang",
          masterAddrFlag: "--dist-init-addr",
          addressFormat: "host:port",
        },
      });
      expect(r.args[r.args.indexOf("--tp-size") + 1]).toBe("8");
      expect(r.args.slice(-4)).toEqual(["--pp-size", "2", "--nnodes", "2"]);
      expect(r.args).not.toContain("--dist-init-addr");
      expect(r.env.FI_PROVIDER).toBe("efa");
    }
  });

  it("EFA bandwidth per interface follows the catalog: one card of the type's bandwidth", () => {
    expect(efaGbpsOf(findInstanceType("p5.48xlarge")!)).toBe(100);
    expect(efaGbpsOf(findInstanceType("p5en.48xlarge")!)).toBe(200);
    expect(efaGbpsOf(findInstanceType("g5.48xlarge")!)).toBe(100);
    expect(efaGbpsOf(findInstanceType("g5.2xlarge")!)).toBe(0);
    expect(INSTANCE_TYPES.filter((t) => t.efaInterfaces > 0).length).toBeGreaterThan(10);
  });

  it("refuses a count that does not make whole groups, by key, with the multiples", () => {
    const problems = problemsOf(() =>
      planEc2([ec2Pool({ instanceType: "p4d.24xlarge", count: 4 })]),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^gpufleet:pools\[0\]\.count: 4 instance\(s\) of p4d\.24xlarge do not make whole groups: .* spans 3 instances per replica \(3 nodes × TP 8\); use a multiple of 3/,
      ),
    ]);
  });

  it("refuses capacity (other types, spot) on a multi-node pool by key", () => {
    const problems = problemsOf(() =>
      planEc2([
        ec2Pool({
          capacity: { spot: true, instanceTypes: [], drainOnRebalance: false },
        }),
      ]),
    );
    expect(problems.at(-1)).toMatch(
      /^gpufleet:pools\[0\]\.capacity: a multi-node group runs p5\.48xlarge/,
    );
  });

  it("refuses a vLLM release without the multi-node flags by engineVersion; a later one plans", () => {
    const problems = problemsOf(() =>
      planEc2([ec2Pool({ engine: "vllm", engineVersion: "0.9.2" })]),
    );
    expect(problems.at(-1)).toMatch(
      /^gpufleet:pools\[0\]\.engineVersion: vLLM 0\.9\.2 has no multi-node launch without Ray .*0\.15\.1, 0\.21\.0, 0\.31\.0/,
    );
    const r = planEc2([ec2Pool({ engine: "vllm", engineVersion: "0.15.1" })]).pools[0]!
      .replicas[0]!;
    expect(r.multiNode?.nodes).toBe(2);
    expect(r.image).toMatch(/^vllm\/vllm-openai:v0\.15\.1/);
  });

  it("leaves pools that fit one instance alone, and never spreads own GPUs on the aws target", () => {
    const plan = planEc2([
      { name: "small", instanceType: "g5.xlarge", count: 1, model: "auto", engine: "auto" },
      ec2Pool({}),
    ]);
    expect(plan.pools[0]!.replicas[0]!.multiNode).toBeUndefined();
    expect(plan.pools[1]!.replicas[0]!.multiNode?.nodes).toBe(2);
    expect(plan.costPerHour).toBeCloseTo(
      plan.pools[0]!.costPerHour + plan.pools[1]!.costPerHour,
      3,
    );
    expect(() =>
      planEc2([
        { name: "own", gpu: "L4", gpuCount: 8, count: 1, model: LLAMA_405B.id, engine: "auto" },
      ]),
    ).toThrow(PlanError);
  });

  it("never offers more nodes for a pin no layout can honour (a context beyond the model's)", () => {
    const problems = problemsOf(() =>
      planEc2([
        ec2Pool({
          instanceType: "g5.xlarge",
          model: "Qwen/Qwen2.5-7B-Instruct",
          maxModelLen: 1048576,
        }),
      ]),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^gpufleet:pools\[0\]\.maxModelLen: 1048576 is longer than/),
    ]);
  });

  it("the stack config's planner (aws target) plans the group and refuses a bad count by key", () => {
    const models = [
      {
        id: LLAMA_405B.id,
        gated: true,
        config: { ...LLAMA_405B.arch },
      },
    ];
    const { plan } = planStackConfig("dev", {
      models,
      pools: [
        {
          name: "big",
          instanceType: "p5.48xlarge",
          count: 2,
          model: LLAMA_405B.id,
          quantization: "none",
        },
      ],
    });
    expect(plan.pools[0]!.replicas[0]!.multiNode?.ec2).toEqual({ groups: 1, efaInterfaces: 1 });
    expect(() =>
      planStackConfig("dev", {
        models,
        pools: [
          {
            name: "big",
            instanceType: "p5.48xlarge",
            count: 3,
            model: LLAMA_405B.id,
            quantization: "none",
          },
        ],
      }),
    ).toThrow(
      /gpufleet:pools\[0\]\.count: 3 instance\(s\) of p5\.48xlarge do not make whole groups/,
    );
  });

  it("property: every EC2 layout fits per GPU, nodes × GPUs per node = TP × PP = world size, groups × nodes = count", () => {
    const multiGpu = INSTANCE_TYPES.filter((t) => t.gpuCount >= 4 && !t.purchaseNote);
    fc.assert(
      fc.property(
        fc.constantFrom<ModelSpec>(...BIG_MODELS),
        fc.constantFrom(...multiGpu.map((t) => t.name)),
        fc.constantFrom<Quantization>("none", "fp8", "awq"),
        fc.integer({ min: 1, max: 12 }),
        (model, type, quantization, count) => {
          let plan;
          try {
            plan = planEc2([ec2Pool({ instanceType: type, model: model.id, quantization, count })]);
          } catch (err) {
            if (err instanceof PlanError) return;
            throw err;
          }
          const it = findInstanceType(type)!;
          const pool = plan.pools[0]!;
          for (const r of pool.replicas) {
            const m = r.memory;
            const used = m.weightsGiB + m.activationGiB + m.overheadGiB + m.kvCacheGiB;
            expect(used).toBeLessThanOrEqual(r.gpuMemoryUtilization * pool.gpu.memoryGiB + 1e-9);
            expect(m.kvTokens).toBeGreaterThanOrEqual(r.maxModelLen);
            const layout = r.multiNode;
            if (!layout) continue;
            const world = layout.tensorParallel * layout.pipelineParallel;
            expect(layout.nodes * layout.gpusPerNode).toBe(world);
            expect(layout.nodes).toBe(layout.pipelineParallel);
            expect(layout.nodes).toBeLessThanOrEqual(MAX_NODES);
            expect(layout.gpusPerNode).toBeLessThanOrEqual(it.gpuCount);
            expect(layout.ec2!.groups * layout.nodes).toBe(count);
            expect(layout.interconnect.acrossNodes).toBe(it.efaInterfaces > 0 ? "efa" : "tcp");
            expect(r.tensorParallel).toBe(layout.tensorParallel);
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 180_000);
});
