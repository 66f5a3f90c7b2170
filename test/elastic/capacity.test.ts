// Config `capacity` / `scaling` and the multi-type planner: every instance type planned on its own,
// prices with their assumptions, and bad input refused by key.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig, toPlanInput } from "../../config";
import { findInstanceType } from "../../planner/catalog/instances";
import { spotRatioOf } from "../../planner/catalog/spot";
import {
  coldStartOf,
  fleetSpotCostPerHour,
  planElasticFleet,
  poolVariants,
} from "../../planner/capacity";
import { PlanError } from "../../planner/plan";
import type { FleetPlan } from "../../planner/types";
import { formatMarkdown, formatTable } from "../../planner/format";
import { SPOT_POOL } from "./helpers";
import { runCli } from "../cli/harness";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function plan(raw: Record<string, unknown>, stack = "elastic"): FleetPlan {
  return planElasticFleet(toPlanInput(stack, parseStackConfig(raw)));
}

/** Every problem, config first (ConfigError), then the planner's (PlanError). */
function problems(raw: Record<string, unknown>): string[] {
  try {
    plan(raw);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PlanError) return err.problems;
    throw err;
  }
  throw new Error("expected bad input to be refused");
}

describe("capacity planning", () => {
  it("plans every instance type on its own, all serving the pool's model", () => {
    const fleet = plan({ pools: [SPOT_POOL] });
    const pool = fleet.pools[0]!;
    const variants = poolVariants(pool);
    expect(variants.map((v) => v.instanceType)).toEqual([
      "g5.2xlarge",
      "g6e.xlarge",
      "g6.2xlarge",
      "g5.12xlarge",
    ]);
    // One served model across types; the rest is each type's own plan.
    expect(new Set(variants.flatMap((v) => v.replicas.map((r) => r.model.servedName)))).toEqual(
      new Set([pool.replicas[0]!.model.servedName]),
    );
    expect(variants.map((v) => v.gpu.model)).toEqual(["A10G", "L40S", "L4", "A10G"]);
    expect(variants.map((v) => v.replicas.length)).toEqual([1, 1, 1, 4]);
    // The 48 GB L40S holds more context than the 24 GB cards: planned, not copied.
    const l40s = variants[1]!.replicas[0]!;
    expect(l40s.memory.kvTokens).toBeGreaterThan(pool.replicas[0]!.memory.kvTokens);
    expect(pool.capacity).toMatchObject({ onDemandBase: 1, spot: true, reservation: null });
    expect(pool.capacity!.coldStartSeconds).toBe(Math.max(...variants.map(coldStartOf)));
  });

  it("prices spot as a range from the sampled shares, the on-demand floor at on-demand", () => {
    const pool = plan({ pools: [SPOT_POOL] }).pools[0]!;
    const c = pool.capacity!;
    const od = (t: string): number => findInstanceType(t)!.pricePerHour;
    expect(c.cost.onDemandPerHour).toBe(pool.costPerHour);
    const lows = ["g5.2xlarge", "g6e.xlarge", "g6.2xlarge", "g5.12xlarge"].map(
      (t) => spotRatioOf(t)!.low * od(t),
    );
    const highs = ["g5.2xlarge", "g6e.xlarge", "g6.2xlarge", "g5.12xlarge"].map(
      (t) => spotRatioOf(t)!.high * od(t),
    );
    // count 2, base 1: one on-demand g5.2xlarge and one spot instance of any type.
    expect(c.cost.withSpotPerHour!.low).toBeCloseTo(od("g5.2xlarge") + Math.min(...lows), 2);
    expect(c.cost.withSpotPerHour!.high).toBeCloseTo(od("g5.2xlarge") + Math.max(...highs), 2);
    expect(c.cost.assumptions.join("\n")).toMatch(/on-demand base of 1/);
    expect(c.cost.assumptions.join("\n")).toMatch(/skypilot-catalog/);
    const table = formatTable(plan({ pools: [SPOT_POOL] }));
    expect(table).toMatch(/with spot: \$\d+\.\d\d–\$\d+\.\d\d\/h/);
    for (const t of ["g6e.xlarge", "g6.2xlarge", "g5.12xlarge"])
      expect(table).toContain(`or ${t}:`);
    expect(formatMarkdown(plan({ pools: [SPOT_POOL] }))).toContain("| g6e.xlarge |");
  });

  it("a family without a spot sample shows spot at most on-demand, never a made-up range", () => {
    const pool = plan({
      pools: [{ name: "t4", instanceType: "g4dn.xlarge", capacity: { spot: true } }],
    }).pools[0]!;
    expect(pool.capacity!.cost.withSpotPerHour).toBeNull();
    expect(pool.capacity!.cost.assumptions.join("\n")).toMatch(/at most its on-demand price/);
  });

  it("without capacity the plan is the planner's own", () => {
    const fleet = plan({ pools: [{ name: "a", instanceType: "g5.xlarge" }] });
    expect(fleet.pools[0]!.capacity).toBeUndefined();
    expect(fleetSpotCostPerHour(fleet)).toBeNull();
  });

  it("the spot range always lies between the all-spot floor and on-demand (property)", () => {
    // Types of one category (24 GB): each plans the same model.
    const types = ["g5.xlarge", "g5.2xlarge", "g5.4xlarge", "g6.xlarge", "g6.2xlarge"];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 8 }),
        fc.shuffledSubarray(types, { minLength: 1, maxLength: 3 }),
        (count, base, alts) => {
          const [first, ...rest] = alts;
          const pool = plan({
            pools: [
              {
                name: "p",
                instanceType: first,
                count,
                maxCount: 8,
                capacity: { spot: true, onDemandBase: base, instanceTypes: rest },
              },
            ],
          }).pools[0]!;
          const range = pool.capacity!.cost.withSpotPerHour!;
          expect(range.low).toBeLessThanOrEqual(range.high);
          const maxOd = Math.max(...alts.map((t) => findInstanceType(t)!.pricePerHour));
          expect(range.high).toBeLessThanOrEqual(count * maxOd + 0.001);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("capacity bad input: exit 2 naming the key", () => {
  it.each([
    [
      "an instance type with no GPU plan",
      { ...SPOT_POOL, capacity: { spot: true, instanceTypes: ["m5.xlarge"] } },
      /^gpufleet:pools\[0\]\.capacity\.instanceTypes\[0\]: no plan for m5\.xlarge .*unknown instance type/,
    ],
    [
      "onDemandBase above maxCount",
      { ...SPOT_POOL, capacity: { spot: true, onDemandBase: 7 } },
      /^gpufleet:pools\[0\]\.capacity\.onDemandBase: must be at most maxCount \(6\)/,
    ],
    [
      "a reservation id of the wrong shape",
      { ...SPOT_POOL, capacity: { reservation: { id: "cr-123" } } },
      /^gpufleet:pools\[0\]\.capacity\.reservation\.id: must be a capacity reservation id/,
    ],
    [
      "types of different GPU counts without a plan for each",
      {
        name: "big",
        instanceType: "g5.12xlarge",
        tensorParallel: 4,
        capacity: { instanceTypes: ["g5.2xlarge"] },
      },
      /^gpufleet:pools\[0\]\.capacity\.instanceTypes\[0\]: no plan for g5\.2xlarge \(tensorParallel\)/,
    ],
    [
      "a model the other type cannot hold",
      { name: "l40s", instanceType: "g6e.xlarge", capacity: { instanceTypes: ["g4dn.xlarge"] } },
      /^gpufleet:pools\[0\]\.capacity\.instanceTypes\[0\]: no plan for g4dn\.xlarge.*every type serves the model/,
    ],
    [
      "a Capacity Block with spot",
      {
        name: "h200",
        instanceType: "p5e.48xlarge",
        capacity: {
          spot: true,
          reservation: { kind: "capacityBlock", id: "cr-0123456789abcdef0" },
        },
      },
      /^gpufleet:pools\[0\]\.capacity\.spot: a Capacity Block pool runs in its block only/,
    ],
    [
      "capacity on own hardware",
      { name: "home", gpu: "RTX-4090", gpuCount: 1, capacity: { spot: true } },
      /^gpufleet:pools\[0\]\.capacity: only for an EC2 pool/,
    ],
    [
      "scaling without room",
      { name: "a", instanceType: "g5.xlarge", scaling: {} },
      /^gpufleet:pools\[0\]\.scaling: needs room to scale/,
    ],
    [
      "a schedule that changes nothing",
      { ...SPOT_POOL, scaling: { schedules: [{ name: "night", recurrence: "0 20 * * *" }] } },
      /^gpufleet:pools\[0\]\.scaling\.schedules\[0\]: set at least one of/,
    ],
  ])("%s", (_what, pool, expected) => {
    const found = problems({ pools: [pool] });
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it("reports problems of several types and pools at once", () => {
    const found = problems({
      pools: [
        { ...SPOT_POOL, capacity: { spot: true, instanceTypes: ["m5.xlarge", "c5.large"] } },
        { name: "b", instanceType: "g5.xlarge", capacity: { instanceTypes: ["x1.large"] } },
      ],
    });
    expect(found.filter((p) => p.includes("no plan for"))).toHaveLength(3);
  });

  it("the CLI exits 2 on it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gpufleet-elastic-"));
    const file = join(dir, "Pulumi.bad.yaml");
    writeFileSync(
      file,
      `config:\n  gpufleet:pools:\n    - name: chat\n      instanceType: g5.2xlarge\n      capacity:\n        spot: true\n        instanceTypes: [m5.xlarge]\n`,
    );
    const { code, err } = await runCli(["plan", "--config", file]);
    expect(code).toBe(2);
    expect(err).toMatch(/gpufleet:pools\[0\]\.capacity\.instanceTypes\[0\]: no plan for/);
  }, 120_000);
});
