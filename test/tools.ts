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
  readFileSync,
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

/**
 * The PATH systemd gives a service (Debian's, Ubuntu's and AL2023's default), for running the
 * on-host scripts as their units run them: the system's python3 and tools, not what a developer's
 * shell puts first (a pyenv shim for python3 costs some twenty processes per call).
 */
export const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * A stub command's first line: logs its call as "name arg arg …" to $STUB_LOG (its own name with
 * no basename process: the sandboxes run hundreds of stub calls).
 */
export const STUB_LOG_LINE = `line="\${0##*/}"; for a in "$@"; do line+=" $a"; done; printf '%s\\n' "$line" >>"$STUB_LOG"`;

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

/**
 * `cloud-init schema --config-file F` for many files in one Python process: the installed
 * cloud-init's own validate_cloudconfig_file and get_schema, which its CLI calls once per file
 * (cloudinit/config/schema.py, handle_schema_args), run by the interpreter of its `cloud-init`
 * script. Per file: null when it is valid cloud-config, else cloud-init's error text. One process
 * instead of one per file: a Python start and the schema load are most of each call's 0.5 s.
 */
export function cloudInitSchema(files: readonly string[]): Map<string, string | null> {
  requireTool("cloud-init");
  const script = run("sh", ["-c", "command -v cloud-init"]).stdout.trim();
  const python = /^#!\s*(\S+)/.exec(readFileSync(script, "utf8"))?.[1];
  if (!python) throw new Error(`${script}: no interpreter line`);
  const code = `
import contextlib, io, json, sys
from cloudinit.config.schema import SchemaValidationError, get_schema, validate_cloudconfig_file
schema = get_schema()
out = {}
for path in json.load(sys.stdin):
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            validate_cloudconfig_file(path, schema)
        out[path] = None
    except (SchemaValidationError, RuntimeError) as e:
        out[path] = (printed.getvalue() + str(e)).strip() or type(e).__name__
print(json.dumps(out))
`;
  const r = spawnSync(python, ["-c", code], {
    encoding: "utf8",
    input: JSON.stringify(files),
    env: { PATH: HOST_PATH, LANG: "C.UTF-8" },
  });
  if (r.status !== 0) throw new Error(describeRun(`${python} (cloud-init schema)`, r));
  const results = JSON.parse(r.stdout) as Record<string, string | null>;
  return new Map(
    files.map((f): [string, string | null] => [
      f,
      f in results ? (results[f] ?? null) : `not validated: ${f}`,
    ]),
  );
}

/**
 * shellcheck over many scripts in one run (its json1 output, grouped by file): per script, its
 * findings as "line:column SCnnnn message" lines, none for a clean script. `args` go before the
 * files (--shell, --severity, …). Byte-identical scripts (the same on-host script rendered for
 * every pool) are checked once and share their findings.
 */
export function shellcheckEach(
  args: readonly string[],
  files: readonly string[],
): Map<string, string[]> {
  requireTool("shellcheck");
  const firstWithText = new Map<string, string>();
  const representative = new Map<string, string>();
  for (const f of files) {
    const text = readFileSync(f, "utf8");
    if (!firstWithText.has(text)) firstWithText.set(text, f);
    representative.set(f, firstWithText.get(text)!);
  }
  const checked = [...firstWithText.values()];
  const r = run("shellcheck", ["--format=json1", ...args, ...checked]);
  // 0: no findings, 1: findings (listed in the JSON); anything else is shellcheck failing.
  if (r.status !== 0 && r.status !== 1) throw new Error(describeRun("shellcheck", r));
  const { comments } = JSON.parse(r.stdout) as {
    comments: Array<{ file: string; line: number; column: number; code: number; message: string }>;
  };
  const found = new Map<string, string[]>(checked.map((f) => [f, []]));
  for (const c of comments) {
    const list = found.get(c.file);
    const line = `${c.line}:${c.column} SC${c.code} ${c.message}`;
    if (list) list.push(line);
    else throw new Error(`shellcheck reported a file it was not given: ${c.file}: ${line}`);
  }
  return new Map(files.map((f) => [f, found.get(representative.get(f)!)!]));
}
