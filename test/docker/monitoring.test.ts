// Monitoring on the docker target: Prometheus, Alertmanager and Grafana containers on the first
// pool's host, configured by the same renderers as the EC2 monitoring host (same rules, same
// dashboards; static targets by container name instead of EC2 discovery). Under mocks every
// resource is recorded and its inputs asserted; the rendered files pass promtool and amtool.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  CONTAINER_PATHS,
  DEFAULT_MONITORING_IMAGES,
  GRAFANA_PATHS,
  JOBS,
  RULE_FILE,
  buildDashboards,
  renderConfigFiles,
  renderPrometheusConfig,
  renderRules,
  resolveMonitoringContext,
  scrapedReplicas,
} from "../../monitoring";
import { SECRET_FILES, dockerSpecOptions, renderDockerSpec } from "../../components/docker";
import { planStackConfig } from "../../config";
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
import { describeRun, requireTool, run as runTool, tempDir } from "../tools";

const TIMEOUT = 120_000;

/** A docker stack with monitoring: four GPUs, two pools sharing GPU 0, a TP-2 pool and Ollama. */
const POOLS = [
  { name: "chat", gpu: "RTX-4090", gpuCount: 4, gpuIndices: [0], gpuShare: 0.7 },
  {
    name: "embed",
    gpu: "RTX-4090",
    gpuCount: 4,
    gpuIndices: [0],
    task: "embedding",
    gpuShare: 0.12,
  },
  {
    name: "big",
    gpu: "RTX-4090",
    gpuCount: 4,
    gpuIndices: [1, 2],
    engine: "vllm",
    tensorParallel: 2,
  },
  { name: "local", gpu: "RTX-4090", gpuCount: 4, gpuIndices: [3], model: "qwen3:8b" },
];

function planned(raw: Record<string, unknown>) {
  return planStackConfig("home", { target: "docker", ...raw });
}

