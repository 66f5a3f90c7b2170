// gpufleet:target and the keys each target refuses: exit 2 naming the key, nothing planned.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runCli } from "../cli/harness";
import { ConfigError, parseStackConfig } from "../../config";
import { tempDir } from "../tools";

const HOME = { name: "home", gpu: "RTX-4090", gpuCount: 1 };
/** Monitoring off where a test is not about it (docker runs it on the first pool's host). */
const OFF = { enabled: false };

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

async function plan(
  config: Record<string, unknown>,
): Promise<{ code: number; err: string; out: string }> {
  const dir = tempDir("target");
  const file = path.join(dir, "Pulumi.home.yaml");
  const entries = Object.entries(config).map(([k, v]) => [`gpufleet:${k}`, v]);
  writeFileSync(file, stringify({ config: Object.fromEntries(entries) }));
  return runCli(["plan", "--config", file, "--format", "json"]);
}

describe("gpufleet:target", () => {
  it("defaults to aws and accepts docker pools of own hardware", () => {
    expect(parseStackConfig({ pools: [{ name: "a", instanceType: "g5.xlarge" }] }).target).toBe(
      "aws",
    );
    const cfg = parseStackConfig({ target: "docker", pools: [HOME], monitoring: OFF });
    expect(cfg.target).toBe("docker");
    expect(cfg.pools[0]!.dockerHost).toBeUndefined();
  });

  it.each([
    [
      "a docker pool with instanceType",
      { target: "docker", pools: [{ name: "a", instanceType: "g5.xlarge" }] },
      "gpufleet:pools[0].instanceType: a docker pool is own hardware",
    ],
    [
      "an aws pool with dockerHost",
      { pools: [{ name: "a", instanceType: "g5.xlarge", dockerHost: "ssh://gpu@box" }] },
      'gpufleet:pools[0].dockerHost: only for target docker, where pools share a host (gpufleet:target is "aws")',
    ],
    [
      "a malformed dockerHost",
      { target: "docker", pools: [{ ...HOME, dockerHost: "tcp://box:2375" }] },
      'gpufleet:pools[0].dockerHost: must be "unix:///var/run/docker.sock" (a local socket) or "ssh://user@host[:port]"',
    ],
    [
      "a GPU index beyond gpuCount",
      { target: "docker", pools: [{ ...HOME, gpuIndices: [0, 3] }] },
      "gpufleet:pools[0].gpuIndices[1]: GPU 3 is beyond gpuCount (1)",
    ],
    [
      "a GPU share on a kubernetes pool",
      { target: "kubernetes", pools: [{ ...HOME, gpuShare: 0.5 }] },
      'gpufleet:pools[0].gpuShare: only for target docker, where pools share a host (gpufleet:target is "kubernetes")',
    ],
    [
      "elastic capacity on a docker pool",
      { target: "docker", pools: [{ ...HOME, minCount: 0, maxCount: 2, scaling: {} }] },
      "gpufleet:pools[0].scaling: an EC2 setting; the docker target does not use it",
    ],
    [
      "a docker pool of several hosts",
      { target: "docker", pools: [{ ...HOME, count: 2 }] },
      "gpufleet:pools[0].count: a docker pool is one host",
    ],
    [
      "an EC2 key on a docker stack",
      { target: "docker", pools: [{ ...HOME, rootVolumeGiB: 100 }], vpc: { cidr: "10.1.0.0/16" } },
      "gpufleet:pools[0].rootVolumeGiB: an EC2 setting",
    ],
    [
      "a public bind address without an API key",
      { target: "docker", pools: [HOME], docker: { bindAddress: "0.0.0.0" } },
      "gpufleet:docker.bindAddress: publishing on 0.0.0.0 (beyond this host) needs gpufleet:apiKey",
    ],
    [
      "gpuShare beside gpuMemoryUtilization",
      { target: "docker", pools: [{ ...HOME, gpuShare: 0.5, gpuMemoryUtilization: 0.5 }] },
      "gpufleet:pools[0].gpuShare: give either gpuShare or gpuMemoryUtilization",
    ],
  ])("refuses %s", async (_what, config, expected) => {
    expect(problems(config).some((p) => p.startsWith(expected))).toBe(true);
    const run = await plan(config);
    expect(run.code).toBe(2);
    expect(run.out).toBe("");
    expect(run.err).toContain(expected);
  });

  it("reports every problem at once", () => {
    const all = problems({
      target: "docker",
      pools: [
        { name: "a", instanceType: "g5.xlarge" },
        { ...HOME, name: "b", dockerHost: "ssh://nobody" },
      ],
      vpc: { cidr: "10.1.0.0/16" },
    });
    expect(all.some((p) => p.startsWith("gpufleet:pools[1].dockerHost:"))).toBe(true);
    const targetLevel = problems({
      target: "docker",
      pools: [{ name: "a", instanceType: "g5.xlarge" }],
      vpc: { cidr: "10.1.0.0/16" },
      amiId: "ami-0123456789abcdef0",
      monitoring: OFF,
    });
    expect(targetLevel).toEqual([
      expect.stringMatching(/^gpufleet:pools\[0\]\.instanceType:/),
      expect.stringMatching(/^gpufleet:vpc:/),
      expect.stringMatching(/^gpufleet:amiId:/),
    ]);
  });

  it("accepts another bind address with an explicit API key", () => {
    const cfg = parseStackConfig({
      target: "docker",
      pools: [HOME],
      docker: { bindAddress: "192.168.1.20" },
      apiKey: "k".repeat(48),
      monitoring: OFF,
    });
    expect(cfg.docker?.bindAddress).toBe("192.168.1.20");
  });
});
