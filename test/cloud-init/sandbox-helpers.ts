// A temporary root with the rendered files and stub commands that record every call, for running
// the on-host
// scripts with bash (GPUFLEET_ROOT redirects /etc, /var/lib, /opt; the stubs stand in for the
// host).
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  existsSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeRenderedPool } from "../../cli/render";
import type { PoolPlan } from "../../planner/types";
import type { RenderContext } from "../../cloud-init";
import { HOST_PATH, STUB_LOG_LINE, run } from "../tools";

/**
 * Stub commands; each logs its call as "name arg arg …" to $STUB_LOG, then acts on files in
 * $STUB_DIR.
 */
const STUBS: Record<string, string> = {
  "nvidia-smi": `case "$*" in
  *driver_version*) if [ -e "$STUB_DIR/driver" ]; then cat "$STUB_DIR/driver"; else echo 595.91.07; fi ;;
  *memory.used*) awk -F', *' '{ print $1 ", 1234" }' "$STUB_DIR/gpus.csv" ;;
  *) cat "$STUB_DIR/gpus.csv" ;;
esac`,
  docker: `case "\${1:-}" in
  inspect)
    f="$STUB_DIR/docker-inspect-\${!#}"
    if [ -e "$f" ]; then cat "$f"; else echo "running 0 2020-01-02T03:04:05Z 0"; fi ;;
  pull) if [ -e "$STUB_DIR/fail-pull" ] && grep -qxF -- "\${!#}" "$STUB_DIR/fail-pull"; then exit 1; fi ;;
  run)
    if [ -e "$STUB_DIR/fail-download" ]; then
      for a in "$@"; do
        if grep -qxF -- "$a" "$STUB_DIR/fail-download"; then echo "stub docker: download of $a failed" >&2; exit 1; fi
      done
    fi ;;
esac
exit 0`,
  systemctl: `case "\${1:-}" in
  is-active)
    s=active
    if [ -e "$STUB_DIR/state-$2" ]; then s="$(cat "$STUB_DIR/state-$2")"; fi
    echo "$s"; [ "$s" = active ] ;;
  show)
    unit="\${!#}"
    val() { if [ -e "$STUB_DIR/$1-$unit" ]; then cat "$STUB_DIR/$1-$unit"; else echo "$2"; fi; }
    printf 'ActiveState=%s\\nSubState=%s\\nResult=%s\\nNRestarts=%s\\nActiveEnterTimestampMonotonic=%s\\n' \\
      "$(val state active)" "$(val sub running)" "$(val result success)" "$(val nrestarts 0)" "$(val mono 1000000)" ;;
  *) exit 0 ;;
esac`,
  curl: `url="\${!#}"; port="\${url#http://*:}"; port="\${port%%/*}"
if [ -e "$STUB_DIR/unhealthy-ports" ] && grep -qx "$port" "$STUB_DIR/unhealthy-ports"; then
  echo "curl: (7) Failed to connect to 127.0.0.1 port $port" >&2; exit 7
fi
exit 0`,
  aws: `name=""; prev=""
for a in "$@"; do if [ "$prev" = "--name" ]; then name="$a"; fi; prev="$a"; done
f="$STUB_DIR/ssm/$(printf '%s' "$name" | tr '/' '_')"
if [ -e "$f" ]; then cat "$f"; exit 0; fi
echo "An error occurred (ParameterNotFound) when calling the GetParameter operation: Parameter $name not found." >&2
exit 254`,
  lsblk: `case "$*" in
  *-P*) if [ -e "$STUB_DIR/lsblk" ]; then cat "$STUB_DIR/lsblk"; fi ;;
esac
exit 0`,
  mountpoint: "exit 1",
  blkid: "exit 2",
  "mkfs.ext4": "exit 0",
  mount: "exit 0",
  "nvidia-ctk": "exit 0",
  df: `printf 'Filesystem 1024-blocks Used Available Capacity Mounted on\\n/dev/root 1048576000 1 %s 1%% /\\n' "\${STUB_DF_AVAIL_KB:-524288000}"`,
};

