#!/usr/bin/env node
// The CLI is written in TypeScript; tsx (esbuild) transpiles it on load, in ~0.2 s, without type-checking
// (`npm run typecheck` does that). CommonJS throughout, the same module system the Pulumi CLI loads index.ts with.
"use strict";
require("tsx/cjs");
require("../cli/main.ts")
  .main(process.argv)
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`gpufleet: ${err && err.stack ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    },
  );
