// The Kubernetes target as plain manifests: a plan in, every object out. No @pulumi import: the
// component (index.ts here) creates one resource per object, and `gpufleet render --target
// kubernetes` writes the same objects as YAML for kubectl or Argo CD. Secrets are referenced by
// name only; their values never pass through here.
import { parse as parseYaml } from "yaml";
import { DEFAULT_HELPER_IMAGES } from "../../cloud-init/context";
import { fetchScript } from "../../cloud-init";
import { fetchShell } from "../../cloud-init/fetch";
import type { ResolvedContext } from "../../cloud-init/context";
import { CONTAINER_MODEL_DIR } from "../../cloud-init/layout";
import { readTimeoutSeconds, renderNginxConf } from "../../cloud-init/nginx";
import { resolveReplicas, type ResolvedReplica } from "../../cloud-init/replicas";
import { gpuLabelValue, type KubernetesConfig } from "../../config/kubernetes";
import type { StackConfig } from "../../config/schema";
import {
  GATEWAY_ENV,
  LITELLM_IMAGE,
  LITELLM_PORT,
  POSTGRES_PORT,
  renderLiteLLMConfig,
} from "../../gateway";
import {
  ENGINE_METRICS,
  JOBS,
  MODEL_CACHE_CLAIM,
  buildDashboards,
  renderRules,
  resolveMonitoringContext,
  type MonitoringContext,
  type ResolvedMonitoringContext,
} from "../../monitoring";
import type { FleetPlan, PoolPlan, ReplicaPlan } from "../../planner/types";
import { MODEL_HEADER } from "../aws/facts";

/** A Kubernetes object as kubectl reads it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/**
 * Names of the Secrets the workloads read (created by the component from Pulumi secrets, or by the
 * user before `kubectl apply` of rendered files).
 */
export const SECRET_NAMES = {
  /** Key `api-key`: the engine API key every /v1 request carries. */
  apiKey: "gpufleet-api-key",
  /** Key `nginx-auth.conf`: the proxies' key check, cloud-init's renderNginxAuthCheck(api key). */
  proxyAuth: "gpufleet-proxy-auth",
  /** Key `token`: the Hugging Face token (gated models). */
  hfToken: "gpufleet-hf-token",
  /** Keys LITELLM_MASTER_KEY, LITELLM_SALT_KEY. */
  gateway: "gpufleet-gateway",
  /** Keys POSTGRES_PASSWORD and DATABASE_URL. */
  database: "gpufleet-gateway-db",
} as const;

/**
 * kube-prometheus-stack, pinned: chart 79.7.1 of prometheus-community/helm-charts (release tag
 * kube-prometheus-stack-79.7.1, November 2025; checked 2026-12-01).
 */
export const KUBE_PROMETHEUS_STACK = {
  chart: "kube-prometheus-stack",
  version: "79.7.1",
  repo: "https://prometheus-community.github.io/helm-charts",
  /** fullnameOverride: Prometheus is then Service gpufleet-kps-prometheus:9090. */
  fullname: "gpufleet-kps",
} as const;

/**
 * PostgreSQL of the gateway: library/postgres 17.6 on Alpine (docker-library/official-images,
 * 17.6 released 2025-08-14; checked 2026-12-01).
 */
export const POSTGRES_IMAGE = "postgres:17.6-alpine";

/** Where the proxy sidecar keeps its pid file: a volume the engine's preStop hook watches. */
const RUN_DIR = "/run/gpufleet";
const AUTH_DIR = "/etc/gpufleet/auth";
const LWS_API = "leaderworkerset.x-k8s.io/v1";

export interface KubernetesManifestArgs {
  plan: FleetPlan;
  cfg: StackConfig;
  /** `gpufleet:kubernetes` with defaults (an empty object when the stack gives none). */
  k8s: KubernetesConfig;
  /** Whether the HF token Secret exists (gated models need it). */
  hfToken: boolean;
}

export interface PoolWorkload {
  pool: PoolPlan;
  kind: "StatefulSet" | "LeaderWorkerSet";
  /** Pods of the pool (StatefulSet replicas), or groups (LWS replicas). */
  replicas: number;
  /** Pods per group: 1, or the multi-node layout's nodes. */
  groupSize: number;
  /** GPUs each pod requests. */
  gpusPerPod: number;
}

const labelsOf = (stack: string, pool: string): Record<string, string> => ({
  "app.kubernetes.io/name": "gpufleet",
  "app.kubernetes.io/instance": stack,
  "app.kubernetes.io/component": "engine",
  "gpufleet.dev/pool": pool,
});

const meta = (
  name: string,
  namespace: string,
  labels: Record<string, string>,
  annotations?: Record<string, string>,
): K8sObject["metadata"] => ({
  name,
  namespace,
  labels,
  ...(annotations ? { annotations } : {}),
});

/** How a pool is deployed: pods, groups and GPUs per pod. */
export function poolWorkload(pool: PoolPlan): PoolWorkload {
  const r = pool.replicas[0]!;
  if (r.multiNode)
    return {
      pool,
      kind: "LeaderWorkerSet",
      replicas: pool.count * pool.replicas.length,
      groupSize: r.multiNode.nodes,
      gpusPerPod: r.multiNode.gpusPerNode,
    };
  return {
    pool,
    kind: "StatefulSet",
    replicas: pool.count * pool.replicas.length,
    groupSize: 1,
    gpusPerPod: r.tensorParallel,
  };
}

/**
 * Seconds a pod may take to start: the plan's cold-start estimate (image, weights, load) plus
 * half again and five minutes; the startupProbe allows this, never less.
 */
