// Every stack `npm run bench` plans or previews is one the program accepts, with the shape the
// benchmark says it measures: a benchmark of a refused stack measures nothing (the preview part of
// `npm run bench` once failed on the admin-route check while every test passed).
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { parseStackConfig, toPlanInput } from "../../config";
import { planFleet } from "../../planner/plan";
import {
  generatedStack,
  kubernetesStack,
  previewStack,
  spotPreviewStack,
} from "../../scripts/bench-stacks";
import { runCli, stackFile } from "../cli/harness";

interface PreviewJson {
  resources: Array<{ type: string; name: string; inputs: Record<string, unknown> }>;
}

async function preview(
  config: Record<string, unknown>,
  program: "aws" | "kubernetes" = "aws",
): Promise<PreviewJson> {
  const r = await runCli(
    ["preview", "--config", stackFile(stringify({ config }), "Pulumi.bench.yaml"), "--json"],
    { program },
  );
  // Warnings (plain-text token, no allowed CIDRs) are what a user of such a stack sees too.
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as PreviewJson;
}

const ofType = (doc: PreviewJson, type: string) => doc.resources.filter((x) => x.type === type);

describe("npm run bench's stacks", () => {
  it("the generated plan stacks plan, as the benchmark runs them", () => {
    for (const n of [1, 10, 100]) {
      const plan = planFleet(toPlanInput("bench", parseStackConfig(generatedStack(n))));
      expect(plan.pools).toHaveLength(n);
    }
  });

  it("the preview stack: one target group per pool, monitoring on with its admin route private", async () => {
    const doc = await preview(previewStack(3));
    expect(
      ofType(doc, "aws:lb/targetGroup:TargetGroup").filter((t) => /pool-\d/.test(t.name)),
    ).toHaveLength(3);
    expect(ofType(doc, "gpufleet:aws:Monitoring")).toHaveLength(1);
  });

  it("the spot stack: every pool elastic, with scaling policies", async () => {
    const doc = await preview(spotPreviewStack(3));
    expect(ofType(doc, "aws:autoscaling/group:Group").length).toBeGreaterThanOrEqual(3);
    expect(ofType(doc, "aws:autoscaling/policy:Policy").length).toBeGreaterThanOrEqual(3);
  });

  it("the kubernetes stack: the 405B pool spans nodes", async () => {
    const doc = await preview(kubernetesStack(4), "kubernetes");
    expect(doc.resources.some((x) => x.type.includes("LeaderWorkerSet"))).toBe(true);
  });
});
