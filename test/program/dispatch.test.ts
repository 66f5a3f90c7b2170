// index.ts is what `pulumi up` and `pulumi preview` run: it reads gpufleet:target and runs that
// target's program. Each target's stack goes through the real index.ts here (loaded with require
// under tsx's CommonJS hook, as the Pulumi CLI loads it), for a preview and for an update, and
// must register its own target's resources and nothing of another target's.
import { createRequire } from "node:module";
import * as path from "node:path";
import { writeFileSync } from "node:fs";
import { register } from "tsx/cjs/api";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  kubernetesProgramLoader,
  programLoader,
  runPreview,
  runUnderMocks,
} from "../../cli/preview";
import type { Target } from "../../config";
import { tempDir } from "../tools";

const ROOT = path.join(__dirname, "../..");
const INDEX = path.join(ROOT, "index.ts");
const nodeRequire = createRequire(__filename);

let unregister: (() => void) | undefined;
const originals = { program: programLoader.load, kubernetes: kubernetesProgramLoader.load };
let indexLoads = 0;

/** index.ts and every target program, fresh: a second run in this process runs them again. */
async function loadIndex(): Promise<Record<string, unknown>> {
  indexLoads++;
  for (const key of Object.keys(nodeRequire.cache)) {
    if (key === INDEX || key.startsWith(path.join(ROOT, "targets") + path.sep))
      delete nodeRequire.cache[key];
  }
  return nodeRequire(INDEX) as Record<string, unknown>;
}

beforeAll(() => {
  unregister = register();
  programLoader.load = loadIndex;
  kubernetesProgramLoader.load = loadIndex;
});
afterAll(() => {
  programLoader.load = originals.program;
  kubernetesProgramLoader.load = originals.kubernetes;
  unregister?.();
});

/** A stack file per target, as users write them. */
function stackFile(target: Target): string {
  if (target === "aws") return path.join(ROOT, "Pulumi.dev.yaml");
  if (target === "kubernetes") return path.join(ROOT, "examples/kubernetes.yaml");
  const file = path.join(tempDir("dispatch"), "Pulumi.home.yaml");
  writeFileSync(
    file,
    stringify({
      config: {
        "gpufleet:target": "docker",
        "gpufleet:monitoring": { enabled: false },
        "gpufleet:pools": [
          { name: "chat", gpu: "RTX-4090", gpuCount: 1, gpuShare: 0.7 },
          { name: "embed", gpu: "RTX-4090", gpuCount: 1, task: "embedding", gpuShare: 0.2 },
        ],
      },
    }),
  );
  return file;
}

/** The stack each file is planned as (examples/kubernetes.yaml is the k8s stack's). */
const STACK: Record<Target, string> = { aws: "dev", docker: "home", kubernetes: "k8s" };

/** The resource-type prefix only that target's program registers. */
const OWN: Record<Target, RegExp> = {
  aws: /^aws:/,
  docker: /^docker:/,
  kubernetes: /^kubernetes:/,
};

describe("index.ts dispatches on gpufleet:target", () => {
  it.each([
    ["aws", false],
    ["aws", true],
    ["docker", false],
    ["docker", true],
    ["kubernetes", false],
    ["kubernetes", true],
  ] as Array<[Target, boolean]>)(
    "target %s, update %s: that target's program runs, no other's",
    async (target, update) => {
      const before = indexLoads;
      const run = await runPreview({ config: stackFile(target), stack: STACK[target], update });
      expect(indexLoads).toBe(before + 1);
      expect(run.dryRun).toBe(!update);
      const types = run.resources.map((r) => r.type);
      expect(types.filter((t) => OWN[target].test(t)).length).toBeGreaterThan(3);
      for (const other of Object.keys(OWN) as Target[]) {
        if (other === target) continue;
        expect(types.filter((t) => OWN[other].test(t))).toEqual([]);
      }
      expect(run.outputs.plan?.value).toMatchObject({ pools: expect.any(Array) });
    },
  );

  it("kubernetes registers its workloads through index.ts (no refusal)", async () => {
    const run = await runPreview({ config: stackFile("kubernetes"), stack: "k8s", update: true });
    const kinds = new Set(run.resources.map((r) => r.type));
    expect(kinds).toContain("kubernetes:apps/v1:StatefulSet");
    expect(kinds).toContain("kubernetes:core/v1:Namespace");
  });

  it("a key the target cannot honour: index.ts throws naming it, before any resource", async () => {
    const record: Array<{ type: string }> = [];
    const err = await runUnderMocks({
      project: "gpufleet",
      stack: "bad",
      region: "us-east-1",
      config: {
        "gpufleet:target": "kubernetes",
        "gpufleet:pools": JSON.stringify([
          { name: "chat", gpu: "L4", gpuCount: 1, dockerHost: "ssh://gpu@box" },
        ]),
      },
      dryRun: true,
      load: loadIndex,
      record: record as never,
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain("gpufleet:pools[0].dockerHost: only for target docker");
    expect(record).toEqual([]);
  });
});
