// The Kubernetes target under Pulumi's mocks: every manifest captured, validated against the
// Kubernetes OpenAPI schemas, and checked against the plan it came from.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  KUBE_PROMETHEUS_STACK,
  SECRET_NAMES,
  startupBudgetSeconds,
  type K8sObject,
} from "../../components/kubernetes/manifests";
import { kubernetesManifestsOf, writeKubernetesManifests } from "../../cli/render-kubernetes";
import { parseStackConfig } from "../../config";
import { fetchScript } from "../../cloud-init";
import { renderNginxAuthCheck } from "../../cloud-init/nginx";
import { shellQuote } from "../../cloud-init/quote";
import { renderRules, resolveMonitoringContext } from "../../monitoring";
import type { FleetPlan } from "../../planner/types";
import {
  SECRETS,
  exampleConfig,
  objectsOf,
  runKubernetes,
  validateObject,
  type K8sRun,
} from "./harness";

type Pod = {
  initContainers?: Container[];
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  nodeSelector?: Record<string, string>;
};
type Container = {
  name: string;
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  ports?: Array<{ name: string; containerPort: number }>;
  resources: { limits: Record<string, string>; requests: Record<string, string> };
  startupProbe?: { periodSeconds: number; failureThreshold: number; initialDelaySeconds?: number };
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  securityContext?: { capabilities?: { drop?: string[] }; allowPrivilegeEscalation?: boolean };
};

const find = (objs: K8sObject[], kind: string, name: string): K8sObject => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
const spec = (o: K8sObject): Record<string, unknown> => o.spec as Record<string, unknown>;

/** The pod templates of a pool's workload: the StatefulSet's, or an LWS's leader and worker. */
function templates(objs: K8sObject[], pool: string): Array<{ role: string; pod: Pod }> {
  const sts = objs.find((o) => o.kind === "StatefulSet" && o.metadata.name === pool);
  if (sts) return [{ role: "leader", pod: (spec(sts).template as { spec: Pod }).spec }];
  const lws = find(objs, "LeaderWorkerSet", pool);
  const t = spec(lws).leaderWorkerTemplate as Record<string, { spec: Pod }>;
  return [
    { role: "leader", pod: t.leaderTemplate!.spec },
    { role: "worker", pod: t.workerTemplate!.spec },
  ];
}

