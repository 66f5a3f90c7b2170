// The Docker target's deployment as plain data: per host, the network, the model-cache volume, the
// images and every container with exactly what it runs. Pure (no @pulumi imports): the component
// (./host.ts) wires it into @pulumi/docker resources and `gpufleet render --format compose` writes
// it as a compose file, so both deploy the same thing. Engine args, the proxy's nginx.conf and the
// download list come from the plan and the existing renderers; nothing is decided here twice.
import {
  CONTAINER_MODEL_DIR,
  DEFAULT_HELPER_IMAGES,
  EXPORTER_PORTS,
  HOST_PATHS,
  fetchScript,
  slugOf,
  renderNginxConf,
  resolveReplicas,
  type ResolvedContext,
  type ResolvedReplica,
} from "../../cloud-init";
import { distinctDownloads, downloadKey, type Download } from "../../cloud-init/replicas";
import { fetchShell } from "../../cloud-init/fetch";
import { renderGpufleetEnv, renderReplicasTsv } from "../../cloud-init/plan-files";
import { script } from "../../cloud-init";
import type { FleetPlan, PoolPlan } from "../../planner/types";
import { ENGINES } from "../../planner/catalog/engines";
import type { StackConfig } from "../../config/schema";
import {
  GATEWAY_ENV,
  LITELLM_ENVIRONMENT,
  LITELLM_IMAGE,
  LITELLM_PORT,
  POSTGRES_PORT,
  renderLiteLLMConfig,
  type GatewayOptions,
} from "../../gateway";
import {
  CONTAINER_PATHS,
  GRAFANA_PATHS,
  MONITORING_HOST_PATHS,
  MONITORING_PORTS,
  SECRET_FILES as MONITORING_SECRET_FILES,
  grafanaEnvironment,
  renderConfigFiles,
  resolveMonitoringContext,
  type AlertThresholds,
  type DockerScrapeTargets,
  type MonitoringContext,
} from "../../monitoring";
import { join } from "node:path";

/** A secret a container reads from a file (never from its env, argv or image). */
export type SecretName =
  | "apiKey"
  | "hfToken"
  | "nginxAuth"
  | "authHeader"
  | "engineApiKey"
  | "grafanaAdminPassword"
  | "alertWebhookUrl"
  | "gatewayMasterKey"
  | "gatewaySaltKey"
  | "postgresPassword";

/** Where secrets are mounted in every container: root-only files (mode 0400). */
export const SECRET_DIR = "/run/secrets/gpufleet";
export const SECRET_FILES: Record<SecretName, string> = {
  apiKey: `${SECRET_DIR}/api-key`,
  hfToken: `${SECRET_DIR}/hf-token`,
  /** The proxy's key check (cloud-init's renderNginxAuthCheck of the API key). */
  nginxAuth: `${SECRET_DIR}/nginx-auth.conf`,
  /** The watchdog's `Authorization: Bearer …` line, where gpufleet-lib.sh reads it. */
  authHeader: "/etc/gpufleet/secrets/auth-header",
  /** The engine API key where Prometheus's scrape jobs read it (monitoring/prometheus.ts). */
  engineApiKey: `${CONTAINER_PATHS.secrets}/${MONITORING_SECRET_FILES.engineApiKey}`,
  /** Grafana's GF_SECURITY_ADMIN_PASSWORD__FILE (monitoring/grafana.ts). */
  grafanaAdminPassword: GRAFANA_PATHS.adminPassword,
  /** Alertmanager's webhook url_file (monitoring/alertmanager.ts). */
  alertWebhookUrl: `${CONTAINER_PATHS.secrets}/${MONITORING_SECRET_FILES.alertWebhookUrl}`,
  /** LiteLLM's master key (`sk-…`), salt key and the database password (gateway). */
  gatewayMasterKey: `${SECRET_DIR}/litellm-master-key`,
  gatewaySaltKey: `${SECRET_DIR}/litellm-salt-key`,
  postgresPassword: `${SECRET_DIR}/postgres-password`,
};

/**
 * The watchdog's image: Docker's official CLI image (docker-library/docker 28/cli; Engine 28.5.1
 * released 2025-10-08, moby/moby v28.5.1) with what gpufleet-watchdog runs besides the docker CLI:
 * bash, curl and GNU date (coreutils). Built on the Docker host from ./watchdog/Dockerfile.
 */
export const WATCHDOG_IMAGE = "gpufleet/watchdog:28.5.1-1";
/** Its Dockerfile (the build context is its directory). */
export const WATCHDOG_DOCKERFILE = join(__dirname, "watchdog", "Dockerfile");

/**
 * Every container: setuid binaries gain nothing (no-new-privileges) and every capability is
 * dropped (ContainerSpec.capAdd gives back the few one needs).
 */
export const NO_NEW_PRIVILEGES = ["no-new-privileges:true"] as const;

/** The host directory of the watchdog's state, the proxies' health flag and the textfile metrics. */
export const STATE_DIR = "/var/lib/gpufleet";

/** Seconds between watchdog runs (seed 000: every 30 s). */
export const WATCHDOG_INTERVAL_SECONDS = 30;

/**
 * Every container's log: Docker's json-file driver, rotated (seed 000 kept logs per engine; an
 * engine logs a line per request, so an unrotated log fills the disk in weeks).
 */
export const LOG_ROTATION = { driver: "json-file", maxSize: "50m", maxFile: "5" } as const;

/** Seconds between health checks (seed 000's watchdog cadence) and failures before unhealthy. */
export const HEALTHCHECK = { intervalSeconds: 30, timeoutSeconds: 10, retries: 3 } as const;

