// `gpufleet render` of a docker stack: a compose file per host that Debian's docker-compose accepts,
// with the same containers as the Pulumi program.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { main } from "../../cli/main";
import { describeRun, requireTool, run, tempDir } from "../tools";
import { HOME_POOLS } from "./harness";
import { fetchScript } from "../../cloud-init";

async function render(
  config: Record<string, unknown>,
): Promise<{ code: number; out: string; dir: string; err: string }> {
  const dir = tempDir("compose");
  const file = path.join(dir, "Pulumi.home.yaml");
  writeFileSync(
    file,
    stringify({
      config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`gpufleet:${k}`, v])),
    }),
  );
  let out = "";
  let err = "";
  const code = await main(
    [
      "node",
      "gpufleet",
      "render",
      "--config",
      file,
      "--format",
      "compose",
      "--out",
      path.join(dir, "out"),
    ],
    {
      out: (s) => (out += `${s}\n`),
      err: (s) => (err += `${s}\n`),
    },
  );
  return { code, out, err, dir: path.join(dir, "out") };
}

type Service = Record<string, unknown> & { depends_on?: Record<string, { condition: string }> };

describe("gpufleet render --format compose", () => {
  it("writes a compose file per host that docker-compose config accepts", async () => {
    requireTool("docker-compose");
    const r = await render({
      target: "docker",
      pools: [
        ...HOME_POOLS,
        { name: "t4", gpu: "T4", gpuCount: 1, engine: "sglang", dockerHost: "ssh://gpu@t4-box" },
      ],
      monitoring: { enabled: false },
    });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    for (const host of ["local", "t4-box"]) {
      const dir = path.join(r.dir, host);
      const check = run("docker-compose", ["config", "-q"], { cwd: dir });
      expect(check.status, describeRun("docker-compose config -q", check)).toBe(0);
      expect(statSync(path.join(dir, "secrets")).mode & 0o777).toBe(0o700);
    }
    const doc = parse(readFileSync(path.join(r.dir, "local", "docker-compose.yml"), "utf8")) as {
      services: Record<string, Service>;
      volumes: Record<string, unknown>;
    };
    expect(Object.keys(doc.services)).toEqual([
      "home-local-download-ilyagusev-saiga-nemo-12b",
      "home-local-download-baai-bge-m3",
      "home-local-download-baai-bge-reranker-v2-m3",
      "home-chat-8000",
      "home-chat-proxy",
      "home-embed-8001",
      "home-embed-proxy",
      "home-rerank-8002",
      "home-rerank-proxy",
      "home-local-watchdog",
      "home-local-node-exporter",
      "home-local-dcgm-exporter",
    ]);
    const engine = doc.services["home-embed-8001"]!;
    expect(engine.depends_on).toEqual({
      "home-local-download-baai-bge-m3": { condition: "service_completed_successfully" },
    });
    // The download one-shot: gpufleet-fetch.py beside it (read-only), the engine's image, the
    // cache read-write, Docker's default bridge; nothing installed.
    const download = doc.services["home-local-download-baai-bge-m3"]!;
    expect(download.image).toBe(engine.image);
    expect(download.network_mode).toBe("bridge");
    expect(download.networks).toBeUndefined();
    expect(download.restart).toBe("no");
    expect(download.volumes).toEqual([
      "home-local-models:/models",
      "./config/home-local-download-baai-bge-m3/opt/gpufleet/lib/gpufleet-fetch.py:/opt/gpufleet/lib/gpufleet-fetch.py:ro",
    ]);
    expect(JSON.stringify(download)).not.toMatch(/\bpip\b/);
    expect(
      readFileSync(
        path.join(
          r.dir,
          "local",
          "config",
          "home-local-download-baai-bge-m3",
          "opt",
          "gpufleet",
          "lib",
          "gpufleet-fetch.py",
        ),
        "utf8",
      ),
    ).toBe(fetchScript());
    expect(engine.deploy).toEqual({
      resources: {
        reservations: { devices: [{ driver: "nvidia", device_ids: ["0"], capabilities: ["gpu"] }] },
      },
    });
    expect(engine.volumes).toEqual([
      "home-local-models:/models:ro",
      "./secrets/api-key:/run/secrets/gpufleet/api-key:ro",
    ]);
    expect(engine.cap_drop).toEqual(["ALL"]);
    expect(engine.security_opt).toEqual(["no-new-privileges:true"]);
    expect(doc.services["home-chat-proxy"]!.ports).toEqual(["127.0.0.1:8080:8080"]);
    // The watchdog: built from the Dockerfile written beside the compose file, the Docker socket,
    // the state volume the proxies and the node exporter read, the key as a header file.
    const watchdog = doc.services["home-local-watchdog"]!;
    expect(watchdog.build).toEqual({ context: "./watchdog" });
    expect(watchdog.environment).toMatchObject({ GPUFLEET_SERVICE_MANAGER: "docker" });
    expect(watchdog.volumes).toEqual(
      expect.arrayContaining([
        "./secrets/auth-header:/etc/gpufleet/secrets/auth-header:ro",
        "home-local-state:/var/lib/gpufleet",
        "/var/run/docker.sock:/var/run/docker.sock",
      ]),
    );
    expect(readFileSync(path.join(r.dir, "local", "watchdog", "Dockerfile"), "utf8")).toMatch(
      /^FROM docker:28\.5\.1-cli$/m,
    );
    const tsv = readFileSync(
      path.join(r.dir, "local", "config", "home-local-watchdog", "etc", "gpufleet", "replicas.tsv"),
      "utf8",
    );
    expect(
      tsv
        .split("\n")
        .filter((l) => l.startsWith("home-"))
        .map((l) => l.split("\t")[0]),
    ).toEqual(["home-chat-8000", "home-embed-8001", "home-rerank-8002"]);
    expect(doc.services["home-local-node-exporter"]!.volumes).toEqual(
      expect.arrayContaining(["home-local-state:/var/lib/gpufleet:ro", "/:/host:ro"]),
    );
    expect(doc.services["home-local-node-exporter"]!.pid).toBe("host");
    const conf = readFileSync(
      path.join(r.dir, "local", "config", "home-chat-proxy", "etc", "nginx", "nginx.conf"),
      "utf8",
    );
    expect(conf).toContain("server home-chat-8000:8000 ");
    // `$` reaches the container literally (the wrapper's $key): compose interpolates nothing and
    // prints it back escaped.
    const resolved = run("docker-compose", ["config"], { cwd: path.join(r.dir, "local") });
    expect(resolved.stderr).not.toContain("variable is not set");
    expect(resolved.stdout).toContain('key="$$(cat /run/secrets/gpufleet/api-key)"');
  });

  it("with monitoring: Prometheus, Alertmanager and Grafana services, their files and secrets", async () => {
    requireTool("docker-compose");
    const r = await render({
      target: "docker",
      pools: HOME_POOLS,
      docker: { grafanaPort: 3300 },
      alertWebhookUrl: "https://hooks.example.com/x",
    });
    // Written in plain text in this stack file: render warns as plan does, and only that.
    expect(r.err.trim().split("\n")).toEqual([
      expect.stringMatching(
        /^warning: gpufleet:alertWebhookUrl is stored in plain text .*pulumi config set --secret gpufleet:alertWebhookUrl/,
      ),
    ]);
    expect(r.code).toBe(0);
    const dir = path.join(r.dir, "local");
    const check = run("docker-compose", ["config", "-q"], { cwd: dir });
    expect(check.status, describeRun("docker-compose config -q", check)).toBe(0);
    const doc = parse(readFileSync(path.join(dir, "docker-compose.yml"), "utf8")) as {
      services: Record<string, Service>;
      volumes: Record<string, unknown>;
    };
    expect(Object.keys(doc.services).slice(-3)).toEqual([
      "home-local-prometheus",
      "home-local-alertmanager",
      "home-local-grafana",
    ]);
    expect(Object.keys(doc.volumes)).toEqual(
      expect.arrayContaining([
        "home-local-prometheus-data",
        "home-local-alertmanager-data",
        "home-local-grafana-data",
      ]),
    );
    const prometheus = doc.services["home-local-prometheus"]!;
    expect(prometheus.user).toBe("0:0");
    expect(prometheus.volumes).toEqual([
      "./config/home-local-prometheus/etc/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
      "./config/home-local-prometheus/etc/prometheus/rules/gpufleet.rules.yml:/etc/prometheus/rules/gpufleet.rules.yml:ro",
      "./secrets/api-key:/run/gpufleet-secrets/engine-api-key:ro",
      "home-local-prometheus-data:/var/lib/gpufleet-monitoring/prometheus",
    ]);
    expect(prometheus.ports).toBeUndefined();
    expect(doc.services["home-local-alertmanager"]!.volumes).toEqual(
      expect.arrayContaining([
        "./secrets/alert-webhook-url:/run/gpufleet-secrets/alert-webhook-url:ro",
      ]),
    );
    const grafana = doc.services["home-local-grafana"]!;
    expect(grafana.ports).toEqual(["127.0.0.1:3300:3000"]);
    expect(grafana.environment).toMatchObject({
      GF_SECURITY_ADMIN_PASSWORD__FILE: "/run/gpufleet-secrets/grafana-admin-password",
      GF_SERVER_ROOT_URL: "http://127.0.0.1:3300/",
    });
    expect(grafana.volumes).toEqual(
      expect.arrayContaining([
        "./secrets/grafana-admin-password:/run/gpufleet-secrets/grafana-admin-password:ro",
      ]),
    );
    const readme = readFileSync(path.join(dir, "secrets", "README"), "utf8");
    for (const f of ["api-key:", "grafana-admin-password:", "alert-webhook-url:"])
      expect(readme).toContain(`  ${f}`);
    expect(readme.match(/^ {2}api-key:/gm)).toHaveLength(1);
  });

  it("with the gateway: LiteLLM and PostgreSQL services, the config file and their secrets", async () => {
    requireTool("docker-compose");
    const r = await render({
      target: "docker",
      pools: HOME_POOLS,
      monitoring: { enabled: false },
      gateway: { enabled: true },
    });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const dir = path.join(r.dir, "local");
    const check = run("docker-compose", ["config", "-q"], { cwd: dir });
    expect(check.status, describeRun("docker-compose config -q", check)).toBe(0);
    const doc = parse(readFileSync(path.join(dir, "docker-compose.yml"), "utf8")) as {
      services: Record<string, Service>;
      volumes: Record<string, unknown>;
    };
    expect(Object.keys(doc.services).slice(-2)).toEqual([
      "home-local-postgres",
      "home-local-litellm",
    ]);
    expect(Object.keys(doc.volumes)).toContain("home-local-postgres-data");
    const litellm = doc.services["home-local-litellm"]!;
    expect(litellm.ports).toEqual(["127.0.0.1:4000:4000"]);
    expect(litellm.volumes).toEqual([
      "./config/home-local-litellm/etc/litellm/config.yaml:/etc/litellm/config.yaml:ro",
      "./secrets/litellm-master-key:/run/secrets/gpufleet/litellm-master-key:ro",
      "./secrets/litellm-salt-key:/run/secrets/gpufleet/litellm-salt-key:ro",
      "./secrets/api-key:/run/secrets/gpufleet/api-key:ro",
      "./secrets/postgres-password:/run/secrets/gpufleet/postgres-password:ro",
    ]);
    expect(litellm.depends_on).toMatchObject({
      "home-local-postgres": { condition: "service_started" },
      "home-chat-proxy": { condition: "service_started" },
    });
    expect(doc.services["home-local-postgres"]!.ports).toBeUndefined();
    const config = readFileSync(
      path.join(dir, "config", "home-local-litellm", "etc", "litellm", "config.yaml"),
      "utf8",
    );
    expect(config).toContain("api_base: http://home-chat-proxy:8080/v1");
    const readme = readFileSync(path.join(dir, "secrets", "README"), "utf8");
    for (const f of ["litellm-master-key:", "litellm-salt-key:", "postgres-password:"])
      expect(readme).toContain(`  ${f}`);
  });

  it("refuses --format compose for an aws stack (exit 2 naming the key)", async () => {
    const r = await render({
      pools: [{ name: "a", instanceType: "g5.xlarge" }],
      loadBalancer: { adminRoutes: "private" },
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain("gpufleet:target: --format compose renders the docker target");
  });
});
