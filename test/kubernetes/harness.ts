// Runs the Kubernetes program under the offline mocks and validates manifests against the
// Kubernetes OpenAPI schemas (kubernetes-models and its CRD packages; LeaderWorkerSet from the
// model generated from its v0.9.0 CRD, lws-model/).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { vi } from "vitest";
import type { RecordedResource } from "../../cli/offline-mocks";
import { runUnderMocks, type MockRun } from "../../cli/preview";
import type { K8sObject } from "../../components/kubernetes/manifests";

/** Distinctive secrets of production length (48 characters): none may leave a Secret. */
export const SECRETS = {
  apiKey: "Kk8sTESTapikey0123456789abcdefghijklmnopqrstuvwx",
  hfToken: "hf_K8sTESTtoken0123456789abcdefghijklmnopqrstuv",
  random: "K8sTESTrandom0123456789abcdefghijklmnopqrstuvwxy",
} as const;

/** examples/kubernetes.yaml's `gpufleet:*` keys, namespace stripped. */
export function exampleConfig(): Record<string, unknown> {
  const doc = parseYaml(
    readFileSync(join(__dirname, "../../examples/kubernetes.yaml"), "utf8"),
  ) as { config: Record<string, unknown> };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc.config))
    if (k.startsWith("gpufleet:")) out[k.slice("gpufleet:".length)] = v;
  return out;
}

export interface K8sRun extends MockRun {
  error?: Error;
}

/** Runs components/kubernetes/program.ts; hfToken, apiKey and kubernetes are secrets. */
export async function runKubernetes(gpufleet: Record<string, unknown>): Promise<K8sRun> {
  vi.resetModules();
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(gpufleet)) {
    config[`gpufleet:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    if (key === "hfToken" || key === "apiKey" || key === "kubernetes")
      secretKeys.push(`gpufleet:${key}`);
  }
  const record: RecordedResource[] = [];
  try {
    return await runUnderMocks({
      project: "gpufleet",
      stack: "dev",
      region: "us-east-1",
      config,
      secretKeys,
      dryRun: true,
      randomPassword: SECRETS.random,
      load: () => import("../../targets/kubernetes.js") as Promise<Record<string, unknown>>,
      record,
    });
  } catch (err) {
    return { resources: record, calls: [], outputs: {}, log: [], error: err as Error };
  }
}

/** Unwraps the engine's secret markers (a Secret's stringData arrives wrapped). */
export function unwrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (pulumi.runtime.specialSigKey in o) return unwrap(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
}

/** The Kubernetes objects a run registered (custom resources of the kubernetes provider). */
export function objectsOf(run: MockRun): K8sObject[] {
  return run.resources
    .filter((r) => r.type.startsWith("kubernetes:") && !r.type.includes("helm.sh"))
    .map((r) => unwrap(r.inputs) as K8sObject);
}

type Validatable = new (data: object) => { validate(): void };

/** The kubernetes-models module of an apiVersion (ESM only: import()). */
async function modelModule(apiVersion: string): Promise<Record<string, Validatable>> {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const load = (spec: string): Promise<Record<string, Validatable>> =>
    import(spec) as Promise<Record<string, Validatable>>;
  switch (group) {
    case "":
      return load(`kubernetes-models/${version}`);
    case "apps":
    case "policy":
    case "networking.k8s.io":
      return load(`kubernetes-models/${group}/${version}`);
    case "keda.sh":
      return load(`@kubernetes-models/keda/keda.sh/${version}`);
    case "monitoring.coreos.com":
      return load(`@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}`);
    case "gateway.networking.k8s.io":
      return load(`@kubernetes-models/gateway-api/gateway.networking.k8s.io/${version}`);
    case "leaderworkerset.x-k8s.io":
      return load(`./lws-model/leaderworkerset.x-k8s.io/${version}/index.ts`);
    case "http.keda.sh":
      return load(`./keda-http-model/http.keda.sh/${version}/index.ts`);
    default:
      throw new Error(`no model for ${apiVersion}`);
  }
}

/** Validates one object against its schema; throws the schema error with the object's name. */
export async function validateObject(obj: K8sObject): Promise<void> {
  const mod = await modelModule(obj.apiVersion);
  const Model = mod[obj.kind];
  if (!Model) throw new Error(`no ${obj.kind} in the model of ${obj.apiVersion}`);
  try {
    new Model(obj).validate();
  } catch (err) {
    throw new Error(`${obj.kind}/${obj.metadata.name}: ${(err as Error).message}`);
  }
}
