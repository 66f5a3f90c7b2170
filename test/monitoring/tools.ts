// The validators of the monitoring tests (promtool, amtool). In CI a missing tool FAILS the test with the line that
// installs it; elsewhere the test is skipped with that line, so a laptop without Prometheus still runs the rest.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const INSTALL_LINE = "apt-get update && apt-get install -y prometheus prometheus-alertmanager";

export function hasTool(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).status === 0;
}

/** True when the test may run; throws (fails the test) in CI when the tool is missing. */
export function requireMonitoringTool(tool: "promtool" | "amtool"): boolean {
  if (hasTool(tool)) return true;
  if (process.env.CI) throw new Error(`${tool} not found on PATH; CI must install it (.ci/run): ${INSTALL_LINE}`);
  return false;
}

/** Whether the tests that need `tool` run here (skipped only outside CI; in CI they run and fail loudly). */
export function toolPresentOrCi(tool: "promtool" | "amtool"): boolean {
  return hasTool(tool) || Boolean(process.env.CI);
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
