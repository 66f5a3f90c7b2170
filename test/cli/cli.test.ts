import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { FleetPlan } from "../../planner/types";
import { runCli, stackFile, type CliRun } from "./harness";

const ROOT = path.join(__dirname, "../..");

function run(...args: string[]): Promise<CliRun> {
  return runCli(args);
}

describe("gpufleet plan", () => {
  it("prints the dev stack's plan as a table", async () => {
    const r = await run("plan", "--config", path.join(ROOT, "Pulumi.dev.yaml"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/gpufleet plan — stack dev/);
    expect(r.out).toMatch(/pool a10g: 1 × g5\.\dxlarge/);
    expect(r.out).toMatch(/pool a100: 1 × p4d\.24xlarge — 8 × A100-40GB/);
    expect(r.out).toMatch(/why engine:/);
  });

  it("follows the plan-JSON contract (docs/ARCHITECTURE.md)", async () => {
    const r = await run("plan", "--config", path.join(ROOT, "Pulumi.dev.yaml"), "--format", "json");
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.out) as FleetPlan;
    expect(plan.stack).toBe("dev");
    expect(typeof plan.costPerHour).toBe("number");
    // costPerHour is the whole fleet's; costBreakdown names its parts, GPU pools first.
    const items = plan.costBreakdown!.items;
    expect(plan.costPerHour).toBeCloseTo(
      items.reduce((sum, i) => sum + i.usdPerHour, 0),
      2, // the total is rounded to a tenth of a cent
    );
    expect(items.map((i) => i.item)).toEqual(
      expect.arrayContaining(["GPU pool a10g", "GPU pool a100", "load balancer", "NAT gateways"]),
    );
    expect(plan.costBreakdown!.pricesRegion).toBe("us-east-1");
    for (const pool of plan.pools) {
      expect(Object.keys(pool)).toEqual(
        expect.arrayContaining([
          "name",
          "instanceType",
          "count",
          "gpu",
          "category",
          "costPerHour",
          "proxyPort",
          "replicas",
        ]),
      );
      expect(Object.keys(pool.gpu).sort()).toEqual([
        "computeCapability",
        "count",
        "memoryGiB",
        "model",
      ]);
      for (const rep of pool.replicas) {
        expect(Object.keys(rep)).toEqual(
          expect.arrayContaining([
            "gpus",
            "tensorParallel",
            "port",
            "engine",
            "image",
            "model",
            "maxModelLen",
            "gpuMemoryUtilization",
            "kvCacheDtype",
            "maxNumSeqs",
            "memory",
            "args",
            "env",
            "warnings",
          ]),
        );
        expect(Object.keys(rep.model)).toEqual(
          expect.arrayContaining(["id", "servedName", "paramsB", "dtype", "quantization"]),
        );
        expect(Object.keys(rep.memory).sort()).toEqual(
          [
            "activationGiB",
            "kvBytesPerToken",
            "kvCacheGiB",
            "kvTokens",
            "overheadGiB",
            "weightsGiB",
          ].sort(),
        );
        expect(rep.image).toMatch(/:[\w.-]+$/);
      }
    }
    // The GPU pools are the bill's first items, each the pool's own costPerHour.
    expect(items.slice(0, plan.pools.length).map((i) => i.usdPerHour)).toEqual(
      plan.pools.map((p) => p.costPerHour),
    );
  });

  it("prints markdown for pull requests", async () => {
    const r = await run(
      "plan",
      "--config",
      path.join(ROOT, "Pulumi.dev.yaml"),
      "--format",
      "markdown",
    );
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^### gpufleet plan — stack `dev`/);
    expect(r.out).toMatch(/\| GPUS \| PORT \| MODEL \|/);
  });

  it("exits 2 with one line per problem on stderr, naming the config path", async () => {
    const file = stackFile(
      "config:\n  gpufleet:pools:\n    - name: a\n      instanceType: g5.3xlarge\n    - name: b\n      instanceType: g5.xlarge\n      tensorParallel: 2\n",
    );
    const r = await run("plan", "--config", file);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const lines = r.err.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(
        /^gpufleet:pools\[0\]\.instanceType: unknown instance type "g5\.3xlarge"; known g5\.\* types: /,
      ),
      expect.stringMatching(
        /^gpufleet:pools\[1\]\.tensorParallel: 2 does not divide the pool's 1 GPU/,
      ),
    ]);
  });

  it("reports every problem at once: a bad pool name beside an unknown type and an impossible context", async () => {
    const file = stackFile(
      [
        "config:",
        "  gpufleet:pools:",
        "    - name: Bad_Name",
        "      instanceType: g5.3xlarge",
        "    - name: b",
        "      instanceType: g5.xlarge",
        "      model: Qwen/Qwen2.5-7B-Instruct",
        "      maxModelLen: 1048576",
        "    - name: c",
        "      instanceType: g5.xlarge",
        "      enigne: vllm",
        "      tensorParallel: 2",
        "",
      ].join("\n"),
    );
    const r = await run("plan", "--config", file);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    const lines = r.err.trim().split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gpufleet:pools\[0\]\.name: must be DNS-safe/),
        expect.stringMatching(
          /^gpufleet:pools\[0\]\.instanceType: unknown instance type "g5\.3xlarge"/,
        ),
        expect.stringMatching(/^gpufleet:pools\[1\]\.maxModelLen: /),
        expect.stringMatching(/^gpufleet:pools\[2\]\.enigne: unknown key/),
        expect.stringMatching(/^gpufleet:pools\[2\]\.tensorParallel: 2 does not divide/),
      ]),
    );
    expect(lines).toHaveLength(5);
  });

  it("plans --config FILE as the stack its name gives, and requires --stack for any other name", async () => {
    const body =
      "config:\n  gpufleet:loadBalancer: {adminRoutes: private}\n  gpufleet:pools:\n    - name: a\n      instanceType: g5.xlarge\n";
    const named = await run(
      "plan",
      "--config",
      stackFile(body, "Pulumi.staging.yaml"),
      "-f",
      "json",
    );
    expect((JSON.parse(named.out) as FleetPlan).stack).toBe("staging");
    const other = stackFile(body, "fleet.yaml");
    const refused = await run("plan", "--config", other);
    expect(refused.code).toBe(2);
    expect(refused.err.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^--stack: required with --config fleet\.yaml: its name is not Pulumi\.<stack>\.yaml/,
      ),
    ]);
    const given = await run("plan", "--config", other, "--stack", "prod", "-f", "json");
    expect(given.code).toBe(0);
    expect((JSON.parse(given.out) as FleetPlan).stack).toBe("prod");
  });

  it("exits 2 on schema errors and on unknown options", async () => {
    const file = stackFile(
      "config:\n  gpufleet:pools:\n    - name: a\n      instanceType: g5.xlarge\n      enigne: vllm\n",
    );
    const r = await run("plan", "--config", file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^gpufleet:pools\[0\]\.enigne: unknown key/m);
    expect((await run("plan", "--format", "yaml")).code).toBe(2);
  });
});

