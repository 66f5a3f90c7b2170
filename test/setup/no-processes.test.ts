// The unit project's guard (test/setup/no-processes.ts): in a unit test every way to start a
// process throws and names the list a system test belongs to.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import * as childProcess from "node:child_process";
import { describe, expect, it } from "vitest";

describe("unit tests start no process", () => {
  it("spawnSync, spawn and execFileSync throw, naming SYSTEM_TESTS", () => {
    expect(() => spawnSync("true")).toThrow(/child_process\.spawnSync: .*SYSTEM_TESTS/);
    expect(() => spawn("true")).toThrow(/child_process\.spawn: /);
    expect(() => execFileSync("true")).toThrow(/child_process\.execFileSync: /);
    expect(() => childProcess.fork("x.js")).toThrow(/child_process\.fork: /);
  });
});
