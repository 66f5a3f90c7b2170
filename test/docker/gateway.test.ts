// The LiteLLM gateway with PostgreSQL on the docker target (seed 002): under mocks every resource
// is recorded and its inputs asserted; the LiteLLM config is the gateway renderer's, each pool at
// its proxy by container name; secrets only as 0400 files; bad input exits 2 naming the key.
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  LITELLM_CONFIG_FILE,
  POSTGRES_IMAGE,
  SECRET_FILES,
  litellmWrapper,
} from "../../components/docker";
import { GATEWAY_ENV, LITELLM_IMAGE, type LiteLLMConfig } from "../../gateway";
import {
  byName,
  plain,
  uploadsOf,
  CONTAINER,
  DOCKER_SECRETS,
  HOME_POOLS,
  planDockerStack,
  runDocker,
} from "./harness";

const TIMEOUT = 120_000;

describe("docker gateway under mocks", () => {
  it(
    "LiteLLM and PostgreSQL: generated secrets as 0400 files, config to the pools' proxies, published on 127.0.0.1",
    async () => {
      const run = await runDocker({
        pools: HOME_POOLS,
        apiKey: DOCKER_SECRETS.apiKey,
        gateway: {
          enabled: true,
          prices: { "bge-m3": { inputPerMillion: 0.02, outputPerMillion: 0 } },
        },
        docker: { gatewayPort: 4100 },
      });
      for (const [id, length] of [
        ["gpufleet-gateway-master-key", 48],
        ["gpufleet-gateway-salt-key", 48],
        ["gpufleet-gateway-db-password", 32],
      ] as const) {
        const r = byName(run, id);
        expect(r.type).toBe("random:index/randomPassword:RandomPassword");
        expect(r.inputs).toMatchObject({ length, special: false });
      }
      const images = run.resources
        .filter((r) => r.type === "docker:index/remoteImage:RemoteImage")
        .map((r) => r.inputs.name);
      expect(images).toEqual(expect.arrayContaining([LITELLM_IMAGE, POSTGRES_IMAGE]));
      expect(byName(run, "gpufleet-local-postgres-data").inputs.name).toBe(
        "home-local-postgres-data",
      );

      const postgres = byName(run, "home-local-postgres").inputs;
      expect(postgres.image).toBeDefined();
      expect(postgres.envs).toEqual([
        "POSTGRES_USER=litellm",
        "POSTGRES_DB=litellm",
        `POSTGRES_PASSWORD_FILE=${SECRET_FILES.postgresPassword}`,
        "PGDATA=/var/lib/postgresql/data/pgdata",
      ]);
      expect(postgres.ports).toEqual([]);
      expect(postgres.capabilities).toEqual({
        drops: ["ALL"],
        adds: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"],
      });
      expect(postgres.volumes).toEqual([
        {
          volumeName: "home-local-postgres-data",
          containerPath: "/var/lib/postgresql/data",
          readOnly: false,
        },
      ]);
      expect(uploadsOf(postgres).map((u) => [u.file, u.permissions, plain(u.content)])).toEqual([
        [SECRET_FILES.postgresPassword, "0400", DOCKER_SECRETS.random],
      ]);

      const litellm = byName(run, "home-local-litellm").inputs;
      expect(litellm.entrypoints).toEqual(["/bin/sh", "-c", litellmWrapper("home-local-postgres")]);
      expect(litellm.user).toBe("0:0");
      expect(litellm.capabilities).toEqual({ drops: ["ALL"] });
      expect(litellm.ports).toEqual([{ internal: 4000, external: 4100, ip: "127.0.0.1" }]);
      expect(litellm.envs).toEqual([
        "LITELLM_LOCAL_MODEL_COST_MAP=True",
        "LITELLM_MODE=PRODUCTION",
        "LITELLM_LOG=INFO",
      ]);
      const files = uploadsOf(litellm);
      expect(files.map((u) => [u.file, u.permissions, plain(u.content)])).toEqual([
        [LITELLM_CONFIG_FILE, "0444", files[0]!.content],
        [SECRET_FILES.gatewayMasterKey, "0400", `sk-${DOCKER_SECRETS.random}`],
        [SECRET_FILES.gatewaySaltKey, "0400", DOCKER_SECRETS.random],
        [SECRET_FILES.apiKey, "0400", DOCKER_SECRETS.apiKey],
        [SECRET_FILES.postgresPassword, "0400", DOCKER_SECRETS.random],
      ]);
      const config = parse(String(files[0]!.content)) as LiteLLMConfig;
      expect(config.general_settings).toMatchObject({
        master_key: `os.environ/${GATEWAY_ENV.masterKey}`,
        database_url: `os.environ/${GATEWAY_ENV.databaseUrl}`,
      });
      expect(
        config.model_list.map((d) => [d.model_name, d.litellm_params.api_base, d.model_info.mode]),
      ).toEqual([
        ["saiga-nemo-12b", "http://home-chat-proxy:8080/v1", "chat"],
        ["bge-m3", "http://home-embed-proxy:8081/v1", "embedding"],
        ["bge-reranker-v2-m3", "http://home-rerank-proxy:8082/v1", "rerank"],
      ]);
      for (const d of config.model_list)
        expect(d.litellm_params.api_key).toBe(`os.environ/${GATEWAY_ENV.engineApiKey}`);
      expect(config.model_list[1]!.litellm_params.input_cost_per_token).toBeCloseTo(0.02e-6, 12);
      expect(litellm.healthcheck).toMatchObject({ retries: 3 });

      // No secret anywhere but in a 0400 upload.
      for (const c of run.resources.filter((r) => r.type === CONTAINER)) {
        const { uploads: _u, ...rest } = c.inputs;
        const text = JSON.stringify(rest);
        expect(text).not.toContain(DOCKER_SECRETS.random);
        expect(text).not.toContain(DOCKER_SECRETS.apiKey);
      }
      expect(run.outputs.gatewayUrl!.value).toBe("http://127.0.0.1:4100/v1");
      expect(run.outputs.gatewayMasterKey!.secret).toBe(true);
    },
    TIMEOUT,
  );

  it("the wrapper reads every secret from its file and composes DATABASE_URL; no value in it", () => {
    const w = litellmWrapper("home-local-postgres");
    expect(w).toContain(`LITELLM_MASTER_KEY="$(cat ${SECRET_FILES.gatewayMasterKey})"`);
    expect(w).toContain(`LITELLM_SALT_KEY="$(cat ${SECRET_FILES.gatewaySaltKey})"`);
    expect(w).toContain(`GPUFLEET_ENGINE_API_KEY="$(cat ${SECRET_FILES.apiKey})"`);
    expect(w).toContain(
      'DATABASE_URL="postgresql://litellm:$db_password@home-local-postgres:5432/litellm"',
    );
    expect(w.split("\n").at(-1)).toBe(`exec litellm --config ${LITELLM_CONFIG_FILE} --port 4000`);
  });
});

