import { defineConfig } from "vitest/config";

// Tests run real validators, bash scripts, nginx and the mocked Pulumi program on machines shared
// with other test runs: seconds when idle, many times that under load. No test asserts on speed.
// A mocked run of the whole program takes ~1-3 s on an idle 2-core machine and 6-10 s beside two
// CPU hogs; a beforeAll that runs it once for a whole describe block gets the same budget.
export default defineConfig({
  test: { include: ["test/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 120_000 },
});