describe("kubernetes target under mocks (examples/kubernetes.yaml)", () => {
  let run: K8sRun;
  let objs: K8sObject[];
  let plan: FleetPlan;

  beforeAll(async () => {
    run = await runKubernetes({
      ...exampleConfig(),
      apiKey: SECRETS.apiKey,
      hfToken: SECRETS.hfToken,
    });
    if (run.error) throw run.error;
    objs = objectsOf(run);
    plan = run.outputs.plan!.value as FleetPlan;
  }, 240_000);

  it("validates every manifest against its OpenAPI schema (kubernetes-models, CRD models)", async () => {
    const kinds = new Set(objs.map((o) => o.kind));
    for (const kind of [
      "Namespace",
      "Secret",
      "ConfigMap",
      "StatefulSet",
      "LeaderWorkerSet",
      "Service",
      "PodDisruptionBudget",
      "NetworkPolicy",
      "PodMonitor",
      "PrometheusRule",
      "ScaledObject",
      "Gateway",
      "HTTPRoute",
      "Deployment",
      "InterceptorRoute",
      "ReferenceGrant",
    ])
      expect(kinds, kind).toContain(kind);
    for (const obj of objs) await validateObject(obj);
  }, 120_000);

  it("a schema error is caught (the validator is not a no-op)", async () => {
    const sts = structuredClone(find(objs, "StatefulSet", "chat"));
    (spec(sts) as { replicas: unknown }).replicas = "two";
    await expect(validateObject(sts)).rejects.toThrow(/StatefulSet\/chat/);
    const lws = structuredClone(find(objs, "LeaderWorkerSet", "llama405b"));
    (spec(lws).leaderWorkerTemplate as { size: unknown }).size = "three";
    await expect(validateObject(lws)).rejects.toThrow(/LeaderWorkerSet/);
    const ir = structuredClone(find(objs, "InterceptorRoute", "embed"));
    (spec(ir).scalingMetric as { concurrency: { targetValue: number } }).concurrency.targetValue =
      0;
    await expect(validateObject(ir)).rejects.toThrow(/InterceptorRoute\/embed/);
  }, 60_000);

  it("requests exactly the plan's GPUs: per pod its replica's, in all the pool's GPUs", () => {
    for (const pool of plan.pools) {
      const r = pool.replicas[0]!;
      const perPod = r.multiNode ? r.multiNode.gpusPerNode : r.tensorParallel;
      for (const { pod } of templates(objs, pool.name)) {
        const engine = pod.containers.find((c) => c.name === "engine")!;
        expect(engine.resources.limits["nvidia.com/gpu"], pool.name).toBe(String(perPod));
        expect(engine.resources.requests["nvidia.com/gpu"], pool.name).toBe(String(perPod));
        expect(pod.containers.filter((c) => c.resources.limits["nvidia.com/gpu"])).toHaveLength(1);
        expect(Object.values(pod.nodeSelector ?? {})).toHaveLength(1);
      }
      const sts = objs.find((o) => o.kind === "StatefulSet" && o.metadata.name === pool.name);
      const pods = sts
        ? (spec(sts).replicas as number)
        : (spec(find(objs, "LeaderWorkerSet", pool.name)).replicas as number) * r.multiNode!.nodes;
      const planned = r.multiNode
        ? pool.count * r.multiNode.nodes * r.multiNode.gpusPerNode
        : pool.count * pool.replicas.reduce((s, x) => s + x.gpus.length, 0);
      expect(pods * perPod, pool.name).toBe(planned);
    }
  });

  it("downloads weights with cloud-init's gpufleet-fetch.py and what the image has: no pip install at start", () => {
    for (const pool of plan.pools) {
      const cm = find(objs, "ConfigMap", `${pool.name}-fetch`);
      expect((cm as unknown as { data: Record<string, string> }).data["gpufleet-fetch.py"]).toBe(
        fetchScript(),
      );
      for (const { pod } of templates(objs, pool.name)) {
        const init = pod.initContainers!.find((c) => c.name === "download")! as Container & {
          image: string;
          command: string[];
          volumeMounts: Array<{ name: string; mountPath: string }>;
        };
        const script = init.command.join(" ");
        expect(script, pool.name).not.toMatch(/pip|hf download/);
        const engine = pod.containers.find((c) => c.name === "engine")! as Container & {
          image: string;
        };
        // An HF snapshot runs in the engine's own image (its huggingface_hub).
        expect(script, pool.name).toContain(
          `python3 /opt/gpufleet-fetch/gpufleet-fetch.py snapshot ${shellQuote(pool.replicas[0]!.model.source)};`,
        );
        expect(init.image, pool.name).toBe(engine.image);
        expect(init.volumeMounts.map((m) => m.mountPath)).toContain("/opt/gpufleet-fetch");
      }
    }
  });

  it("gives every engine pod a startupProbe whose budget covers the planned cold start", () => {
    for (const pool of plan.pools) {
      const r = pool.replicas[0]!;
      const leader = templates(objs, pool.name).find((t) => t.role === "leader")!.pod;
      const engine = leader.containers.find((c) => c.name === "engine")!;
      const p = engine.startupProbe!;
      const budget = (p.initialDelaySeconds ?? 0) + p.periodSeconds * p.failureThreshold;
      expect(budget, pool.name).toBeGreaterThanOrEqual(r.estimates.coldStartSeconds);
      expect(budget).toBeGreaterThanOrEqual(startupBudgetSeconds(r) - p.periodSeconds);
      expect(engine.readinessProbe?.httpGet?.path).toBe(r.healthPath);
      expect(engine.livenessProbe?.httpGet?.path).toBe(r.healthPath);
      expect(engine.securityContext?.capabilities?.drop).toEqual(["ALL"]);
      expect(engine.securityContext?.allowPrivilegeEscalation).toBe(false);
      expect(leader.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(600);
    }
  });

  it("reaches no engine port except through the proxy (Services, NetworkPolicies)", () => {
    const policies = objs.filter((o) => o.kind === "NetworkPolicy");
    const deny = find(objs, "NetworkPolicy", "default-deny-ingress");
    expect(spec(deny)).toEqual({ podSelector: {}, policyTypes: ["Ingress"] });
    for (const pool of plan.pools) {
      const r = pool.replicas[0]!;
      const svc = find(objs, "Service", pool.name);
      const ports = spec(svc).ports as Array<{ port: number; targetPort: string | number }>;
      expect(ports.map((p) => p.targetPort)).toEqual(["proxy"]);
      const leader = templates(objs, pool.name).find((t) => t.role === "leader")!.pod;
      const proxy = leader.containers.find((c) => c.name === "proxy")!;
      expect(proxy.ports).toEqual([{ name: "proxy", containerPort: pool.proxyPort }]);
      // No Service anywhere targets the engine port.
      for (const s of objs.filter((o) => o.kind === "Service"))
        for (const p of spec(s).ports as Array<{ targetPort: string | number }>)
          expect([r.port, "engine"]).not.toContain(p.targetPort);
      // Each policy rule that opens the engine port admits the monitoring namespace only (or the
      // group's own ranks).
      const mine = policies.filter(
        (p) =>
          (spec(p).podSelector as { matchLabels?: Record<string, string> }).matchLabels?.[
            "gpufleet.dev/pool"
          ] === pool.name,
      );
      expect(mine).toHaveLength(1);
      const rules = spec(mine[0]!).ingress as Array<{
        from?: Array<Record<string, unknown>>;
        ports?: Array<{ port: number }>;
      }>;
      for (const rule of rules) {
        const opensEngine = !rule.ports || rule.ports.some((p) => p.port === r.port);
        if (!opensEngine) continue;
        expect(rule.from, `${pool.name}: engine port open to anyone`).toBeDefined();
        for (const peer of rule.from!) {
          const ns = (peer.namespaceSelector as { matchLabels?: Record<string, string> })
            ?.matchLabels?.["kubernetes.io/metadata.name"];
          const group = (peer.podSelector as { matchLabels?: Record<string, string> })
            ?.matchLabels?.["gpufleet.dev/pool"];
          expect(ns === "monitoring" || (r.multiNode && group === pool.name), pool.name).toBe(true);
        }
      }
    }
  });

  it("keeps every secret value out of manifests and outputs; Secrets carry them as secrets", () => {
    const secrets = run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
    expect(secrets.map((s) => (s.inputs.metadata as { name: string }).name).sort()).toEqual(
      Object.values(SECRET_NAMES).sort(),
    );
    for (const s of secrets)
      expect(
        pulumi.runtime.isRpcSecret(s.inputs.stringData),
        JSON.stringify(s.inputs.metadata),
      ).toBe(true);
    const data = (name: string): Record<string, string> =>
      (
        secrets.find((s) => (s.inputs.metadata as { name: string }).name === name)!.inputs
          .stringData as { value: Record<string, string> }
      ).value;
    expect(data(SECRET_NAMES.apiKey)["api-key"]).toBe(SECRETS.apiKey);
    expect(data(SECRET_NAMES.hfToken).token).toBe(SECRETS.hfToken);
    expect(data(SECRET_NAMES.proxyAuth)["nginx-auth.conf"]).toBe(
      renderNginxAuthCheck(SECRETS.apiKey),
    );
    expect(data(SECRET_NAMES.gateway).LITELLM_MASTER_KEY).toBe(`sk-${SECRETS.random}`);
    const others = JSON.stringify([
      run.resources.filter((r) => r.type !== "kubernetes:core/v1:Secret").map((r) => r.inputs),
      Object.values(run.outputs).filter((o) => !o.secret),
    ]);
    for (const value of Object.values(SECRETS)) expect(others).not.toContain(value);
    expect(others).not.toContain(SECRETS.random.slice(0, 20));
  });

  it("carries the monitoring renderer's rules unchanged in the PrometheusRule", () => {
    const rule = find(objs, "PrometheusRule", "gpufleet");
    const rendered = parseYaml(
      renderRules(
        plan,
        resolveMonitoringContext({
          stack: plan.stack,
          region: "us-east-1",
          platform: "kubernetes",
          namespace: "gpufleet",
          zeroPools: ["embed"],
        }),
      ),
    ) as { groups: unknown[] };
    expect(rendered.groups.length).toBeGreaterThan(0);
    expect(spec(rule).groups).toEqual(rendered.groups);
    const dashboards = objs.filter(
      (o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1",
    );
    expect(dashboards.length).toBeGreaterThanOrEqual(3);
  });

  it("spreads the 405B pool as a LeaderWorkerSet whose size and ranks match the plan", () => {
    const r = plan.pools.find((p) => p.name === "llama405b")!.replicas[0]!;
    const layout = r.multiNode!;
    expect(layout.nodes).toBeGreaterThan(1);
    expect(layout.nodes * layout.tensorParallel).toBeGreaterThan(8);
    const lws = find(objs, "LeaderWorkerSet", "llama405b");
    const t = spec(lws).leaderWorkerTemplate as Record<string, unknown>;
    expect(t.size).toBe(layout.nodes);
    expect(t.restartPolicy).toBe("RecreateGroupOnPodRestart");
    const arg = (args: string[], flag: string): string | undefined => args[args.indexOf(flag) + 1];
    for (const { role, pod } of templates(objs, "llama405b")) {
      const args = pod.containers.find((c) => c.name === "engine")!.args!;
      expect(arg(args, "--nnodes")).toBe(String(layout.nodes));
      expect(arg(args, "--pipeline-parallel-size")).toBe(String(layout.pipelineParallel));
      expect(arg(args, "--tensor-parallel-size")).toBe(String(layout.tensorParallel));
      expect(arg(args, "--master-addr")).toBe("$(LWS_LEADER_ADDRESS)");
      expect(arg(args, "--distributed-executor-backend")).toBe("mp");
      if (role === "leader") {
        expect(arg(args, "--node-rank")).toBe("0");
        expect(args).not.toContain("--headless");
        expect(pod.containers.map((c) => c.name)).toEqual(["engine", "proxy"]);
      } else {
        expect(arg(args, "--node-rank")).toBe("$(LWS_WORKER_INDEX)");
        expect(args).toContain("--headless");
        expect(pod.containers.map((c) => c.name)).toEqual(["engine"]);
      }
    }
    const so = find(objs, "ScaledObject", "llama405b");
    expect((spec(so).scaleTargetRef as { kind: string }).kind).toBe("LeaderWorkerSet");
  });

  it("scales each pool with KEDA on waiting requests, never faster than a cold start", () => {
    for (const pool of plan.pools) {
      const r = pool.replicas[0]!;
      const so = find(objs, "ScaledObject", pool.name);
      const s = spec(so) as {
        minReplicaCount: number;
        maxReplicaCount: number;
        cooldownPeriod: number;
        triggers: Array<{ type: string; metadata: Record<string, string> }>;
      };
      expect(s.cooldownPeriod).toBeGreaterThanOrEqual(r.estimates.coldStartSeconds);
      expect(s.triggers[0]!.metadata.query).toMatch(
        r.engine === "sglang" ? /sglang:num_queue_reqs/ : /vllm:num_requests_waiting/,
      );
      // Only a pool that sleeps at zero is woken by the HTTP add-on's interceptor.
      expect(s.triggers.slice(1)).toEqual(
        pool.name === "embed"
          ? [
              {
                type: "external-push",
                metadata: {
                  scalerAddress: "keda-add-ons-http-external-scaler.keda:9090",
                  interceptorRoute: "embed",
                },
              },
            ]
          : [],
      );
      expect(s.minReplicaCount).toBe(pool.name === "embed" ? 0 : pool.count * pool.replicas.length);
      expect(s.maxReplicaCount).toBeGreaterThanOrEqual(s.minReplicaCount);
    }
    expect(
      (spec(find(objs, "ScaledObject", "chat")) as { maxReplicaCount: number }).maxReplicaCount,
    ).toBe(6);
  });

  it("installs kube-prometheus-stack with the pinned chart, version and values", () => {
    const charts = run.resources.filter((r) => r.type === "kubernetes:helm.sh/v4:Chart");
    expect(charts).toHaveLength(1);
    const inputs = charts[0]!.inputs as Record<string, unknown>;
    expect(inputs.chart).toBe("kube-prometheus-stack");
    expect(inputs.version).toBe(KUBE_PROMETHEUS_STACK.version);
    expect(inputs.repositoryOpts).toEqual({
      repo: "https://prometheus-community.github.io/helm-charts",
    });
    expect(inputs.namespace).toBe("monitoring");
    const values = inputs.values as Record<string, Record<string, Record<string, unknown>>>;
    expect(values.prometheus!.prometheusSpec!.podMonitorSelectorNilUsesHelmValues).toBe(false);
    expect(values.prometheus!.prometheusSpec!.ruleSelectorNilUsesHelmValues).toBe(false);
  });

  it("routes by the x-gpufleet-model header to each model's pools, else to the gateway", () => {
    const route = find(objs, "HTTPRoute", "gpufleet");
    const rules = spec(route).rules as Array<{
      matches: Array<{ headers?: Array<{ name: string; value: string }> }>;
      backendRefs: Array<{ name: string; port: number; namespace?: string }>;
    }>;
    for (const pool of plan.pools.filter((p) => p.name !== "embed")) {
      const model = pool.replicas[0]!.model.servedName;
      const rule = rules.find((x) => x.matches[0]!.headers?.[0]?.value === model)!;
      expect(rule.matches[0]!.headers![0]!.name).toBe("x-gpufleet-model");
      expect(rule.backendRefs).toContainEqual(
        expect.objectContaining({ name: pool.name, port: pool.proxyPort }),
      );
    }
    expect(rules.at(-1)!.backendRefs).toEqual([{ name: "litellm", port: 4000 }]);
    const litellm = find(objs, "ConfigMap", "litellm");
    const config = parseYaml((litellm.data as Record<string, string>)["config.yaml"]!) as {
      model_list: Array<{ litellm_params: { api_base?: string } }>;
    };
    expect(config.model_list.map((m) => m.litellm_params.api_base)).toContain(
      "http://chat.gpufleet.svc:8080/v1",
    );
  });

  it("wakes the pool that sleeps at zero through the KEDA HTTP add-on, from the Gateway and from LiteLLM", () => {
    const embed = plan.pools.find((p) => p.name === "embed")!;
    const ir = spec(find(objs, "InterceptorRoute", "embed")) as {
      target: { service: string; port: number };
      rules: Array<{ headers?: Array<{ name: string; value: string }>; hosts?: string[] }>;
      scalingMetric: { concurrency: { targetValue: number } };
      timeouts: { readiness: string; request: string };
    };
    // The interceptor forwards to the pool's Service: its proxy, which checks the API key.
    expect(ir.target).toEqual({ service: "embed", port: embed.proxyPort });
    expect(ir.timeouts.readiness).toBe(`${startupBudgetSeconds(embed.replicas[0]!)}s`);
    expect(ir.timeouts.request).toBe("0s");
    expect(ir.scalingMetric.concurrency.targetValue).toBe(embed.replicas[0]!.maxNumSeqs);
    // Gateway: the model's rule goes to the interceptor with the header its route matches.
    const route = find(objs, "HTTPRoute", "gpufleet");
    const rules = spec(route).rules as Array<{
      matches: Array<{ headers?: Array<{ name: string; value: string }> }>;
      filters?: Array<{ requestHeaderModifier: { set: Array<{ name: string; value: string }> } }>;
      backendRefs: Array<{ name: string; port: number; namespace?: string }>;
    }>;
    const model = embed.replicas[0]!.model.servedName;
    const rule = rules.find((x) => x.matches[0]!.headers?.[0]?.value === model)!;
    expect(rule.backendRefs).toEqual([
      { name: "keda-add-ons-http-interceptor-proxy", namespace: "keda", port: 8080 },
    ]);
    const set = rule.filters![0]!.requestHeaderModifier.set[0]!;
    expect(ir.rules).toContainEqual({ headers: [set] });
    expect(set).toEqual({ name: "x-gpufleet-pool", value: "gpufleet/embed" });
    // The cross-namespace reference is granted beside the interceptor, to this route only.
    const grant = objs.find((o) => o.kind === "ReferenceGrant")!;
    expect(grant.metadata.namespace).toBe("keda");
    expect(spec(grant)).toEqual({
      from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: "gpufleet" }],
      to: [{ group: "", kind: "Service", name: "keda-add-ons-http-interceptor-proxy" }],
    });
    // LiteLLM: the ExternalName door resolves to the interceptor, whose hosts name the door.
    const litellm = find(objs, "ConfigMap", "litellm");
    const config = parseYaml((litellm.data as Record<string, string>)["config.yaml"]!) as {
      model_list: Array<{ model_name: string; litellm_params: { api_base?: string } }>;
    };
    const base = config.model_list.find((m) => m.model_name === model)!.litellm_params.api_base!;
    const url = new URL(base);
    expect(ir.rules.flatMap((r) => r.hosts ?? [])).toContain(url.hostname);
    expect(url.port).toBe("8080");
    const door = spec(find(objs, "Service", "embed-wake")) as {
      type: string;
      externalName: string;
    };
    expect(door).toMatchObject({
      type: "ExternalName",
      externalName: "keda-add-ons-http-interceptor-proxy.keda.svc.cluster.local",
    });
    // Pools that do not sleep have no door.
    expect(objs.filter((o) => o.kind === "InterceptorRoute").map((o) => o.metadata.name)).toEqual([
      "embed",
    ]);
  });

  describe("gpufleet render --target kubernetes", () => {
    let dir: string;
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("writes YAML that round-trips to the objects the program creates", async () => {
      dir = mkdtempSync(join(tmpdir(), "gpufleet-k8s-"));
      const cfg = parseStackConfig({ ...exampleConfig(), hfToken: SECRETS.hfToken });
      const written = await writeKubernetesManifests(plan, cfg, dir);
      const files = readdirSync(join(dir, "kubernetes", "manifests")).sort();
      expect(files.length).toBe(kubernetesManifestsOf(plan, cfg).length);
      const fromFiles = files.map(
        (f) =>
          parseYaml(readFileSync(join(dir, "kubernetes", "manifests", f), "utf8")) as K8sObject,
      );
      expect(fromFiles).toEqual(kubernetesManifestsOf(plan, cfg));
      const key = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;
      const program = new Map(
        objs.filter((o) => o.kind !== "Secret").map((o) => [key(o), o] as const),
      );
      for (const o of fromFiles) expect(program.get(key(o)), key(o)).toEqual(o);
      const rendered = JSON.stringify(fromFiles);
      for (const value of Object.values(SECRETS)) expect(rendered).not.toContain(value);
      expect(written.some((f) => f.endsWith("SECRETS.md"))).toBe(true);
    }, 60_000);
  });
});
