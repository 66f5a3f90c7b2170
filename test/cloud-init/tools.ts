// Real validators the cloud-init tests run. A missing tool fails the test (never skips it), in CI and elsewhere.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";

export const INSTALL_HINT = "apt-get install -y cloud-init shellcheck nginx-light systemd";

export function requireTool(tool: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  if (found.status !== 0) {
    const where = process.env.CI ? "CI must install it (.ci/run)" : "install it";
    throw new Error(`${tool} not found on PATH; ${where}: ${INSTALL_HINT}`);
  }
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: "utf8", env: opts.env ?? process.env, cwd: opts.cwd });
}

/** "cmd args: exit N\nstdout\nstderr", for assertion messages. */
export function describeRun(cmd: string, r: SpawnSyncReturns<string>): string {
  return `${cmd}: exit ${r.status}${r.error ? ` (${r.error.message})` : ""}\n${r.stdout}\n${r.stderr}`;
}
