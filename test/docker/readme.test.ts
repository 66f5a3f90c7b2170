// The README's "Your own GPU box" stacks, as a user copies them: each plans, previews and renders.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, type CliRun } from "../cli/harness";
import { describeRun, requireTool, run, tempDir } from "../tools";

const README = readFileSync(path.join(__dirname, "../../README.md"), "utf8");
const SECTION = README.slice(
  README.indexOf("## Your own GPU box"),
  README.indexOf("## Monitoring"),
);
const STACKS = [...SECTION.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

/** `gpufleet <args>` in this process, `preview` running the docker program fresh each time. */
function cli(...args: string[]): Promise<CliRun> {
  return runCli(args, { program: "docker" });
}

describe("README: your own GPU box", () => {
  it("has the seeds' three shapes", () => {
    expect(STACKS).toHaveLength(3);
    expect(STACKS[0]).toContain("name: home");
  });

  it.each(STACKS.map((s, i) => [i, s] as const))(
    "stack %i plans, previews and renders a compose file docker-compose accepts",
    async (_i, yaml) => {
      requireTool("docker-compose");
      const dir = tempDir("readme");
      const file = path.join(dir, "Pulumi.home.yaml");
      writeFileSync(file, yaml);
      const plan = await cli("plan", "--config", file);
      expect(plan.code, plan.err).toBe(0);
      const preview = await cli("preview", "--config", file);
      expect(preview.code, preview.err).toBe(0);
      expect(preview.out).toContain("gpufleet:docker:DockerHost");
      expect(preview.out).toContain("engineApiKey: [secret]");
      const out = path.join(dir, "out");
      const render = await cli("render", "--config", file, "--format", "compose", "--out", out);
      expect(render.code, render.err).toBe(0);
      const host = /ssh:\/\/[^@]+@([a-z0-9-]+)/.exec(yaml)?.[1] ?? "local";
      const check = run("docker-compose", ["config", "-q"], { cwd: path.join(out, host) });
      expect(check.status, describeRun("docker-compose config -q", check)).toBe(0);
    },
  );
});
