// Start-up cost is part of the CLI's interface: every command but `preview` must run without the
// Pulumi SDK (loading @pulumi/aws alone takes ~1.6 s). One real node process runs the commands in
// turn, from the TypeScript sources (tsx), and reports which modules it loaded after each.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../tools";

const ROOT = path.join(__dirname, "../..");

/** Runs each argv through cli/main.ts's main() in one process; per step: exit code, @pulumi modules. */
const SCRIPT = `
const { main } = require("./cli/main.ts");
const io = { out() {}, err() {} };
const pulumiModules = () =>
  Object.keys(require.cache).filter((k) => k.includes("/node_modules/@pulumi/")).length;
(async () => {
  const report = [];
  for (const argv of JSON.parse(process.argv[1])) {
    const code = await main(["node", "gpufleet", ...argv], io);
    report.push({ argv, code, pulumiModules: pulumiModules() });
  }
  process.stdout.write(JSON.stringify(report));
})();
`;

interface Step {
  argv: string[];
  code: number;
  pulumiModules: number;
}

describe("gpufleet start-up", () => {
  it("runs --help, plan, render, calibrate and bench without loading @pulumi/*; preview loads it", () => {
    const out = tempDir("startup");
    const k8s = ["--config", "examples/kubernetes.yaml", "--stack", "k8s"];
    const steps = [
      ["--help"],
      ["plan", "--stack", "dev"],
      ["plan", "--stack", "dev", "--format", "json"],
      ["plan", ...k8s],
      ["render", "--stack", "dev", "--out", out],
      ["render", ...k8s, "--target", "kubernetes", "--out", out],
      ["calibrate"],
      ["bench", "--help"],
      ["preview", "--stack", "dev"],
    ];
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", "-e", SCRIPT, JSON.stringify(steps)],
      {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 16 * 2 ** 20,
      },
    );
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    const report = JSON.parse(child.stdout) as Step[];
    expect(report.map((s) => s.code)).toEqual(steps.map(() => 0));
    for (const step of report.slice(0, -1)) {
      expect(step.pulumiModules, `gpufleet ${step.argv.join(" ")}`).toBe(0);
    }
    // The check can fail: the preview does load the SDK, in the same process.
    expect(report.at(-1)!.pulumiModules).toBeGreaterThan(0);
  }, 180_000); // nine commands and a mocked program run in one child process
});