export function startupBudgetSeconds(replica: ReplicaPlan): number {
  return Math.ceil(replica.estimates.coldStartSeconds * 1.5) + 300;
}

/** The cloud-init renderer's view of one pod: the replica on 127.0.0.1, the proxy beside it. */
function podContext(plan: FleetPlan, pool: PoolPlan): ResolvedContext {
  return {
    stack: plan.stack,
    pool: pool.name,
    region: "",
    apiKeyParameter: "",
    // Only a presence check in the renderer (gated models need a token): the Secret's name here.
    hfTokenParameter: SECRET_NAMES.hfToken,
    engineImages: {},
    helperImages: { ...DEFAULT_HELPER_IMAGES },
    modelCacheDir: CONTAINER_MODEL_DIR,
    proxyPort: pool.proxyPort,
    logGroup: "",
  };
}

function resolveTemplateReplica(plan: FleetPlan, pool: PoolPlan): ResolvedReplica {
  const ctx = podContext(plan, pool);
  return resolveReplicas({ ...pool, replicas: [pool.replicas[0]!] }, ctx)[0]!;
}

/** The proxy sidecar's nginx.conf: cloud-init's renderer, for the one replica of the pod. */
export function renderPodProxyConf(plan: FleetPlan, pool: PoolPlan): string {
  const ctx = podContext(plan, pool);
  const replica = resolveTemplateReplica(plan, pool);
  return renderNginxConf([replica], ctx, {
    pidFile: `${RUN_DIR}/nginx.pid`,
    tempDir: "/tmp",
    authInclude: `${AUTH_DIR}/nginx-auth.conf`,
  });
}

/** Where the download init container mounts cloud-init's gpufleet-fetch.py (ConfigMap <pool>-fetch). */
const FETCH_DIR = "/opt/gpufleet-fetch";
const FETCH_SCRIPT = `${FETCH_DIR}/gpufleet-fetch.py`;

/**
 * The init container's shell: download the replica's weights into the cache once, with the same
 * gpufleet-fetch.py as the hosts and the Docker target (cloud-init/fetch.ts): an HF snapshot
 * through the engine image's own huggingface_hub (the container runs the engine image), a GGUF file
 * with the pinned Python image's standard library, an Ollama tag through the Ollama image. Nothing
 * is installed at start.
 */
function downloadScript(r: ResolvedReplica): string {
  return fetchShell(r.download, FETCH_SCRIPT);
}

/** Size of a pod's model-cache volume: the weights with room for a second revision. */
function cacheSizeGi(r: ResolvedReplica, pool: PoolPlan): number {
  const layout = pool.replicas[0]!.multiNode;
  const full = layout
    ? (r.download.sizeGiB * r.plan.model.paramsB) /
      Math.max(0.001, (r.plan.memory.weightsGiB * r.plan.tensorParallel * 1024 ** 3) / 1e9)
    : r.download.sizeGiB;
  return Math.max(20, Math.ceil(full * 1.2 + 10));
}

interface PodRole {
  /** Leader (or single-node) pods serve HTTP; workers run headless ranks. */
  leader: boolean;
}

