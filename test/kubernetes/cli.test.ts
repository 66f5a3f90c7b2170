// The CLI on a kubernetes stack: bad input exits 2 naming the key (nothing planned or created),
// `preview` prints the Kubernetes tree offline, `render --target kubernetes` writes manifests.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { kubeconfigProblems } from "../../config/kubernetes";
import { runCli, type CliRun } from "../cli/harness";

const ROOT = path.join(__dirname, "../..");
const EXAMPLE = path.join(ROOT, "examples/kubernetes.yaml");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function run(...args: string[]): Promise<CliRun> {
  return runCli(args, { program: "kubernetes" });
}

function stackFile(config: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "gpufleet-k8s-cli-"));
  dirs.push(dir);
  const file = path.join(dir, "Pulumi.k.yaml");
  const body: Record<string, unknown> = { "gpufleet:target": "kubernetes" };
  for (const [k, v] of Object.entries(config)) body[`gpufleet:${k}`] = v;
  writeFileSync(file, stringify({ config: body }));
  return file;
}

const KUBECONFIG = stringify({
  apiVersion: "v1",
  kind: "Config",
  clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
  users: [{ name: "u", user: { token: "t" } }],
  contexts: [{ name: "gpu", context: { cluster: "c", user: "u" } }],
  "current-context": "gpu",
});
const POOL = { name: "chat", gpu: "L4", gpuCount: 1 };

describe("kubernetes bad input: exit 2, one line per problem naming the key", () => {
  it.each([
    [
      "a pool with instanceType",
      { pools: [{ name: "p", instanceType: "g6.xlarge" }] },
      /^gpufleet:pools\[0\]\.instanceType: a kubernetes pool names its nodes' GPU/m,
    ],
    [
      "an unknown GPU in the label mapping",
      { pools: [POOL], kubernetes: { gpuLabelValues: { "RTX-9999": "NVIDIA-RTX-9999" } } },
      /^gpufleet:kubernetes\.gpuLabelValues\.RTX-9999: unknown GPU "RTX-9999"/m,
    ],
    [
      "gpuCount above what the planner places on a node",
      { pools: [{ name: "p", gpu: "L4", gpuCount: 16 }] },
      /^gpufleet:pools\[0\]\.gpuCount: 16 GPUs per node is more than the planner can place/m,
    ],
    [
      "a kubeconfig that is not YAML",
      { pools: [POOL], kubernetes: { kubeconfig: "clusters: [unclosed" } },
      /^gpufleet:kubernetes\.kubeconfig: not valid YAML/m,
    ],
    [
      "a kubeconfig without the named context",
      { pools: [POOL], kubernetes: { kubeconfig: KUBECONFIG, context: "prod" } },
      /^gpufleet:kubernetes\.kubeconfig: has no context "prod"; it has gpu$/m,
    ],
    [
      "a kubeconfig without clusters",
      { pools: [POOL], kubernetes: { kubeconfig: "apiVersion: v1\nkind: Config\n" } },
      /^gpufleet:kubernetes\.kubeconfig: has no clusters/m,
    ],
    [
      "ingress-nginx without the gateway",
      { pools: [POOL], kubernetes: { entry: "ingress-nginx" } },
      /^gpufleet:kubernetes\.entry: ingress-nginx cannot route by a header/m,
    ],
    [
      "a gated model without an HF token",
      {
        pools: [{ ...POOL, gpu: "H100", model: "google/gemma-3-27b-it" }],
      },
      /^gpufleet:hfToken: required: pool chat serves google\/gemma-3-27b-it, a gated model/m,
    ],
    [
      "a pool that sleeps at zero sharing its model with another pool",
      {
        pools: [
          { ...POOL, name: "a", model: "Qwen/Qwen3-8B", scaleToZero: true },
          { ...POOL, name: "b", model: "Qwen/Qwen3-8B" },
        ],
      },
      /^gpufleet:pools\[0\]\.scaleToZero: pool a shares model qwen3-8b with pool\(s\) b; a pool that sleeps at zero must serve its model alone/m,
    ],
    [
      "the gateway (LiteLLM's /ui and admin API) over plain HTTP",
      { pools: [POOL], gateway: { enabled: true } },
      /^gpufleet:kubernetes\.tls: required with the gateway: the entry \(Gateway gpufleet, listener http on port 80\) would serve LiteLLM's \/ui and admin API/m,
    ],
    [
      "a TLS Secret name that is no DNS-1123 subdomain",
      { pools: [POOL], kubernetes: { tls: { secretName: "gpufleet_tls" } } },
      /^gpufleet:kubernetes\.tls\.secretName: must be a Secret name \(DNS-1123 subdomain/m,
    ],
    [
      "a TLS host name that is an IP address",
      {
        pools: [POOL],
        kubernetes: { tls: { secretName: "gpufleet-tls", hostname: "198.51.100.4" } },
      },
      /^gpufleet:kubernetes\.tls\.hostname: must be a DNS name, not an IP address/m,
    ],
    [
      "ingress-nginx with a TLS Secret but no host name",
      {
        pools: [POOL],
        gateway: { enabled: true },
        kubernetes: { entry: "ingress-nginx", tls: { secretName: "gpufleet-tls" } },
      },
      /^gpufleet:kubernetes\.tls\.hostname: required with entry ingress-nginx/m,
    ],
    [
      "an HTTP add-on namespace that is no namespace name",
      { pools: [POOL], kubernetes: { httpAddOn: { namespace: "KEDA_ns" } } },
      /^gpufleet:kubernetes\.httpAddOn\.namespace: /m,
    ],
  ])(
    "%s",
    async (_, config, line) => {
      for (const cmd of [
        ["plan"],
        ["render", "--out", "/nonexistent/never-written"],
        ["preview"],
      ]) {
        // Deployment checks (what the plan alone cannot say) run where resources would be made.
        if (cmd[0] === "plan" && /hfToken|scaleToZero: pool/.test(String(line))) continue;
        const r = await run(...cmd, "--config", stackFile(config));
        expect(r.code, `${cmd[0]}: ${r.err}`).toBe(2);
        expect(r.err).toMatch(line);
        expect(r.out).toBe("");
      }
    },
    120_000,
  );

  it("reports every problem at once", async () => {
    const r = await run(
      "plan",
      "--config",
      stackFile({
        pools: [
          { name: "p", instanceType: "g6.xlarge" },
          { name: "q", gpu: "L4", gpuCount: 12 },
        ],
        kubernetes: { gpuLabelValues: { nope: "x" } },
      }),
    );
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(3);
  });

  it("accepts a well-formed kubeconfig and its current context", () => {
    expect(kubeconfigProblems(KUBECONFIG, undefined)).toEqual([]);
    expect(kubeconfigProblems(KUBECONFIG, "gpu")).toEqual([]);
  });

  it("refuses kubernetes keys on another target", async () => {
    const file = stackFile({ pools: [{ ...POOL, scaleToZero: true }] });
    const aws = file.replace("Pulumi.k.yaml", "Pulumi.kaws.yaml");
    writeFileSync(
      aws,
      stringify({
        config: { "gpufleet:pools": [{ name: "p", instanceType: "g6.xlarge", scaleToZero: true }] },
      }),
    );
    const r = await run("plan", "--config", aws);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /^gpufleet:pools\[0\]\.scaleToZero: only with gpufleet:target kubernetes/m,
    );
  });
});