describe("docker monitoring under mocks", () => {
  it(
    "Prometheus, Alertmanager and Grafana: images, data volumes, 0400 secrets, Grafana on 127.0.0.1",
    async () => {
      const run = await runDocker({
        pools: POOLS,
        apiKey: DOCKER_SECRETS.apiKey,
        monitoring: { enabled: true, retentionDays: 30 },
        docker: { grafanaPort: 3300 },
      });
      const images = run.resources
        .filter((r) => r.type === "docker:index/remoteImage:RemoteImage")
        .map((r) => r.inputs.name);
      expect(images).toEqual(
        expect.arrayContaining([
          DEFAULT_MONITORING_IMAGES.prometheus,
          DEFAULT_MONITORING_IMAGES.alertmanager,
          DEFAULT_MONITORING_IMAGES.grafana,
        ]),
      );
      for (const v of ["prometheus", "alertmanager", "grafana"]) {
        expect(byName(run, `gpufleet-local-${v}-data`).inputs.name).toBe(`home-local-${v}-data`);
      }
      const password = byName(run, "gpufleet-grafana-admin");
      expect(password.type).toBe("random:index/randomPassword:RandomPassword");
      expect(password.inputs).toMatchObject({ length: 32, special: false });

      const prometheus = byName(run, "home-local-prometheus").inputs;
      expect(prometheus.user).toBe("0:0");
      expect(prometheus.capabilities).toEqual({ drops: ["ALL"] });
      expect(prometheus.securityOpts).toEqual(["no-new-privileges:true"]);
      expect(prometheus.ports).toEqual([]);
      expect(prometheus.command).toEqual([
        "--config.file=/etc/prometheus/prometheus.yml",
        "--storage.tsdb.path=/var/lib/gpufleet-monitoring/prometheus",
        "--storage.tsdb.retention.time=30d",
        "--web.listen-address=:9090",
        "--web.external-url=http://localhost:9090/",
      ]);
      expect(prometheus.volumes).toEqual([
        {
          volumeName: "home-local-prometheus-data",
          containerPath: "/var/lib/gpufleet-monitoring/prometheus",
          readOnly: false,
        },
      ]);
      const promFiles = uploadsOf(prometheus);
      expect(promFiles.map((u) => [u.file, u.permissions])).toEqual([
        ["/etc/prometheus/prometheus.yml", "0444"],
        [`/etc/prometheus/rules/${RULE_FILE}`, "0444"],
        [SECRET_FILES.engineApiKey, "0400"],
      ]);
      expect(plain(promFiles[2]!.content)).toBe(DOCKER_SECRETS.apiKey);
      const config = parse(String(promFiles[0]!.content)) as {
        scrape_configs: Array<{
          job_name: string;
          static_configs?: Array<{ targets: string[]; labels?: Record<string, string> }>;
          ec2_sd_configs?: unknown;
        }>;
        alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
      };
      expect(config.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual([
        "home-local-alertmanager:9093",
      ]);
      expect(config.scrape_configs.some((j) => j.ec2_sd_configs !== undefined)).toBe(false);

      const alertmanager = byName(run, "home-local-alertmanager").inputs;
      expect(alertmanager.user).toBe("0:0");
      expect(uploadsOf(alertmanager).map((u) => [u.file, u.permissions])).toEqual([
        ["/etc/alertmanager/alertmanager.yml", "0444"],
      ]);

      const grafana = byName(run, "home-local-grafana").inputs;
      expect(grafana.ports).toEqual([{ internal: 3000, external: 3300, ip: "127.0.0.1" }]);
      const env = grafana.envs as string[];
      expect(env).toContain(`GF_SECURITY_ADMIN_PASSWORD__FILE=${GRAFANA_PATHS.adminPassword}`);
      expect(env).toContain("GF_SERVER_ROOT_URL=http://127.0.0.1:3300/");
      expect(env).toContain("GF_AUTH_ANONYMOUS_ENABLED=false");
      const grafanaFiles = uploadsOf(grafana);
      const secret = grafanaFiles.find((u) => u.file === GRAFANA_PATHS.adminPassword)!;
      expect(secret.permissions).toBe("0400");
      expect(plain(secret.content)).toBe(DOCKER_SECRETS.random);
      const datasource = grafanaFiles.find(
        (u) => u.file === `${GRAFANA_PATHS.provisioning}/datasources/gpufleet.yml`,
      )!;
      expect(String(datasource.content)).toContain("url: http://home-local-prometheus:9090");
      // Every dashboard of the plan, as on EC2.
      const { plan } = planned({ pools: POOLS, monitoring: { enabled: true } });
      for (const d of buildDashboards(plan))
        expect(grafanaFiles.map((u) => u.file)).toContain(`${GRAFANA_PATHS.dashboards}/${d.file}`);

      // Secrets: only in 0400 uploads, never in env, command, labels or outputs.
      for (const c of run.resources.filter((r) => r.type === CONTAINER)) {
        const { uploads: _uploads, ...rest } = c.inputs;
        const text = JSON.stringify(rest);
        expect(text).not.toContain(DOCKER_SECRETS.apiKey);
        expect(text).not.toContain(DOCKER_SECRETS.random);
        for (const u of uploadsOf(c.inputs)) {
          const content = String(plain(u.content));
          if (content.includes(DOCKER_SECRETS.apiKey) || content.includes(DOCKER_SECRETS.random))
            expect(u.permissions, `${String(c.inputs.name)} ${u.file}`).toBe("0400");
        }
      }
      expect(run.outputs.grafanaUrl!.value).toBe("http://127.0.0.1:3300/");
      expect(run.outputs.grafanaAdminPassword!.secret).toBe(true);
    },
    TIMEOUT,
  );

  it(
    "the webhook URL reaches Alertmanager as a 0400 file only",
    async () => {
      const url = "https://hooks.example.com/services/TESTSECRETwebhook";
      const run = await runDocker({
        pools: HOME_POOLS,
        apiKey: DOCKER_SECRETS.apiKey,
        monitoring: { enabled: true },
        alertWebhookUrl: url,
      });
      const am = byName(run, "home-local-alertmanager").inputs;
      const hook = uploadsOf(am).find((u) => u.file === SECRET_FILES.alertWebhookUrl)!;
      expect(hook.permissions).toBe("0400");
      expect(plain(hook.content)).toBe(url);
      const config = String(uploadsOf(am)[0]!.content);
      expect(config).toContain(`url_file: ${SECRET_FILES.alertWebhookUrl}`);
      expect(config).not.toContain("hooks.example.com");
    },
    TIMEOUT,
  );

  it(
    "monitoring off: no monitoring container, volume or password",
    async () => {
      const run = await runDocker({ pools: HOME_POOLS, apiKey: DOCKER_SECRETS.apiKey });
      for (const r of run.resources)
        expect(r.name).not.toMatch(/-(prometheus|alertmanager|grafana)(-data)?$|grafana-admin/);
      expect(run.outputs.grafanaUrl!.value).toBeNull();
    },
    TIMEOUT,
  );
});

describe("docker monitoring files: the EC2 renderers with static targets", () => {
  const { cfg, plan } = planned({ pools: POOLS, monitoring: { enabled: true } });
  const [host] = renderDockerSpec(plan, dockerSpecOptions(cfg, "home"));
  const file = (container: string, path: string): string =>
    host!.containers.find((c) => c.name === container)!.files.find((f) => f.path === path)!.content;
  const prometheusYml = file("home-local-prometheus", "/etc/prometheus/prometheus.yml");
  const rules = file("home-local-prometheus", `/etc/prometheus/rules/${RULE_FILE}`);

  it("a job per scraped replica and per pool's exporters, each target a container on the host's network", () => {
    const jobs = (
      parse(prometheusYml) as {
        scrape_configs: Array<{
          job_name: string;
          static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>;
          relabel_configs?: Array<Record<string, unknown>>;
          metric_relabel_configs?: Array<Record<string, unknown>>;
        }>;
      }
    ).scrape_configs;
    const byJob = new Map(jobs.map((j) => [j.job_name, j]));
    for (const pool of plan.pools) {
      expect(byJob.get(`node-${pool.name}`)!.static_configs).toEqual([
        {
          targets: ["home-local-node-exporter:9100"],
          labels: { pool: pool.name, instance_id: "local" },
        },
      ]);
      const dcgm = byJob.get(`dcgm-${pool.name}`)!;
      expect(dcgm.static_configs[0]!.targets).toEqual(["home-local-dcgm-exporter:9400"]);
      expect(dcgm.metric_relabel_configs).toEqual([
        {
          source_labels: ["gpu"],
          regex: `(${pool.placement!.gpuIndices.join("|")})?`,
          action: "keep",
        },
      ]);
      for (const r of pool.replicas) {
        const job = byJob.get(`engine-${pool.name}-${r.port}`);
        if (r.metricsPath === null) {
          expect(job).toBeUndefined();
          continue;
        }
        const name = `home-${pool.name}-${r.port}`;
        expect(job!.static_configs).toEqual([
          {
            targets: [`${name}:${r.port}`],
            labels: {
              pool: pool.name,
              instance_id: "local",
              replica: name,
              model: r.model.servedName,
              engine: r.engine,
              gpus: r.gpus.join(","),
              port: String(r.port),
            },
          },
        ]);
        expect(job!.relabel_configs).toEqual([{ target_label: "job", replacement: JOBS.engine }]);
      }
    }
    // The Ollama pool exports no metrics: no engine job, exporters still scraped.
    expect(plan.pools.find((p) => p.name === "local")!.replicas[0]!.engine).toBe("ollama");
    expect(scrapedReplicas(plan.pools.find((p) => p.name === "local")!)).toEqual([]);
    expect(byJob.get("alertmanager")!.static_configs[0]!.targets).toEqual([
      "home-local-alertmanager:9093",
    ]);
    expect(byJob.get("grafana")!.static_configs[0]!.targets).toEqual(["home-local-grafana:3000"]);
  });

  it("the same rules and dashboards as the EC2 monitoring host for the same plan", () => {
    const ec2 = resolveMonitoringContext({
      stack: "home",
      region: "us-east-1",
      modelCacheDir: "/var/lib/docker",
    });
    expect(rules).toBe(renderRules(plan, ec2));
    const ec2Files = renderConfigFiles(plan, ec2);
    for (const f of ec2Files.filter((f) => f.path.startsWith("grafana/dashboards/")))
      expect(file("home-local-grafana", `${GRAFANA_PATHS.dashboards}/${f.path.slice(19)}`)).toBe(
        f.content,
      );
    expect(
      file("home-local-grafana", `${GRAFANA_PATHS.provisioning}/dashboards/gpufleet.yml`),
    ).toBe(
      ec2Files.find((f) => f.path === "grafana/provisioning/dashboards/gpufleet.yml")!.content,
    );
  });

  it("promtool check config accepts prometheus.yml with its rules; promtool check rules too", () => {
    requireTool("promtool");
    const dir = tempDir("docker-prom");
    mkdirSync(join(dir, "rules"));
    mkdirSync(join(dir, "secrets"));
    writeFileSync(join(dir, "secrets", "engine-api-key"), DOCKER_SECRETS.apiKey);
    writeFileSync(join(dir, "rules", RULE_FILE), rules);
    // The same renderer and context, with the paths pointed at the temporary directory.
    const mon = host!.containers.find((c) => c.name === "home-local-prometheus")!;
    expect(mon.files[0]!.content).toBe(prometheusYml);
    const relocated = prometheusYml
      .split(`${CONTAINER_PATHS.prometheus}/rules/`)
      .join(`${dir}/rules/`)
      .split(`${CONTAINER_PATHS.secrets}/`)
      .join(`${dir}/secrets/`);
    writeFileSync(join(dir, "prometheus.yml"), relocated);
    const r = runTool("promtool", ["check", "config", join(dir, "prometheus.yml")]);
    expect(r.status, describeRun("promtool check config", r)).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: 1 rule files found/);
    const syntax = join(dir, "as-deployed.yml");
    writeFileSync(syntax, prometheusYml);
    const s = runTool("promtool", ["check", "config", "--syntax-only", syntax]);
    expect(s.status, describeRun("promtool check config --syntax-only", s)).toBe(0);
  });

  it("amtool check-config accepts alertmanager.yml", () => {
    requireTool("amtool");
    const dir = tempDir("docker-am");
    const path = join(dir, "alertmanager.yml");
    writeFileSync(path, file("home-local-alertmanager", "/etc/alertmanager/alertmanager.yml"));
    const r = runTool("amtool", ["check-config", path]);
    expect(r.status, describeRun("amtool check-config", r)).toBe(0);
  });

  it("renderPrometheusConfig without docker targets still discovers EC2 instances", () => {
    const ec2 = renderPrometheusConfig(
      plan,
      resolveMonitoringContext({ stack: "home", region: "us-east-1" }),
    );
    expect(ec2).toContain("ec2_sd_configs");
    expect(ec2).not.toContain("home-local-");
  });
});

