// The bootstrap's driver check, run for real with bash under a temporary root: a stub nvidia-smi on
// PATH reports the host's driver; the plan carries the lowest driver its images' CUDA needs.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { planFleet } from "../../planner/plan";
import type { PoolPlan, PoolSpec } from "../../planner/types";
import { CONTEXT } from "./fixtures";
import { createSandbox, type Sandbox } from "./sandbox-helpers";
import { describeRun } from "../tools";

vi.setConfig({ testTimeout: 120_000 });

let sandbox: Sandbox | undefined;
let extraDir: string | undefined;
afterEach(() => {
  sandbox?.cleanup();
  sandbox = undefined;
  if (extraDir) rmSync(extraDir, { recursive: true, force: true });
  extraDir = undefined;
});

function planned(pool: Partial<PoolSpec>): PoolPlan {
  return planFleet({
    stack: CONTEXT.stack,
    pools: [
      {
        name: "a10g",
        instanceType: "g5.2xlarge",
        count: 1,
        model: "IlyaGusev/saiga_nemo_12b",
        engine: "vllm",
        ...pool,
      },
    ],
  }).pools[0]!;
}

/** An nvidia-smi of the test's own, first on PATH, that reports `driver` (and A10G memory). */
function stubNvidiaSmi(sb: Sandbox, driver: string): void {
  extraDir = mkdtempSync(join(tmpdir(), "gpufleet-driver-"));
  const smi = join(extraDir, "nvidia-smi");
  writeFileSync(
    smi,
    `#!/usr/bin/env bash
case "$*" in
  *driver_version*) echo "${driver}" ;;
  *) echo "0, NVIDIA A10G, 23028, 22834" ;;
esac
`,
  );
  chmodSync(smi, 0o755);
  sb.env.PATH = `${extraDir}:${sb.env.PATH}`;
}

describe("gpufleet-bootstrap checks the NVIDIA driver against the images' CUDA", () => {
  it("carries the image's minimum driver in gpufleet.env", async () => {
    const pool = planned({});
    expect(pool.replicas[0]!.image).toBe(
      "vllm/vllm-openai:v0.31.0@sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3",
    );
    sandbox = await createSandbox(pool, CONTEXT);
    const env = sandbox.read("etc/gpufleet/gpufleet.env");
    expect(env).toContain("GPUFLEET_MIN_DRIVER=580.65.06\n");
    expect(env).toContain(
      "GPUFLEET_MIN_DRIVER_FOR='vllm/vllm-openai:v0.31.0@sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3 (CUDA 13.0)'\n",
    );
  });

  it("boots when the driver is new enough (the default AMI's 595.91.07)", async () => {
    sandbox = await createSandbox(planned({}), CONTEXT);
    stubNvidiaSmi(sandbox, "595.91.07");
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(boot.status, describeRun("gpufleet-bootstrap", boot)).toBe(0);
    expect(boot.stdout).toContain("gpufleet-bootstrap: NVIDIA driver 595.91.07 (>= 580.65.06)");
  });

  it("accepts exactly the minimum", async () => {
    sandbox = await createSandbox(planned({}), CONTEXT);
    stubNvidiaSmi(sandbox, "580.65.06");
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(boot.status, describeRun("gpufleet-bootstrap", boot)).toBe(0);
  });

  it("stops the boot on an older driver, before any secret is fetched, with the reason in status and logs", async () => {
    sandbox = await createSandbox(planned({}), CONTEXT);
    stubNvidiaSmi(sandbox, "575.64.03");
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(boot.status).not.toBe(0);
    const line =
      "gpufleet-bootstrap: FATAL: NVIDIA driver '575.64.03' is older than 580.65.06, which " +
      "vllm/vllm-openai:v0.31.0@sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3 (CUDA 13.0) needs; use driver >= 580.65.06, or plan for this one " +
      "(the pool's driverVersion)";
    // The journal (stderr), the boot-error file gpufleet-status prints, and the serial console.
    expect(boot.stderr.split("\n")).toContain(line);
    expect(sandbox.read("var/lib/gpufleet/boot-error")).toBe(`${line}\n`);
    expect(sandbox.read("../../console")).toContain(line);
    expect(sandbox.calls().some((c) => c.startsWith("aws"))).toBe(false);
    const status = sandbox.runScript("gpufleet-status");
    expect(status.stdout).toContain(`boot error: ${line}`);
  });

  it("compares versions numerically, not as text (580.9 < 580.65.06 < 580.100)", async () => {
    sandbox = await createSandbox(planned({}), CONTEXT);
    stubNvidiaSmi(sandbox, "580.9.1");
    expect(sandbox.runScript("gpufleet-bootstrap").status).not.toBe(0);
    sandbox.cleanup();
    sandbox = await createSandbox(planned({}), CONTEXT);
    rmSync(extraDir!, { recursive: true, force: true });
    stubNvidiaSmi(sandbox, "580.100.01");
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(boot.status, describeRun("gpufleet-bootstrap", boot)).toBe(0);
  });

  it("fails clearly when nvidia-smi prints no driver version", async () => {
    sandbox = await createSandbox(planned({}), CONTEXT);
    stubNvidiaSmi(sandbox, "");
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(boot.status).not.toBe(0);
    expect(sandbox.read("var/lib/gpufleet/boot-error")).toContain(
      "NVIDIA driver '' is older than 580.65.06",
    );
  });

  it("a host with driver 575 gets the CUDA 12.9 image, and boots with it", async () => {
    const pool = planned({
      driverVersion: "575.64.03",
      instanceType: undefined,
      gpu: "A10G",
      gpuCount: 1,
    });
    expect(pool.replicas[0]!.image).toBe("vllm/vllm-openai:v0.31.0-cu129");
    sandbox = await createSandbox(pool, CONTEXT);
    stubNvidiaSmi(sandbox, "575.64.03");
    const boot = sandbox.runScript("gpufleet-bootstrap");
    expect(boot.status, describeRun("gpufleet-bootstrap", boot)).toBe(0);
    expect(sandbox.read("etc/gpufleet/gpufleet.env")).toContain("GPUFLEET_MIN_DRIVER=575.51.03\n");
  });
});