describe("plain HTTP at the entry: a warning naming what crosses in clear text", () => {
  it.each([
    [
      "without the gateway: the API key",
      { pools: [POOL] },
      "warning: no gpufleet:kubernetes.tls: the entry (Gateway gpufleet, listener http on port 80) is plain HTTP and the API key crosses the network unencrypted; name a kubernetes.io/tls Secret for HTTPS, unless TLS is terminated in front of the entry",
    ],
    [
      "the gateway with the opt-in: LiteLLM's /ui, admin API and keys",
      {
        pools: [POOL],
        gateway: { enabled: true },
        kubernetes: { allowAdminOverPlainHttp: true },
      },
      "warning: gpufleet:kubernetes.allowAdminOverPlainHttp: serving over plain HTTP (Gateway gpufleet, listener http on port 80), passwords in clear text to whoever reaches the entry: LiteLLM's /ui and admin API (/key/*, /user/*, /team/*, /model/*, …; the master key) and its virtual keys, and the API key",
    ],
  ])(
    "%s (plan, render and preview)",
    async (_, config, warning) => {
      const file = stackFile(config);
      const out = mkdtempSync(path.join(tmpdir(), "gpufleet-k8s-warn-"));
      for (const cmd of ["plan", "render", "preview"]) {
        const r = await run(cmd, "--config", file, ...(cmd === "render" ? ["--out", out] : []));
        expect(r.code, `${cmd}: ${r.err}`).toBe(0);
        // plan and render say it on stderr; preview in its report, beside the program's other
        // warnings.
        expect((cmd === "preview" ? r.out : r.err).split("\n"), cmd).toContain(warning);
      }
      expect(readdirSync(path.join(out, "kubernetes")).length).toBeGreaterThan(0);
      rmSync(out, { recursive: true, force: true });
    },
    240_000,
  );

  it("none with gpufleet:kubernetes.tls (examples/kubernetes.yaml)", async () => {
    const r = await run("plan", "--config", EXAMPLE, "--stack", "k8s");
    expect(r.code, r.err).toBe(0);
    expect(r.err).not.toMatch(/plain HTTP|kubernetes\.tls/);
  }, 120_000);
});

describe("gpufleet preview / render on examples/kubernetes.yaml", () => {
  it("prints the Kubernetes resource tree offline", async () => {
    const r = await run("preview", "--config", EXAMPLE, "--stack", "k8s");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/gpufleet:kubernetes:Fleet {2}gpufleet/);
    for (const line of [
      "+ kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet  gpufleet-leaderworkerset-llama405b",
      "+ kubernetes:apps/v1:StatefulSet  gpufleet-statefulset-chat",
      "kubernetes:helm.sh/v4:Chart  gpufleet-kube-prometheus-stack",
      "+ kubernetes:keda.sh/v1alpha1:ScaledObject  gpufleet-scaledobject-chat",
      "+ kubernetes:monitoring.coreos.com/v1:PrometheusRule  gpufleet-prometheusrule-gpufleet",
    ])
      expect(r.out).toContain(line);
    expect(r.out).toMatch(/3 nodes of 8 × L4/);
    expect(r.out).not.toMatch(/aws:/);
  }, 240_000);

  it("renders one YAML file per object", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gpufleet-k8s-render-"));
    dirs.push(dir);
    const r = await run(
      "render",
      "--config",
      EXAMPLE,
      "--stack",
      "k8s",
      "--target",
      "kubernetes",
      "--out",
      dir,
    );
    expect(r.code, r.err).toBe(0);
    const files = readdirSync(path.join(dir, "kubernetes", "manifests"));
    expect(files).toContain("000-namespace-gpufleet.yaml");
    expect(files.some((f) => /-leaderworkerset-llama405b\.yaml$/.test(f))).toBe(true);
    const aws = await run(
      "render",
      "--config",
      path.join(ROOT, "Pulumi.dev.yaml"),
      "--target",
      "kubernetes",
      "--out",
      dir,
    );
    expect(aws.code).toBe(2);
    expect(aws.err).toMatch(/^gpufleet:target: is aws/m);
  }, 120_000);
});