export interface ContainerFile {
  /** Absolute path in the container. */
  path: string;
  content: string;
  /** Octal, e.g. "0444". */
  mode: string;
}

export interface ContainerSpec {
  /** Container name, also its host name on the host's network. */
  name: string;
  /** What it is, for labels and the compose file's comments. */
  role:
    | "download"
    | "engine"
    | "proxy"
    | "watchdog"
    | "node-exporter"
    | "dcgm-exporter"
    | "prometheus"
    | "alertmanager"
    | "grafana"
    | "litellm"
    | "postgres"
    | "ollama-models";
  /** Pool it belongs to ("" for host-wide containers). */
  pool: string;
  image: string;
  /** Replaces the image's ENTRYPOINT (undefined: keep it). */
  entrypoint?: string[];
  command: string[];
  /** Never a secret: secrets are files (secrets below). */
  env: Record<string, string>;
  /** Plain files placed before the container starts (configuration, wrapper scripts). */
  files: ContainerFile[];
  /** Secret files, mode 0400, at SECRET_FILES[name]. */
  secrets: SecretName[];
  /** Host GPU indices handed to the container (Docker device requests, driver nvidia). */
  gpus: number[] | "all" | null;
  ipcHost: boolean;
  /**
   * Linux capabilities added back after every container drops ALL (the DCGM exporter's SYS_ADMIN
   * for profiling counters, nginx's to switch its workers' user).
   */
  capAdd: string[];
  /** Host paths mounted (the watchdog's Docker socket, the node exporter's root). */
  hostMounts: Array<{ hostPath: string; containerPath: string; readOnly: boolean }>;
  /** The host's state volume at STATE_DIR: the watchdog writes it, proxies and exporters read it. */
  stateDir: "rw" | "ro" | null;
  /** Shares the host's process namespace (the node exporter's process metrics). */
  pidHost: boolean;
  /** The model cache volume: read-write for the download, read-only for engines. */
  modelCache: "rw" | "ro" | null;
  /** Host-published ports (published on bindAddress only). */
  ports: Array<{ internal: number; external: number; ip: string }>;
  healthcheck: { test: string[]; startPeriodSeconds: number } | null;
  /** "no" for the one-shot download; engines restart unless stopped. */
  restart: "no" | "unless-stopped";
  /** Runs to completion (exit 0) before the containers that depend on it start. */
  runToCompletion: boolean;
  /** Names of containers that must have completed (download) or started first. */
  dependsOn: string[];
  labels: Record<string, string>;
  /** Seconds docker stop waits before SIGKILL. */
  stopTimeoutSeconds: number;
  /**
   * On Docker's default bridge instead of the host's network (the downloads: the Hub reachable,
   * no container of the stack by name); undefined: the host's network.
   */
  egressOnly?: boolean;
  /** User (uid:gid) the process runs as; undefined: the image's. */
  user?: string;
  /** A named volume of its own (HostSpec.dataVolumes), read-write at `path`. */
  data?: { volume: string; path: string };
}

/**
 * What a container without GPUs has by default: no IPC or pid namespace of the host, no capability
 * added back, no host path, state directory or model cache, no healthcheck.
 */
type PlainField =
  | "gpus"
  | "ipcHost"
  | "capAdd"
  | "hostMounts"
  | "stateDir"
  | "pidHost"
  | "modelCache"
  | "healthcheck";
const PLAIN_CONTAINER: Pick<ContainerSpec, PlainField> = {
  gpus: null,
  ipcHost: false,
  capAdd: [],
  hostMounts: [],
  stateDir: null,
  pidHost: false,
  modelCache: null,
  healthcheck: null,
};

export interface HostSpec {
  /** The dockerHost URL. */
  host: string;
  /** Short name for resource names: "local" or the ssh host. */
  key: string;
  network: string;
  volume: string;
  /** The state volume (STATE_DIR). */
  stateVolume: string;
  /** Containers' own data volumes (Prometheus's TSDB, Alertmanager's state, Grafana's database). */
  dataVolumes: string[];
  /** Every image the host's containers run, each once (WATCHDOG_IMAGE is built, not pulled). */
  images: string[];
  containers: ContainerSpec[];
}

export interface DockerSpecOptions {
  stack: string;
  /** Address host-published ports bind; default 127.0.0.1. */
  bindAddress?: string;
  /** Image overrides (engine ids and helper images), as on EC2. */
  images?: Partial<Record<string, string>>;
  /** Whether the stack has an HF token (then every download one-shot reads it from its file). */
  hfToken: boolean;
  /** Exporters beside the engines (node, DCGM); default true. */
  exporters?: boolean;
  /** Prometheus, Alertmanager and Grafana on the first pool's host; undefined: none. */
  monitoring?: DockerMonitoringOptions;
  /** LiteLLM + PostgreSQL on the first pool's host; undefined: none. */
  gateway?: DockerGatewayOptions;
}

export interface DockerGatewayOptions {
  /** Host port LiteLLM is published on (bindAddress). */
  port: number;
  /** LiteLLM image; default gateway/options.ts LITELLM_IMAGE. */
  image?: string;
  /** USD per million tokens per served name (budgets count self-hosted traffic). */
  prices: GatewayOptions["prices"];
}

/**
 * PostgreSQL for LiteLLM: the official image's 16 line (the major the AWS gateway's RDS runs),
 * 16.10 released 2025-08-14 (postgresql.org release announcement, with 17.6/15.14), Alpine variant
 * of docker-library/postgres.
 */
