// The Pulumi program under the SDK's mocks: config from pulumi.runtime.setAllConfig, plan exported.
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { FleetPlan } from "../../planner/types";
import { createOfflineMocks } from "../../cli/offline-mocks";
import { knownValue } from "../outputs";

const created: string[] = [];

async function runProgram(
  config: Record<string, string>,
  dryRun: boolean,
): Promise<Record<string, unknown>> {
  vi.resetModules();
  created.length = 0;
  const offline = createOfflineMocks({ project: "gpufleet", stack: "dev" }).mocks;
  await pulumi.runtime.setMocks(
    {
      // Realistic state (ids, ARNs, the ALB's dnsName: in a preview, outputs a mock leaves out are
      // unknown) and
      // answers for the data sources the program reads, from the offline mocks; anything else
      // throws
      // ("offline mocks have no answer for <token>").
      newResource: (args) => {
        created.push(`${args.type}::${args.name}`);
        return offline.newResource(args);
      },
      call: (args) => offline.call(args),
    },
    "gpufleet",
    "dev",
    dryRun,
  );
  pulumi.runtime.setAllConfig(config);
  const mod = (await import("../../targets/aws.js")) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(mod)) {
    out[k] = pulumi.Output.isInstance(v) ? await knownValue(v, k) : v;
  }
  // Registrations no export depends on (listener rules, …) must land in this run, not in the next
  // test's record.
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return out;
}

const DEV = {
  "aws:region": "us-east-1",
  "gpufleet:pools": JSON.stringify([
    { name: "a10g", instanceType: "g5.2xlarge", model: "auto", engine: "auto" },
    { name: "a100", instanceType: "p4d.24xlarge", model: "auto", engine: "auto" },
  ]),
  // No certificate: the admin interfaces stay off the load balancer (issue 11 item 4).
  "gpufleet:loadBalancer": JSON.stringify({ adminRoutes: "private" }),
};

describe("index.ts under mocks", () => {
  beforeEach(() => {
    created.length = 0;
  });

  it.each([true, false])(
    "plans from pulumi config and exports the plan (preview=%s)",
    async (dryRun) => {
      const out = await runProgram(DEV, dryRun);
      const plan = out.plan as FleetPlan;
      expect(plan.stack).toBe("dev");
      expect(plan.pools.map((p) => p.name)).toEqual(["a10g", "a100"]);
      expect(out.costPerHour).toBe(plan.costPerHour);
      expect(out.servedModels).toEqual({
        a10g: [plan.pools[0]!.replicas[0]!.model.servedName],
        a100: [plan.pools[1]!.replicas[0]!.model.servedName],
      });
    },
  );

  it("throws before creating anything when the config is bad, listing every problem with its path", async () => {
    const bad = {
      "gpufleet:pools": JSON.stringify([
        { name: "a", instanceType: "g5.3xlarge" },
        { name: "b", instanceType: "g5.xlarge", maxModelLen: 10 },
      ]),
      "gpufleet:extra": "1",
    };
    const err = await runProgram(bad, true).then(
      () => new Error("no error"),
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(/gpufleet:extra: unknown key/);
    expect(err.message).toMatch(/gpufleet:pools\[1\]\.maxModelLen: /);
    expect(created).toEqual([]);
  });
});
