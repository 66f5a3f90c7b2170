// `npm run build` (also `prepare`, so `npm ci` runs it): compiles the TypeScript sources named in
// tsconfig.build.json to dist/ and copies beside them the shell scripts the renderers read at run
// time (cloud-init/scripts, monitoring/scripts), so that dist/ runs on its own. The CLI
// (bin/gpufleet.js) then starts without transpiling anything.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json")],
  { stdio: "inherit", cwd: root },
);
// Every non-TypeScript file of a compiled folder that the code reads with readFileSync(__dirname…).
for (const dir of ["cloud-init", "monitoring"]) {
  const scripts = join(root, dir, "scripts");
  if (existsSync(scripts) && statSync(scripts).isDirectory()) {
    cpSync(scripts, join(dist, dir, "scripts"), { recursive: true });
  }
}
if (!readdirSync(join(dist, "cli")).includes("main.js")) {
  throw new Error("build: dist/cli/main.js was not written");
}
