// HTTPS at the Kubernetes entry (gpufleet:kubernetes.tls): the Gateway's HTTPS listener and the
// HTTP-to-HTTPS redirect, the Ingress's spec.tls, each validated against the Gateway API and
// Kubernetes schemas; the refusals by key (a gateway reachable over plain HTTP, bad names); the
// warnings naming what crosses in clear text.
import { describe, expect, it } from "vitest";
import { ConfigError, planStackConfig } from "../../config";
import { kubernetesEntryWarnings, kubernetesSchema } from "../../config/kubernetes";
import { entryManifests, type K8sObject } from "../../components/kubernetes/manifests";
import { SECRETS, exampleConfig, objectsOf, runKubernetes, validateObject } from "./harness";

const POOL = { name: "chat", gpu: "L4", gpuCount: 1, model: "Qwen/Qwen3-8B" };
const TLS = { secretName: "llm-example-com-tls", hostname: "llm.example.com" };
const GATEWAY = { enabled: true };

function planned(raw: Record<string, unknown>): ReturnType<typeof planStackConfig> {
  return planStackConfig("k", { target: "kubernetes", pools: [POOL], ...raw });
}

function entryOf(raw: Record<string, unknown>): K8sObject[] {
  const { cfg, plan } = planned(raw);
  const k8s = cfg.kubernetes ?? kubernetesSchema.parse({});
  return entryManifests({ plan, cfg, k8s, hfToken: false });
}

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    planned(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

const byKind = (objs: K8sObject[], kind: string, name = "gpufleet"): K8sObject => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
const spec = (o: K8sObject): Record<string, unknown> => o.spec as Record<string, unknown>;

describe("gateway-api entry with gpufleet:kubernetes.tls", () => {
  const objs = entryOf({ gateway: GATEWAY, kubernetes: { tls: TLS } });

  it("an HTTPS listener on 443 terminates TLS with the named Secret; HTTP on 80 only redirects", () => {
    expect(spec(byKind(objs, "Gateway")).listeners).toEqual([
      {
        name: "https",
        protocol: "HTTPS",
        port: 443,
        hostname: "llm.example.com",
        tls: {
          mode: "Terminate",
          certificateRefs: [{ group: "", kind: "Secret", name: "llm-example-com-tls" }],
        },
        allowedRoutes: { namespaces: { from: "Same" } },
      },
      {
        name: "http",
        protocol: "HTTP",
        port: 80,
        hostname: "llm.example.com",
        allowedRoutes: { namespaces: { from: "Same" } },
      },
    ]);
    // Every model rule and the fallback to LiteLLM hang on the HTTPS listener only.
    expect(spec(byKind(objs, "HTTPRoute")).parentRefs).toEqual([
      { name: "gpufleet", sectionName: "https" },
    ]);
    expect(spec(byKind(objs, "HTTPRoute", "gpufleet-https-redirect"))).toEqual({
      parentRefs: [{ name: "gpufleet", sectionName: "http" }],
      rules: [
        {
          filters: [
            { type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } },
          ],
        },
      ],
    });
    expect(objs.filter((o) => o.kind === "HTTPRoute")).toHaveLength(2);
  });

  it("every entry object passes the Gateway API schema; a broken listener does not", async () => {
    for (const o of objs) await validateObject(o);
    const bad = structuredClone(byKind(objs, "Gateway"));
    (spec(bad).listeners as Array<{ tls?: { mode: string } }>)[0]!.tls!.mode = "Encrypt";
    await expect(validateObject(bad)).rejects.toThrow(/Gateway\/gpufleet/);
  }, 60_000);

  it("without a hostname the listeners answer every host name", () => {
    const listeners = spec(
      byKind(entryOf({ kubernetes: { tls: { secretName: "gpufleet-tls" } } }), "Gateway"),
    ).listeners as Array<Record<string, unknown>>;
    expect(listeners.map((l) => [l.name, l.port, "hostname" in l])).toEqual([
      ["https", 443, false],
      ["http", 80, false],
    ]);
    expect(listeners[0]!.tls).toMatchObject({
      certificateRefs: [{ group: "", kind: "Secret", name: "gpufleet-tls" }],
    });
  });

  it("without tls: one plain-HTTP listener and no redirect (the stack warns)", () => {
    const plain = entryOf({});
    expect((spec(byKind(plain, "Gateway")).listeners as unknown[]).length).toBe(1);
    expect(spec(byKind(plain, "HTTPRoute")).parentRefs).toEqual([{ name: "gpufleet" }]);
    expect(plain.some((o) => o.metadata.name === "gpufleet-https-redirect")).toBe(false);
  });
});

