// Ollama on the docker target: EC2's gpufleet-ollama-models (one source) runs once beside the
// engine's container and pulls, names and loads every model the plan gives the replica. Under
// mocks: the one-shot container's inputs; on a real dockerd (FAILS without one, as the other
// proof): the stand-in Ollama starts with an empty store, and after the one-shot exits 0 the name a
// client sends answers through the proxy.
import { request } from "node:http";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { script } from "../../cloud-init";
import { WATCHDOG_IMAGE } from "../../components/docker";
import {
  applyCaptured,
  containerLog,
  execIn,
  requireDaemon,
  teardown,
  type Applied,
} from "./engine-api";
import { byName, uploadsOf, DOCKER_SECRETS, runDocker } from "./harness";

const POOLS = [
  {
    name: "local",
    gpu: "RTX-4090",
    gpuCount: 1,
    model: "Qwen/Qwen3-8B",
    engine: "ollama",
    extraModels: ["llama3.2:3b"],
  },
];

describe("Ollama models on docker, under mocks", () => {
  it("a one-shot after the engine runs EC2's script with a pull of every tag; the proxy waits for it", async () => {
    const run = await runDocker({ pools: POOLS, apiKey: DOCKER_SECRETS.apiKey });
    const models = byName(run, "home-local-8000-models").inputs;
    expect(models).toMatchObject({ attach: true, mustRun: false, restart: "no" });
    expect(models.entrypoints).toEqual(["/bin/bash", "/opt/gpufleet/bin/gpufleet-ollama-models"]);
    expect(models.command).toEqual(["8000", "qwen3:8b=qwen3-8b", "llama3.2:3b=llama3.2:3b"]);
    expect(models.envs).toEqual([
      "GPUFLEET_OLLAMA_HOST=home-local-8000",
      "GPUFLEET_OLLAMA_PULL=1",
      "GPUFLEET_OLLAMA_WAIT_SECONDS=300",
    ]);
    expect(uploadsOf(models)).toEqual([
      {
        file: "/opt/gpufleet/bin/gpufleet-ollama-models",
        content: script("gpufleet-ollama-models"),
        permissions: "0555",
      },
    ]);
    const images = run.resources.filter((r) => r.type === "docker:index/image:Image");
    expect(images.map((i) => i.inputs.imageName)).toEqual([WATCHDOG_IMAGE]);
    // The engine's store is writable (pull, copy); the proxy waits for the pulls' exit code.
    const engine = byName(run, "home-local-8000").inputs;
    expect(engine.volumes).toEqual([
      { volumeName: "home-local-models", containerPath: "/models", readOnly: false },
    ]);
    const proxy = byName(run, "home-local-proxy").inputs;
    expect(
      (proxy.labels as Array<{ label: string; value: unknown }>)
        .filter((l) => l.label === "gpufleet.after")
        .map((l) => l.value),
    ).toEqual(["home-local-8000-models"]);
    // No weights download: Ollama's tags are the pull one-shot's, and the engine waits for nothing.
    expect(
      run.resources.filter(
        (r) =>
          r.type === "docker:index/container:Container" &&
          (r.inputs.labels as Array<{ label: string; value: unknown }>).some(
            (l) => l.label === "gpufleet.role" && l.value === "download",
          ),
      ),
    ).toEqual([]);
    expect(
      (engine.labels as Array<{ label: string; value: unknown }>).filter(
        (l) => l.label === "gpufleet.after",
      ),
    ).toEqual([]);
  });
});

const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const STACK = `ollama${process.pid}`;
let applied: Applied;

function call(
  port: number,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: data ? "POST" : "GET",
        headers: {
          authorization: `Bearer ${DOCKER_SECRETS.apiKey}`,
          ...(data ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

describe("Ollama models on a real daemon", () => {
  beforeAll(async () => {
    await requireDaemon(docker);
    await teardown(docker, STACK);
    const run = await runDocker(
      { pools: POOLS, apiKey: DOCKER_SECRETS.apiKey },
      { dryRun: false, stack: STACK },
    );
    applied = await applyCaptured(docker, run.resources, { watchdogGraceSeconds: 30 });
  });

  afterAll(async () => {
    await teardown(docker, STACK);
  });

  it("pulls every tag into an empty store, names it as clients send it and loads it", async () => {
    const oneShot = await docker.getContainer(`${STACK}-local-8000-models`).inspect();
    expect(oneShot.State.ExitCode).toBe(0);
    const log = await containerLog(docker, `${STACK}-local-8000-models`);
    for (const line of [
      "qwen3:8b pulled",
      "qwen3:8b answers as qwen3-8b",
      "qwen3-8b loaded",
      "llama3.2:3b pulled",
      "llama3.2:3b loaded",
    ])
      expect(log).toContain(`gpufleet-ollama-models: ${line}`);
    const engine = await docker.getContainer(`${STACK}-local-8000`).inspect();
    expect(Date.parse(oneShot.State.StartedAt)).toBeGreaterThan(Date.parse(engine.State.StartedAt));
    const ps = JSON.parse(
      await execIn(docker, `${STACK}-local-8000`, ["curl", "-fsS", "127.0.0.1:8000/api/ps"]),
    ) as { models: Array<{ name: string }> };
    expect(ps.models.map((m) => m.name).sort()).toEqual(["llama3.2:3b", "qwen3-8b"]);
  });

  it("the served names answer through the proxy with the key", async () => {
    const port = applied.published.get(`${STACK}-local-proxy`)!.get(8080)!;
    for (const model of ["qwen3-8b", "llama3.2:3b"]) {
      const r = await call(port, "/v1/chat/completions", {
        model,
        max_tokens: 2,
        messages: [{ role: "user", content: "hi" }],
      });
      expect(r.status, r.body).toBe(200);
    }
    const unknown = await call(port, "/v1/chat/completions", {
      model: "never-pulled:1b",
      max_tokens: 2,
      messages: [{ role: "user", content: "hi" }],
    });
    expect(unknown.status).toBe(404);
  });
});