describe("docker gateway: bad input exits 2 naming the key", () => {
  it("pools on another host, an upstream, a taken port: each named", async () => {
    const r = await planDockerStack({
      monitoring: { enabled: false },
      pools: [
        { name: "a", gpu: "RTX-4090", gpuCount: 1, proxyPort: 4000 },
        { name: "b", gpu: "T4", gpuCount: 1, dockerHost: "ssh://ops@gpu2.example.com" },
      ],
      gateway: {
        enabled: true,
        upstreams: [{ name: "gpt", provider: "openai", model: "gpt-4o", apiKeySecret: "openai" }],
      },
      gatewayApiKeys: { openai: "sk-test" },
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /gpufleet:gateway\.enabled: LiteLLM runs on the first pool's host .*pools\[1\] \(b\) on ssh:\/\/ops@gpu2\.example\.com/,
    );
    expect(r.err).toContain("gpufleet:gateway.upstreams[0]: external upstreams need their keys");
    expect(r.err).toContain("gpufleet:docker.gatewayPort: port 4000 is pools[0].proxyPort");
  });

  it("the gateway on one host plans without a problem", async () => {
    const r = await planDockerStack({
      monitoring: { enabled: false },
      pools: HOME_POOLS,
      gateway: { enabled: true },
    });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });
});
