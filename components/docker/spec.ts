// The Docker target's deployment as plain data: per host, the network, the model-cache volume, the
// images and every container with exactly what it runs. Pure (no @pulumi imports): the component
// (./host.ts) wires it into @pulumi/docker resources and `gpufleet render --format compose` writes
// it as a compose file, so both deploy the same thing. Engine args, the proxy's nginx.conf and the
// download list come from the plan and the existing renderers; nothing is decided here twice.
import {
  CONTAINER_MODEL_DIR,
  DEFAULT_HELPER_IMAGES,
  DEFAULT_HF_HUB_VERSION,
  EXPORTER_PORTS,
  renderNginxConf,
  resolveReplicas,
  type ResolvedContext,
  type ResolvedReplica,
} from "../../cloud-init";
import { distinctDownloads } from "../../cloud-init/replicas";
import { renderGpufleetEnv, renderReplicasTsv } from "../../cloud-init/plan-files";
import { script } from "../../cloud-init";
import { shellQuote } from "../../cloud-init/quote";
import type { FleetPlan, PoolPlan } from "../../planner/types";
import { ENGINES } from "../../planner/catalog/engines";
import { join, posix } from "node:path";

const { dirname } = posix;

/** A secret a container reads from a file (never from its env, argv or image). */
export type SecretName = "apiKey" | "hfToken" | "nginxAuth" | "authHeader";

/** Where secrets are mounted in every container: root-only files (mode 0400). */
export const SECRET_DIR = "/run/secrets/gpufleet";
export const SECRET_FILES: Record<SecretName, string> = {
  apiKey: `${SECRET_DIR}/api-key`,
  hfToken: `${SECRET_DIR}/hf-token`,
  /** The proxy's key check (cloud-init's renderNginxAuthCheck of the API key). */
  nginxAuth: `${SECRET_DIR}/nginx-auth.conf`,
  /** The watchdog's `Authorization: Bearer …` line, where gpufleet-lib.sh reads it. */
  authHeader: "/etc/gpufleet/secrets/auth-header",
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
  role: "download" | "engine" | "proxy" | "watchdog" | "node-exporter" | "dcgm-exporter";
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
}

export interface HostSpec {
  /** The dockerHost URL. */
  host: string;
  /** Short name for resource names: "local" or the ssh host. */
  key: string;
  network: string;
  volume: string;
  /** The state volume (STATE_DIR). */
  stateVolume: string;
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
  /** Whether any planned model needs the HF token (then the download container reads it). */
  hfToken: boolean;
  /** Exporters beside the engines (node, DCGM); default true. */
  exporters?: boolean;
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
    hfHubVersion: DEFAULT_HF_HUB_VERSION,
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
 * The one-shot download: every distinct model of the host, into the cache volume, through the same
 * `hf` CLI as on EC2 (the token, when needed, from its file through HF_TOKEN_PATH).
 */
function downloadScript(downloads: ReturnType<typeof distinctDownloads>): string {
  const lines = [
    "set -eu",
    'pip install --quiet --no-cache-dir --disable-pip-version-check --root-user-action=ignore "huggingface_hub==$HF_HUB_VERSION"',
  ];
  for (const d of downloads) {
    if (d.kind === "hf") {
      lines.push(`hf download ${shellQuote(d.source)} --exclude 'original/*'`);
    } else if (d.kind === "gguf") {
      lines.push(
        `hf download ${shellQuote(d.source)} ${shellQuote(d.file)} --local-dir ${CONTAINER_MODEL_DIR}/gguf`,
      );
    }
    const marker = `${CONTAINER_MODEL_DIR}/${d.marker}`;
    lines.push(`mkdir -p ${shellQuote(dirname(marker))} && touch ${shellQuote(marker)}`);
  }
  return lines.join("\n");
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
export function renderHostSpec(host: string, pools: PoolPlan[], opts: DockerSpecOptions): HostSpec {
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
  const downloads = distinctDownloads(all).filter((d) => d.kind !== "ollama");
  const downloader = opts.images?.downloader ?? DEFAULT_HELPER_IMAGES.downloader;
  const download: ContainerSpec = {
    name: `${prefix}-download`,
    role: "download",
    pool: "",
    image: downloader,
    entrypoint: ["/bin/sh", "-c"],
    command: [downloadScript(downloads)],
    env: {
      HF_HOME: CONTAINER_MODEL_DIR,
      HF_HUB_DISABLE_TELEMETRY: "1",
      HF_HUB_DOWNLOAD_TIMEOUT: "60",
      HF_HUB_VERSION: DEFAULT_HF_HUB_VERSION,
      ...(opts.hfToken ? { HF_TOKEN_PATH: SECRET_FILES.hfToken } : {}),
    },
    files: [],
    secrets: opts.hfToken ? ["hfToken"] : [],
    gpus: null,
    ipcHost: false,
    capAdd: [],
    hostMounts: [],
    stateDir: null,
    pidHost: false,
    modelCache: "rw",
    ports: [],
    healthcheck: null,
    restart: "no",
    runToCompletion: true,
    dependsOn: [],
    labels: labels("", "download"),
    stopTimeoutSeconds: 10,
  };
  const containers: ContainerSpec[] = [download];
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
        modelCache: "ro",
        ports: [],
        healthcheck: { test: healthTest(r), startPeriodSeconds: r.loadGraceSeconds },
        restart: "unless-stopped",
        runToCompletion: false,
        dependsOn: [download.name],
        labels: { ...labels(pool.name, "engine"), "gpufleet.port": String(r.plan.port) },
        stopTimeoutSeconds: 30,
      });
    }
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
      dependsOn: names,
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
  return {
    host,
    key,
    network: `${prefix}-net`,
    volume: `${prefix}-models`,
    stateVolume: `${prefix}-state`,
    images: [...new Set(containers.map((c) => c.image))],
    containers,
  };
}

/** Every host of a docker plan. */
export function renderDockerSpec(plan: FleetPlan, opts: DockerSpecOptions): HostSpec[] {
  return [...poolsByHost(plan)].map(([host, pools]) => renderHostSpec(host, pools, opts));
}
