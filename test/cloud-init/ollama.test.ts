// Ollama done right, proved in the sandbox: a pool names its model by Hugging Face id (served as
// "qwen3-8b") and one more by Ollama tag on the same instance; the plan holds both loaded; the
// user data pulls both tags, mounts Ollama's store writable and runs gpufleet-ollama-models after
// the engine starts. Then the real script runs against the stand-in engine speaking Ollama's API
// (only names in its store answer), behind real nginx with the rendered proxy config: the name a
// client sends reaches the model Ollama loaded.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { render } from "../../cloud-init";
import { parseStackConfig, toPlanInput } from "../../config";
import { buildLiteLLMConfig } from "../../gateway/config";
import { findGpu } from "../../planner/catalog/gpus";
import { planFleet } from "../../planner/plan";
import type { PoolPlan, ReplicaPlan } from "../../planner/types";
import { runAsync, startSandboxProxy, waitFor, writeFiles } from "../elastic/helpers";
import { HOST_PATH, requireTool, run } from "../tools";

/** A generated-length key (48 letters and digits), as production uses. */
const KEY = "Hx4Tq9WmZc2RbN7kLp5VsY8dFg3JaE6uKo1iQr0tMy2wXn7C";
const ROOT_DIR = join(__dirname, "../..");

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const CONTEXT = {
  stack: "home",
  region: "us-east-1",
  apiKeyParameter: "/gpufleet/home/engine-api-key",
};

function planPool(): PoolPlan {
  return planFleet(
    toPlanInput(
      "home",
      parseStackConfig({
        pools: [
          {
            name: "ollama",
            instanceType: "g6e.xlarge",
            model: "Qwen/Qwen3-8B",
            engine: "ollama",
            extraModels: ["deepseek-r1:1.5b"],
          },
        ],
      }),
    ),
  ).pools[0]!;
}

