// Runs the docker target's program (targets/docker.ts) under the offline mocks with a config built
// in the test; shared by the mock tests and the real-daemon proof.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { runUnderMocks, type MockRun } from "../../cli/preview";
import type { RecordedResource } from "../../cli/offline-mocks";
import { main } from "../../cli/main";
import { tempDir } from "../tools";

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

export type Upload = { file: string; content: unknown; permissions: string };

/** A value as the engine would see it: a secret input unwrapped. */
export function plain(v: unknown): unknown {
  return pulumi.runtime.isRpcSecret(v) ? (v as { value: unknown }).value : v;
}

/** A container's uploads (inputs holding a secret arrive wrapped as a whole). */
export function uploadsOf(inputs: Record<string, unknown>): Upload[] {
  return (plain(inputs.uploads) ?? []) as Upload[];
}

/** `gpufleet plan --config` of a docker stack (gpufleet:<key> for each entry): exit code, stderr. */
export async function planDockerStack(
  stack: Record<string, unknown>,
): Promise<{ code: number; err: string }> {
  const file = join(tempDir("docker-plan"), "Pulumi.home.yaml");
  const config: Record<string, unknown> = { "gpufleet:target": "docker" };
  for (const [k, v] of Object.entries(stack)) config[`gpufleet:${k}`] = v;
  writeFileSync(file, JSON.stringify({ config }));
  let err = "";
  const code = await main(["node", "gpufleet", "plan", "--config", file], {
    out: () => undefined,
    err: (s: string) => {
      err += s;
    },
  });
  return { code, err };
}
