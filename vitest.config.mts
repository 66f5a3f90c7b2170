import { defineConfig } from "vitest/config";

// Tests run real validators, bash scripts, nginx and the mocked Pulumi program on machines shared
// with other test runs: seconds when idle, many times that under load. No test asserts on speed.
// A mocked run of the whole program takes ~1-3 s on an idle 2-core machine and 6-10 s beside two
// CPU hogs; a beforeAll that runs it once for a whole describe block gets the same budget.
//
// Two projects: "system" tests run real tools (bash with the rendered scripts, nginx, promtool,
// amtool, cloud-init, shellcheck, systemd-analyze, docker-compose, dockerd, the CLI as a process);
// "unit" tests run in-process only (planner, renderers, the program under mocks), and a setup file
// makes every process start throw there, so a test that needs a tool fails until it is listed
// here. `npm test` runs both (CI); `npm run test:unit` is the quick loop while editing.
const SYSTEM_TESTS = [
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

const TIMEOUTS = { testTimeout: 120_000, hookTimeout: 120_000 };

export default defineConfig({
  test: {
    // One more worker than the 2 cores: the system files wait on processes, containers and timers
    // much of their time, so a third file overlaps that waiting.
    maxWorkers: 3,
    projects: [
      {
        test: {
          name: "unit",
          sequence: { groupOrder: 0 },
          include: ["test/**/*.test.ts"],
          exclude: SYSTEM_TESTS,
          setupFiles: ["test/setup/no-processes.ts"],
          // One module registry per worker, not per file: the Pulumi SDK and the planner load once
          // per worker instead of once per file (import time 43 s -> 7 s of a run). Tests that
          // need a fresh program reset the registry themselves (vi.resetModules) and take main
          // from it; runs with --sequence.shuffle pass too.
          isolate: false,
          ...TIMEOUTS,
        },
      },
      {
        test: {
          name: "system",
          include: SYSTEM_TESTS,
          // The same registry sharing as the unit project: these files spend their time in the
          // tools they run, not in imports, and none depends on a fresh module state.
          isolate: false,
          // After the unit project, not interleaved with it: the unit files finish in seconds on
          // every core, then the system files (mostly waiting on processes, containers and
          // timers) get every worker.
          sequence: { groupOrder: 1 },
          ...TIMEOUTS,
        },
      },
    ],
  },
});