describe("docker monitoring: bad input exits 2 naming the key", () => {
  it("pools on a second Docker host: monitoring.enabled names them", async () => {
    const r = await planDockerStack({
      pools: [
        { name: "a", gpu: "RTX-4090", gpuCount: 1 },
        { name: "b", gpu: "T4", gpuCount: 1, dockerHost: "ssh://ops@gpu2.example.com" },
      ],
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /gpufleet:monitoring\.enabled: Prometheus runs on the first pool's host .*pools\[1\] \(b\) on ssh:\/\/ops@gpu2\.example\.com/,
    );
  });

  it("Grafana's port taken by a proxy: docker.grafanaPort", async () => {
    const pinned = await planDockerStack({
      pools: [{ name: "a", gpu: "RTX-4090", gpuCount: 1, proxyPort: 3000 }],
    });
    expect(pinned.code).toBe(2);
    expect(pinned.err).toContain("gpufleet:docker.grafanaPort: port 3000 is pools[0].proxyPort");
    const automatic = await planDockerStack({
      pools: [{ name: "a", gpu: "RTX-4090", gpuCount: 1 }],
      docker: { grafanaPort: 8080 },
    });
    expect(automatic.code).toBe(2);
    expect(automatic.err).toContain(
      "gpufleet:docker.grafanaPort: port 8080 is one the proxies take",
    );
  });

  it("monitoring on, one host: planned without a problem", async () => {
    const r = await planDockerStack({ pools: HOME_POOLS });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
  });
});