describe("gpufleet calibrate", () => {
  it("prints every case and exits 0 when all judged cases are within bounds", async () => {
    const r = await run("calibrate");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\d+\/\d+ judged cases within bounds/);
  });
});

describe("quota needs", () => {
  it("sums the vCPUs of each EC2 on-demand quota over the fleet", async () => {
    const r = await run("plan", "--config", path.join(ROOT, "Pulumi.dev.yaml"));
    const json = JSON.parse(
      (await run("plan", "--config", path.join(ROOT, "Pulumi.dev.yaml"), "--format", "json")).out,
    ) as FleetPlan;
    const g = json.pools
      .filter((p) => p.vcpuQuota?.quota === "G and VT")
      .reduce((s, p) => s + p.vcpuQuota!.vcpus, 0);
    const p = json.pools
      .filter((x) => x.vcpuQuota?.quota === "P")
      .reduce((s, x) => s + x.vcpuQuota!.vcpus, 0);
    expect(r.out).toContain(
      `${g} vCPUs of "Running On-Demand G and VT instances", ${p} vCPUs of "Running On-Demand P instances"`,
    );
    expect(p).toBe(96); // one p4d.24xlarge
  });
});

describe("plain-text secrets", () => {
  it("plans, but warns on stderr without echoing the value", async () => {
    const file = stackFile(
      "config:\n  gpufleet:loadBalancer: {adminRoutes: private}\n  gpufleet:hfToken: hf_plaintextSECRET\n  gpufleet:gatewayApiKeys:\n    openai: sk-plainSECRET\n  gpufleet:pools:\n    - name: a\n      instanceType: g5.xlarge\n",
    );
    const r = await run("plan", "--config", file);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(
      /^warning: gpufleet:hfToken is stored in plain text .*pulumi config set --secret gpufleet:hfToken/m,
    );
    expect(r.err).toMatch(/^warning: gpufleet:gatewayApiKeys\.openai is stored in plain text/m);
    expect(`${r.out}${r.err}`).not.toContain("SECRET");
  });
});

describe("gpufleet bench through the real bin", () => {
  // The command loads its module on demand: prove the shipped entry point can load it (an import()
  // of the TypeScript sources once failed there while every in-process test passed).
  const bin = path.join(ROOT, "bin/gpufleet.js");
  const runBin = (...args: string[]) =>
    spawnSync(process.execPath, [bin, "bench", ...args], { cwd: ROOT, encoding: "utf8" });

  it("prints its help", () => {
    const r = runBin("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Usage: gpufleet bench");
  });

  it("refuses an API key given as a flag value with exit 2", () => {
    const r = runBin("--url", "http://127.0.0.1:9/", "--api-key", "sk-not-on-argv");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--api-key");
  });
});