/** 48 letters and digits, as the generated key (RandomPassword length 48, special false). */
export const API_KEY = "Xk3vQ9mT2pLr8WzN5bYc7HdJ4fGs6AeU1oKi0uZnMwRqVtEy";

export interface Sandbox {
  root: string;
  stubDir: string;
  env: NodeJS.ProcessEnv;
  /** Runs an on-host script (bootstrap, download, watchdog, status) with bash. */
  runScript(
    name: "gpufleet-bootstrap" | "gpufleet-download" | "gpufleet-watchdog" | "gpufleet-status",
  ): ReturnType<typeof run>;
  /** Recorded stub calls, in order. */
  calls(): string[];
  setGpus(lines: string[]): void;
  setSsm(name: string, value: string | null): void;
  stubFile(name: string, content: string): void;
  read(path: string): string;
  exists(path: string): boolean;
  cleanup(): void;
}

/** A10G as nvidia-smi reports it: 23028 MiB total, ~22.3 GiB free when idle. */
export function a10gLines(count: number, free = 22834): string[] {
  return Array.from({ length: count }, (_, i) => `${i}, NVIDIA A10G, 23028, ${free}`);
}

export async function createSandbox(pool: PoolPlan, ctx: RenderContext): Promise<Sandbox> {
  const base = mkdtempSync(join(tmpdir(), "gpufleet-sandbox-"));
  await writeRenderedPool(pool, ctx, join(base, "rendered"));
  const root = join(base, "rendered", pool.name);
  const stubBin = join(base, "stubs");
  const stubDir = join(base, "stub-state");
  mkdirSync(stubBin);
  mkdirSync(join(stubDir, "ssm"), { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) {
    writeFileSync(join(stubBin, name), `#!/usr/bin/env bash\n${STUB_LOG_LINE}\n${body}\n`);
    chmodSync(join(stubBin, name), 0o755);
  }
  const env: NodeJS.ProcessEnv = {
    PATH: `${stubBin}:${HOST_PATH}`,
    HOME: base,
    LANG: "C",
    GPUFLEET_ROOT: root,
    GPUFLEET_CONSOLE: join(base, "console"),
    GPUFLEET_RETRY_BACKOFF_SECONDS: "0",
    GPUFLEET_DOWNLOAD_ATTEMPTS: "2",
    // The monotonic clock the watchdog reads (seconds since boot); stub units became active at 1 s.
    GPUFLEET_UPTIME_FILE: join(stubDir, "uptime"),
    STUB_LOG: join(base, "calls.log"),
    STUB_DIR: stubDir,
  };
  writeFileSync(env.STUB_LOG!, "");
  writeFileSync(join(stubDir, "uptime"), "100000.00 190000.00\n");
  const sandbox: Sandbox = {
    root,
    stubDir,
    env,
    runScript(name) {
      const path =
        name === "gpufleet-status"
          ? join(root, "usr/local/bin", name)
          : join(root, "opt/gpufleet/bin", name);
      return run("bash", [path], { env });
    },
    calls: () => readFileSync(env.STUB_LOG!, "utf8").split("\n").filter(Boolean),
    setGpus: (lines) => writeFileSync(join(stubDir, "gpus.csv"), `${lines.join("\n")}\n`),
    setSsm(name, value) {
      const f = join(stubDir, "ssm", name.replace(/\//g, "_"));
      if (value === null) rmSync(f, { force: true });
      else writeFileSync(f, `${value}\n`);
    },
    stubFile: (name, content) => writeFileSync(join(stubDir, name), content),
    read: (path) => readFileSync(join(root, path), "utf8"),
    exists: (path) => existsSync(join(root, path)),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
  sandbox.setGpus(a10gLines(pool.gpu.count));
  sandbox.setSsm(ctx.apiKeyParameter, API_KEY);
  if (ctx.hfTokenParameter) sandbox.setSsm(ctx.hfTokenParameter, "hf_testtoken");
  return sandbox;
}