function engineContainer(
  replica: ReplicaPlan,
  r: ResolvedReplica,
  w: PoolWorkload,
  role: PodRole,
): Record<string, unknown> {
  const env: Array<Record<string, unknown>> = Object.entries(replica.env).map(([name, value]) => ({
    name,
    value,
  }));
  const args = [...replica.args];
  const key = r.apiKey;
  // The key only as an environment variable from the Secret, never an argument (a `$(VAR)` in args
  // is expanded into the process's command line): SGLang and lmdeploy take it through their
  // launcher (planner/launch/common.ts pythonKeyLauncher).
  if (key.kind !== "none") {
    env.push({
      name: key.variable,
      valueFrom: { secretKeyRef: { name: SECRET_NAMES.apiKey, key: "api-key" } },
    });
  }
  const layout = replica.multiNode;
  if (layout) {
    // LWS sets LWS_LEADER_ADDRESS and LWS_WORKER_INDEX in every pod of a group (LWS docs, "Design").
    env.push({ name: "VLLM_HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } });
    const leader =
      layout.launch.addressFormat === "host:port"
        ? `$(LWS_LEADER_ADDRESS):${layout.launch.port}`
        : "$(LWS_LEADER_ADDRESS)";
    args.push(layout.launch.masterAddrFlag, leader);
    if (role.leader) args.push(layout.launch.nodeRankFlag, "0");
    else args.push(layout.launch.nodeRankFlag, "$(LWS_WORKER_INDEX)", ...layout.launch.workerFlags);
  }
  const http = { httpGet: { path: replica.healthPath, port: "engine" } };
  const budget = startupBudgetSeconds(replica);
  const weightsGi = Math.ceil(replica.memory.weightsGiB * w.gpusPerPod);
  return {
    name: "engine",
    image: r.image,
    args,
    env,
    ...(role.leader ? { ports: [{ name: "engine", containerPort: replica.port }] } : {}),
    resources: {
      requests: {
        cpu: String(2 + 2 * w.gpusPerPod),
        memory: `${Math.max(16, weightsGi + 8)}Gi`,
        "nvidia.com/gpu": String(w.gpusPerPod),
      },
      limits: {
        memory: `${Math.max(32, 2 * weightsGi + 16)}Gi`,
        "nvidia.com/gpu": String(w.gpusPerPod),
      },
    },
    ...(role.leader
      ? {
          // Loading weights can take the whole cold start: never the default that kills a
          // loading engine (3 × 10 s).
          startupProbe: { ...http, periodSeconds: 10, failureThreshold: Math.ceil(budget / 10) },
          readinessProbe: { ...http, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
          livenessProbe: { ...http, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 5 },
        }
      : {}),
    // Streams in flight finish first: the proxy drains (nginx -s quit) and removes its pid file.
    lifecycle: {
      preStop: {
        exec: {
          command: [
            "/bin/sh",
            "-c",
            `sleep 2; while [ -e ${RUN_DIR}/nginx.pid ]; do sleep 1; done`,
          ],
        },
      },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [
      { name: MODEL_CACHE_CLAIM, mountPath: CONTAINER_MODEL_DIR, readOnly: true },
      { name: "dshm", mountPath: "/dev/shm" },
      { name: "run", mountPath: RUN_DIR },
    ],
  };
}

function proxyContainer(pool: PoolPlan, r: ResolvedReplica): Record<string, unknown> {
  return {
    name: "proxy",
    image: DEFAULT_HELPER_IMAGES.nginx,
    ports: [{ name: "proxy", containerPort: pool.proxyPort }],
    resources: {
      requests: { cpu: "100m", memory: "64Mi" },
      limits: { memory: "256Mi" },
    },
    readinessProbe: {
      httpGet: { path: "/health", port: "proxy" },
      periodSeconds: 10,
      failureThreshold: 3,
    },
    livenessProbe: { tcpSocket: { port: "proxy" }, periodSeconds: 30, failureThreshold: 3 },
    lifecycle: {
      preStop: {
        exec: {
          command: [
            "/bin/sh",
            "-c",
            `nginx -s quit; while [ -e ${RUN_DIR}/nginx.pid ]; do sleep 1; done`,
          ],
        },
      },
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 101,
      runAsGroup: 101,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    volumeMounts: [
      { name: "proxy-conf", mountPath: "/etc/nginx/nginx.conf", subPath: "nginx.conf" },
      { name: "auth", mountPath: AUTH_DIR, readOnly: true },
      { name: "run", mountPath: RUN_DIR },
      { name: "tmp", mountPath: "/tmp" },
    ],
    // Rendered for the replica behind it (r.name), checked by nginx -t in the tests.
    env: [{ name: "GPUFLEET_REPLICA", value: r.name }],
  };
}

function podSpec(
  args: KubernetesManifestArgs,
  w: PoolWorkload,
  r: ResolvedReplica,
  role: PodRole,
  cacheFromClaim: boolean,
): Record<string, unknown> {
  const { plan, k8s } = args;
  const pool = w.pool;
  const replica = pool.replicas[0]!;
  // HF snapshots and Ollama tags with the engine's own image (its huggingface_hub / ollama), a
  // GGUF file with the pinned Python image.
  const downloadImage = r.download.kind === "gguf" ? DEFAULT_HELPER_IMAGES.downloader : r.image;
  const downloadEnv: Array<Record<string, unknown>> = [
    { name: "HF_HOME", value: CONTAINER_MODEL_DIR },
    { name: "HF_HUB_DISABLE_TELEMETRY", value: "1" },
    { name: "HF_HUB_DOWNLOAD_TIMEOUT", value: "60" },
    { name: "OLLAMA_MODELS", value: `${CONTAINER_MODEL_DIR}/ollama` },
  ];
  if (args.hfToken)
    downloadEnv.push({
      name: "HF_TOKEN",
      valueFrom: { secretKeyRef: { name: SECRET_NAMES.hfToken, key: "token" } },
    });
  const init: Array<Record<string, unknown>> = [
    {
      name: "download",
      image: downloadImage,
      command: ["/bin/sh", "-c", downloadScript(r)],
      env: downloadEnv,
      resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { memory: "8Gi" } },
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      volumeMounts: [
        { name: MODEL_CACHE_CLAIM, mountPath: CONTAINER_MODEL_DIR },
        { name: "fetch", mountPath: FETCH_DIR, readOnly: true },
      ],
    },
  ];
  const containers: Array<Record<string, unknown>> = [engineContainer(replica, r, w, role)];
  if (role.leader) {
    containers.push(proxyContainer(pool, r));
  }
  const volumes: Array<Record<string, unknown>> = [
    {
      name: "dshm",
      emptyDir: { medium: "Memory", sizeLimit: `${Math.max(2, 4 * w.gpusPerPod)}Gi` },
    },
    { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    { name: "fetch", configMap: { name: `${pool.name}-fetch`, defaultMode: 0o444 } },
  ];
  if (role.leader)
    volumes.push(
      {
        // The hosts' nginx key check (cloud-init's renderNginxAuthCheck), kept in a Secret.
        name: "auth",
        secret: { secretName: SECRET_NAMES.proxyAuth, defaultMode: 0o440 },
      },
      { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
      {
        name: "proxy-conf",
        configMap: {
          name: `${pool.name}-proxy`,
          items: [{ key: "nginx.conf", path: "nginx.conf" }],
        },
      },
    );
  if (!cacheFromClaim)
    volumes.push({
      name: MODEL_CACHE_CLAIM,
      hostPath: { path: `/var/lib/gpufleet/models`, type: "DirectoryOrCreate" },
    });
  return {
    // In-flight streams get as long as the proxy waits for an answer.
    terminationGracePeriodSeconds: readTimeoutSeconds([r]),
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: { fsGroup: 101, fsGroupChangePolicy: "OnRootMismatch" },
    nodeSelector: { [k8s.gpuNodeLabel]: gpuLabelValue(pool.gpu.model, k8s) },
    tolerations: k8s.tolerations,
    initContainers: init,
    containers,
    volumes,
  };
}

function cacheClaim(
  k8s: KubernetesConfig,
  r: ResolvedReplica,
  pool: PoolPlan,
): Record<string, unknown> {
  return {
    metadata: { name: MODEL_CACHE_CLAIM },
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(k8s.storageClass ? { storageClassName: k8s.storageClass } : {}),
      resources: { requests: { storage: `${cacheSizeGi(r, pool)}Gi` } },
    },
  };
}

/** The workload, Service, PDB, NetworkPolicy, PodMonitor and ScaledObject of one pool. */
export function poolManifests(args: KubernetesManifestArgs, index: number): K8sObject[] {
  const { plan, cfg, k8s } = args;
  const ns = k8s.namespace;
  const pool = plan.pools[index]!;
  const poolCfg = cfg.pools[index]!;
  const w = poolWorkload(pool);
  const replica = pool.replicas[0]!;
  const r = resolveTemplateReplica(plan, pool);
  const labels = {
    ...labelsOf(plan.stack, pool.name),
    "gpufleet.dev/model": replica.model.servedName,
    "gpufleet.dev/engine": replica.engine,
  };
  const selector = { "gpufleet.dev/pool": pool.name, "app.kubernetes.io/instance": plan.stack };
  const cacheFromClaim = (poolCfg.modelCache ?? "pvc") === "pvc";
  const out: K8sObject[] = [
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(`${pool.name}-proxy`, ns, labels),
      data: { "nginx.conf": renderPodProxyConf(plan, pool) },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(`${pool.name}-fetch`, ns, labels),
      data: { "gpufleet-fetch.py": fetchScript() },
    },
  ];
  const template = (role: PodRole): Record<string, unknown> => ({
    metadata: {
      labels: { ...labels, "gpufleet.dev/role": role.leader ? "leader" : "worker" },
      annotations: {
        "gpufleet.dev/cold-start-seconds": String(replica.estimates.coldStartSeconds),
      },
    },
    spec: podSpec(args, w, r, role, cacheFromClaim),
  });
  const claims = cacheFromClaim ? [cacheClaim(k8s, r, pool)] : [];
  if (w.kind === "StatefulSet") {
    out.push({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: meta(pool.name, ns, labels),
      spec: {
        serviceName: pool.name,
        replicas: w.replicas,
        podManagementPolicy: "Parallel",
        selector: { matchLabels: selector },
        template: template({ leader: true }),
        volumeClaimTemplates: claims,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
      },
    });
  } else {
    out.push({
      apiVersion: LWS_API,
      kind: "LeaderWorkerSet",
      metadata: meta(pool.name, ns, labels),
      spec: {
        replicas: w.replicas,
        startupPolicy: "LeaderCreated",
        leaderWorkerTemplate: {
          size: w.groupSize,
          // One rank lost = the whole group restarts (vLLM cannot re-join a rank).
          restartPolicy: "RecreateGroupOnPodRestart",
          leaderTemplate: template({ leader: true }),
          workerTemplate: template({ leader: false }),
          volumeClaimTemplates: claims,
        },
      },
    });
  }
  const leaderOnly =
    w.kind === "LeaderWorkerSet"
      ? { "gpufleet.dev/role": "leader" }
      : ({} as Record<string, string>);
  out.push(
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(pool.name, ns, labels),
      spec: {
        type: "ClusterIP",
        selector: { ...selector, ...leaderOnly },
        // Only the proxy: the engine port has no Service.
        ports: [{ name: "http", port: pool.proxyPort, targetPort: "proxy", protocol: "TCP" }],
      },
    },
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: meta(pool.name, ns, labels),
      spec: {
        maxUnavailable: 1,
        selector: { matchLabels: { ...selector, ...leaderOnly } },
      },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(`${pool.name}-engine`, ns, labels),
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ["Ingress"],
        ingress: [
          // The proxy checks the API key: any client may try it.
          { ports: [{ port: pool.proxyPort, protocol: "TCP" }] },
          // The engine port: Prometheus only (metrics); the proxy reaches it on localhost.
          {
            from: [
              {
                namespaceSelector: {
                  matchLabels: { "kubernetes.io/metadata.name": k8s.monitoringNamespace },
                },
              },
            ],
            ports: [{ port: replica.port, protocol: "TCP" }],
          },
          // Ranks of a multi-node group talk to each other on NCCL's and torch's ports.
          ...(w.kind === "LeaderWorkerSet"
            ? [{ from: [{ podSelector: { matchLabels: selector } }] }]
            : []),
        ],
      },
    },
  );
  if (replica.metricsPath) {
    out.push({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: meta(pool.name, ns, labels),
      spec: {
        selector: { matchLabels: { ...selector, ...leaderOnly } },
        podMetricsEndpoints: [
          {
            port: "engine",
            path: replica.metricsPath,
            interval: "15s",
            // The labels the alert rules and dashboards group by (monitoring/rules.ts REPLICA_LABELS).
            relabelings: [
              { targetLabel: "job", replacement: JOBS.engine, action: "replace" },
              { targetLabel: "pool", replacement: pool.name, action: "replace" },
              {
                sourceLabels: ["__meta_kubernetes_pod_name"],
                targetLabel: "replica",
                action: "replace",
              },
              { targetLabel: "model", replacement: replica.model.servedName, action: "replace" },
              { targetLabel: "engine", replacement: replica.engine, action: "replace" },
              {
                sourceLabels: ["__meta_kubernetes_pod_node_name"],
                targetLabel: "instance_id",
                action: "replace",
              },
              { targetLabel: "port", replacement: String(replica.port), action: "replace" },
            ],
          },
        ],
      },
    });
  }
  const waiting = ENGINE_METRICS[replica.engine]?.waiting;
  const triggers: Array<Record<string, unknown>> = [];
  if (waiting)
    triggers.push({
      type: "prometheus",
      metadata: {
        serverAddress: prometheusUrl(k8s),
        query: `sum(${waiting}{namespace="${ns}",pool="${pool.name}"})`,
        // Requests queued per replica before another one is worth its cold start.
        threshold: String(Math.max(1, Math.ceil(replica.maxNumSeqs / 4))),
        activationThreshold: "0",
      },
    });
  if (poolCfg.scaleToZero) {
    // At zero nothing of the pool reports a queue: the HTTP add-on's interceptor counts the
    // requests it holds for the pool and wakes it (external-push, InterceptorRoute of the same name).
    const addOn = k8s.httpAddOn;
    triggers.push({
      type: "external-push",
      metadata: {
        scalerAddress: `${addOn.scalerService}.${addOn.namespace}:${addOn.scalerPort}`,
        interceptorRoute: pool.name,
      },
    });
    out.push(...wakeManifests(args, index));
  }
  if (triggers.length > 0) {
    const min = poolCfg.scaleToZero ? 0 : (poolCfg.minCount ?? pool.count) * pool.replicas.length;
    const max = Math.max(
      w.replicas,
      min,
      1,
      (poolCfg.maxCount ?? pool.count) * pool.replicas.length,
    );
    out.push({
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: meta(pool.name, ns, labels),
      spec: {
        scaleTargetRef: {
          apiVersion: w.kind === "StatefulSet" ? "apps/v1" : LWS_API,
          kind: w.kind,
          name: pool.name,
        },
        minReplicaCount: min,
        maxReplicaCount: max,
        pollingInterval: 30,
        // A replica takes a cold start to come up: never scale down faster than one starts.
        cooldownPeriod: Math.max(300, replica.estimates.coldStartSeconds),
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: {
              scaleDown: {
                stabilizationWindowSeconds: Math.max(300, replica.estimates.coldStartSeconds),
              },
            },
          },
        },
        triggers,
      },
    });
  }
  return out;
}