describe("Ollama: the plan", () => {
  const pool = planPool();
  const r = pool.replicas[0]!;

  it("serves the pool's model under its served name and the extra one under its tag, both pulled by tag", () => {
    expect(r.engine).toBe("ollama");
    expect(r.model.servedName).toBe("qwen3-8b");
    expect(r.model.source).toBe("qwen3:8b");
    expect(r.ollama?.models.map((m) => [m.tag, m.servedName])).toEqual([
      ["qwen3:8b", "qwen3-8b"],
      ["deepseek-r1:1.5b", "deepseek-r1:1.5b"],
    ]);
  });

  it("keeps both loaded: OLLAMA_MAX_LOADED_MODELS and OLLAMA_NUM_PARALLEL come from the plan's memory", () => {
    expect(r.env.OLLAMA_MAX_LOADED_MODELS).toBe("2");
    expect(r.ollama?.maxLoadedModels).toBe(2);
    expect(r.env.OLLAMA_NUM_PARALLEL).toBe(String(r.maxNumSeqs));
    expect(r.ollama?.numParallel).toBe(r.maxNumSeqs);
    // Both models' weights are in the replica's, and the budget holds everything.
    const weights = r.ollama!.models.reduce((s, m) => s + m.weightsGiB, 0);
    expect(r.memory.weightsGiB).toBeGreaterThanOrEqual(weights - 0.02);
    const alone = planFleet({
      stack: "home",
      pools: [
        { name: "ollama", instanceType: "g6e.xlarge", count: 1, model: "qwen3:8b", engine: "auto" },
      ],
    }).pools[0]!.replicas[0]!;
    expect(alone.env.OLLAMA_MAX_LOADED_MODELS).toBe("1");
    expect(r.memory.kvBytesPerToken).toBeGreaterThan(alone.memory.kvBytesPerToken);
    const m = r.memory;
    expect(m.weightsGiB + m.activationGiB + m.overheadGiB + m.kvCacheGiB).toBeLessThanOrEqual(
      r.gpuMemoryUtilization * findGpu("L40S")!.memoryGiB + 1e-9,
    );
    // llama.cpp's runner: slots × context for each model.
    expect(m.kvTokens).toBe(r.maxNumSeqs * r.maxModelLen);
  });

  it("a model named by its Ollama tag is served under that tag, on Ollama", () => {
    expect(alonePlan().model.servedName).toBe("qwen3:8b");
    expect(alonePlan().engine).toBe("ollama");
  });

  it("the gateway routes every served name of the instance to the pool", () => {
    const cfg = buildLiteLLMConfig(
      { stack: "home", costPerHour: 0, pricesAsOf: "", pools: [pool] },
      { stack: "home", internalHost: "pools.internal" },
    );
    expect(cfg.model_list.map((d) => d.model_name).sort()).toEqual([
      "deepseek-r1:1.5b",
      "qwen3-8b",
    ]);
  });

  it("the user data pulls both tags, mounts Ollama's store writable and names the models after start", () => {
    const rendered = render(pool, { ...CONTEXT, proxyPort: 8080 });
    const file = (p: string) => rendered.files.find((f) => f.path === p)?.content ?? "";
    const downloads = file("/etc/gpufleet/downloads.tsv")
      .split("\n")
      .filter((l) => l.startsWith("ollama\t"))
      .map((l) => l.split("\t")[1]);
    expect(downloads.sort()).toEqual(["deepseek-r1:1.5b", "qwen3:8b"]);
    const unit = file(`/etc/systemd/system/gpufleet-ollama-${r.port}.service`);
    expect(unit).toContain(
      `ExecStartPost=/opt/gpufleet/bin/gpufleet-ollama-models ${r.port} qwen3:8b=qwen3-8b deepseek-r1:1.5b=deepseek-r1:1.5b`,
    );
    expect(unit).toMatch(/ -v (\S+):\/models:ro -v \1\/ollama:\/models\/ollama /);
    expect(unit).toMatch(/^TimeoutStartSec=\d+$/m);
    expect(file("/opt/gpufleet/bin/gpufleet-ollama-models")).toMatch(/^#!\/usr\/bin\/env bash/);
  });
});

function alonePlan(): ReplicaPlan {
  return planFleet({
    stack: "home",
    pools: [
      { name: "o", gpu: "RTX-4090", gpuCount: 1, count: 1, model: "qwen3:8b", engine: "auto" },
    ],
  }).pools[0]!.replicas[0]!;
}

describe("Ollama in the sandbox: real nginx, the real gpufleet-ollama-models, the stand-in Ollama", () => {
  let base: string;
  let engine: ReturnType<typeof runAsync>;
  let nginx: ReturnType<typeof runAsync>;
  let enginePort: number;
  let proxy: string;
  let script: string;
  let scriptArgs: string[];

  beforeAll(async () => {
    requireTool("nginx");
    requireTool("curl");
    requireTool("bash");
    base = mkdtempSync(join(tmpdir(), "gpufleet-ollama-"));
    chmodSync(base, 0o755);
    const planned = planPool();
    const replica = planned.replicas[0]!;
    // The stand-in Ollama: the tags gpufleet-download pulled are its whole store.
    engine = runAsync(
      process.execPath,
      [
        join(ROOT_DIR, "standin/engine.mjs"),
        "--port",
        "0",
        "--engine",
        "ollama",
        "--ollama-pulled",
        replica.ollama!.models.map((m) => m.tag).join(","),
        "--max-loaded-models",
        replica.env.OLLAMA_MAX_LOADED_MODELS!,
      ],
      { PATH: HOST_PATH },
    );
    await waitFor(() => /listening \S+:\d+/.test(engine.output()), 60_000, engine.output);
    enginePort = Number(/listening \S+:(\d+)/.exec(engine.output())![1]);
    const pool: PoolPlan = { ...planned, replicas: [{ ...replica, port: enginePort }] };
    const proxyPort = await freePort();
    const context = { ...CONTEXT, proxyPort };
    const rendered = render(pool, context);
    const root = join(base, "root");
    writeFiles(root, rendered.files);
    script = join(root, "opt/gpufleet/bin/gpufleet-ollama-models");
    // The words of the rendered ExecStartPost line, as systemd would pass them.
    const unit = rendered.files.find((f) =>
      f.path.endsWith(`gpufleet-ollama-${enginePort}.service`),
    )!;
    const line = /^ExecStartPost=(.*)$/m.exec(unit.content)![1]!;
    scriptArgs = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!).slice(1);
    ({ nginx, proxy } = await startSandboxProxy({
      pool,
      context,
      base,
      root,
      key: KEY,
      proxyPort,
    }));
  }, 120_000);

  afterAll(() => {
    nginx?.child.kill("SIGQUIT");
    engine?.child.kill("SIGKILL");
    if (base) rmSync(base, { recursive: true, force: true });
  });

  const chat = (model: string, key: string | null = KEY) =>
    fetch(`${proxy}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 4 }),
    });
  const loaded = async () =>
    (
      (await (await fetch(`http://127.0.0.1:${enginePort}/api/ps`)).json()) as {
        models: { name: string; digest: string }[];
      }
    ).models;

  it("before the script, Ollama knows only the tags: the served name is not found", async () => {
    const res = await chat("qwen3-8b");
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/model \\?"qwen3-8b\\?" not found/);
    expect(await loaded()).toEqual([]);
  });

  it("after it, the name a client sends reaches the model Ollama loaded, through the proxy with the key", async () => {
    expect(scriptArgs).toEqual([
      String(enginePort),
      "qwen3:8b=qwen3-8b",
      "deepseek-r1:1.5b=deepseek-r1:1.5b",
    ]);
    const r = run("bash", [script, ...scriptArgs], {
      env: { PATH: HOST_PATH, GPUFLEET_OLLAMA_WAIT_SECONDS: "30" },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("qwen3:8b answers as qwen3-8b");
    // Both models are loaded at start, each as the blob its tag pulled.
    expect((await loaded()).map((m) => m.digest).sort()).toEqual(["deepseek-r1:1.5b", "qwen3:8b"]);
    const res = await chat("qwen3-8b");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string };
    expect(body.model).toBe("qwen3-8b");
    expect((await loaded()).find((m) => m.name === "qwen3-8b")?.digest).toBe("qwen3:8b");
    expect((await chat("deepseek-r1:1.5b")).status).toBe(200);
    // Still two loaded (OLLAMA_MAX_LOADED_MODELS = 2): neither evicted the other.
    expect((await loaded()).map((m) => m.digest).sort()).toEqual(["deepseek-r1:1.5b", "qwen3:8b"]);
    // The proxy checks the key for Ollama too; a name the pool does not serve is not found.
    expect((await chat("qwen3-8b", null)).status).toBe(401);
    expect((await chat("llama3.1:8b")).status).toBe(404);
  }, 120_000);

  it("the script fails, naming the model, when a tag was never pulled", async () => {
    const r = run("bash", [script, String(enginePort), "gemma3:27b=gemma-3-27b-it"], {
      env: { PATH: HOST_PATH, GPUFLEET_OLLAMA_WAIT_SECONDS: "30" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/could not name gemma3:27b as gemma-3-27b-it/);
  }, 60_000);
});
