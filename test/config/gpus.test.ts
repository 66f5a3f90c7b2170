// gpufleet:gpus — GPUs the catalog lacks, defined by the stack: validated at the edge (exit 2 naming
// the key), then planned like catalog GPUs.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig, toPlanInput } from "../../config";
import { runCli } from "../cli/harness";
import { PlanError, planFleet } from "../../planner/plan";
import { categoryOf } from "../../planner/policy";

// An RTX 4060 Ti 16 GB: 16,380 MiB in nvidia-smi, ~15.6 GiB for CUDA (like the RTX 4080's 16 GB),
// compute capability 8.9, 18 Gbps GDDR6 x 128-bit = 288 GB/s (NVIDIA specs, read 2026-12-01).
const RTX_4060_TI_16GB = {
  id: "RTX-4060-TI-16GB",
  nvidiaSmiName: "NVIDIA GeForce RTX 4060 Ti",
  memoryGiB: 15.6,
  computeCapability: "8.9",
  memoryBandwidthGBs: 288,
  pricePerHour: 0.04,
};

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("gpufleet:gpus", () => {
  it("plans a pool on a GPU the stack defines, with its figures (any case, spaces for hyphens)", () => {
    const cfg = parseStackConfig({
      gpus: [RTX_4060_TI_16GB],
      pools: [{ name: "home", gpu: "rtx 4060 ti 16gb", gpuCount: 1 }],
    });
    const input = toPlanInput("t", cfg);
    expect(input.pools[0]!.gpu).toBe("RTX-4060-TI-16GB");
    expect(input.pools[0]!.gpuSpec).toEqual({
      id: "RTX-4060-TI-16GB",
      nvidiaSmiName: "NVIDIA GeForce RTX 4060 Ti",
      architecture: "ada",
      memoryGiB: 15.6,
      computeCapability: "8.9",
      memoryBandwidthGBs: 288,
      cloud: false,
      pricePerHour: 0.04,
    });
    const pool = planFleet(input).pools[0]!;
    expect(pool.gpu).toEqual({
      model: "RTX-4060-TI-16GB",
      count: 1,
      memoryGiB: 15.6,
      computeCapability: "8.9",
    });
    expect(pool.category).toBe("16gb");
    for (const r of pool.replicas) {
      const m = r.memory;
      expect(m.weightsGiB + m.activationGiB + m.overheadGiB + m.kvCacheGiB).toBeLessThanOrEqual(
        r.gpuMemoryUtilization * 15.6 + 1e-9,
      );
    }
  });

  it("refuses impossible figures, every one at once, each naming its key", () => {
    const p = problems({
      gpus: [
        { ...RTX_4060_TI_16GB, id: "a", memoryGiB: 0 },
        { ...RTX_4060_TI_16GB, id: "b", memoryGiB: 16384 },
        { ...RTX_4060_TI_16GB, id: "c", computeCapability: "5.2" },
        { ...RTX_4060_TI_16GB, id: "d", computeCapability: "8.6.1" },
        { ...RTX_4060_TI_16GB, id: "e", memoryBandwidthGBs: 288_000 },
        { ...RTX_4060_TI_16GB, id: "f", pricePerHour: -1 },
        { ...RTX_4060_TI_16GB, id: "RTX 4090" },
        { ...RTX_4060_TI_16GB, id: "g" },
        { ...RTX_4060_TI_16GB, id: "G" },
        { ...RTX_4060_TI_16GB, id: "h", memoryGB: 16 },
      ],
      pools: [{ name: "a", gpu: "g", gpuCount: 1 }],
    });
    expect(p).toEqual([
      expect.stringMatching(/^gpufleet:gpus\[0\]\.memoryGiB: must be more than 1 GiB/),
      expect.stringMatching(/^gpufleet:gpus\[1\]\.memoryGiB: no GPU has more than 1024 GiB/),
      expect.stringMatching(
        /^gpufleet:gpus\[2\]\.computeCapability: "5\.2" is no compute capability/,
      ),
      expect.stringMatching(/^gpufleet:gpus\[3\]\.computeCapability: "8\.6\.1" is no compute/),
      expect.stringMatching(/^gpufleet:gpus\[4\]\.memoryBandwidthGBs: no GPU has more than 20,000/),
      expect.stringMatching(/^gpufleet:gpus\[5\]\.pricePerHour: /),
      expect.stringMatching(/^gpufleet:gpus\[6\]\.id: "RTX 4090" is the catalog's RTX-4090/),
      expect.stringMatching(/^gpufleet:gpus\[9\]\.memoryGB: unknown key/),
      expect.stringMatching(/^gpufleet:gpus\[8\]\.id: gpu id "g" is also gpufleet:gpus\[7\]\.id/),
    ]);
  });

  it("the CLI exits 2 on a bad GPU definition, naming the key", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gpufleet-gpus-"));
    const file = path.join(dir, "Pulumi.t.yaml");
    writeFileSync(
      file,
      [
        "config:",
        "  gpufleet:gpus:",
        "    - id: my-card",
        "      nvidiaSmiName: NVIDIA GeForce RTX 4060 Ti",
        "      memoryGiB: -15.6",
        '      computeCapability: "8.9"',
        "      memoryBandwidthGBs: 288",
        "  gpufleet:pools:",
        "    - name: home",
        "      gpu: my-card",
        "      gpuCount: 1",
        "",
      ].join("\n"),
    );
    const { code, out, err } = await runCli(["plan", "--config", file]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err.trim().split("\n")).toEqual([
      expect.stringMatching(/^gpufleet:gpus\[0\]\.memoryGiB: must be more than 1 GiB/),
    ]);
  });

  it("property: any plausible definition is planned within its memory, or refused by name", () => {
    const ccs = ["6.1", "7.0", "7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "12.0"];
    fc.assert(
      fc.property(
        fc.double({ min: 4, max: 200, noNaN: true }),
        fc.constantFrom(...ccs),
        fc.integer({ min: 100, max: 8000 }),
        fc.integer({ min: 1, max: 8 }),
        (memoryGiB, computeCapability, bw, gpuCount) => {
          const gib = Math.round(memoryGiB * 10) / 10;
          const cfg = parseStackConfig({
            gpus: [
              {
                ...RTX_4060_TI_16GB,
                id: "x",
                memoryGiB: gib,
                computeCapability,
                memoryBandwidthGBs: bw,
              },
            ],
            pools: [{ name: "p", gpu: "X", gpuCount }],
          });
          try {
            const pool = planFleet(toPlanInput("t", cfg)).pools[0]!;
            expect(pool.gpu.memoryGiB).toBe(gib);
            expect(pool.category).toBe(categoryOf(gib));
            for (const r of pool.replicas) {
              const m = r.memory;
              expect(
                m.weightsGiB + m.activationGiB + m.overheadGiB + m.kvCacheGiB,
              ).toBeLessThanOrEqual(r.gpuMemoryUtilization * gib + 1e-9);
            }
          } catch (e) {
            if (!(e instanceof PlanError)) throw e;
            for (const line of e.problems) expect(line).toMatch(/^gpufleet:pools\[0\]/);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
