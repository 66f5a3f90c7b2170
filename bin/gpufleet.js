#!/usr/bin/env node
// The `gpufleet` command. It runs the JavaScript that `npm ci` compiled to dist/ (the `prepare`
// script, `npm run build`): nothing is transpiled at start, and commands that need no Pulumi never
// load its SDK (cli/main.ts imports cli/preview lazily).
//
// When dist/ is missing, or older than a source file it was built from (you edited the TypeScript
// and have not run `npm run build`), the command runs from the sources through tsx instead, a few
// times slower, and says so on stderr. GPUFLEET_FROM_SOURCE=1 forces that path.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const compiled = path.join(root, "dist", "cli", "main.js");

/** Newest modification time (ms) of the files under the build's `include` list. */
function newestSource() {
  const { include } = JSON.parse(fs.readFileSync(path.join(root, "tsconfig.build.json"), "utf8"));
  let newest = 0;
  const visit = (p) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (st === undefined) return;
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    else if (st.mtimeMs > newest) newest = st.mtimeMs;
  };
  for (const entry of include) visit(path.join(root, entry));
  return newest;
}

/** Why dist/ cannot be used, or undefined when it can. */
function distProblem() {
  if (process.env.GPUFLEET_FROM_SOURCE === "1") return "GPUFLEET_FROM_SOURCE=1";
  const built = fs.statSync(compiled, { throwIfNoEntry: false });
  if (built === undefined) return "dist/ is missing";
  if (newestSource() > built.mtimeMs) return "dist/ is older than the sources";
  return undefined;
}

/** Runs the sources in a child node with tsx's hooks (CommonJS require and the lazy import()s). */
function runFromSource(problem) {
  if (process.env.GPUFLEET_FROM_SOURCE !== "1") {
    process.stderr.write(
      `gpufleet: ${problem}; running the TypeScript sources through tsx (npm run build makes it start faster)\n`,
    );
  }
  const { spawnSync } = require("node:child_process");
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(root, "bin", "gpufleet.js"), ...process.argv.slice(2)],
    { stdio: "inherit", env: { ...process.env, GPUFLEET_TSX_CHILD: "1" } },
  );
  process.exitCode = child.status ?? 1;
}

function run(main) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`gpufleet: ${err && err.stack ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

if (process.env.GPUFLEET_TSX_CHILD === "1") {
  run(require(path.join(root, "cli", "main.ts")).main);
} else {
  const problem = distProblem();
  if (problem === undefined) run(require(compiled).main);
  else runFromSource(problem);
}