export const POSTGRES_IMAGE = "postgres:16.10-alpine";
/** Database and user of LiteLLM. */
export const POSTGRES_DB = "litellm";
/** Where LiteLLM reads its rendered config. */
export const LITELLM_CONFIG_FILE = "/etc/litellm/config.yaml";

export interface DockerMonitoringOptions {
  /** Host port Grafana is published on (bindAddress). */
  grafanaPort: number;
  retentionDays?: number;
  thresholds?: Partial<AlertThresholds>;
  /** Alerts also go to gpufleet:alertWebhookUrl (a secret file). */
  webhook: boolean;
}

/** The spec options of a docker stack's config (the program and `render --format compose`). */
export function dockerSpecOptions(cfg: StackConfig, stack: string): DockerSpecOptions {
  return {
    stack,
    bindAddress: cfg.docker?.bindAddress,
    hfToken: cfg.hfToken !== undefined,
    ...(cfg.monitoring.enabled
      ? {
          monitoring: {
            grafanaPort: cfg.docker?.grafanaPort ?? 3000,
            retentionDays: cfg.monitoring.retentionDays,
            thresholds: cfg.monitoring.thresholds,
            webhook: cfg.alertWebhookUrl !== undefined,
          },
        }
      : {}),
    ...(cfg.gateway.enabled
      ? {
          gateway: {
            port: cfg.docker?.gatewayPort ?? 4000,
            image: cfg.gateway.image,
            prices: cfg.gateway.prices,
          },
        }
      : {}),
  };
}

