// The Kubernetes target's component: a provider for the cluster, the Secrets from Pulumi secrets,
// kube-prometheus-stack through Helm, and one resource per manifest of manifests.ts. It only wires:
// every fact comes from the plan and the shared renderers.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { renderNginxAuthCheck } from "../../cloud-init/nginx";
import type { KubernetesConfig } from "../../config/kubernetes";
import type { StackConfig } from "../../config/schema";
import type { FleetPlan } from "../../planner/types";
import {
  KUBE_PROMETHEUS_STACK,
  SECRET_NAMES,
  buildManifests,
  databaseUrl,
  kubePrometheusStackValues,
  type K8sObject,
} from "./manifests";

export * from "./manifests";

export interface KubernetesFleetArgs {
  plan: FleetPlan;
  cfg: StackConfig;
  /** `gpufleet:kubernetes` with defaults. */
  k8s: KubernetesConfig;
  /** Engine API key (a Pulumi secret); default generated, 48 letters and digits. */
  apiKey?: pulumi.Input<string>;
  /** Hugging Face token (a Pulumi secret); required for gated models. */
  hfToken?: pulumi.Input<string>;
  /** Kubeconfig (a Pulumi secret); default the ambient one. */
  kubeconfig?: pulumi.Input<string>;
}

type ResourceFactory = (
  name: string,
  obj: K8sObject,
  opts: pulumi.CustomResourceOptions,
) => pulumi.CustomResource;

/** The typed resource of each built-in kind; anything else (CRDs) is a CustomResource. */
const FACTORIES: Record<string, ResourceFactory> = {
  "v1/Namespace": (n, o, opts) =>
    new k8s.core.v1.Namespace(n, o as k8s.core.v1.NamespaceArgs, opts),
  "v1/ConfigMap": (n, o, opts) =>
    new k8s.core.v1.ConfigMap(n, o as k8s.core.v1.ConfigMapArgs, opts),
  "v1/Service": (n, o, opts) => new k8s.core.v1.Service(n, o as k8s.core.v1.ServiceArgs, opts),
  "apps/v1/StatefulSet": (n, o, opts) =>
    new k8s.apps.v1.StatefulSet(n, o as unknown as k8s.apps.v1.StatefulSetArgs, opts),
  "apps/v1/Deployment": (n, o, opts) =>
    new k8s.apps.v1.Deployment(n, o as unknown as k8s.apps.v1.DeploymentArgs, opts),
  "policy/v1/PodDisruptionBudget": (n, o, opts) =>
    new k8s.policy.v1.PodDisruptionBudget(n, o as k8s.policy.v1.PodDisruptionBudgetArgs, opts),
  "networking.k8s.io/v1/NetworkPolicy": (n, o, opts) =>
    new k8s.networking.v1.NetworkPolicy(n, o as k8s.networking.v1.NetworkPolicyArgs, opts),
  "networking.k8s.io/v1/Ingress": (n, o, opts) =>
    new k8s.networking.v1.Ingress(n, o as k8s.networking.v1.IngressArgs, opts),
};

