// The validators of the monitoring tests (promtool, amtool). A missing tool FAILS the test with the line that installs
// it, in CI and elsewhere alike: a skipped check would look like a passing one.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const INSTALL_LINE = "apt-get update && apt-get install -y prometheus prometheus-alertmanager";

export function hasTool(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).status === 0;
}

/** Throws (fails the test) when the tool is missing, with the line that installs it. */
export function requireMonitoringTool(tool: "promtool" | "amtool"): boolean {
  if (hasTool(tool)) return true;
  const where = process.env.CI ? "CI must install it (.ci/run)" : "install it";
  throw new Error(`${tool} not found on PATH; ${where}: ${INSTALL_LINE}`);
}

/** The tests that need `tool` always run: without the tool they fail (requireMonitoringTool says how to install it). */
export function toolPresentOrCi(_tool: "promtool" | "amtool"): boolean {
  return true;
}

export function run(cmd: string, args: string[], cwd?: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: "utf8", cwd });
}

export function describeRun(cmd: string, r: SpawnSyncReturns<string>): string {
  return `${cmd}: exit ${r.status}${r.error ? ` (${r.error.message})` : ""}\n${r.stdout}\n${r.stderr}`;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gpufleet-${prefix}-`));
}

/** "0.25.0" from `amtool --version` / `promtool --version`. */
export function toolVersion(tool: string): [number, number, number] {
  const out = run(tool, ["--version"]);
  const m = /version (\d+)\.(\d+)\.(\d+)/.exec(`${out.stdout}${out.stderr}`);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}
