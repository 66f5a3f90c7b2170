// Pools sharing a host and its GPUs (planner/sharing.ts), through the config edge as a stack gives
// them: table tests for the seeds' shapes and refusals, a property test for the invariants.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig, planStack } from "../../config";
import { findGpu } from "../../planner/catalog/gpus";
import { PlanError } from "../../planner/plan";
import { MAX_GPU_SHARE_SUM } from "../../planner/sharing";
import type { FleetPlan } from "../../planner/types";

function plan(pools: unknown[], extra: Record<string, unknown> = {}): FleetPlan {
  return planStack(
    "home",
    parseStackConfig({ target: "docker", monitoring: { enabled: false }, pools, ...extra }),
  );
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PlanError) return err.problems;
    throw err;
  }
  throw new Error("expected a refusal");
}

/** Every GPU's budget, every port unique per host, every share honoured. */
function checkSharing(fleet: FleetPlan, shares: Map<string, number | undefined>): void {
  const perGpu = new Map<string, number>();
  const ports = new Map<string, Set<number>>();
  for (const pool of fleet.pools) {
    const placement = pool.placement!;
    expect(placement).toBeDefined();
    const used = ports.get(placement.host) ?? new Set<number>();
    ports.set(placement.host, used);
    expect(used.has(pool.proxyPort)).toBe(false);
    used.add(pool.proxyPort);
    const gpu = findGpu(pool.gpu.model)!;
    for (const r of pool.replicas) {
      const m = r.memory;
      expect(m.weightsGiB + m.activationGiB + m.overheadGiB + m.kvCacheGiB).toBeLessThanOrEqual(
        r.gpuMemoryUtilization * gpu.memoryGiB + 1e-9,
      );
      const pinned = shares.get(pool.name);
      if (pinned !== undefined) expect(r.gpuMemoryUtilization).toBe(pinned);
      expect(used.has(r.port)).toBe(false);
      used.add(r.port);
      if (r.engine === "vllm" || r.engine === "sglang") {
        expect(r.args[r.args.indexOf("--port") + 1]).toBe(String(r.port));
      }
      for (const g of r.gpus) {
        expect(placement.gpuIndices).toContain(g);
        const key = `${placement.host}#${g}`;
        perGpu.set(key, (perGpu.get(key) ?? 0) + r.gpuMemoryUtilization);
      }
    }
  }
  for (const sum of perGpu.values()) expect(sum).toBeLessThanOrEqual(MAX_GPU_SHARE_SUM + 1e-9);
}

