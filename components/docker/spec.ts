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
import { shellQuote } from "../../cloud-init/quote";
import type { FleetPlan, PoolPlan } from "../../planner/types";
import { ENGINES } from "../../planner/catalog/engines";
import { posix } from "node:path";

const { dirname } = posix;

/** A secret a container reads from a file (never from its env, argv or image). */
export type SecretName = "apiKey" | "hfToken" | "nginxAuth";

/** Where secrets are mounted in every container: root-only files (mode 0400). */
export const SECRET_DIR = "/run/secrets/gpufleet";
export const SECRET_FILES: Record<SecretName, string> = {
  apiKey: `${SECRET_DIR}/api-key`,
  hfToken: `${SECRET_DIR}/hf-token`,
  /** The proxy's key check (cloud-init's renderNginxAuthCheck of the API key). */
  nginxAuth: `${SECRET_DIR}/nginx-auth.conf`,
};

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
  role: "download" | "engine" | "proxy" | "node-exporter" | "dcgm-exporter";
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
  /** Linux capabilities added (the DCGM exporter's SYS_ADMIN for profiling counters). */
  capAdd: string[];
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
  /** Every image the host's containers run, each once. */
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
 * The engine's wrapper: reads the API key from its 0400 file into the variable or flag the engine
 * takes (the catalog's apiKey delivery), then execs the image's own entrypoint with the planned args. The key is
 * never in the container's config (`docker inspect` shows this script, not the key).
 */
export function engineWrapper(r: ResolvedReplica): string {
  const read = `key="$(cat ${SECRET_FILES.apiKey})"`;
  switch (r.apiKey.kind) {
    case "env":
      return `${read} && export ${r.apiKey.variable}="$key" && unset key && exec "$@"`;
    case "arg":
      return `${read} && exec "$@" ${r.apiKey.flag} "$key"`;
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
      capAdd: [],
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
  if (opts.exporters ?? true) {
    containers.push({
      name: `${prefix}-node-exporter`,
      role: "node-exporter",
      pool: "",
      image: opts.images?.nodeExporter ?? DEFAULT_HELPER_IMAGES.nodeExporter,
      command: [`--web.listen-address=:${EXPORTER_PORTS.nodeExporter}`],
      env: {},
      files: [],
      secrets: [],
      gpus: null,
      ipcHost: false,
      capAdd: [],
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
    images: [...new Set(containers.map((c) => c.image))],
    containers,
  };
}

/** Every host of a docker plan. */
export function renderDockerSpec(plan: FleetPlan, opts: DockerSpecOptions): HostSpec[] {
  return [...poolsByHost(plan)].map(([host, pools]) => renderHostSpec(host, pools, opts));
}
