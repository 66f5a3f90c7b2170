// The docker target under mocks: every resource recorded, inputs asserted.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { redactSecrets } from "../../cli/offline-mocks";
import { SECRET_FILES } from "../../components/docker";
import { fetchScript, renderNginxAuthCheck } from "../../cloud-init";
import { byName, containers, DOCKER_SECRETS, HOME_POOLS, runDocker, uploadsOf } from "./harness";
import { pinImage } from "../../planner/catalog/digests";

type Labels = Array<{ label: string; value: unknown }>;

function roleOf(inputs: Record<string, unknown>): unknown {
  return (inputs.labels as Labels).find((l) => l.label === "gpufleet.role")?.value;
}

const TIMEOUT = 120_000;

describe("docker target under mocks", () => {
  it(
    "one host with three pools sharing a GPU: network, volume, images, download, engines, proxies, exporters",
    async () => {
      const run = await runDocker({ pools: HOME_POOLS, apiKey: DOCKER_SECRETS.apiKey });
      const providers = run.resources.filter((r) => r.type === "pulumi:providers:docker");
      expect(providers.map((p) => p.inputs.host)).toEqual(["unix:///var/run/docker.sock"]);
      expect(byName(run, "gpufleet-local-net").inputs.name).toBe("home-local-net");
      expect(byName(run, "gpufleet-local-models").inputs.name).toBe("home-local-models");
      const images = run.resources
        .filter((r) => r.type === "docker:index/remoteImage:RemoteImage")
        .map((r) => r.inputs.name);
      expect(images).toEqual(
        expect.arrayContaining([
          // Each by digest next to its tag (planner/catalog/digests.ts).
          pinImage("lmsysorg/sglang:v0.5.21"),
          pinImage("vllm/vllm-openai:v0.31.0"),
          pinImage("nginx:1.30-alpine"),
        ]),
      );
      expect(new Set(images).size).toBe(images.length);

      // One download one-shot per model, each in its engine's image (SGLang's for the chat model,
      // vLLM's for the embedding and rerank models); no GGUF here, so no Python image at all.
      expect(images).not.toContain(pinImage("python:3.12-slim"));
      const expected = [
        [
          "home-local-download-ilyagusev-saiga-nemo-12b",
          "IlyaGusev/saiga_nemo_12b",
          "home-chat-8000",
        ],
        ["home-local-download-baai-bge-m3", "BAAI/bge-m3", "home-embed-8001"],
        [
          "home-local-download-baai-bge-reranker-v2-m3",
          "BAAI/bge-reranker-v2-m3",
          "home-rerank-8002",
        ],
      ] as const;
      expect(
        containers(run)
          .filter((c) => roleOf(c.inputs) === "download")
          .map((c) => c.name),
      ).toEqual(expected.map(([name]) => name));
      for (const [name, repo, engine] of expected) {
        const download = byName(run, name).inputs;
        expect(download).toMatchObject({ attach: true, mustRun: false, restart: "no" });
        expect(download.image).toBe(byName(run, engine).inputs.image);
        expect(download.volumes).toEqual([
          { volumeName: "home-local-models", containerPath: "/models", readOnly: false },
        ]);
        expect(download.command).toEqual([
          `set -e; [ -f /models/.gpufleet/${repo.replace("/", "--")}.complete ] && exit 0; python3 /opt/gpufleet/lib/gpufleet-fetch.py snapshot ${repo}; mkdir -p /models/.gpufleet; touch /models/.gpufleet/${repo.replace("/", "--")}.complete`,
        ]);
        expect(uploadsOf(download)).toEqual([
          {
            file: "/opt/gpufleet/lib/gpufleet-fetch.py",
            content: fetchScript(),
            permissions: "0444",
          },
        ]);
      }

      for (const [name, port] of [
        ["home-chat-8000", 8000],
        ["home-embed-8001", 8001],
        ["home-rerank-8002", 8002],
      ] as const) {
        const engine = byName(run, name).inputs;
        expect(engine.deviceRequests).toEqual([
          { driver: "nvidia", deviceIds: ["0"], capabilities: ["gpu"] },
        ]);
        expect(engine.restart).toBe("unless-stopped");
        expect(engine.logOpts).toEqual({ "max-size": "50m", "max-file": "5" });
        expect(engine.logDriver).toBe("json-file");
        expect(engine.volumes).toEqual([
          { volumeName: "home-local-models", containerPath: "/models", readOnly: true },
        ]);
        expect(engine.healthcheck).toMatchObject({ interval: "30s", retries: 3 });
        expect(JSON.stringify(engine.healthcheck)).toContain(`http://127.0.0.1:${port}/health`);
        expect(engine.command as string[]).toEqual(
          expect.arrayContaining(["--port", String(port)]),
        );
        expect(engine.ports).toEqual([]);
        // Waits for the download and refuses to start after a failed one.
        expect((engine.labels as Labels).find((l) => l.label === "gpufleet.after")).toBeDefined();
        expect(pulumi.runtime.isRpcSecret(engine.uploads)).toBe(true);
        expect(uploadsOf(engine).map((u) => [u.file, u.permissions])).toEqual([
          [SECRET_FILES.apiKey, "0400"],
        ]);
        expect(uploadsOf(engine)[0]!.content).toBe(DOCKER_SECRETS.apiKey);
      }
      expect(byName(run, "home-chat-8000").inputs.command).toEqual(
        expect.arrayContaining(["--mem-fraction-static"]),
      );
      expect(byName(run, "home-embed-8001").inputs.command).toEqual(
        expect.arrayContaining(["--gpu-memory-utilization", "0.12"]),
      );

      const proxy = byName(run, "home-chat-proxy").inputs;
      expect(proxy.ports).toEqual([{ internal: 8080, external: 8080, ip: "127.0.0.1" }]);
      const conf = uploadsOf(proxy).find((u) => u.file === "/etc/nginx/nginx.conf")!;
      expect(conf.permissions).toBe("0444");
      expect(conf.content).toContain("server home-chat-8000:8000 ");
      expect(conf.content).toContain("listen 8080;");
      const auth = uploadsOf(proxy).find((u) => u.file === SECRET_FILES.nginxAuth)!;
      expect(auth.permissions).toBe("0400");
      expect(auth.content).toBe(renderNginxAuthCheck(DOCKER_SECRETS.apiKey));
      expect(byName(run, "home-rerank-proxy").inputs.ports).toEqual([
        { internal: 8082, external: 8082, ip: "127.0.0.1" },
      ]);
      expect(byName(run, "home-local-dcgm-exporter").inputs).toMatchObject({
        deviceRequests: [{ driver: "nvidia", count: -1, capabilities: ["gpu"] }],
        capabilities: { adds: ["SYS_ADMIN"] },
      });
      // Every container on the host's network, under its own name; the downloads on Docker's
      // default bridge (the Hub, no container of the stack).
      for (const c of containers(run)) {
        if (roleOf(c.inputs) === "download") {
          expect(c.inputs.networkMode).toBe("bridge");
          expect(c.inputs.networksAdvanced).toBeUndefined();
        } else
          expect(c.inputs.networksAdvanced).toEqual([
            { name: "home-local-net", aliases: [c.name] },
          ]);
      }

      // docker inspect shows config, env, args and labels: no secret may be among them.
      for (const c of containers(run)) {
        const { uploads: _uploads, ...visible } = c.inputs;
        const text = JSON.stringify(redactSecrets(visible));
        expect(text).not.toContain(DOCKER_SECRETS.apiKey);
        expect(text).not.toContain("[secret]");
      }
      expect(run.outputs.engineApiKey!.secret).toBe(true);
      expect(run.outputs.endpoints!.value).toEqual({
        chat: "http://127.0.0.1:8080/v1",
        embed: "http://127.0.0.1:8081/v1",
        rerank: "http://127.0.0.1:8082/v1",
      });
    },
    TIMEOUT,
  );

  it(
    "downloads install nothing: an HF snapshot in its engine's image, a GGUF file in the pinned Python image, a shared model once, the token only as a file",
    async () => {
      const model = "Vikhrmodels/QVikhr-3-8B-Instruction";
      const run = await runDocker(
        {
          pools: [
            { name: "v", gpu: "RTX-4090", gpuCount: 3, gpuIndices: [0], engine: "vllm", model },
            { name: "s", gpu: "RTX-4090", gpuCount: 3, gpuIndices: [1], engine: "sglang", model },
            { name: "g", gpu: "RTX-4090", gpuCount: 3, gpuIndices: [2], engine: "llamacpp", model },
          ],
          apiKey: DOCKER_SECRETS.apiKey,
          hfToken: DOCKER_SECRETS.hfToken,
        },
        { dryRun: false },
      );
      const downloads = containers(run).filter((c) => roleOf(c.inputs) === "download");
      const snapshot = "home-local-download-vikhrmodels-qvikhr-3-8b-instruction";
      const gguf = "home-local-download-qvikhr-3-8b-instruction-q8-0-gguf";
      expect(downloads.map((c) => c.name)).toEqual([snapshot, gguf]);
      // The snapshot with the first pool's engine image (vLLM's huggingface_hub), the GGUF file
      // with the Python image pinned by digest (standard library only).
      // (A container's image input is its RemoteImage's imageId; the mock's id is imageId + name.)
      const imageOf = (name: string): unknown =>
        run.resources.find(
          (r) =>
            r.type === "docker:index/remoteImage:RemoteImage" &&
            r.id === `${String(byName(run, name).inputs.image)}${String(r.inputs.name)}`,
        )?.inputs.name;
      expect(imageOf(snapshot)).toBe(pinImage("vllm/vllm-openai:v0.31.0"));
      expect(imageOf("home-v-8000")).toBe(pinImage("vllm/vllm-openai:v0.31.0"));
      expect(imageOf("home-s-8001")).toBe(pinImage("lmsysorg/sglang:v0.5.21"));
      expect(imageOf(gguf)).toBe(pinImage("python:3.12-slim"));
      expect((byName(run, gguf).inputs.command as string[])[0]).toContain(
        "python3 /opt/gpufleet/lib/gpufleet-fetch.py gguf Vikhrmodels/QVikhr-3-8B-Instruction-GGUF QVikhr-3-8B-Instruction-Q8_0.gguf /models/gguf;",
      );
      // Each engine waits for (and refuses to start after a failed) fetch of its own model: both
      // safetensors engines for the one snapshot, llama.cpp for the GGUF file.
      const after = (name: string): unknown[] =>
        (byName(run, name).inputs.labels as Labels)
          .filter((l) => l.label === "gpufleet.after")
          .map((l) => l.value);
      expect(after("home-v-8000")).toEqual([snapshot]);
      expect(after("home-s-8001")).toEqual([snapshot]);
      expect(after("home-g-8002")).toEqual([gguf]);
      for (const c of downloads) {
        const text = JSON.stringify(c.inputs);
        expect(text).not.toMatch(/\bpip\b|huggingface_hub==|HF_HUB_VERSION/);
        expect(c.inputs).toMatchObject({
          entrypoints: ["/bin/sh", "-c"],
          capabilities: { drops: ["ALL"] },
          securityOpts: ["no-new-privileges:true"],
          networkMode: "bridge",
        });
        // The token: a 0400 file, its path in HF_TOKEN_PATH; never in env, argv or labels.
        expect(c.inputs.envs).toEqual([
          "HF_HOME=/models",
          "HF_HUB_DISABLE_TELEMETRY=1",
          "HF_HUB_DOWNLOAD_TIMEOUT=60",
          "HF_XET_CHUNK_CACHE_SIZE_BYTES=0",
          `HF_TOKEN_PATH=${SECRET_FILES.hfToken}`,
        ]);
        expect(pulumi.runtime.isRpcSecret(c.inputs.uploads)).toBe(true);
        expect(uploadsOf(c.inputs).map((u) => [u.file, u.permissions])).toEqual([
          ["/opt/gpufleet/lib/gpufleet-fetch.py", "0444"],
          [SECRET_FILES.hfToken, "0400"],
        ]);
        expect(uploadsOf(c.inputs)[1]!.content).toBe(DOCKER_SECRETS.hfToken);
      }
      // Nothing but the download one-shots has the token, and no container shows it.
      for (const c of containers(run)) {
        if (roleOf(c.inputs) !== "download")
          expect(uploadsOf(c.inputs).map((u) => u.file)).not.toContain(SECRET_FILES.hfToken);
        const { uploads: _u, ...visible } = c.inputs;
        expect(JSON.stringify(redactSecrets(visible))).not.toContain(DOCKER_SECRETS.hfToken);
        expect(JSON.stringify(visible)).not.toMatch(/\bpip install\b/);
      }
    },
    TIMEOUT,
  );

  it(
    "one provider per distinct host, ssh hosts included; a generated key stays secret",
    async () => {
      const run = await runDocker({
        pools: [
          { name: "a4000", gpu: "RTX-A4000", gpuCount: 2, gpuIndices: [0] },
          { name: "a5000", gpu: "RTX-A5000", gpuCount: 2, gpuIndices: [1] },
          { name: "t4", gpu: "T4", gpuCount: 1, engine: "sglang", dockerHost: "ssh://gpu@t4-box" },
        ],
      });
      const providers = run.resources.filter((r) => r.type === "pulumi:providers:docker");
      expect(providers.map((p) => p.inputs.host)).toEqual([
        "unix:///var/run/docker.sock",
        "ssh://gpu@t4-box",
      ]);
      expect(byName(run, "home-a5000-8001").inputs.deviceRequests).toEqual([
        { driver: "nvidia", deviceIds: ["1"], capabilities: ["gpu"] },
      ]);
      expect(byName(run, "home-t4-8000").parent).toContain("gpufleet-t4-box");
      const random = run.resources.find(
        (r) => r.type === "random:index/randomPassword:RandomPassword",
      );
      expect(random!.inputs).toMatchObject({ length: 48, special: false });
      for (const c of containers(run)) {
        if (uploadsOf(c.inputs).some((x) => x.file.startsWith("/run/secrets/")))
          expect(pulumi.runtime.isRpcSecret(c.inputs.uploads)).toBe(true);
        const { uploads: _u, ...visible } = c.inputs;
        expect(JSON.stringify(visible)).not.toContain(DOCKER_SECRETS.random);
      }
    },
    TIMEOUT,
  );

  it(
    "refuses bad input before any resource",
    async () => {
      await expect(
        runDocker({ pools: [{ name: "a", instanceType: "g5.xlarge" }] }),
      ).rejects.toThrow(/gpufleet:pools\[0\]\.instanceType: a docker pool is own hardware/);
    },
    TIMEOUT,
  );
});