/**
 * The header the entry point sets on a request for a pool that scales to zero, and the KEDA HTTP
 * add-on's interceptor routes by: `<namespace>/<pool>`, unique in the cluster (the interceptor is
 * shared by every namespace).
 */
export const WAKE_HEADER = "x-gpufleet-pool";

export function wakeHeaderValue(k8s: KubernetesConfig, pool: PoolPlan): string {
  return `${k8s.namespace}/${pool.name}`;
}

/**
 * The in-cluster name LiteLLM calls a sleeping pool by: an ExternalName Service `<pool>-wake` that
 * resolves to the interceptor, which matches the Host header (port stripped) against the
 * InterceptorRoute's hosts.
 */
export function wakeServiceName(pool: PoolPlan): string {
  return `${pool.name}-wake`;
}

/** The base URL of a pool as the gateway (LiteLLM) reaches it: directly, or through the wake door. */
export function poolBaseUrl(args: KubernetesManifestArgs, pool: PoolPlan): string {
  const i = args.plan.pools.indexOf(pool);
  const ns = args.k8s.namespace;
  if (args.cfg.pools[i]?.scaleToZero)
    return `http://${wakeServiceName(pool)}.${ns}.svc:${args.k8s.httpAddOn.interceptorPort}`;
  return `http://${pool.name}.${ns}.svc:${pool.proxyPort}`;
}

