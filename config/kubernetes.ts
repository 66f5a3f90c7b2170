// The `gpufleet:kubernetes` keys and the checks of a stack whose `gpufleet:target` is kubernetes.
// Pure (no @pulumi import): the CLI's file loader and the program's loader both end here.
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { findGpu } from "../planner/catalog/gpus";

/** A Kubernetes object name (RFC 1123 label): lowercase letters, digits and hyphens. */
const K8S_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A label value: at most 63 characters of letters, digits, '-', '_' and '.', alphanumeric ends. */
const LABEL_VALUE = /^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/;
/** A DNS-1123 subdomain (the name of most Kubernetes objects, a Secret's included): at most 253. */
const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
/**
 * A host name as a Gateway listener and an Ingress rule take it: lowercase DNS labels of at most 63
 * characters, an optional leading `*.` wildcard, never an IP address (both APIs refuse one).
 */
const HOSTNAME =
  /^(?=.{1,253}$)(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV4 = /^\d+(\.\d+){3}$/;
/** A label key: an optional DNS-subdomain prefix and a name. */
const LABEL_KEY =
  /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

/**
 * The label NVIDIA's GPU feature discovery (part of the GPU operator) puts on a GPU node: the
 * product name as `nvidia-smi` prints it, spaces replaced by hyphens (gpu-feature-discovery
 * README, "nvidia.com/gpu.product", checked 2026-12-01).
 */
export const DEFAULT_GPU_NODE_LABEL = "nvidia.com/gpu.product";

const toleration = z.strictObject({
  key: z.string().regex(LABEL_KEY, { message: "must be a label key" }).optional(),
  operator: z.enum(["Exists", "Equal"]).default("Exists"),
  value: z.string().regex(LABEL_VALUE, { message: "must be a label value" }).optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
});

/** Kubernetes target: the cluster, where workloads land and how they are reached and watched. */
export const kubernetesSchema = z.strictObject({
  /**
   * Kubeconfig, a Pulumi secret (`pulumi config set --secret gpufleet:kubernetes.kubeconfig
   * "$(cat ~/.kube/config)"` with --path); default the ambient one (KUBECONFIG, ~/.kube/config).
   */
  kubeconfig: z
    .union([z.string().min(1), z.strictObject({ secure: z.string().min(1) })])
    .optional(),
  /** Context of the kubeconfig; default its current-context. */
  context: z.string().min(1).optional(),
  /** Namespace of every workload, created by the stack; default "gpufleet". */
  namespace: z
    .string()
    .regex(K8S_NAME, { message: "must be a namespace name (RFC 1123 label)" })
    .default("gpufleet"),
  /** Node label whose value names the GPU; default nvidia.com/gpu.product (GPU feature discovery). */
  gpuNodeLabel: z
    .string()
    .regex(LABEL_KEY, { message: "must be a label key such as nvidia.com/gpu.product" })
    .default(DEFAULT_GPU_NODE_LABEL),
  /**
   * Label values by catalog GPU id, where the cluster's differ from the default (the nvidia-smi
   * name with hyphens, e.g. "NVIDIA-A10G").
   */
  gpuLabelValues: z
    .record(z.string(), z.string().regex(LABEL_VALUE, { message: "must be a label value" }))
    .default({}),
  /** Tolerations of GPU pods; default tolerate the nvidia.com/gpu taint. */
  tolerations: z
    .array(toleration)
    .default([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]),
  /** StorageClass of the model-cache volumes (and of PostgreSQL); default the cluster's default. */
  storageClass: z.string().regex(K8S_NAME, { message: "must be a StorageClass name" }).optional(),
  /**
   * The one entry point: "gateway-api" (an HTTPRoute on a Gateway the stack creates; routes by the
   * x-gpufleet-model header) or "ingress-nginx" (an Ingress; needs the LiteLLM gateway, which routes
   * by `model`); default gateway-api.
   */
  entry: z.enum(["gateway-api", "ingress-nginx"]).default("gateway-api"),
  /**
   * HTTPS at the entry: an existing `kubernetes.io/tls` Secret of the namespace (made by
   * cert-manager or by hand) and the host name it is for. The Gateway gets an HTTPS listener on
   * 443 (plain HTTP on 80 only redirects to it); the Ingress gets `spec.tls` (ingress-nginx then
   * redirects HTTP to HTTPS). Default none: plain HTTP, refused with the gateway unless
   * allowAdminOverPlainHttp.
   */
  tls: z
    .strictObject({
      secretName: z.string().regex(DNS_SUBDOMAIN, {
        message:
          "must be a Secret name (DNS-1123 subdomain: lowercase letters, digits, '-' and '.', at most 253)",
      }),
      hostname: z
        .string()
        .regex(HOSTNAME, {
          message:
            "must be a DNS name such as llm.example.com (lowercase labels, optionally *. first)",
        })
        .refine((h) => !IPV4.test(h), {
          message: "must be a DNS name, not an IP address (a listener and an Ingress name hosts)",
        })
        .optional(),
    })
    .optional(),
  /**
   * Accept serving LiteLLM's /ui and admin API (whose password is the master key) over plain HTTP
   * through the entry when no tls is set (e.g. TLS is terminated in front of it); default false
   * (refused, exit 2).
   */
  allowAdminOverPlainHttp: z.boolean().default(false),
  /** GatewayClass of the created Gateway; default "nginx" (NGINX Gateway Fabric). */
  gatewayClassName: z.string().regex(K8S_NAME).default("nginx"),
  /** IngressClass of the Ingress (entry ingress-nginx); default "nginx". */
  ingressClassName: z.string().regex(K8S_NAME).default("nginx"),
  /**
   * Prometheus Operator: "install" kube-prometheus-stack (pinned chart) or use an "existing" one
   * (only the PodMonitors, PrometheusRule and dashboard ConfigMaps); default install.
   */
  prometheusOperator: z.enum(["install", "existing"]).default("install"),
  /** Namespace Prometheus runs in (NetworkPolicies let it scrape engines); default "monitoring". */
  monitoringNamespace: z.string().regex(K8S_NAME).default("monitoring"),
  /**
   * Gateway database: a PostgreSQL StatefulSet (default) or the name of an existing Secret in the
   * namespace whose key DATABASE_URL holds the database URL.
   */
  databaseUrlSecret: z.string().regex(K8S_NAME).optional(),
  /**
   * The KEDA HTTP add-on (v0.14 or later: the InterceptorRoute API), which pools with
   * `scaleToZero` need: at zero replicas nothing of the pool runs to report queued requests, so
   * their traffic passes the add-on's interceptor, which holds a request, wakes the pool and
   * forwards it once a replica is ready. Where the add-on's Helm chart installed it; defaults are
   * the chart's (kedacore/charts keda-add-ons-http, release name "keda-add-ons-http" in namespace
   * "keda", checked 2026-12-01).
   */
  httpAddOn: z
    .strictObject({
      namespace: z.string().regex(K8S_NAME).default("keda"),
      interceptorService: z.string().regex(K8S_NAME).default("keda-add-ons-http-interceptor-proxy"),
      interceptorPort: z.number().int().min(1).max(65535).default(8080),
      scalerService: z.string().regex(K8S_NAME).default("keda-add-ons-http-external-scaler"),
      scalerPort: z.number().int().min(1).max(65535).default(9090),
    })
    .prefault({}),
});

export type KubernetesConfig = z.output<typeof kubernetesSchema>;

/** Most GPUs a Kubernetes node of a pool may have: the largest GPU node sold (8 per host). */
export const MAX_GPUS_PER_NODE = 8;

interface TargetView {
  target: string;
  kubernetes?: KubernetesConfig;
  pools: Array<{
    instanceType?: string;
    gpu?: string;
    gpuCount?: number;
    subnetIds?: unknown;
    availabilityZones?: unknown;
    amiId?: unknown;
    rootVolumeGiB?: unknown;
    modelCache?: unknown;
    scaleToZero?: unknown;
  }>;
  gateway: { enabled: boolean };
}

/**
 * Problems of a kubeconfig given as text: it must be YAML with clusters, contexts and users, and
 * name the requested context. `secure:` values cannot be read offline and are checked by the
 * program.
 */
export function kubeconfigProblems(text: string, context: string | undefined): string[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return [`not valid YAML: ${(err as Error).message.split("\n")[0]}`];
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    return ["must be a kubeconfig (a YAML map with clusters, contexts and users)"];
  const d = doc as Record<string, unknown>;
  const problems: string[] = [];
  if (d.kind !== undefined && d.kind !== "Config")
    problems.push(`kind is "${String(d.kind)}", a kubeconfig's is "Config"`);
  for (const key of ["clusters", "contexts", "users"]) {
    if (!Array.isArray(d[key]) || (d[key] as unknown[]).length === 0)
      problems.push(`has no ${key} (a kubeconfig lists clusters, contexts and users)`);
  }
  const names = Array.isArray(d.contexts)
    ? (d.contexts as Array<{ name?: unknown }>).map((c) => String(c?.name))
    : [];
  const wanted = context ?? (typeof d["current-context"] === "string" ? d["current-context"] : "");
  if (problems.length === 0 && wanted === "")
    problems.push("has no current-context; set gpufleet:kubernetes.context");
  else if (problems.length === 0 && !names.includes(wanted))
    problems.push(`has no context "${wanted}"; it has ${names.join(", ")}`);
  return problems;
}

/**
 * Cross-key checks of a stack config: kubernetes keys only with target kubernetes, and what a
 * kubernetes pool may and must say. One issue per problem, with its path.
 */
export function checkKubernetesTarget(cfg: TargetView, ctx: z.RefinementCtx): void {
  const add = (path: PropertyKey[], message: string): void =>
    ctx.addIssue({ code: "custom", path, message });
  if (cfg.target !== "kubernetes") {
    if (cfg.kubernetes !== undefined) add(["kubernetes"], "only with gpufleet:target kubernetes");
    cfg.pools.forEach((p, i) => {
      for (const key of ["modelCache", "scaleToZero"] as const)
        if (p[key] !== undefined) add(["pools", i, key], "only with gpufleet:target kubernetes");
    });
    return;
  }
  const k = cfg.kubernetes;
  cfg.pools.forEach((p, i) => {
    if (p.instanceType !== undefined)
      add(
        ["pools", i, "instanceType"],
        "a kubernetes pool names its nodes' GPU: give gpu + gpuCount (GPUs per node) instead",
      );
    for (const key of ["subnetIds", "availabilityZones", "amiId", "rootVolumeGiB"] as const)
      if (p[key] !== undefined) add(["pools", i, key], "only for target aws");
    if (p.gpuCount !== undefined && p.gpuCount > MAX_GPUS_PER_NODE)
      add(
        ["pools", i, "gpuCount"],
        `${p.gpuCount} GPUs per node is more than the planner can place on one node (at most ${MAX_GPUS_PER_NODE}); a model that needs more is spread over several nodes by itself`,
      );
  });
  for (const key of Object.keys(k?.gpuLabelValues ?? {})) {
    if (!findGpu(key))
      add(
        ["kubernetes", "gpuLabelValues", key],
        `unknown GPU "${key}": keys are catalog GPU ids (T4, A10G, L4, L40S, A100-80GB, H100, …)`,
      );
  }
  if (k?.kubeconfig !== undefined && typeof k.kubeconfig === "string") {
    for (const problem of kubeconfigProblems(k.kubeconfig, k.context))
      add(["kubernetes", "kubeconfig"], problem);
  }
  if (cfg.gateway.enabled && k?.tls === undefined && k?.allowAdminOverPlainHttp !== true)
    add(
      ["kubernetes", "tls"],
      `required with the gateway: the entry (${entryName(k)}) would serve ${ADMIN_EXPOSED} and the API key over plain HTTP, in clear text to whoever reaches it. ` +
        "Name a kubernetes.io/tls Secret of the namespace (gpufleet:kubernetes.tls.secretName, e.g. issued by cert-manager), " +
        "or accept the risk with gpufleet:kubernetes.allowAdminOverPlainHttp: true (e.g. when TLS is terminated in front of the entry)",
    );
  if (k?.entry === "ingress-nginx" && k.tls !== undefined && k.tls.hostname === undefined)
    add(
      ["kubernetes", "tls", "hostname"],
      "required with entry ingress-nginx: it serves an Ingress's TLS Secret only for the host names it lists (a rule without a host gets the controller's default certificate)",
    );
  if ((k?.entry ?? "gateway-api") === "ingress-nginx" && !cfg.gateway.enabled)
    add(
      ["kubernetes", "entry"],
      "ingress-nginx cannot route by a header to several Services; enable gpufleet:gateway (LiteLLM routes by `model`) or use gateway-api",
    );
}

/** What the LiteLLM gateway serves through the entry that needs a password: as warnings name it. */
const ADMIN_EXPOSED =
  "LiteLLM's /ui and admin API (/key/*, /user/*, /team/*, /model/*, …; the master key) and its virtual keys";

function entryName(k: Pick<KubernetesConfig, "entry"> | undefined): string {
  return (k?.entry ?? "gateway-api") === "ingress-nginx"
    ? "Ingress gpufleet, port 80"
    : "Gateway gpufleet, listener http on port 80";
}

/**
 * What a kubernetes stack without gpufleet:kubernetes.tls sends in clear text through its entry, by
 * name (plan and preview print these): the admin interfaces when the stack opted in, else the API
 * key. None with tls.
 */
export function kubernetesEntryWarnings(cfg: Pick<TargetView, "gateway" | "kubernetes">): string[] {
  const k = cfg.kubernetes;
  if (k?.tls !== undefined) return [];
  if (cfg.gateway.enabled && k?.allowAdminOverPlainHttp === true)
    return [
      `gpufleet:kubernetes.allowAdminOverPlainHttp: serving over plain HTTP (${entryName(k)}), passwords in clear text to whoever reaches the entry: ${ADMIN_EXPOSED}, and the API key`,
    ];
  return [
    `no gpufleet:kubernetes.tls: the entry (${entryName(k)}) is plain HTTP and the API key crosses the network unencrypted; name a kubernetes.io/tls Secret for HTTPS, unless TLS is terminated in front of the entry`,
  ];
}

/** The node label value of a catalog GPU: the stack's mapping, else its nvidia-smi name. */
export function gpuLabelValue(gpuId: string, k: Pick<KubernetesConfig, "gpuLabelValues">): string {
  const gpu = findGpu(gpuId);
  const own = Object.entries(k.gpuLabelValues).find(([key]) => findGpu(key)?.id === gpu?.id);
  if (own) return own[1];
  return (gpu?.nvidiaSmiName ?? gpuId).replace(/\s+/g, "-");
}