function createObject(
  name: string,
  obj: K8sObject,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResource {
  const factory = FACTORIES[`${obj.apiVersion}/${obj.kind}`];
  if (factory) return factory(name, obj, opts);
  return new k8s.apiextensions.CustomResource(
    name,
    obj as unknown as k8s.apiextensions.CustomResourceArgs,
    opts,
  );
}

/** Resource name of an object: unique per kind, namespace and name. */
export function resourceName(prefix: string, obj: K8sObject): string {
  return `${prefix}-${obj.kind.toLowerCase()}-${obj.metadata.name}`;
}

export class KubernetesFleet extends pulumi.ComponentResource {
  /** Namespace of the workloads. */
  public readonly namespace: string;
  /** In-cluster URL of each pool's Service (its proxy; every /v1 request carries the API key). */
  public readonly poolUrls: Record<string, string>;
  /** The generated or given engine API key (secret). */
  public readonly apiKey: pulumi.Output<string>;

  constructor(name: string, args: KubernetesFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpufleet:kubernetes:Fleet", name, {}, opts);
    const { plan, cfg, k8s: kc } = args;
    const provider = new k8s.Provider(
      `${name}-provider`,
      {
        kubeconfig: args.kubeconfig,
        context: kc.context,
        // Server-side apply, so that Argo CD and kubectl users see the same field managers.
        enableServerSideApply: true,
      },
      { parent: this },
    );
    const child: pulumi.CustomResourceOptions = { parent: this, provider };
    const manifests = buildManifests({
      plan,
      cfg,
      k8s: kc,
      hfToken: args.hfToken !== undefined,
    });
    const [namespaceObj, ...rest] = manifests;
    const namespace = createObject(resourceName(name, namespaceObj!), namespaceObj!, child);
    const inNs: pulumi.CustomResourceOptions = { ...child, dependsOn: [namespace] };

    this.apiKey = pulumi.secret(
      args.apiKey ??
        new random.RandomPassword(
          `${name}-api-key`,
          { length: 48, special: false },
          { parent: this },
        ).result,
    );
    const secrets = this.createSecrets(name, args, inNs);

    let chart: k8s.helm.v4.Chart | undefined;
    if (kc.prometheusOperator === "install") {
      const monitoringNs = new k8s.core.v1.Namespace(
        `${name}-namespace-${kc.monitoringNamespace}`,
        { metadata: { name: kc.monitoringNamespace } },
        child,
      );
      chart = new k8s.helm.v4.Chart(
        `${name}-kube-prometheus-stack`,
        {
          chart: KUBE_PROMETHEUS_STACK.chart,
          version: KUBE_PROMETHEUS_STACK.version,
          repositoryOpts: { repo: KUBE_PROMETHEUS_STACK.repo },
          namespace: kc.monitoringNamespace,
          values: kubePrometheusStackValues(kc),
        },
        { ...child, dependsOn: [monitoringNs] },
      );
    }
    const workloads: pulumi.Resource[] = [...secrets];
    for (const obj of rest) {
      const crd = obj.apiVersion.startsWith("monitoring.coreos.com/");
      createObject(resourceName(name, obj), obj, {
        ...child,
        dependsOn: [namespace, ...workloads, ...(crd && chart ? [chart] : [])],
      });
    }
    this.namespace = kc.namespace;
    this.poolUrls = Object.fromEntries(
      plan.pools.map((p) => [p.name, `http://${p.name}.${kc.namespace}.svc:${p.proxyPort}`]),
    );
    this.registerOutputs({ namespace: this.namespace, poolUrls: this.poolUrls });
  }

  /** The Secrets the workloads read, from Pulumi secrets (generated where the stack gives none). */
  private createSecrets(
    name: string,
    args: KubernetesFleetArgs,
    opts: pulumi.CustomResourceOptions,
  ): k8s.core.v1.Secret[] {
    const ns = args.k8s.namespace;
    const secret = (key: string, data: Record<string, pulumi.Input<string>>): k8s.core.v1.Secret =>
      new k8s.core.v1.Secret(
        `${name}-secret-${key}`,
        {
          metadata: { name: key, namespace: ns },
          type: "Opaque",
          stringData: Object.fromEntries(
            Object.entries(data).map(([k, v]) => [k, pulumi.secret(v)]),
          ),
        },
        opts,
      );
    const out = [
      secret(SECRET_NAMES.apiKey, { "api-key": this.apiKey }),
      secret(SECRET_NAMES.proxyAuth, {
        "nginx-auth.conf": this.apiKey.apply(renderNginxAuthCheck),
      }),
    ];
    if (args.hfToken !== undefined) out.push(secret(SECRET_NAMES.hfToken, { token: args.hfToken }));
    if (args.cfg.gateway.enabled) {
      const password = (suffix: string, length: number): pulumi.Output<string> =>
        new random.RandomPassword(`${name}-${suffix}`, { length, special: false }, { parent: this })
          .result;
      const master = password("gateway-master-key", 48);
      out.push(
        secret(SECRET_NAMES.gateway, {
          LITELLM_MASTER_KEY: pulumi.interpolate`sk-${master}`,
          LITELLM_SALT_KEY: password("gateway-salt-key", 48),
        }),
      );
      if (args.k8s.databaseUrlSecret === undefined) {
        const db = password("gateway-db-password", 40);
        out.push(
          secret(SECRET_NAMES.database, {
            POSTGRES_PASSWORD: db,
            DATABASE_URL: db.apply((p) => databaseUrl(ns, p)),
          }),
        );
      }
    }
    return out;
  }
}