/** A pool that sleeps at zero: its InterceptorRoute and the ExternalName door LiteLLM calls. */
function wakeManifests(args: KubernetesManifestArgs, index: number): K8sObject[] {
  const { plan, k8s } = args;
  const ns = k8s.namespace;
  const pool = plan.pools[index]!;
  const replica = pool.replicas[0]!;
  const addOn = k8s.httpAddOn;
  const labels = labelsOf(plan.stack, pool.name);
  const wake = wakeServiceName(pool);
  const readTimeout = readTimeoutSeconds([resolveTemplateReplica(plan, pool)]);
  return [
    {
      apiVersion: "http.keda.sh/v1beta1",
      kind: "InterceptorRoute",
      metadata: meta(pool.name, ns, labels),
      spec: {
        target: { service: pool.name, port: pool.proxyPort },
        rules: [
          // From the Gateway (the HTTPRoute sets the header).
          { headers: [{ name: WAKE_HEADER, value: wakeHeaderValue(k8s, pool) }] },
          // From LiteLLM, through the ExternalName Service.
          {
            hosts: [`${wake}.${ns}.svc`, `${wake}.${ns}.svc.cluster.local`, `${wake}.${ns}`],
          },
        ],
        // One replica takes as many requests at once as the engine runs.
        scalingMetric: { concurrency: { targetValue: Math.max(1, replica.maxNumSeqs) } },
        timeouts: {
          // A request that woke the pool waits for its cold start (the startup probe's budget).
          readiness: `${startupBudgetSeconds(replica)}s`,
          // Streams last as long as they last; the proxy's read timeout bounds the first byte.
          request: "0s",
          responseHeader: `${readTimeout}s`,
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(wake, ns, labels),
      spec: {
        type: "ExternalName",
        externalName: `${addOn.interceptorService}.${addOn.namespace}.svc.cluster.local`,
        ports: [{ name: "http", port: addOn.interceptorPort, protocol: "TCP" }],
      },
    },
  ];
}

/** Prometheus as KEDA reaches it. */
export function prometheusUrl(k8s: KubernetesConfig): string {
  return `http://${KUBE_PROMETHEUS_STACK.fullname}-prometheus.${k8s.monitoringNamespace}.svc:9090`;
}

/** Values of the kube-prometheus-stack chart: find gpufleet's monitors, rules and dashboards. */
export function kubePrometheusStackValues(k8s: KubernetesConfig): Record<string, unknown> {
  return {
    fullnameOverride: KUBE_PROMETHEUS_STACK.fullname,
    prometheus: {
      prometheusSpec: {
        // Select PodMonitors and PrometheusRules of every namespace, not only the chart's own.
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        retention: "15d",
      },
    },
    grafana: {
      sidecar: {
        dashboards: {
          enabled: true,
          label: "grafana_dashboard",
          labelValue: "1",
          searchNamespace: [k8s.namespace],
        },
      },
    },
  };
}

/** The monitoring context of the shared rules renderer for this stack. */
export function monitoringContext(args: KubernetesManifestArgs): MonitoringContext {
  return {
    stack: args.plan.stack,
    // The renderer validates an AWS region for EC2 discovery; rules and dashboards never read it.
    region: "us-east-1",
    retentionDays: args.cfg.monitoring.retentionDays,
    thresholds: args.cfg.monitoring.thresholds,
    platform: "kubernetes",
    namespace: args.k8s.namespace,
    zeroPools: args.plan.pools.filter((_, i) => args.cfg.pools[i]?.scaleToZero).map((p) => p.name),
  };
}

/** PrometheusRule, dashboards and the DCGM exporter's PodMonitor. */
export function monitoringManifests(args: KubernetesManifestArgs): K8sObject[] {
  const { plan, k8s } = args;
  const ns = k8s.namespace;
  const labels = {
    "app.kubernetes.io/name": "gpufleet",
    "app.kubernetes.io/instance": plan.stack,
    "app.kubernetes.io/component": "monitoring",
  };
  const rules = parseYaml(renderRulesFor(args)) as { groups: unknown[] };
  const out: K8sObject[] = [
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: meta("gpufleet", ns, labels),
      spec: { groups: rules.groups },
    },
    {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PodMonitor",
      metadata: meta("gpufleet-dcgm", ns, labels),
      spec: {
        namespaceSelector: { any: true },
        // NVIDIA's GPU operator runs dcgm-exporter with this label and port name.
        selector: { matchLabels: { app: "nvidia-dcgm-exporter" } },
        podMetricsEndpoints: [
          {
            port: "gpu-metrics",
            interval: "15s",
            relabelings: [
              { targetLabel: "job", replacement: JOBS.dcgm, action: "replace" },
              {
                sourceLabels: ["__meta_kubernetes_pod_node_name"],
                targetLabel: "instance_id",
                action: "replace",
              },
            ],
          },
        ],
      },
    },
  ];
  for (const d of buildDashboards(plan)) {
    out.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(`gpufleet-dashboard-${d.uid}`.slice(0, 63).replace(/[^a-z0-9-]/g, "-"), ns, {
        ...labels,
        grafana_dashboard: "1",
      }),
      data: { [d.file]: JSON.stringify(d.json, null, 2) },
    });
  }
  return out;
}

