// No secret on a command line on Kubernetes either: every container of every pod template (engine
// pods of every engine, multi-node leaders and workers, the proxy, the gateway) takes keys and
// tokens from its environment (valueFrom a Secret) or a mounted file, never from args or command,
// where a `$(VAR)` would be expanded into the process's command line.
import { describe, expect, it } from "vitest";
import type { K8sObject } from "../../components/kubernetes/manifests";
import { ENGINE_IDS } from "../../planner/types";
import { SECRETS, exampleConfig, objectsOf, runKubernetes } from "./harness";

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string } } };
type Container = { name: string; command?: string[]; args?: string[]; env?: Env[] };
type PodSpec = { containers: Container[]; initContainers?: Container[] };

/** Every pod spec in an object (Deployments, StatefulSets, Jobs, LWS leader and worker). */
function podSpecs(o: K8sObject): Array<[string, PodSpec]> {
  const found: Array<[string, PodSpec]> = [];
  const walk = (v: unknown, path: string): void => {
    if (!v || typeof v !== "object") return;
    const rec = v as Record<string, unknown>;
    if (Array.isArray(rec.containers)) found.push([path, rec as unknown as PodSpec]);
    for (const [k, x] of Object.entries(rec)) walk(x, `${path}.${k}`);
  };
  walk(o.spec, `${o.kind}/${o.metadata.name}`);
  return found;
}

const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD/;
const KEY_FLAGS = ["--api-key", "--api-keys", "--api-key-file", "--hf-token", "--token"];

describe("kubernetes: secrets never on a command line", () => {
  it("in the pods of every engine, multi-node groups and the gateway", async () => {
    const example = exampleConfig();
    const run = await runKubernetes({
      ...example,
      pools: [
        ...(example.pools as object[]),
        ...ENGINE_IDS.map((engine) => ({
          name: `one-${engine}`,
          gpu: "A10G",
          gpuCount: 1,
          engine,
          model: "Qwen/Qwen2.5-7B-Instruct",
        })),
      ],
      apiKey: SECRETS.apiKey,
      hfToken: SECRETS.hfToken,
    });
    if (run.error) throw run.error;
    const specs = objectsOf(run).flatMap(podSpecs);
    const containers = specs.flatMap(([where, s]) =>
      [...s.containers, ...(s.initContainers ?? [])].map((c) => [`${where}/${c.name}`, c] as const),
    );
    expect(containers.length).toBeGreaterThan(10);
    const engines = new Set<string>();
    for (const [where, c] of containers) {
      const words = [...(c.command ?? []), ...(c.args ?? [])];
      for (const w of words) {
        // No variable that holds a secret is expanded into a word …
        for (const m of w.matchAll(/\$\(([A-Za-z0-9_]+)\)/g))
          expect(m[1], `${where}: ${w}`).not.toMatch(SECRET_NAME);
        // … no key flag is a word, and no secret value is written anywhere.
        expect(KEY_FLAGS, `${where}`).not.toContain(w);
        for (const secret of Object.values(SECRETS)) expect(w).not.toContain(secret);
      }
      // A variable named like a secret comes from a Secret, never as a literal value.
      for (const e of c.env ?? []) {
        if (SECRET_NAME.test(e.name)) {
          expect(e.value, `${where}: ${e.name}`).toBeUndefined();
          expect(e.valueFrom?.secretKeyRef?.name, `${where}: ${e.name}`).toBeDefined();
        }
      }
      const key = (c.env ?? []).find((e) =>
        ["VLLM_API_KEY", "SGLANG_API_KEY", "LMDEPLOY_API_KEY", "LLAMA_API_KEY"].includes(e.name),
      );
      if (c.name === "engine" && key) engines.add(key.name);
    }
    // Every engine that checks a key got it from the Secret (Ollama checks none: the proxy does).
    expect([...engines].sort()).toEqual([
      "LLAMA_API_KEY",
      "LMDEPLOY_API_KEY",
      "SGLANG_API_KEY",
      "VLLM_API_KEY",
    ]);
  });
});
