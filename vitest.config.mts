import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { SYSTEM_TESTS, isSystemTest, repoPath } from "./test/setup/system-tests.js";

// Tests run real validators, bash scripts, nginx, dockerd and the mocked Pulumi program on
// machines shared with other test runs: seconds when idle, many times that under load. No test
// asserts on speed. A mocked run of the whole program takes ~0.2-3 s on an idle 2-core machine and
// 6-10 s beside two CPU hogs; a beforeAll that runs it once for a whole describe block gets the
// same budget.
const TIMEOUTS = { testTimeout: 120_000, hookTimeout: 120_000 };

// Two kinds of test file (test/setup/system-tests.ts): "system" files run real tools, "unit"
// files run in-process only, and the setup file makes every process start throw in them.
// `npm test` runs both (CI); `npm run test:unit` (GPUFLEET_TESTS=unit) is the quick loop while
// editing, `npm run test:system` (GPUFLEET_TESTS=system) the other half.
const only = process.env.GPUFLEET_TESTS;
if (only !== undefined && only !== "unit" && only !== "system")
  throw new Error(`GPUFLEET_TESTS=${only}: unit or system (or unset for every test)`);

// The files that take longest and spend it waiting (on containers, the watchdog's timers, the
// stand-in's token rate; `/usr/bin/time` shows a fifth of their wall time or less on the CPU).
// The three longest start at once, so the suite's wall time is not their length added after
// everything else; the unit files (CPU-bound, seconds each) follow on the other workers, then the
// other waiting files, then the rest of the system files. A fresh checkout has no timing cache, so
// vitest's own order (larger files first) would start them late. Array.prototype.sort is stable:
// within each part, vitest's own order (its timing cache, else larger files first).
const LONGEST_WAITING = [
  "test/docker/daemon.test.ts",
  "test/bench/bench.test.ts",
  "test/elastic/drain.test.ts",
];
const WAITING = ["test/docker/ollama.test.ts", "test/standin/engine.test.ts"];
const ROOT = fileURLToPath(new URL(".", import.meta.url));
// A renamed file would silently lose its place: each must exist and be a system test.
for (const file of [...LONGEST_WAITING, ...WAITING])
  if (!existsSync(`${ROOT}${file}`) || !isSystemTest(file))
    throw new Error(
      `vitest.config.mts: ${file} is not a system test file (test/setup/system-tests.ts)`,
    );

class WaitingFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const file = repoPath(f.moduleId);
      if (LONGEST_WAITING.includes(file)) return 0;
      if (!isSystemTest(file)) return 1;
      return WAITING.includes(file) ? 2 : 3;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: only === "system" ? SYSTEM_TESTS : ["test/**/*.test.ts"],
    exclude: only === "unit" ? SYSTEM_TESTS : [],
    setupFiles: ["test/setup/no-processes.ts"],
    // One module registry per worker, not per file: the Pulumi SDK and the planner load once per
    // worker instead of once per file (import time 43 s -> 7 s of a run). Tests that need a fresh
    // program reset the registry themselves (vi.resetModules) and take main from it; runs with
    // --sequence.shuffle pass too. One project for both kinds of file: vitest starts a worker
    // per project, so two projects started twice as many (about 2 s of CPU each, the SDK's
    // import most of it).
    isolate: false,
    // Five workers on 2 cores: three hold the waiting files, two keep both cores busy.
    maxWorkers: 5,
    sequence: { sequencer: WaitingFirst },
    ...TIMEOUTS,
  },
});