/** The alert and recording rules, exactly as the monitoring renderer writes them. */
export function renderRulesFor(args: KubernetesManifestArgs): string {
  return renderRules(args.plan, resolveCtx(args));
}

function resolveCtx(args: KubernetesManifestArgs): ResolvedMonitoringContext {
  return resolveMonitoringContext(monitoringContext(args));
}

/** The entry point: a Gateway with an HTTPRoute by header, or an Ingress to the LiteLLM gateway. */
export function entryManifests(args: KubernetesManifestArgs): K8sObject[] {
  const { plan, cfg, k8s } = args;
  const ns = k8s.namespace;
  const labels = {
    "app.kubernetes.io/name": "gpufleet",
    "app.kubernetes.io/instance": plan.stack,
    "app.kubernetes.io/component": "entry",
  };
  const gateway = cfg.gateway.enabled;
  const tls = k8s.tls;
  const fallback = gateway
    ? { name: "litellm", port: LITELLM_PORT }
    : { name: plan.pools[0]!.name, port: plan.pools[0]!.proxyPort };
  if (k8s.entry === "ingress-nginx") {
    return [
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: meta("gpufleet", ns, labels, {
          // Streams: no buffering, and the proxies' read timeout.
          "nginx.ingress.kubernetes.io/proxy-buffering": "off",
          "nginx.ingress.kubernetes.io/proxy-read-timeout": String(maxReadTimeout(plan)),
          "nginx.ingress.kubernetes.io/proxy-body-size": "64m",
          ...(tls ? { "nginx.ingress.kubernetes.io/ssl-redirect": "true" } : {}),
        }),
        spec: {
          ingressClassName: k8s.ingressClassName,
          // With tls (hostname required by the config check: ingress-nginx serves a Secret only for
          // the hosts it lists), ingress-nginx serves HTTPS and redirects HTTP to it (ssl-redirect).
          ...(tls ? { tls: [{ hosts: [tls.hostname!], secretName: tls.secretName }] } : {}),
          rules: [
            {
              ...(tls?.hostname !== undefined ? { host: tls.hostname } : {}),
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: fallback.name, port: { number: fallback.port } } },
                  },
                ],
              },
            },
          ],
        },
      },
    ];
  }
  const byModel = new Map<string, PoolPlan[]>();
  for (const pool of plan.pools) {
    const name = pool.replicas[0]!.model.servedName;
    byModel.set(name, [...(byModel.get(name) ?? []), pool]);
  }
  const sleeps = (pool: PoolPlan): boolean =>
    cfg.pools[plan.pools.indexOf(pool)]?.scaleToZero === true;
  const addOn = k8s.httpAddOn;
  // A pool that sleeps at zero is reached through the HTTP add-on's interceptor, told which pool by
  // a header (validateKubernetesDeployment: such a pool serves its model alone).
  const toInterceptor = (pool: PoolPlan): Record<string, unknown> => ({
    filters: [
      {
        type: "RequestHeaderModifier",
        requestHeaderModifier: { set: [{ name: WAKE_HEADER, value: wakeHeaderValue(k8s, pool) }] },
      },
    ],
    backendRefs: [
      {
        name: addOn.interceptorService,
        namespace: addOn.namespace,
        port: addOn.interceptorPort,
      },
    ],
  });
  const rules: Array<Record<string, unknown>> = [...byModel].map(([model, pools]) => ({
    matches: [
      {
        path: { type: "PathPrefix", value: "/" },
        headers: [{ type: "Exact", name: MODEL_HEADER, value: model }],
      },
    ],
    ...(pools.length === 1 && sleeps(pools[0]!)
      ? toInterceptor(pools[0]!)
      : {
          backendRefs: pools.map((p) => ({
            name: p.name,
            port: p.proxyPort,
            weight: Math.max(1, poolWorkload(p).replicas),
          })),
        }),
    timeouts: { request: "0s" },
  }));
  const fallbackPool = gateway ? undefined : plan.pools[0]!;
  rules.push({
    matches: [{ path: { type: "PathPrefix", value: "/" } }],
    ...(fallbackPool && sleeps(fallbackPool)
      ? toInterceptor(fallbackPool)
      : { backendRefs: [{ name: fallback.name, port: fallback.port }] }),
    timeouts: { request: "0s" },
  });
  const grants: K8sObject[] = plan.pools.some(sleeps)
    ? [
        {
          apiVersion: "gateway.networking.k8s.io/v1beta1",
          kind: "ReferenceGrant",
          // Lives beside the interceptor: lets this stack's HTTPRoute send traffic to it.
          metadata: meta(`gpufleet-${ns}`.slice(0, 63).replace(/-+$/, ""), addOn.namespace, labels),
          spec: {
            from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: ns }],
            to: [{ group: "", kind: "Service", name: addOn.interceptorService }],
          },
        },
      ]
    : [];
  const host = tls?.hostname !== undefined ? { hostname: tls.hostname } : {};
  return [
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: meta("gpufleet", ns, labels),
      spec: {
        gatewayClassName: k8s.gatewayClassName,
        listeners: [
          ...(tls
            ? [
                {
                  name: "https",
                  protocol: "HTTPS",
                  port: 443,
                  ...host,
                  tls: {
                    mode: "Terminate",
                    certificateRefs: [{ group: "", kind: "Secret", name: tls.secretName }],
                  },
                  allowedRoutes: { namespaces: { from: "Same" } },
                },
              ]
            : []),
          {
            name: "http",
            protocol: "HTTP",
            port: 80,
            ...host,
            allowedRoutes: { namespaces: { from: "Same" } },
          },
        ],
      },
    },
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: meta("gpufleet", ns, labels),
      spec: {
        parentRefs: [{ name: "gpufleet", ...(tls ? { sectionName: "https" } : {}) }],
        rules,
      },
    },
    ...(tls ? [httpsRedirect(ns, labels)] : []),
    ...grants,
  ];
}

