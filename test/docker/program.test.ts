// The docker target under mocks: every resource recorded, inputs asserted.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { redactSecrets } from "../../cli/offline-mocks";
import { SECRET_FILES } from "../../components/docker";
import { renderNginxAuthCheck } from "../../cloud-init";
import { byName, containers, DOCKER_SECRETS, HOME_POOLS, runDocker, uploadsOf } from "./harness";
import { pinImage } from "../../planner/catalog/digests";

type Labels = Array<{ label: string; value: unknown }>;

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
          pinImage("python:3.12-slim"),
          pinImage("lmsysorg/sglang:v0.5.21"),
          pinImage("vllm/vllm-openai:v0.31.0"),
          pinImage("nginx:1.30-alpine"),
        ]),
      );
      expect(new Set(images).size).toBe(images.length);

      const download = byName(run, "home-local-download").inputs;
      expect(download).toMatchObject({ attach: true, mustRun: false, restart: "no" });
      expect(download.volumes).toEqual([
        { volumeName: "home-local-models", containerPath: "/models", readOnly: false },
      ]);
      const script = (download.command as string[])[0]!;
      for (const repo of ["IlyaGusev/saiga_nemo_12b", "BAAI/bge-m3", "BAAI/bge-reranker-v2-m3"])
        expect(script).toContain(`hf download ${repo}`);

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
      // Every container on the host's network, under its own name.
      for (const c of containers(run))
        expect(c.inputs.networksAdvanced).toEqual([{ name: "home-local-net", aliases: [c.name] }]);

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