/** `local` for the socket, else the ssh host: a DNS-safe piece of resource and container names. */
export function hostKey(host: string): string {
  if (host.startsWith("unix://")) return "local";
  const m = /^ssh:\/\/[^@]+@([^:/]+)/.exec(host);
  return (m?.[1] ?? host)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** Pools grouped by host, in plan order. */
export function poolsByHost(plan: FleetPlan): Map<string, PoolPlan[]> {
  const out = new Map<string, PoolPlan[]>();
  for (const pool of plan.pools) {
    const host = pool.placement?.host;
    if (host === undefined) throw new Error(`pool ${pool.name} has no docker placement`);
    out.set(host, [...(out.get(host) ?? []), pool]);
  }
  return out;
}

/**
 * The context the cloud-init renderers take, for a pool on a Docker host: no SSM or region (the
 * secrets are files here), the plan's proxy port.
 */
function renderContext(
  stack: string,
  pool: PoolPlan,
  images: DockerSpecOptions["images"],
): ResolvedContext {
  const engineImages = Object.fromEntries(
    Object.entries(images ?? {}).filter(([k]) => k in ENGINES),
  );
  return {
    stack,
    pool: pool.name,
    region: "-",
    apiKeyParameter: "-",
    hfTokenParameter: SECRET_FILES.hfToken,
    engineImages,
    helperImages: {
      ...DEFAULT_HELPER_IMAGES,
      ...(images ?? {}),
    } as ResolvedContext["helperImages"],
    modelCacheDir: CONTAINER_MODEL_DIR,
    proxyPort: pool.proxyPort,
    logGroup: "",
  };
}

/** Engine container name: the stack, the pool and the replica's port. */
export function engineName(stack: string, pool: string, port: number): string {
  return `${stack}-${pool}-${port}`;
}

/**
 * The engine's wrapper: reads the API key from its 0400 file into the variable the engine (or its
 * launcher) takes (the catalog's apiKey delivery), then execs the image's own entrypoint with the planned args. The key is
 * never in the container's config (`docker inspect` shows this script, not the key).
 */
export function engineWrapper(r: ResolvedReplica): string {
  const read = `key="$(cat ${SECRET_FILES.apiKey})"`;
  switch (r.apiKey.kind) {
    case "env":
      return `${read} && export ${r.apiKey.variable}="$key" && unset key && exec "$@"`;
    case "none":
      return 'exec "$@"';
  }
}

function healthTest(r: ResolvedReplica): string[] {
  const url = `http://127.0.0.1:${r.plan.port}${r.plan.healthPath}`;
  switch (ENGINES[r.plan.engine].healthProbe) {
    case "python3":
      return [
        "CMD",
        "python3",
        "-c",
        `import urllib.request; urllib.request.urlopen(${JSON.stringify(url)}, timeout=8)`,
      ];
    case "curl":
      return ["CMD", "curl", "-fsS", "-o", "/dev/null", url];
    case "ollama":
      return ["CMD", "/bin/ollama", "list"];
  }
}

/**
 * The host's download one-shots: one per distinct model of the host (pools sharing a model fetch it
 * once), each running cloud-init's gpufleet-fetch.py through cloud-init/fetch.ts's shell (the
 * Kubernetes init container's): an HF snapshot in the engine's own image with its huggingface_hub,
 * a GGUF file in the pinned Python image with the standard library only. Nothing is installed. The
 * token, when the stack has one, is the 0400 file HF_TOKEN_PATH names (huggingface_hub and
 * gpufleet-fetch.py read it there). On Docker's default bridge: the Hub is reachable, no container
 * of the stack is. Ollama tags are pulled by ollamaModelsSpec's one-shot beside their engine.
 */
function downloadSpecs(
  prefix: string,
  downloads: Download[],
  opts: DockerSpecOptions,
  labels: Record<string, string>,
): Array<{ download: Download; spec: ContainerSpec }> {
  const taken = new Set<string>();
  return downloads.map((d) => {
    // Named by what it fetches: the repo of a snapshot, the file of a GGUF download.
    const base = `${prefix}-download-${slugOf(d.kind === "gguf" ? d.file : d.label)
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")}`;
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    const image =
      d.kind === "gguf" ? (opts.images?.downloader ?? DEFAULT_HELPER_IMAGES.downloader) : d.image;
    return {
      download: d,
      spec: {
        name,
        role: "download",
        pool: "",
        image,
        entrypoint: ["/bin/sh", "-c"],
        command: [fetchShell(d, HOST_PATHS.fetch)],
        env: {
          HF_HOME: CONTAINER_MODEL_DIR,
          HF_HUB_DISABLE_TELEMETRY: "1",
          HF_HUB_DOWNLOAD_TIMEOUT: "60",
          HF_XET_CHUNK_CACHE_SIZE_BYTES: "0",
          ...(opts.hfToken ? { HF_TOKEN_PATH: SECRET_FILES.hfToken } : {}),
        },
        files: [{ path: HOST_PATHS.fetch, content: fetchScript(), mode: "0444" }],
        secrets: opts.hfToken ? ["hfToken"] : [],
        ...PLAIN_CONTAINER,
        modelCache: "rw",
        ports: [],
        restart: "no",
        runToCompletion: true,
        dependsOn: [],
        labels: { ...labels, "gpufleet.model": d.label },
        stopTimeoutSeconds: 10,
        egressOnly: true,
      },
    };
  });
}

/** The Docker socket of a host as seen on that host (ssh hosts: the default socket). */
export function dockerSocketPath(host: string): string {
  return host.startsWith("unix://") ? host.slice("unix://".length) : "/var/run/docker.sock";
}

/**
 * Seed 000's watchdog for every engine of the host: cloud-init's gpufleet-watchdog and
 * gpufleet-lib.sh unchanged, run every WATCHDOG_INTERVAL_SECONDS with GPUFLEET_SERVICE_MANAGER=docker
 * (inspect and restart through the Docker API on the host's socket; replicas reached by container
 * name on the host's network). Its replicas.tsv names each replica by its container.
 */
function watchdogSpec(
  host: string,
  prefix: string,
  resolved: Array<{ pool: PoolPlan; replicas: ResolvedReplica[] }>,
  opts: DockerSpecOptions,
  labels: Record<string, string>,
): ContainerSpec {
  const replicas = resolved.flatMap(({ pool, replicas: rs }) =>
    rs.map((r) => ({ ...r, name: engineName(opts.stack, pool.name, r.plan.port) })),
  );
  const first = resolved[0]!;
  const env = renderGpufleetEnv(
    first.pool,
    first.replicas,
    renderContext(opts.stack, first.pool, opts.images),
  );
  return {
    name: `${prefix}-watchdog`,
    role: "watchdog",
    pool: "",
    image: WATCHDOG_IMAGE,
    entrypoint: ["/bin/bash", "-c"],
    command: [
      'while :; do /opt/gpufleet/bin/gpufleet-watchdog || true; sleep "$GPUFLEET_WATCHDOG_INTERVAL_SECONDS"; done',
    ],
    env: {
      GPUFLEET_SERVICE_MANAGER: "docker",
      GPUFLEET_WATCHDOG_INTERVAL_SECONDS: String(WATCHDOG_INTERVAL_SECONDS),
      GPUFLEET_CONSOLE: "/dev/null",
    },
    files: [
      { path: "/opt/gpufleet/lib/gpufleet-lib.sh", content: script("gpufleet-lib"), mode: "0444" },
      {
        path: "/opt/gpufleet/bin/gpufleet-watchdog",
        content: script("gpufleet-watchdog"),
        mode: "0555",
      },
      { path: "/etc/gpufleet/gpufleet.env", content: env, mode: "0444" },
      { path: "/etc/gpufleet/replicas.tsv", content: renderReplicasTsv(replicas), mode: "0444" },
    ],
    secrets: ["authHeader"],
    gpus: null,
    ipcHost: false,
    capAdd: [],
    // The Docker API: inspect and restart the host's engines (root on the host: the watchdog runs
    // nothing else, reads no input but its own files and the engines' HTTP answers).
    hostMounts: [
      { hostPath: dockerSocketPath(host), containerPath: "/var/run/docker.sock", readOnly: false },
    ],
    stateDir: "rw",
    pidHost: false,
    modelCache: null,
    ports: [],
    healthcheck: null,
    restart: "unless-stopped",
    runToCompletion: false,
    dependsOn: replicas.map((r) => r.name),
    labels,
    stopTimeoutSeconds: 10,
  };
}

/** Everything of one host. */
export function renderHostSpec(
  host: string,
  pools: PoolPlan[],
  opts: DockerSpecOptions,
  plan?: FleetPlan,
): HostSpec {
  const key = hostKey(host);
  const prefix = `${opts.stack}-${key}`;
  const bind = opts.bindAddress ?? "127.0.0.1";
  const labels = (pool: string, role: string): Record<string, string> => ({
    "gpufleet.stack": opts.stack,
    "gpufleet.pool": pool,
    "gpufleet.role": role,
  });
  const resolved = pools.map((pool) => {
    // Replicas carry host GPU indices (planner/sharing.ts): the renderer checks them against the
    // host's GPUs, not the pool's count.
    const hostGpus = Math.max(
      pool.gpu.count,
      ...(pool.placement?.gpuIndices ?? []).map((g) => g + 1),
    );
    return {
      pool,
      replicas: resolveReplicas(
        { ...pool, gpu: { ...pool.gpu, count: hostGpus } },
        renderContext(opts.stack, pool, opts.images),
      ),
    };
  });
  const all = resolved.flatMap((r) => r.replicas);
  const downloads = downloadSpecs(
    prefix,
    distinctDownloads(all).filter((d) => d.kind !== "ollama"),
    opts,
    labels("", "download"),
  );
  const fetchedBy = new Map(
    downloads.map(({ download, spec }) => [downloadKey(download), spec.name]),
  );
  const containers: ContainerSpec[] = downloads.map((d) => d.spec);
  for (const { pool, replicas } of resolved) {
    const names: string[] = [];
    for (const r of replicas) {
      const name = engineName(opts.stack, pool.name, r.plan.port);
      names.push(name);
      const env = Object.fromEntries(
        Object.entries(r.plan.env).filter(
          ([k]) => k !== "CUDA_VISIBLE_DEVICES" && k !== "NVIDIA_VISIBLE_DEVICES",
        ),
      );
      containers.push({
        name,
        role: "engine",
        pool: pool.name,
        image: r.image,
        entrypoint: ["/bin/sh", "-c", engineWrapper(r), name, ...ENGINES[r.plan.engine].entrypoint],
        command: [...r.plan.args],
        env,
        files: [],
        secrets: r.apiKey.kind === "none" ? [] : ["apiKey"],
        gpus: [...r.plan.gpus],
        ipcHost: r.needsIpcHost,
        capAdd: [],
        hostMounts: [],
        stateDir: null,
        pidHost: false,
        // Ollama pulls into its own store and names models there (/api/pull, /api/copy).
        modelCache: r.plan.engine === "ollama" ? "rw" : "ro",
        ports: [],
        healthcheck: { test: healthTest(r), startPeriodSeconds: r.loadGraceSeconds },
        restart: "unless-stopped",
        runToCompletion: false,
        // The one-shot that fetches this replica's model (an Ollama engine pulls its own tags).
        dependsOn: r.download.kind === "ollama" ? [] : [fetchedBy.get(downloadKey(r.download))!],
        labels: { ...labels(pool.name, "engine"), "gpufleet.port": String(r.plan.port) },
        stopTimeoutSeconds: 30,
      });
    }
    const pulls = replicas.flatMap((r) => ollamaModelsSpec(opts.stack, pool, r, labels));
    containers.push(...pulls);
    const conf = renderNginxConf(replicas, renderContext(opts.stack, pool, opts.images), {
      pidFile: "/tmp/nginx.pid",
      tempDir: "/tmp",
      authInclude: SECRET_FILES.nginxAuth,
      upstream: (r) => `${engineName(opts.stack, pool.name, r.plan.port)}:${r.plan.port}`,
    });
    containers.push({
      name: `${opts.stack}-${pool.name}-proxy`,
      role: "proxy",
      pool: pool.name,
      image: opts.images?.nginx ?? DEFAULT_HELPER_IMAGES.nginx,
      entrypoint: ["nginx"],
      command: ["-g", "daemon off;"],
      env: {},
      files: [{ path: "/etc/nginx/nginx.conf", content: conf, mode: "0444" }],
      secrets: ["nginxAuth"],
      gpus: null,
      ipcHost: false,
      // nginx's master (root) hands its temp dirs and workers to an unprivileged user.
      capAdd: ["CHOWN", "SETGID", "SETUID"],
      hostMounts: [],
      // The watchdog's verdict: /health answers 503 while STATE_DIR/health/unhealthy exists.
      stateDir: "ro",
      pidHost: false,
      modelCache: null,
      ports: [{ internal: pool.proxyPort, external: pool.proxyPort, ip: bind }],
      healthcheck: null,
      restart: "unless-stopped",
      runToCompletion: false,
      // An Ollama pool's proxy starts once its models are pulled, named and loaded.
      dependsOn: [...names, ...pulls.map((c) => c.name)],
      labels: labels(pool.name, "proxy"),
      stopTimeoutSeconds: 10,
    });
  }
  containers.push(watchdogSpec(host, prefix, resolved, opts, labels("", "watchdog")));
  if (opts.exporters ?? true) {
    containers.push({
      name: `${prefix}-node-exporter`,
      role: "node-exporter",
      pool: "",
      image: opts.images?.nodeExporter ?? DEFAULT_HELPER_IMAGES.nodeExporter,
      // The host's filesystems, processes and the watchdog's textfile metrics (node_exporter's
      // README runs it with the host's root at /host, read-only, and the host's pid namespace).
      command: [
        `--web.listen-address=:${EXPORTER_PORTS.nodeExporter}`,
        "--path.rootfs=/host",
        `--collector.textfile.directory=${STATE_DIR}/metrics`,
      ],
      env: {},
      files: [],
      secrets: [],
      gpus: null,
      ipcHost: false,
      capAdd: [],
      hostMounts: [{ hostPath: "/", containerPath: "/host", readOnly: true }],
      stateDir: "ro",
      pidHost: true,
      modelCache: null,
      ports: [],
      healthcheck: null,
      restart: "unless-stopped",
      runToCompletion: false,
      dependsOn: [],
      labels: labels("", "node-exporter"),
      stopTimeoutSeconds: 10,
    });
    containers.push({
      name: `${prefix}-dcgm-exporter`,
      role: "dcgm-exporter",
      pool: "",
      image: opts.images?.dcgmExporter ?? DEFAULT_HELPER_IMAGES.dcgmExporter,
      command: ["-a", `:${EXPORTER_PORTS.dcgmExporter}`],
      env: {},
      files: [],
      secrets: [],
      gpus: "all",
      ipcHost: false,
      capAdd: ["SYS_ADMIN"],
      hostMounts: [],
      stateDir: null,
      pidHost: false,
      modelCache: null,
      ports: [],
      healthcheck: null,
      restart: "unless-stopped",
      runToCompletion: false,
      dependsOn: [],
      labels: labels("", "dcgm-exporter"),
      stopTimeoutSeconds: 10,
    });
  }
  if (opts.monitoring !== undefined)
    containers.push(
      ...monitoringContainers(
        { ...(plan ?? { stack: opts.stack }), pools } as FleetPlan,
        prefix,
        resolved,
        opts,
        opts.monitoring,
        labels,
      ),
    );
  if (opts.gateway !== undefined)
    containers.push(
      ...gatewayContainers(
        { ...(plan ?? { stack: opts.stack }), pools } as FleetPlan,
        prefix,
        opts,
        opts.gateway,
        labels,
      ),
    );
  return {
    host,
    key,
    network: `${prefix}-net`,
    volume: `${prefix}-models`,
    stateVolume: `${prefix}-state`,
    dataVolumes: containers.flatMap((c) => (c.data ? [c.data.volume] : [])),
    images: [...new Set(containers.map((c) => c.image))],
    containers,
  };
}

/** Every host of a docker plan; monitoring runs on the first pool's host. */
export function renderDockerSpec(plan: FleetPlan, opts: DockerSpecOptions): HostSpec[] {
  const hosts = [...poolsByHost(plan)];
  if ((opts.monitoring !== undefined || opts.gateway !== undefined) && hosts.length > 1)
    // config/target.ts refuses this by key: Prometheus and LiteLLM reach their targets by container
    // name on their own host's network.
    throw new Error("docker monitoring and gateway reach one host's containers: one dockerHost");
  return hosts.map(([host, pools], i) =>
    renderHostSpec(
      host,
      pools,
      i === 0 ? opts : { ...opts, monitoring: undefined, gateway: undefined },
      plan,
    ),
  );
}

/** Monitoring containers' names on a host. */
export function monitoringNames(
  prefix: string,
): Record<"prometheus" | "alertmanager" | "grafana", string> {
  return {
    prometheus: `${prefix}-prometheus`,
    alertmanager: `${prefix}-alertmanager`,
    grafana: `${prefix}-grafana`,
  };
}

/**
 * The monitoring renderers' context for a docker host: static targets by container name (engines,
 * the host's exporters) instead of EC2 discovery; the same rules, dashboards and Alertmanager route
 * as on EC2 (platform hosts, the Docker host as instance_id). Grafana's root URL is where it is
 * published.
 */
export function dockerMonitoringContext(
  prefix: string,
  pools: Array<{ pool: PoolPlan; replicas: ResolvedReplica[] }>,
  opts: DockerSpecOptions,
  mon: DockerMonitoringOptions,
): MonitoringContext {
  const names = monitoringNames(prefix);
  const exporters = opts.exporters ?? true;
  const key = prefix.slice(opts.stack.length + 1);
  const targets: DockerScrapeTargets = {
    pools: Object.fromEntries(
      pools.map(({ pool, replicas }) => [
        pool.name,
        {
          host: key,
          nodeExporter: exporters ? `${prefix}-node-exporter:${EXPORTER_PORTS.nodeExporter}` : null,
          dcgmExporter: exporters ? `${prefix}-dcgm-exporter:${EXPORTER_PORTS.dcgmExporter}` : null,
          gpus: [...new Set(replicas.flatMap((r) => r.plan.gpus))],
          replicas: Object.fromEntries(
            replicas.map((r) => [
              r.plan.port,
              `${engineName(opts.stack, pool.name, r.plan.port)}:${r.plan.port}`,
            ]),
          ),
        },
      ]),
    ),
    alertmanager: `${names.alertmanager}:${MONITORING_PORTS.alertmanager}`,
    grafana: `${names.grafana}:${MONITORING_PORTS.grafana}`,
    prometheusUrl: `http://${names.prometheus}:${MONITORING_PORTS.prometheus}`,
  };
  const bind = opts.bindAddress ?? "127.0.0.1";
  return {
    stack: opts.stack,
    // Read only by EC2 discovery and SNS, neither of which a docker stack has.
    region: "us-east-1",
    retentionDays: mon.retentionDays,
    thresholds: mon.thresholds,
    receivers: { webhook: mon.webhook },
    grafanaRootUrl: `http://${bind === "0.0.0.0" ? "localhost" : bind}:${mon.grafanaPort}/`,
    // Docker keeps the model-cache volume under /var/lib/docker (its own filesystem, if any).
    modelCacheDir: "/var/lib/docker",
    platform: "hosts",
    docker: targets,
  };
}

/** Where each rendered monitoring file (monitoring/cloud-config.ts renderConfigFiles) goes. */
function monitoringFilePath(
  path: string,
): { role: "prometheus" | "alertmanager" | "grafana"; path: string } | null {
  if (path.startsWith("prometheus/"))
    return { role: "prometheus", path: `${CONTAINER_PATHS.prometheus}/${path.slice(11)}` };
  if (path.startsWith("alertmanager/"))
    return { role: "alertmanager", path: `${CONTAINER_PATHS.alertmanager}/${path.slice(13)}` };
  if (path.startsWith("grafana/provisioning/"))
    return { role: "grafana", path: `${GRAFANA_PATHS.provisioning}/${path.slice(21)}` };
  if (path.startsWith("grafana/dashboards/"))
    return { role: "grafana", path: `${GRAFANA_PATHS.dashboards}/${path.slice(19)}` };
  // grafana.env: the container's environment instead.
  return null;
}

/**
 * Prometheus, Alertmanager and Grafana as containers, configured by the same renderers as the EC2
 * monitoring host (renderConfigFiles). They run as root with every capability dropped: their config
 * and secret files are uploads owned by root (0444 and 0400), and their data live in volumes of
 * their own at paths the images do not own (so root without CAP_DAC_OVERRIDE may write them).
 * Only Grafana is published (bindAddress:grafanaPort); Prometheus and Alertmanager answer on the
 * host's network only.
 */
function monitoringContainers(
  plan: FleetPlan,
  prefix: string,
  resolved: Array<{ pool: PoolPlan; replicas: ResolvedReplica[] }>,
  opts: DockerSpecOptions,
  mon: DockerMonitoringOptions,
  labels: (pool: string, role: string) => Record<string, string>,
): ContainerSpec[] {
  const ctx = resolveMonitoringContext(dockerMonitoringContext(prefix, resolved, opts, mon));
  const names = monitoringNames(prefix);
  const files: Record<"prometheus" | "alertmanager" | "grafana", ContainerFile[]> = {
    prometheus: [],
    alertmanager: [],
    grafana: [],
  };
  for (const f of renderConfigFiles(plan, ctx)) {
    const to = monitoringFilePath(f.path);
    if (to) files[to.role].push({ path: to.path, content: f.content, mode: "0444" });
  }
  const dataDir = MONITORING_HOST_PATHS.data;
  const base: Pick<
    ContainerSpec,
    PlainField | "env" | "restart" | "runToCompletion" | "stopTimeoutSeconds" | "user"
  > = {
    env: {},
    ...PLAIN_CONTAINER,
    restart: "unless-stopped",
    runToCompletion: false,
    stopTimeoutSeconds: 30,
    user: "0:0",
  };
  const image = (k: "prometheus" | "alertmanager" | "grafana"): string =>
    opts.images?.[k] ?? ctx.images[k];
  return [
    {
      ...base,
      name: names.prometheus,
      role: "prometheus",
      pool: "",
      image: image("prometheus"),
      command: [
        `--config.file=${CONTAINER_PATHS.prometheus}/prometheus.yml`,
        `--storage.tsdb.path=${dataDir}/prometheus`,
        `--storage.tsdb.retention.time=${ctx.retentionDays}d`,
        `--web.listen-address=:${MONITORING_PORTS.prometheus}`,
        `--web.external-url=http://localhost:${MONITORING_PORTS.prometheus}/`,
      ],
      files: files.prometheus,
      secrets: ["engineApiKey"],
      ports: [],
      dependsOn: [],
      labels: labels("", "prometheus"),
      data: { volume: `${names.prometheus}-data`, path: `${dataDir}/prometheus` },
    },
    {
      ...base,
      name: names.alertmanager,
      role: "alertmanager",
      pool: "",
      image: image("alertmanager"),
      command: [
        `--config.file=${CONTAINER_PATHS.alertmanager}/alertmanager.yml`,
        `--storage.path=${dataDir}/alertmanager`,
        `--web.listen-address=:${MONITORING_PORTS.alertmanager}`,
        // One instance: no gossip cluster.
        "--cluster.listen-address=",
      ],
      files: files.alertmanager,
      secrets: mon.webhook ? ["alertWebhookUrl"] : [],
      ports: [],
      dependsOn: [],
      labels: labels("", "alertmanager"),
      data: { volume: `${names.alertmanager}-data`, path: `${dataDir}/alertmanager` },
    },
    {
      ...base,
      name: names.grafana,
      role: "grafana",
      pool: "",
      image: image("grafana"),
      command: [],
      env: {
        ...grafanaEnvironment(ctx),
        GF_PATHS_DATA: `${dataDir}/grafana`,
        // The image's file log under /var/log/grafana belongs to its own user: log to stdout.
        GF_LOG_MODE: "console",
      },
      files: files.grafana,
      secrets: ["grafanaAdminPassword"],
      ports: [
        {
          internal: MONITORING_PORTS.grafana,
          external: mon.grafanaPort,
          ip: opts.bindAddress ?? "127.0.0.1",
        },
      ],
      dependsOn: [names.prometheus],
      labels: labels("", "grafana"),
      data: { volume: `${names.grafana}-data`, path: `${dataDir}/grafana` },
    },
  ];
}

/**
 * LiteLLM's wrapper: reads the master key, salt key, engine key and database password from their
 * 0400 files into the variables LiteLLM reads (its config names them as os.environ/ references),
 * then execs LiteLLM on the rendered config. `docker inspect` shows this script, never a value.
 */
export function litellmWrapper(postgresHost: string): string {
  const read = (name: string, file: string): string => `${name}="$(cat ${file})"`;
  return [
    "set -eu",
    read(GATEWAY_ENV.masterKey, SECRET_FILES.gatewayMasterKey),
    read(GATEWAY_ENV.saltKey, SECRET_FILES.gatewaySaltKey),
    read(GATEWAY_ENV.engineApiKey, SECRET_FILES.apiKey),
    read("db_password", SECRET_FILES.postgresPassword),
    `${GATEWAY_ENV.databaseUrl}="postgresql://${POSTGRES_DB}:$db_password@${postgresHost}:${POSTGRES_PORT}/${POSTGRES_DB}"`,
    "unset db_password",
    `export ${GATEWAY_ENV.masterKey} ${GATEWAY_ENV.saltKey} ${GATEWAY_ENV.engineApiKey} ${GATEWAY_ENV.databaseUrl}`,
    `exec litellm --config ${LITELLM_CONFIG_FILE} --port ${LITELLM_PORT}`,
  ].join("\n");
}

/**
 * The LiteLLM gateway (seed 002: virtual keys, budgets, rate limits) with its PostgreSQL, on the
 * first pool's host: the same config renderer as the Fargate gateway, each pool reached at its
 * proxy by container name. LiteLLM is published on bindAddress:port; PostgreSQL nowhere.
 */
function gatewayContainers(
  plan: FleetPlan,
  prefix: string,
  opts: DockerSpecOptions,
  gw: DockerGatewayOptions,
  labels: (pool: string, role: string) => Record<string, string>,
): ContainerSpec[] {
  const postgres = `${prefix}-postgres`;
  const config = renderLiteLLMConfig(plan, {
    stack: opts.stack,
    options: { prices: gw.prices },
    poolBaseUrl: (pool) => `http://${opts.stack}-${pool.name}-proxy:${pool.proxyPort}`,
  });
  const common: Pick<
    ContainerSpec,
    | "gpus"
    | "ipcHost"
    | "hostMounts"
    | "stateDir"
    | "pidHost"
    | "modelCache"
    | "restart"
    | "runToCompletion"
    | "pool"
  > = {
    gpus: null,
    ipcHost: false,
    hostMounts: [],
    stateDir: null,
    pidHost: false,
    modelCache: null,
    restart: "unless-stopped",
    runToCompletion: false,
    pool: "",
  };
  return [
    {
      ...common,
      name: postgres,
      role: "postgres",
      image: POSTGRES_IMAGE,
      command: [],
      // The image's entrypoint reads POSTGRES_PASSWORD_FILE (its `_FILE` convention).
      env: {
        POSTGRES_USER: POSTGRES_DB,
        POSTGRES_DB,
        POSTGRES_PASSWORD_FILE: SECRET_FILES.postgresPassword,
        PGDATA: "/var/lib/postgresql/data/pgdata",
      },
      files: [],
      secrets: ["postgresPassword"],
      // Its entrypoint starts as root, reads the password file, hands the data directory to
      // postgres and drops to that user (gosu): what that needs back, nothing else.
      capAdd: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"],
      ports: [],
      healthcheck: {
        test: ["CMD", "pg_isready", "-U", POSTGRES_DB, "-d", POSTGRES_DB],
        startPeriodSeconds: 60,
      },
      dependsOn: [],
      labels: labels("", "postgres"),
      stopTimeoutSeconds: 60,
      data: { volume: `${postgres}-data`, path: "/var/lib/postgresql/data" },
    },
    {
      ...common,
      name: `${prefix}-litellm`,
      role: "litellm",
      image: gw.image ?? LITELLM_IMAGE,
      entrypoint: ["/bin/sh", "-c", litellmWrapper(postgres)],
      command: [],
      env: { ...LITELLM_ENVIRONMENT },
      files: [{ path: LITELLM_CONFIG_FILE, content: config, mode: "0444" }],
      secrets: ["gatewayMasterKey", "gatewaySaltKey", "apiKey", "postgresPassword"],
      capAdd: [],
      // Root reads the 0400 secret files; no capability is kept.
      user: "0:0",
      ports: [{ internal: LITELLM_PORT, external: gw.port, ip: opts.bindAddress ?? "127.0.0.1" }],
      healthcheck: {
        test: [
          "CMD",
          "python3",
          "-c",
          `import urllib.request; urllib.request.urlopen("http://127.0.0.1:${LITELLM_PORT}/health/liveliness", timeout=8)`,
        ],
        startPeriodSeconds: 180,
      },
      dependsOn: [postgres, ...plan.pools.map((p) => `${opts.stack}-${p.name}-proxy`)],
      labels: labels("", "litellm"),
      // Streams in flight get two minutes, as on Fargate.
      stopTimeoutSeconds: 120,
    },
  ];
}

/**
 * Ollama's models on docker: EC2's gpufleet-ollama-models (cloud-init/scripts, one source), run
 * once beside the engine's container, pulls every tag the plan gives the replica through Ollama's
 * API (/api/pull into its store on the model-cache volume), names it as clients send it (/api/copy
 * tag -> served name) and loads it (keep_alive -1). Runs to completion: the pool's proxy waits for
 * it, and a failed pull fails the update. The watchdog's image has what the script needs (bash,
 * curl).
 */
function ollamaModelsSpec(
  stack: string,
  pool: PoolPlan,
  r: ResolvedReplica,
  labels: (pool: string, role: string) => Record<string, string>,
): ContainerSpec[] {
  const models = r.plan.ollama?.models;
  if (r.plan.engine !== "ollama" || !models?.length) return [];
  const engine = engineName(stack, pool.name, r.plan.port);
  return [
    {
      name: `${engine}-models`,
      role: "ollama-models",
      pool: pool.name,
      image: WATCHDOG_IMAGE,
      entrypoint: ["/bin/bash", "/opt/gpufleet/bin/gpufleet-ollama-models"],
      command: [String(r.plan.port), ...models.map((m) => `${m.tag}=${m.servedName}`)],
      env: {
        GPUFLEET_OLLAMA_HOST: engine,
        GPUFLEET_OLLAMA_PULL: "1",
        // The engine's start, then each model's pull and load: the replica's load grace.
        GPUFLEET_OLLAMA_WAIT_SECONDS: "300",
      },
      files: [
        {
          path: "/opt/gpufleet/bin/gpufleet-ollama-models",
          content: script("gpufleet-ollama-models"),
          mode: "0555",
        },
      ],
      secrets: [],
      ...PLAIN_CONTAINER,
      ports: [],
      restart: "no",
      runToCompletion: true,
      dependsOn: [engine],
      labels: labels(pool.name, "ollama-models"),
      stopTimeoutSeconds: 10,
    },
  ];
}
