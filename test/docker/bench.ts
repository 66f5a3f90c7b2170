// The docker target's measurements for `npm run bench` (scripts/bench.ts runs this file in a child
// process): preview time of a 4-pool docker stack, time from apply to every stand-in replica
// healthy on the local daemon for 1 and 4 replicas, and from a crashed engine to healthy again.
// Needs dockerd and test/docker/image.sh's image, as the real-daemon proof does.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import Docker from "dockerode";
import { stringify } from "yaml";
import { runPreview, runUnderMocks } from "../../cli/preview";
import { applyCaptured, crashUnderRestartPolicy, teardown } from "./engine-api";

export interface DockerBenchResult {
  name: string;
  ms: number;
}

const KEY = "benchKey0123456789abcdefghijklmnopqrstuvwxyzABCD";

async function capture(stack: string, gpuCount: number): Promise<ReturnType<typeof runUnderMocks>> {
  return runUnderMocks({
    project: "gpufleet",
    stack,
    region: "us-east-1",
    config: {
      "gpufleet:target": "docker",
      "gpufleet:monitoring": JSON.stringify({ enabled: false }),
      "gpufleet:apiKey": KEY,
      "gpufleet:pools": JSON.stringify([
        { name: "chat", gpu: "RTX-4090", gpuCount, engine: "vllm" },
      ]),
    },
    secretKeys: ["gpufleet:apiKey"],
    dryRun: false,
    load: async () => {
      const file = require.resolve("../../targets/docker");
      for (const k of Object.keys(require.cache))
        if (k.includes(`${path.sep}targets${path.sep}`)) delete require.cache[k];
      return require(file) as Record<string, unknown>;
    },
  });
}

export async function benchDocker(): Promise<DockerBenchResult[]> {
  const results: DockerBenchResult[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), "gpufleet-bench-docker-"));
  const file = path.join(dir, "Pulumi.bench4.yaml");
  writeFileSync(
    file,
    stringify({
      config: {
        "gpufleet:target": "docker",
        "gpufleet:monitoring": { enabled: false },
        "gpufleet:pools": [
          { name: "chat", gpu: "RTX-4090", gpuCount: 2, gpuShare: 0.7 },
          {
            name: "embed",
            gpu: "RTX-4090",
            gpuCount: 2,
            gpuIndices: [0],
            task: "embedding",
            gpuShare: 0.12,
          },
          {
            name: "rerank",
            gpu: "RTX-4090",
            gpuCount: 2,
            gpuIndices: [1],
            task: "rerank",
            gpuShare: 0.12,
          },
          { name: "t4", gpu: "T4", gpuCount: 1, dockerHost: "ssh://gpu@t4-box" },
        ],
      },
    }),
  );
  const t0 = performance.now();
  await runPreview({ config: file });
  results.push({
    name: "gpufleet preview of a 4-pool docker stack (in process, after load)",
    ms: performance.now() - t0,
  });
  // The same four pools on one host with monitoring on (Prometheus, Alertmanager, Grafana and
  // every dashboard rendered into the containers' files).
  const monitored = path.join(dir, "Pulumi.bench4m.yaml");
  writeFileSync(
    monitored,
    stringify({
      config: {
        "gpufleet:target": "docker",
        "gpufleet:pools": [
          { name: "chat", gpu: "RTX-4090", gpuCount: 3, gpuIndices: [0, 1], gpuShare: 0.7 },
          {
            name: "embed",
            gpu: "RTX-4090",
            gpuCount: 3,
            gpuIndices: [0],
            task: "embedding",
            gpuShare: 0.12,
          },
          {
            name: "rerank",
            gpu: "RTX-4090",
            gpuCount: 3,
            gpuIndices: [1],
            task: "rerank",
            gpuShare: 0.12,
          },
          { name: "small", gpu: "RTX-4090", gpuCount: 3, gpuIndices: [2] },
        ],
      },
    }),
  );
  // index.ts requires the docker program once: a second preview in this process must load it anew.
  for (const k of Object.keys(require.cache))
    if (k.includes(`${path.sep}targets${path.sep}`)) delete require.cache[k];
  const t1 = performance.now();
  const withMonitoring = await runPreview({ config: monitored });
  if (!withMonitoring.resources.some((r) => r.name === "bench4m-local-prometheus"))
    throw new Error("the monitored preview registered no Prometheus container");
  results.push({
    name: "gpufleet preview of a 4-pool docker stack with monitoring on (in process, after load)",
    ms: performance.now() - t1,
  });

  const docker = new Docker({ socketPath: "/var/run/docker.sock" });
  await docker.ping();
  for (const replicas of [1, 4]) {
    const stack = `bench${replicas}x${process.pid}`;
    await teardown(docker, stack);
    try {
      const run = await capture(stack, replicas);
      // The watchdog as shipped (every 30 s); its load grace 5 s (the stand-in loads in one).
      const applied = await applyCaptured(docker, run.resources, {
        watchdogIntervalSeconds: 30,
        watchdogGraceSeconds: 5,
      });
      results.push({
        name: `apply → ${replicas} stand-in replica(s) healthy on the local daemon (healthcheck every 2 s)`,
        ms: applied.healthyMs,
      });
      if (replicas === 1) {
        const name = `${stack}-chat-8000`;
        results.push({
          name: "crashed engine → healthy again (restart policy; healthcheck every 2 s)",
          ms: await crashUnderRestartPolicy(docker, {
            name,
            port: 8000,
            key: KEY,
            watchdog: `${stack}-local-watchdog`,
            timeoutMs: 120_000,
          }),
        });
        // docker kill: the restart policy leaves it stopped; the watchdog (every 30 s) restarts it.
        const started = (await docker.getContainer(name).inspect()).State.StartedAt;
        const killed = performance.now();
        await docker.getContainer(name).kill();
        for (;;) {
          const s = await docker.getContainer(name).inspect();
          if (s.State.StartedAt !== started && s.State.Health?.Status === "healthy") break;
          if (performance.now() - killed > 180_000)
            throw new Error(`${name} was not restarted by the watchdog`);
          await new Promise((r) => setTimeout(r, 100));
        }
        results.push({
          name: "killed engine → healthy again (the watchdog every 30 s; healthcheck every 2 s)",
          ms: performance.now() - killed,
        });
      }
    } finally {
      await teardown(docker, stack);
    }
  }
  return results;
}

if (require.main === module) {
  benchDocker()
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 1;
    });
}
