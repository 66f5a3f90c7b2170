// The unit files' guard (test/setup/no-processes.ts): in a unit test every way to start a
// process throws and names the list a system test belongs to.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as childProcess from "node:child_process";
import { describe, expect, it } from "vitest";
import { isSystemTest } from "./system-tests";

describe("unit tests start no process", () => {
  it("spawnSync, spawn and execFileSync throw, naming SYSTEM_TESTS", () => {
    expect(() => spawnSync("true")).toThrow(/child_process\.spawnSync: .*SYSTEM_TESTS/);
    expect(() => spawn("true")).toThrow(/child_process\.spawn: /);
    expect(() => execFileSync("true")).toThrow(/child_process\.execFileSync: /);
    expect(() => childProcess.fork("x.js")).toThrow(/child_process\.fork: /);
  });
});

describe("which files are system tests (test/setup/system-tests.ts)", () => {
  it("listed files and folders' files are; others, and look-alike paths, are not", () => {
    expect(isSystemTest("test/cloud-init/sandbox.test.ts")).toBe(true);
    expect(isSystemTest("test/docker/daemon.test.ts")).toBe(true);
    expect(isSystemTest("test/docker/nested/deeper.test.ts")).toBe(true);
    expect(isSystemTest("test/cli/preview.test.ts")).toBe(false);
    expect(isSystemTest("test/setup/no-processes.test.ts")).toBe(false);
    expect(isSystemTest("other/test/docker/daemon.test.ts")).toBe(false);
    expect(isSystemTest("test/cli/cliXtest.ts")).toBe(false);
  });
});
