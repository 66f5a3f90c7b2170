// Which test files are "system" tests: they run real tools (bash with the rendered scripts, nginx,
// promtool, amtool, cloud-init, shellcheck, systemd-analyze, docker-compose, dockerd, the CLI as a
// process). Every other file is a unit test: in-process only (planner, renderers, the program
// under mocks), and test/setup/no-processes.ts makes every process start throw there, so a test
// that needs a tool fails until it is listed here. vitest.config.mts reads the same list.
import { join, relative, sep } from "node:path";

export const SYSTEM_TESTS = [
  "test/bench/bench.test.ts",
  "test/cli/cli.test.ts",
  "test/cli/startup.test.ts",
  "test/cloud-init/boot-files.test.ts",
  "test/cloud-init/driver.test.ts",
  "test/cloud-init/fetch.test.ts",
  "test/cloud-init/hardening.test.ts",
  "test/cloud-init/multinode.test.ts",
  "test/cloud-init/ollama.test.ts",
  "test/cloud-init/proxy.test.ts",
  "test/cloud-init/sandbox.test.ts",
  "test/cloud-init/secrets.test.ts",
  "test/cloud-init/validators.test.ts",
  "test/config/hostile.test.ts",
  "test/docker/**/*.test.ts",
  "test/elastic/drain.test.ts",
  "test/elastic/user-data.test.ts",
  "test/kubernetes/proxy.test.ts",
  "test/kubernetes/rules.test.ts",
  "test/monitoring/alertmanager.test.ts",
  "test/monitoring/cloud-config.test.ts",
  "test/monitoring/hardening.test.ts",
  "test/monitoring/prometheus.test.ts",
  "test/monitoring/rules.test.ts",
  "test/monitoring/sync.test.ts",
  "test/standin/**/*.test.ts",
];

// A list entry as a RegExp: `**/` any folders (or none), `*` any name part, the rest literal.
function pattern(glob: string): RegExp {
  const literal = (text: string): string => text.replace(/[.*+?^$()|[\]{}\\]/g, (c) => `\\${c}`);
  const body = glob
    .split(/(\*\*\/|\*)/)
    .map((part) => (part === "**/" ? "(?:.*/)?" : part === "*" ? "[^/]*" : literal(part)))
    .join("");
  return new RegExp(`^${body}$`);
}

const PATTERNS = SYSTEM_TESTS.map(pattern);

/** A file's path relative to the repository (two folders up from here), with forward slashes. */
export function repoPath(absolute: string): string {
  return relative(join(__dirname, "..", ".."), absolute)
    .split(sep)
    .join("/");
}

/** true for a system test; `file` relative to the repository root, with forward slashes. */
export function isSystemTest(file: string): boolean {
  return PATTERNS.some((p) => p.test(file));
}
