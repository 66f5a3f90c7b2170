// `gpufleet <args>` in this process, as the tests run it: main() with its output captured, and for
// `preview` the chosen target's program from vitest's module graph, fresh on every run.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { vi } from "vitest";

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export type Program = "aws" | "docker" | "kubernetes";

/** A fresh program of the target (vitest's module registry reset first). */
async function loadProgram(program: Program): Promise<Record<string, unknown>> {
  vi.resetModules();
  switch (program) {
    case "aws":
      return (await import("../../targets/aws.js")) as Record<string, unknown>;
    case "docker":
      return (await import("../../targets/docker.js")) as Record<string, unknown>;
    case "kubernetes":
      return (await import("../../targets/kubernetes.js")) as Record<string, unknown>;
  }
}

export interface CliOptions {
  /** Which program `preview` runs (the CLI's loaders require index.ts / targets/kubernetes.ts). */
  program?: Program;
  /** Called on every load of the program (a test that counts runs). */
  onLoad?: () => void;
}

/**
 * `gpufleet <args>`: exit code, stdout and stderr. main() imports cli/preview lazily, from the
 * module registry as it is now (a load resets it): the loader goes to that instance, and main is
 * taken from the same registry, so that the errors main catches are the classes the program throws.
 */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const program = opts.program ?? "aws";
  const preview = await import("../../cli/preview.js");
  const load = async (): Promise<Record<string, unknown>> => {
    opts.onLoad?.();
    return loadProgram(program);
  };
  if (program === "kubernetes") preview.kubernetesProgramLoader.load = load;
  else preview.programLoader.load = load;
  const { main } = await import("../../cli/main.js");
  let out = "";
  let err = "";
  const code = await main(["node", "gpufleet", ...args], {
    out: (s) => (out += `${s}\n`),
    err: (s) => (err += `${s}\n`),
  });
  return { code, out, err };
}

/** A stack file with this text in a fresh temporary directory (`Pulumi.<stack>.yaml` names the stack). */
export function stackFile(body: string, name = "Pulumi.t.yaml"): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "gpufleet-cli-")), name);
  writeFileSync(file, body);
  return file;
}
