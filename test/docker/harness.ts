// Runs the docker target's program (targets/docker.ts) under the offline mocks with a config built
// in the test; shared by the mock tests and the real-daemon proof.
import { vi } from "vitest";
import { runUnderMocks, type MockRun } from "../../cli/preview";
import type { RecordedResource } from "../../cli/offline-mocks";

/** Distinctive secrets: none may appear anywhere but in a secret upload. */
export const DOCKER_SECRETS = {
  apiKey: "TESTSECRETdockerApiKey0123456789abcdefghijklmnopq",
  hfToken: "hf_TESTSECRET_docker_hftoken_5f1c9a77",
  random: "TESTSECRETrandomDocker0123456789abcdefghijklmnop",
} as const;

export const CONTAINER = "docker:index/container:Container";

export async function runDocker(
  gpufleet: Record<string, unknown>,
  opts: { dryRun?: boolean; stack?: string } = {},
): Promise<MockRun> {
  vi.resetModules();
  // Monitoring off unless a test turns it on (gpufleet:monitoring): fewer containers to record.
  const config: Record<string, string> = {
    "gpufleet:target": "docker",
    "gpufleet:monitoring": JSON.stringify({ enabled: false }),
  };
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(gpufleet)) {
    config[`gpufleet:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    if (key === "hfToken" || key === "apiKey") secretKeys.push(`gpufleet:${key}`);
  }
  return runUnderMocks({
    project: "gpufleet",
    stack: opts.stack ?? "home",
    region: "us-east-1",
    config,
    secretKeys,
    dryRun: opts.dryRun ?? true,
    randomPassword: DOCKER_SECRETS.random,
    load: () => import("../../targets/docker.js") as Promise<Record<string, unknown>>,
  });
}

export function containers(run: MockRun): RecordedResource[] {
  return run.resources.filter((r) => r.type === CONTAINER);
}

export function byName(run: MockRun, name: string): RecordedResource {
  const found = run.resources.find((r) => r.name === name);
  if (!found)
    throw new Error(`no resource ${name}: ${run.resources.map((r) => r.name).join(", ")}`);
  return found;
}

/** The seeds' single box: an LLM, an embedding model and a reranker sharing one RTX 4090. */
export const HOME_POOLS = [
  { name: "chat", gpu: "RTX-4090", gpuCount: 1, gpuShare: 0.7 },
  { name: "embed", gpu: "RTX-4090", gpuCount: 1, task: "embedding", gpuShare: 0.12 },
  { name: "rerank", gpu: "RTX-4090", gpuCount: 1, task: "rerank", gpuShare: 0.12 },
];
