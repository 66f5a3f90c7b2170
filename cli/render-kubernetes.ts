// `gpufleet render --target kubernetes`: every manifest of the stack as YAML for `kubectl apply -f`
// or Argo CD, the Helm values of kube-prometheus-stack, and what to create by hand (the Secrets,
// whose values never leave Pulumi). No Pulumi is loaded.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import {
  KUBE_PROMETHEUS_STACK,
  SECRET_NAMES,
  buildManifests,
  kubePrometheusStackValues,
  type K8sObject,
} from "../components/kubernetes/manifests";
import { kubernetesSchema } from "../config/kubernetes";
import type { StackConfig } from "../config/schema";
import type { FleetPlan } from "../planner/types";

/** File name of an object: apply order first, then kind and name. */
export function manifestFileName(index: number, obj: K8sObject): string {
  return `${String(index).padStart(3, "0")}-${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`;
}

/** The manifests of a stack, as `gpufleet render --target kubernetes` writes them. */
export function kubernetesManifestsOf(plan: FleetPlan, cfg: StackConfig): K8sObject[] {
  const k8s = cfg.kubernetes ?? kubernetesSchema.parse({});
  return buildManifests({ plan, cfg, k8s, hfToken: cfg.hfToken !== undefined });
}

/**
 * Writes DIR/kubernetes/manifests/NNN-<kind>-<name>.yaml (one object each, in apply order),
 * DIR/kubernetes/kube-prometheus-stack.values.yaml and DIR/kubernetes/SECRETS.md. Returns the
 * paths written.
 */
export async function writeKubernetesManifests(
  plan: FleetPlan,
  cfg: StackConfig,
  outDir: string,
): Promise<string[]> {
  const k8s = cfg.kubernetes ?? kubernetesSchema.parse({});
  const root = join(outDir, "kubernetes");
  const dir = join(root, "manifests");
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const objects = kubernetesManifestsOf(plan, cfg);
  for (const [i, obj] of objects.entries()) {
    const file = join(dir, manifestFileName(i, obj));
    await writeFile(file, stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false }));
    written.push(file);
  }
  if (k8s.prometheusOperator === "install") {
    const values = join(root, "kube-prometheus-stack.values.yaml");
    await writeFile(
      values,
      `# helm upgrade --install ${KUBE_PROMETHEUS_STACK.fullname} ${KUBE_PROMETHEUS_STACK.chart} --repo ${KUBE_PROMETHEUS_STACK.repo} --version ${KUBE_PROMETHEUS_STACK.version} --namespace ${k8s.monitoringNamespace} --create-namespace -f kube-prometheus-stack.values.yaml\n` +
        stringify(kubePrometheusStackValues(k8s)),
    );
    written.push(values);
  }
  const ns = k8s.namespace;
  const lines = [
    `# Secrets of stack ${plan.stack} (create them before applying manifests/; values never leave Pulumi)`,
    "",
    "```sh",
    `kubectl create namespace ${ns}`,
    'KEY="$(openssl rand -hex 24)"',
    `kubectl -n ${ns} create secret generic ${SECRET_NAMES.apiKey} --from-literal=api-key="$KEY"`,
    "# The proxies' key check, rendered by the same function the hosts' boot script matches (run in the gpufleet checkout):",
    `KEY="$KEY" node -r tsx/cjs -e 'process.stdout.write(require("./cloud-init/nginx").renderNginxAuthCheck(process.env.KEY))' > nginx-auth.conf`,
    `kubectl -n ${ns} create secret generic ${SECRET_NAMES.proxyAuth} --from-file=nginx-auth.conf && rm nginx-auth.conf`,
  ];
  if (objects.some((o) => JSON.stringify(o).includes(SECRET_NAMES.hfToken)))
    lines.push(
      `kubectl -n ${ns} create secret generic ${SECRET_NAMES.hfToken} --from-literal=token="$HF_TOKEN"`,
    );
  if (cfg.gateway.enabled) {
    lines.push(
      `kubectl -n ${ns} create secret generic ${SECRET_NAMES.gateway} --from-literal=LITELLM_MASTER_KEY="sk-$(openssl rand -hex 24)" --from-literal=LITELLM_SALT_KEY="$(openssl rand -hex 24)"`,
    );
    if (k8s.databaseUrlSecret === undefined)
      lines.push(
        `PW="$(openssl rand -hex 20)"; kubectl -n ${ns} create secret generic ${SECRET_NAMES.database} --from-literal=POSTGRES_PASSWORD="$PW" --from-literal=DATABASE_URL="postgresql://litellm:$PW@postgres.${ns}.svc:5432/litellm"`,
      );
  }
  lines.push("kubectl apply -f manifests/", "```", "");
  const secrets = join(root, "SECRETS.md");
  await writeFile(secrets, lines.join("\n"));
  written.push(secrets);
  return written;
}
