// The real validators tests run (cloud-init, shellcheck, nginx, systemd-analyze, promtool, amtool).
// A missing tool
// FAILS the test with the line that installs it, in CI and elsewhere alike: a skipped check would
// look like a passing one.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The Debian packages of every validator (.ci/run installs them; README names them). */
export const INSTALL_LINE =
  "apt-get update && apt-get install -y cloud-init shellcheck nginx-light systemd prometheus prometheus-alertmanager luajit python3 docker-compose";

export function requireTool(tool: string): void {
  const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
  if (found.status !== 0) {
    const where = process.env.CI ? "CI must install it (.ci/run)" : "install it";
    throw new Error(`${tool} not found on PATH; ${where}: ${INSTALL_LINE}`);
  }
}

export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: "utf8", env: opts.env ?? process.env, cwd: opts.cwd });
}

/** "cmd args: exit N\nstdout\nstderr", for assertion messages. */
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

/**
 * `systemd-analyze verify` without systemd as PID 1: `populate` writes the rendered units and
 * scripts into a root
 * that has the distribution's units (for multi-user.target, network-online.target, …) and a stub
 * docker.service and
 * docker binary (the AMI's). verify parses every gpufleet unit, resolves every dependency and
 * checks every Exec=
 * binary; the root is removed afterwards. Returns the units it verified and the run.
 */
export function verifyUnits(
  prefix: string,
  populate: (root: string) => void,
): { units: string[]; result: SpawnSyncReturns<string> } {
  const root = systemdRoot(prefix);
  try {
    populate(root);
    const units = readdirSync(join(root, "etc/systemd/system")).filter((f) =>
      f.startsWith("gpufleet"),
    );
    return {
      units,
      result: run("systemd-analyze", ["verify", "--man=no", `--root=${root}`, ...units]),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * A fresh root for `systemd-analyze --root=`: the distribution's units (multi-user.target,
 * network-online.target, …), a stub docker.service and a stub docker binary (the AMI's). The
 * caller writes the rendered units and scripts into it and removes it.
 */
export function systemdRoot(prefix: string): string {
  requireTool("systemd-analyze");
  const root = tempDir(prefix);
  cpSync("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true });
  writeFileSync(
    join(root, "usr/lib/systemd/system/docker.service"),
    "[Unit]\nDescription=Docker (stub)\n[Service]\nExecStart=/usr/bin/docker\n",
  );
  mkdirSync(join(root, "usr/bin"), { recursive: true });
  writeFileSync(join(root, "usr/bin/docker"), "#!/bin/sh\n");
  chmodSync(join(root, "usr/bin/docker"), 0o755);
  return root;
}

/**
 * `systemd-analyze security --offline` of one unit under `root`: its overall exposure on systemd's
 * 0–10 scale (0 = locked down, 10 = no sandbox at all).
 */
export function securityExposure(root: string, unit: string): number {
  const r = run("systemd-analyze", ["security", "--offline=true", `--root=${root}`, unit]);
  const m = /Overall exposure level for \S+: (\d+\.\d)/.exec(r.stdout);
  if (!m) throw new Error(describeRun(`systemd-analyze security ${unit}`, r));
  return Number(m[1]);
}

/** A TCP port free on 127.0.0.1 right now (a real server in a test never takes a fixed port). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", ok));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}