describe("ingress-nginx entry with gpufleet:kubernetes.tls", () => {
  const objs = entryOf({ gateway: GATEWAY, kubernetes: { entry: "ingress-nginx", tls: TLS } });
  const ingress = byKind(objs, "Ingress");

  it("spec.tls names the Secret for the host, the rule serves that host, HTTP redirects", async () => {
    expect(spec(ingress).tls).toEqual([
      { hosts: ["llm.example.com"], secretName: "llm-example-com-tls" },
    ]);
    const rules = spec(ingress).rules as Array<{ host?: string }>;
    expect(rules.map((r) => r.host)).toEqual(["llm.example.com"]);
    expect(ingress.metadata.annotations?.["nginx.ingress.kubernetes.io/ssl-redirect"]).toBe("true");
    await validateObject(ingress);
    const bad = structuredClone(ingress);
    (spec(bad).tls as Array<{ hosts: unknown }>)[0]!.hosts = "llm.example.com";
    await expect(validateObject(bad)).rejects.toThrow(/Ingress\/gpufleet/);
  }, 60_000);

  it("without tls: no spec.tls, no host", () => {
    const plain = byKind(
      entryOf({
        gateway: GATEWAY,
        kubernetes: { entry: "ingress-nginx", allowAdminOverPlainHttp: true },
      }),
      "Ingress",
    );
    expect(spec(plain).tls).toBeUndefined();
    expect((spec(plain).rules as Array<{ host?: string }>)[0]!.host).toBeUndefined();
  });
});

describe("refused by key (exit 2 in the CLI)", () => {
  it.each([
    [
      "the gateway (its /ui and admin API) over plain HTTP through the Gateway",
      { gateway: GATEWAY },
      [
        "gpufleet:kubernetes.tls: required with the gateway: the entry (Gateway gpufleet, listener http on port 80) would serve LiteLLM's /ui and admin API (/key/*, /user/*, /team/*, /model/*, …; the master key) and its virtual keys and the API key over plain HTTP, in clear text to whoever reaches it. Name a kubernetes.io/tls Secret of the namespace (gpufleet:kubernetes.tls.secretName, e.g. issued by cert-manager), or accept the risk with gpufleet:kubernetes.allowAdminOverPlainHttp: true (e.g. when TLS is terminated in front of the entry)",
      ],
    ],
    [
      "the gateway over plain HTTP through ingress-nginx",
      { gateway: GATEWAY, kubernetes: { entry: "ingress-nginx" } },
      [
        expect.stringMatching(
          /^gpufleet:kubernetes\.tls: required .*\(Ingress gpufleet, port 80\)/,
        ),
      ],
    ],
    [
      "a Secret name that is no DNS-1123 subdomain",
      { kubernetes: { tls: { secretName: "Gpufleet_TLS" } } },
      [expect.stringMatching(/^gpufleet:kubernetes\.tls\.secretName: must be a Secret name/)],
    ],
    [
      "a Secret name longer than 253",
      { kubernetes: { tls: { secretName: `${"a".repeat(250)}-tls` } } },
      [expect.stringMatching(/^gpufleet:kubernetes\.tls\.secretName: must be a Secret name/)],
    ],
    [
      "an IP address as host name",
      { kubernetes: { tls: { secretName: "t", hostname: "203.0.113.7" } } },
      [
        "gpufleet:kubernetes.tls.hostname: must be a DNS name, not an IP address (a listener and an Ingress name hosts)",
      ],
    ],
    ...[
      "LLM.example.com",
      "llm..example.com",
      "-llm.example.com",
      "https://llm.example.com",
      "llm.example.com.",
    ].map((hostname) => [
      `host name ${hostname}`,
      { kubernetes: { tls: { secretName: "t", hostname } } },
      [
        expect.stringMatching(
          /^gpufleet:kubernetes\.tls\.hostname: must be a DNS name such as llm\.example\.com/,
        ),
      ],
    ]),
    [
      "a label longer than 63 in the host name",
      { kubernetes: { tls: { secretName: "t", hostname: `${"l".repeat(64)}.example.com` } } },
      [expect.stringMatching(/^gpufleet:kubernetes\.tls\.hostname: must be a DNS name/)],
    ],
    [
      "ingress-nginx with tls but no host name",
      { gateway: GATEWAY, kubernetes: { entry: "ingress-nginx", tls: { secretName: "t" } } },
      [
        "gpufleet:kubernetes.tls.hostname: required with entry ingress-nginx: it serves an Ingress's TLS Secret only for the host names it lists (a rule without a host gets the controller's default certificate)",
      ],
    ],
    [
      "a key tls does not have",
      { kubernetes: { tls: { secretName: "t", certificateArn: "arn:aws:acm:x" } } },
      [
        "gpufleet:kubernetes.tls.certificateArn: unknown key (check its spelling; README lists every key)",
      ],
    ],
    [
      "every problem at once",
      { gateway: GATEWAY, kubernetes: { tls: { secretName: "A B", hostname: "10.1.2.3" } } },
      [
        expect.stringMatching(/^gpufleet:kubernetes\.tls\.secretName: /),
        expect.stringMatching(/^gpufleet:kubernetes\.tls\.hostname: /),
      ],
    ],
  ] as Array<[string, Record<string, unknown>, unknown[]]>)("%s", (_, raw, lines) => {
    expect(problemsOf(raw)).toEqual(lines);
  });

  it.each([
    ["a wildcard host", { secretName: "wildcard-example-com", hostname: "*.example.com" }],
    ["a dotted Secret name", { secretName: "llm.example.com-tls", hostname: "llm.example.com" }],
    ["no host name on the Gateway", { secretName: "gpufleet-tls" }],
  ])("accepts %s", (_, tls) => {
    expect(problemsOf({ gateway: GATEWAY, kubernetes: { tls } })).toEqual([]);
  });
});

