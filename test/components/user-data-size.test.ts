// The largest stack the config accepts, under the mocks: eight replicas of every engine on
// p4d.24xlarge, an elastic pool over twenty instance types, the gateway and monitoring. Every user
// data EC2 receives stays far under its 16,384 bytes, because the pools' files travel in the
// stack's bucket (cloud-init/boot-files.ts) and each launch template's user data only loads them.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { EC2_USER_DATA_LIMIT } from "../../cloud-init";
import { poolVariants } from "../../planner/capacity";
import { ENGINE_IDS, type FleetPlan } from "../../planner/types";
import { TWENTY_TYPES } from "../cloud-init/fixtures";
import { T, bootFilesOf, ofType, runFleet, userDataOf } from "./harness";

const LARGEST = {
  pools: [
    ...ENGINE_IDS.map((engine) => ({
      name: `p4d-${engine}`,
      instanceType: "p4d.24xlarge",
      count: 1,
      model: "Qwen/Qwen2.5-7B-Instruct",
      engine,
      tensorParallel: 1,
    })),
    {
      name: "elastic",
      instanceType: "g5.48xlarge",
      count: 2,
      minCount: 1,
      maxCount: 8,
      model: "Vikhrmodels/QVikhr-3-8B-Instruction",
      engine: "vllm",
      tensorParallel: 1,
      capacity: { spot: true, onDemandBase: 1, instanceTypes: TWENTY_TYPES },
      scaling: { targetWaitingPerInstance: 4 },
    },
  ],
  gateway: { enabled: true },
  monitoring: { enabled: true },
};

describe("user data of the largest stack", () => {
  it("every launch template's user data is under 3,000 bytes plain (a margin over 13,000), whatever its pool carries", async () => {
    const run = await runFleet(LARGEST, { stack: "production" });
    expect(run.error).toBeUndefined();
    const elastic = (run.outputs.plan!.value as FleetPlan).pools.find((p) => p.name === "elastic")!;
    expect(poolVariants(elastic)).toHaveLength(20);
    const lts = ofType(run, T.launchTemplate);
    expect(lts).toHaveLength(ENGINE_IDS.length + 1);
    const sizes: Record<string, { plain: number; gzipped: number; files: number }> = {};
    for (const lt of lts) {
      const { text, gzipped } = userDataOf(lt);
      const plain = Buffer.from(String(lt.inputs.userData), "base64");
      expect(gzipped).toBe(false);
      const boot = await bootFilesOf(run, lt);
      sizes[lt.name] = {
        plain: plain.length,
        gzipped: gzipSync(plain, { level: 9 }).length,
        files: [...boot.files.values()].reduce((n, f) => n + f.content.length, 0),
      };
      expect(plain.length, lt.name).toBeLessThanOrEqual(3000);
      expect(EC2_USER_DATA_LIMIT - plain.length, lt.name).toBeGreaterThanOrEqual(13_000);
      expect(text).toMatch(/^#cloud-config\n/);
    }
    if (process.env.GPUFLEET_PRINT_SIZES) console.log(JSON.stringify(sizes, null, 1));
    // What the pools carry is many times the limit: 8 replica units each, 94 across the elastic
    // pool's twenty plans.
    expect(sizes["gpufleet-elastic-lt"]!.files).toBeGreaterThan(20 * EC2_USER_DATA_LIMIT);
    for (const engine of ENGINE_IDS)
      expect(sizes[`gpufleet-p4d-${engine}-lt`]!.files).toBeGreaterThan(3 * EC2_USER_DATA_LIMIT);
    // The monitoring host's user data (its configuration is in its own bucket) fits too.
    const host = ofType(run, "aws:ec2/instance:Instance")[0]!;
    const hostBody = Buffer.from(String(host.inputs.userDataBase64), "base64");
    expect(hostBody.length).toBeLessThanOrEqual(EC2_USER_DATA_LIMIT);
  });
});
