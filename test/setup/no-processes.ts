// Setup file of the "unit" test project (vitest.config.mts): a unit test starts no process. Every
// way node has to start one throws, naming the call, so a test that runs a real tool (nginx,
// promtool, bash, docker, the CLI) fails here until it is listed among the system tests.
import { createRequire, syncBuiltinESMExports } from "node:module";

// The CommonJS object: its properties are writable, and syncBuiltinESMExports() carries them to
// every `import { spawnSync } from "node:child_process"` binding.
const cp = createRequire(__filename)("node:child_process") as Record<string, unknown>;
for (const name of ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"]) {
  cp[name] = () => {
    throw new Error(
      `child_process.${name}: a unit test starts no process; list this test file in SYSTEM_TESTS (vitest.config.mts)`,
    );
  };
}
syncBuiltinESMExports();