describe("warnings: what crosses the network in clear text, by name", () => {
  const cfgOf = (raw: Record<string, unknown>) => planned(raw).cfg;

  it("without the gateway: the API key, unless TLS is terminated in front of the entry", () => {
    expect(kubernetesEntryWarnings(cfgOf({}))).toEqual([
      "no gpufleet:kubernetes.tls: the entry (Gateway gpufleet, listener http on port 80) is plain HTTP and the API key crosses the network unencrypted; name a kubernetes.io/tls Secret for HTTPS, unless TLS is terminated in front of the entry",
    ]);
  });

  it("the gateway with the opt-in: LiteLLM's /ui, admin API and keys by name", () => {
    expect(
      kubernetesEntryWarnings(
        cfgOf({
          gateway: GATEWAY,
          kubernetes: { entry: "ingress-nginx", allowAdminOverPlainHttp: true },
        }),
      ),
    ).toEqual([
      "gpufleet:kubernetes.allowAdminOverPlainHttp: serving over plain HTTP (Ingress gpufleet, port 80), passwords in clear text to whoever reaches the entry: LiteLLM's /ui and admin API (/key/*, /user/*, /team/*, /model/*, …; the master key) and its virtual keys, and the API key",
    ]);
  });

  it("with tls: none", () => {
    expect(kubernetesEntryWarnings(cfgOf({ gateway: GATEWAY, kubernetes: { tls: TLS } }))).toEqual(
      [],
    );
  });
});

describe("the program under mocks", () => {
  it("refuses the gateway over plain HTTP before any resource", async () => {
    const run = await runKubernetes({
      target: "kubernetes",
      pools: [POOL],
      gateway: GATEWAY,
      apiKey: SECRETS.apiKey,
    });
    expect(run.error?.message).toMatch(/^ {2}gpufleet:kubernetes\.tls: required with the gateway/m);
    expect(run.resources).toEqual([]);
  }, 240_000);

  it("logs the opt-in's warning and still builds the entry", async () => {
    const run = await runKubernetes({
      target: "kubernetes",
      pools: [POOL],
      gateway: GATEWAY,
      kubernetes: { allowAdminOverPlainHttp: true },
      apiKey: SECRETS.apiKey,
    });
    if (run.error) throw run.error;
    expect(run.log.filter((l) => l.severity === "warning").map((l) => l.message)).toContainEqual(
      expect.stringMatching(
        /^gpufleet:kubernetes\.allowAdminOverPlainHttp: serving over plain HTTP .*LiteLLM's \/ui/,
      ),
    );
    expect(objectsOf(run).some((o) => o.kind === "Gateway")).toBe(true);
  }, 240_000);

  it("examples/kubernetes.yaml serves HTTPS with its Secret and warns about nothing", async () => {
    const run = await runKubernetes({
      ...exampleConfig(),
      apiKey: SECRETS.apiKey,
      hfToken: SECRETS.hfToken,
    });
    if (run.error) throw run.error;
    const objs = objectsOf(run);
    const listeners = spec(byKind(objs, "Gateway")).listeners as Array<{
      name: string;
      tls?: { certificateRefs: Array<{ name: string }> };
    }>;
    expect(listeners.map((l) => l.name)).toEqual(["https", "http"]);
    expect(listeners[0]!.tls!.certificateRefs[0]!.name).toBe("gpufleet-tls");
    byKind(objs, "HTTPRoute", "gpufleet-https-redirect");
    expect(run.log.filter((l) => l.severity === "warning")).toEqual([]);
  }, 240_000);
});