describe("sharing a host and a GPU", () => {
  it("seed 001: an LLM, an embedding model and a reranker on one RTX 4090", () => {
    const fleet = plan([
      { name: "chat", gpu: "RTX-4090", gpuCount: 1, gpuShare: 0.7 },
      { name: "embed", gpu: "RTX-4090", gpuCount: 1, task: "embedding", gpuShare: 0.12 },
      { name: "rerank", gpu: "RTX-4090", gpuCount: 1, task: "rerank", gpuShare: 0.12 },
    ]);
    expect(fleet.pools.map((p) => [p.replicas[0]!.gpus, p.replicas[0]!.port, p.proxyPort])).toEqual(
      [
        [[0], 8000, 8080],
        [[0], 8001, 8081],
        [[0], 8002, 8082],
      ],
    );
    expect(fleet.pools.map((p) => p.replicas[0]!.gpuMemoryUtilization)).toEqual([0.7, 0.12, 0.12]);
    expect(fleet.pools[0]!.placement).toEqual({
      host: "unix:///var/run/docker.sock",
      gpuIndices: [0],
      share: 0.7,
      sharesWith: ["embed", "rerank"],
    });
    // The engine's own knob comes from the share: SGLang's static fraction is below its budget.
    const chat = fleet.pools[0]!.replicas[0]!;
    expect(chat.memoryKnob).toMatch(/^--(mem-fraction-static|gpu-memory-utilization) 0\.(6\d|70)$/);
    checkSharing(
      fleet,
      new Map([
        ["chat", 0.7],
        ["embed", 0.12],
        ["rerank", 0.12],
      ]),
    );
  });

  it("splits what pinned shares leave equally between the unset ones", () => {
    const fleet = plan([
      { name: "chat", gpu: "RTX-3090", gpuCount: 1, gpuMemoryUtilization: 0.6 },
      { name: "embed", gpu: "RTX-3090", gpuCount: 1, task: "embedding" },
      { name: "rerank", gpu: "RTX-3090", gpuCount: 1, task: "rerank" },
    ]);
    expect(fleet.pools.map((p) => p.replicas[0]!.gpuMemoryUtilization)).toEqual([0.6, 0.17, 0.17]);
    checkSharing(fleet, new Map([["chat", 0.6]]));
  });

  it("seed 000: an A4000 and an A5000 in one box, each pool on its own GPU", () => {
    const fleet = plan([
      { name: "a4000", gpu: "RTX-A4000", gpuCount: 2, gpuIndices: [0] },
      { name: "a5000", gpu: "RTX-A5000", gpuCount: 2, gpuIndices: [1] },
    ]);
    expect(
      fleet.pools.map((p) => [p.gpu.count, p.category, p.replicas.map((r) => r.gpus)]),
    ).toEqual([
      [1, "16gb", [[0]]],
      [1, "24gb", [[1]]],
    ]);
    expect(fleet.pools.map((p) => [p.replicas[0]!.port, p.proxyPort])).toEqual([
      [8000, 8080],
      [8001, 8081],
    ]);
    expect(fleet.pools.map((p) => p.placement!.sharesWith)).toEqual([[], []]);
    checkSharing(fleet, new Map());
  });

  it("pools on different hosts do not share ports or GPUs", () => {
    const fleet = plan([
      { name: "a", gpu: "T4", gpuCount: 1, dockerHost: "ssh://gpu@box-a" },
      { name: "b", gpu: "T4", gpuCount: 1, dockerHost: "ssh://gpu@box-b:2222" },
    ]);
    expect(fleet.pools.map((p) => [p.placement!.host, p.replicas[0]!.port, p.proxyPort])).toEqual([
      ["ssh://gpu@box-a", 8000, 8080],
      ["ssh://gpu@box-b:2222", 8000, 8080],
    ]);
    // Alone on its GPU a pool keeps the planner's own budget.
    expect(fleet.pools[0]!.replicas[0]!.gpuMemoryUtilization).toBeGreaterThan(0.8);
  });

  it.each([
    [
      "two pools whose shares over-commit a GPU",
      [
        { name: "chat", gpu: "RTX-4090", gpuCount: 1, gpuShare: 0.8 },
        { name: "embed", gpu: "RTX-4090", gpuCount: 1, task: "embedding", gpuShare: 0.3 },
      ],
      /^gpufleet:pools\[1\]\.gpuShare: GPU 0 of host unix:\/\/\/var\/run\/docker\.sock is over-committed: pools chat \(0\.8\), embed \(0\.3\) ask for 1\.1/,
    ],
    [
      "a GPU index beyond gpuCount",
      [{ name: "chat", gpu: "RTX-4090", gpuCount: 1, gpuIndices: [1] }],
      /^gpufleet:pools\[0\]\.gpuIndices\[0\]: GPU 1 is beyond gpuCount \(1\)/,
    ],
    [
      "two GPU models on one index",
      [
        { name: "a", gpu: "RTX-A4000", gpuCount: 2, gpuIndices: [0] },
        { name: "b", gpu: "RTX-A5000", gpuCount: 2 },
      ],
      /^gpufleet:pools\[1\]\.gpu: GPU 0 of host .* is a RTX-A4000 in pool a but a RTX-A5000 here/,
    ],
    [
      "two pinned proxy ports of one host",
      [
        { name: "a", gpu: "RTX-A4000", gpuCount: 2, gpuIndices: [0], proxyPort: 9000 },
        { name: "b", gpu: "RTX-A4000", gpuCount: 2, gpuIndices: [1], proxyPort: 9000 },
      ],
      /^gpufleet:pools\[1\]\.proxyPort: port 9000 of host .* is already pool a \(proxy\)'s proxy port/,
    ],
    [
      "pools of one host giving different GPU counts",
      [
        { name: "a", gpu: "T4", gpuCount: 1 },
        { name: "b", gpu: "T4", gpuCount: 2, gpuIndices: [1] },
      ],
      /^gpufleet:pools\[1\]\.gpuCount: host .* has 1 GPU\(s\) in pool a but 2 here/,
    ],
    [
      "a share that cannot hold its model",
      [
        { name: "chat", gpu: "RTX-4090", gpuCount: 1, gpuShare: 0.2, model: "saiga_nemo_12b" },
        { name: "embed", gpu: "RTX-4090", gpuCount: 1, task: "embedding" },
      ],
      /^gpufleet:pools\[0\]/,
    ],
  ])("refuses %s, naming the key", (_what, pools, pattern) => {
    const problems = problemsOf(() => plan(pools));
    expect(problems.some((p) => pattern.test(p))).toBe(true);
  });

  it("never over-commits a GPU, honours every share and keeps ports unique (property)", () => {
    const poolArb = fc.record({
      host: fc.constantFrom("unix:///var/run/docker.sock", "ssh://gpu@box"),
      task: fc.constantFrom("chat", "embedding", "rerank"),
      indices: fc.subarray([0, 1], { minLength: 1 }),
      share: fc.option(fc.constantFrom(0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.8), { nil: undefined }),
    });
    let planned = 0;
    fc.assert(
      fc.property(fc.array(poolArb, { minLength: 1, maxLength: 4 }), (arbs) => {
        const pools = arbs.map((a, i) => ({
          name: `p${i}`,
          gpu: "RTX-3090",
          gpuCount: 2,
          dockerHost: a.host,
          task: a.task,
          gpuIndices: a.indices,
          ...(a.share !== undefined ? { gpuShare: a.share } : {}),
        }));
        let fleet: FleetPlan;
        try {
          fleet = plan(pools);
        } catch (err) {
          expect(err instanceof PlanError || err instanceof ConfigError).toBe(true);
          for (const p of (err as PlanError).problems) expect(p).toMatch(/^gpufleet:pools\[\d+\]/);
          return;
        }
        planned++;
        checkSharing(fleet, new Map(arbs.map((a, i) => [`p${i}`, a.share])));
      }),
      { numRuns: 60, seed: 14 },
    );
    expect(planned).toBeGreaterThan(10);
  });
});
