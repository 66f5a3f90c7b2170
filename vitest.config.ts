import { defineConfig } from "vitest/config";

// Tests run real validators, bash scripts, nginx and the mocked Pulumi program on machines shared
// with other test runs: seconds when idle, many times that under load. No test asserts on speed.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 120_000 },
});
