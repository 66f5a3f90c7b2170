// Setup file of every test file (vitest.config.mts): a unit test starts no process. In a file that
// is not listed in SYSTEM_TESTS (test/setup/system-tests.ts) every way node has to start one
// throws, naming the call, so a test that runs a real tool (nginx, promtool, bash, docker, the CLI)
// fails until it is listed there. Workers run unit and system files one after another (one module
// registry per worker), so the guard is set or lifted before each file is imported.
import { createRequire, syncBuiltinESMExports } from "node:module";
import { expect } from "vitest";
import { isSystemTest, repoPath } from "./system-tests";

const NAMES = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"];

// The CommonJS object: its properties are writable, and syncBuiltinESMExports() carries them to
// every `import { spawnSync } from "node:child_process"` binding.
const cp = createRequire(__filename)("node:child_process") as Record<string, unknown>;
// The real functions, kept once per worker: this file runs again before every test file, when the
// guard of the one before may still be in place.
const KEY = Symbol.for("gpufleet.child_process.real");
const store = globalThis as unknown as Record<symbol, Record<string, unknown> | undefined>;
const real = (store[KEY] ??= Object.fromEntries(NAMES.map((name) => [name, cp[name]])));

const testPath = expect.getState().testPath;
if (testPath === undefined)
  throw new Error("test/setup/no-processes.ts: vitest names no test file");
const system = isSystemTest(repoPath(testPath));
for (const name of NAMES) {
  cp[name] = system
    ? real[name]
    : () => {
        throw new Error(
          `child_process.${name}: a unit test starts no process; list this test file in SYSTEM_TESTS (test/setup/system-tests.ts)`,
        );
      };
}
syncBuiltinESMExports();