/**
 * With tls, the plain-HTTP listener only redirects to HTTPS (the Gateway API's documented
 * HTTP-to-HTTPS pattern, and what the AWS load balancer does with a certificate): a browser on
 * http:// reaches LiteLLM's /ui over HTTPS, and nothing is proxied in clear text. 301 is the
 * status every Gateway API release accepts (303/307/308 came later).
 */
function httpsRedirect(ns: string, labels: Record<string, string>): K8sObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: meta("gpufleet-https-redirect", ns, labels),
    spec: {
      parentRefs: [{ name: "gpufleet", sectionName: "http" }],
      rules: [
        {
          filters: [
            { type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } },
          ],
        },
      ],
    },
  };
}

function maxReadTimeout(plan: FleetPlan): number {
  return Math.max(
    600,
    ...plan.pools.map((p) => readTimeoutSeconds([resolveTemplateReplica(plan, p)])),
  );
}

/** LiteLLM (the same config renderer as on AWS) and, unless an existing URL is given, PostgreSQL. */
export function gatewayManifests(args: KubernetesManifestArgs): K8sObject[] {
  const { plan, cfg, k8s } = args;
  if (!cfg.gateway.enabled) return [];
  const ns = k8s.namespace;
  const labels = {
    "app.kubernetes.io/name": "gpufleet",
    "app.kubernetes.io/instance": plan.stack,
    "app.kubernetes.io/component": "gateway",
  };
  const config = renderLiteLLMConfig(plan, {
    stack: plan.stack,
    options: cfg.gateway,
    poolBaseUrl: (pool) => poolBaseUrl(args, pool),
  });
  const secretEnv = (name: string, secret: string, key: string): Record<string, unknown> => ({
    name,
    valueFrom: { secretKeyRef: { name: secret, key } },
  });
  const dbSecret = k8s.databaseUrlSecret ?? SECRET_NAMES.database;
  const litellmSelector = {
    "app.kubernetes.io/instance": plan.stack,
    "app.kubernetes.io/component": "gateway",
  };
  const out: K8sObject[] = [
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta("litellm", ns, labels),
      data: { "config.yaml": config },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta("litellm", ns, labels),
      spec: {
        replicas: cfg.gateway.taskCount ?? 1,
        selector: { matchLabels: litellmSelector },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            terminationGracePeriodSeconds: 120,
            containers: [
              {
                name: "litellm",
                image: cfg.gateway.image ?? LITELLM_IMAGE,
                args: ["--config", "/etc/litellm/config.yaml", "--port", String(LITELLM_PORT)],
                ports: [{ name: "http", containerPort: LITELLM_PORT }],
                env: [
                  { name: "LITELLM_LOCAL_MODEL_COST_MAP", value: "True" },
                  { name: "LITELLM_MODE", value: "PRODUCTION" },
                  secretEnv(GATEWAY_ENV.masterKey, SECRET_NAMES.gateway, GATEWAY_ENV.masterKey),
                  secretEnv(GATEWAY_ENV.saltKey, SECRET_NAMES.gateway, GATEWAY_ENV.saltKey),
                  secretEnv(GATEWAY_ENV.databaseUrl, dbSecret, "DATABASE_URL"),
                  secretEnv(GATEWAY_ENV.engineApiKey, SECRET_NAMES.apiKey, "api-key"),
                ],
                resources: {
                  requests: { cpu: "500m", memory: "1Gi" },
                  limits: { memory: "2Gi" },
                },
                startupProbe: {
                  httpGet: { path: "/health/liveliness", port: "http" },
                  periodSeconds: 10,
                  failureThreshold: 30,
                },
                readinessProbe: {
                  httpGet: { path: "/health/readiness", port: "http" },
                  periodSeconds: 10,
                },
                livenessProbe: {
                  httpGet: { path: "/health/liveliness", port: "http" },
                  periodSeconds: 30,
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ["ALL"] },
                  seccompProfile: { type: "RuntimeDefault" },
                },
                volumeMounts: [{ name: "config", mountPath: "/etc/litellm", readOnly: true }],
              },
            ],
            volumes: [{ name: "config", configMap: { name: "litellm" } }],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta("litellm", ns, labels),
      spec: {
        type: "ClusterIP",
        selector: litellmSelector,
        ports: [{ name: "http", port: LITELLM_PORT, targetPort: "http", protocol: "TCP" }],
      },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("litellm", ns, labels),
      spec: {
        podSelector: { matchLabels: litellmSelector },
        policyTypes: ["Ingress"],
        ingress: [{ ports: [{ port: LITELLM_PORT, protocol: "TCP" }] }],
      },
    },
  ];
  if (k8s.databaseUrlSecret === undefined) {
    const dbLabels = { ...labels, "app.kubernetes.io/component": "database" };
    const dbSelector = {
      "app.kubernetes.io/instance": plan.stack,
      "app.kubernetes.io/component": "database",
    };
    out.push(
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: meta("postgres", ns, dbLabels),
        spec: {
          serviceName: "postgres",
          replicas: 1,
          selector: { matchLabels: dbSelector },
          template: {
            metadata: { labels: dbLabels },
            spec: {
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: { fsGroup: 70, runAsNonRoot: true, runAsUser: 70, runAsGroup: 70 },
              containers: [
                {
                  name: "postgres",
                  image: POSTGRES_IMAGE,
                  ports: [{ name: "postgres", containerPort: POSTGRES_PORT }],
                  env: [
                    { name: "POSTGRES_USER", value: "litellm" },
                    { name: "POSTGRES_DB", value: "litellm" },
                    { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
                    secretEnv("POSTGRES_PASSWORD", SECRET_NAMES.database, "POSTGRES_PASSWORD"),
                  ],
                  resources: {
                    requests: { cpu: "250m", memory: "512Mi" },
                    limits: { memory: "1Gi" },
                  },
                  readinessProbe: {
                    exec: { command: ["pg_isready", "-U", "litellm", "-d", "litellm"] },
                    periodSeconds: 10,
                  },
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ["ALL"] },
                    seccompProfile: { type: "RuntimeDefault" },
                  },
                  volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }],
                },
              ],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: {
                accessModes: ["ReadWriteOnce"],
                ...(k8s.storageClass ? { storageClassName: k8s.storageClass } : {}),
                resources: {
                  requests: { storage: `${cfg.gateway.dbAllocatedStorageGiB ?? 20}Gi` },
                },
              },
            },
          ],
        },
      },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: meta("postgres", ns, dbLabels),
        spec: {
          type: "ClusterIP",
          selector: dbSelector,
          ports: [
            { name: "postgres", port: POSTGRES_PORT, targetPort: "postgres", protocol: "TCP" },
          ],
        },
      },
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: meta("postgres", ns, dbLabels),
        spec: {
          podSelector: { matchLabels: dbSelector },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [{ podSelector: { matchLabels: litellmSelector } }],
              ports: [{ port: POSTGRES_PORT, protocol: "TCP" }],
            },
          ],
        },
      },
    );
  }
  return out;
}

/** The database URL the PostgreSQL StatefulSet serves (password from its Secret). */
export function databaseUrl(namespace: string, password: string): string {
  return `postgresql://litellm:${encodeURIComponent(password)}@postgres.${namespace}.svc:${POSTGRES_PORT}/litellm`;
}

// The checks of a kubernetes stack live in ./validate.ts (light: the CLI loads them for every
// kubernetes plan without these manifests); re-exported for the component and the program.
export { validateKubernetesDeployment } from "./validate";

/** Every object of the stack except Secrets and the Helm release, in apply order. */
export function buildManifests(args: KubernetesManifestArgs): K8sObject[] {
  const { plan, k8s } = args;
  const ns = k8s.namespace;
  const base = { "app.kubernetes.io/name": "gpufleet", "app.kubernetes.io/instance": plan.stack };
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: base } },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta("default-deny-ingress", ns, base),
      // Nothing reaches a pod of the namespace unless a policy of its own allows it.
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    },
    ...plan.pools.flatMap((_, i) => poolManifests(args, i)),
    ...monitoringManifests(args),
    ...entryManifests(args),
    ...gatewayManifests(args),
  ];
}
