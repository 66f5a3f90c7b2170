// Hostile configs: every bad value is refused at the edge (exit 2, naming its key), never a crash
// at render and never a rendered file it breaks. Table tests for the cases an audit reproduced, and a
// property test that puts generated hostile strings into every string key of a full config.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig, toPlanInput } from "../../config";
import { PlanError, planFleet } from "../../planner/plan";
import { render, renderNginxAuthCheck } from "../../cloud-init";
import { validateDeployment } from "../../components/aws/validate";
import { renderGatewayFiles } from "../../gateway";
import { requireTool } from "../tools";

const QWEN_7B_CONFIG = {
  architectures: ["Qwen2ForCausalLM"],
  model_type: "qwen2",
  num_hidden_layers: 28,
  num_attention_heads: 28,
  num_key_value_heads: 4,
  hidden_size: 3584,
  intermediate_size: 18944,
  vocab_size: 152064,
  max_position_embeddings: 32768,
};

/** A full config touching every free-text key: pools, custom models (GGUF, Ollama), gateway. */
function baseConfig(): Record<string, unknown> {
  return {
    pools: [
      { name: "chat", instanceType: "g5.xlarge", model: "auto" },
      { name: "gguf", instanceType: "g6.xlarge", engine: "llamacpp", model: "acme/qwen-7b" },
      { name: "ollama", instanceType: "g5.xlarge", engine: "ollama", model: "acme/qwen-7b" },
    ],
    models: [
      {
        id: "acme/qwen-7b",
        servedName: "acme-qwen-7b",
        paramsB: 7.6,
        baseModel: "Qwen/Qwen2.5-7B-Instruct",
        gguf: {
          repo: "acme/qwen-7b-gguf",
          file: "qwen-7b-q4_k_m.gguf",
          quantization: "gguf-q4_k_m",
        },
        ollama: { tag: "qwen2.5:7b-instruct-q4_K_M", quantization: "gguf-q4_k_m" },
        config: QWEN_7B_CONFIG,
      },
    ],
    // No certificate: the admin interfaces stay private (issue 11 item 4).
    loadBalancer: { allowedCidrs: ["203.0.113.0/24"], adminRoutes: "private" },
    hfToken: "hf_abcdefghijklmnopqrstuvwxyz0123456789",
    apiKey: "Xk3vQ9mT2pLr8WzN5bYc7HdJ4fGs6AeU1oKi0uZnMwRqVtEy",
    monitoring: { enabled: true, grafanaHost: "grafana.example.com" },
    gateway: {
      enabled: true,
      image: "ghcr.io/berriai/litellm:main-v1.77.5-stable",
      upstreams: [
        {
          name: "gpt-4o",
          provider: "openai",
          model: "gpt-4o",
          apiKeySecret: "openai",
          apiBase: "https://api.openai.com/v1",
        },
      ],
      prices: { "gpt-4o": { inputPerMillion: 2.5, outputPerMillion: 10 } },
    },
    gatewayApiKeys: { openai: "sk-upstream" },
    alertWebhookUrl: "https://hooks.example.com/gpufleet",
  };
}

type Outcome =
  | { exit: 2; problems: string[] }
  | { exit: 0; files: Array<{ path: string; content: string }>; gateway: string[] };

/** What `gpufleet plan` + `render` do in-process: exit 2 with problems, or every rendered file. */
function runConfig(raw: Record<string, unknown>, stack = "dev", region = "us-east-1"): Outcome {
  try {
    const cfg = parseStackConfig(raw);
    const plan = planFleet(toPlanInput(stack, cfg));
    const problems = validateDeployment(plan, cfg, region);
    if (problems.length > 0) return { exit: 2, problems };
    const files = plan.pools.flatMap((p) =>
      render(p, {
        stack,
        region,
        apiKeyParameter: `/gpufleet/${stack}/engine-api-key`,
        hfTokenParameter: `/gpufleet/${stack}/hf-token`,
      }).files.map((f) => ({ path: `${p.name}:${f.path}`, content: f.content })),
    );
    const gateway = cfg.gateway.enabled
      ? renderGatewayFiles(plan, { stack, options: cfg.gateway }).map((f) => f.content)
      : [];
    return { exit: 0, files, gateway };
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PlanError) {
      return { exit: 2, problems: err.problems };
    }
    throw err;
  }
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/**
 * The structural validators every rendered file must pass: env files are KEY=VALUE lines, TSV
 * rows keep their header's column count, unit files are sections and Key=Value lines, no file
 * holds a control character, YAML parses.
 */
function structuralProblems(o: Extract<Outcome, { exit: 0 }>): string[] {
  const out: string[] = [];
  for (const f of o.files) {
    if (CONTROL.test(f.content)) out.push(`${f.path}: control character`);
    const lines = f.content.split("\n").filter((l) => l !== "");
    if (f.path.endsWith(".env")) {
      for (const l of lines)
        if (!l.startsWith("#") && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(l))
          out.push(`${f.path}: not KEY=VALUE: ${JSON.stringify(l)}`);
    }
    if (f.path.endsWith(".tsv")) {
      const rows = lines.filter((l) => !l.startsWith("#"));
      const header = lines.find((l) => l.startsWith("#"));
      const cols = header ? header.split("\t").length : rows[0]?.split("\t").length;
      for (const r of rows)
        if (r.split("\t").length !== cols) out.push(`${f.path}: ${r.split("\t").length} columns`);
    }
    if (/\.(service|timer|target)$/.test(f.path)) {
      for (const l of lines)
        if (!/^(#|\[[A-Za-z]+\]$|[A-Za-z]+=)/.test(l))
          out.push(`${f.path}: not a unit line: ${JSON.stringify(l)}`);
    }
  }
  for (const g of o.gateway) {
    try {
      parseYaml(g);
    } catch (err) {
      out.push(`gateway config: ${(err as Error).message}`);
    }
  }
  return out;
}

/** nginx -t on a rendered nginx.conf (the real validator, for the configs that were accepted). */
function nginxAccepts(conf: string): string | null {
  requireTool("nginx");
  const dir = mkdtempSync(join(tmpdir(), "gpufleet-hostile-"));
  try {
    writeFileSync(join(dir, "auth.conf"), renderNginxAuthCheck("Xk3vQ9mT2pLr8WzN5bYc7HdJ4fGs6AeU"));
    const c = conf
      .replace(/pid [^;]+;/, `pid ${dir}/nginx.pid;`)
      .replace("error_log stderr", `error_log ${dir}/error.log`)
      .replace("access_log /dev/stdout", `access_log ${dir}/access.log`)
      .replaceAll("/var/cache/nginx", dir)
      .replace(/include \S+;/, `include ${dir}/auth.conf;`);
    writeFileSync(join(dir, "nginx.conf"), c);
    const r = spawnSync(
      "nginx",
      ["-t", "-e", `${dir}/e.log`, "-p", dir, "-c", `${dir}/nginx.conf`],
      {
        encoding: "utf8",
      },
    );
    return r.status === 0 ? null : r.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sets a value at a path of a deep copy. */
function withValue(raw: Record<string, unknown>, path: (string | number)[], value: unknown) {
  const copy = structuredClone(raw) as Record<string, unknown>;
  let node = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

describe("the full hostile-test config", () => {
  it("plans and renders, and its files pass the structural validators and nginx -t", () => {
    const o = runConfig(baseConfig());
    expect(o.exit, JSON.stringify(o)).toBe(0);
    if (o.exit !== 0) return;
    expect(structuralProblems(o)).toEqual([]);
    const confs = o.files.filter((f) => f.path.endsWith("/etc/gpufleet/nginx.conf"));
    expect(confs).toHaveLength(3);
    for (const c of confs) expect(nginxAccepts(c.content)).toBeNull();
  });
});

describe("collisions and free text an audit found accepted or crashing: exit 2 naming the key", () => {
  const pool0 = (extra: Record<string, unknown>) => {
    const raw = baseConfig();
    (raw.pools as Record<string, unknown>[])[0] = {
      name: "chat",
      instanceType: "g5.xlarge",
      ...extra,
    };
    return raw;
  };
  const model0 = (path: (string | number)[], v: unknown) =>
    withValue(baseConfig(), ["models", 0, ...path], v);
  const upstream0 = (key: string, v: unknown) =>
    withValue(baseConfig(), ["gateway", "upstreams", 0, key], v);
  const cases: Array<[string, Record<string, unknown>, RegExp, string?, string?]> = [
    [
      "proxyPort = node_exporter's",
      pool0({ proxyPort: 9100 }),
      /^gpufleet:pools\[0\]\.proxyPort: .*exporter/,
    ],
    [
      "proxyPort = DCGM exporter's",
      pool0({ proxyPort: 9400 }),
      /^gpufleet:pools\[0\]\.proxyPort: .*exporter/,
    ],
    [
      "proxyPort = a replica's",
      pool0({ proxyPort: 8000 }),
      /^gpufleet:pools\[0\]\.proxyPort: .*replica's port/,
    ],
    [
      "two models with one served name",
      withValue(baseConfig(), ["models", 1], {
        ...(baseConfig().models as Record<string, unknown>[])[0],
        id: "acme/other-7b",
      }),
      /^gpufleet:models\[1\]\.servedName: served name "acme-qwen-7b" is also gpufleet:models\[0\]\.servedName/,
    ],
    [
      "duplicate model ids",
      withValue(baseConfig(), ["models", 1], {
        ...(baseConfig().models as Record<string, unknown>[])[0],
        servedName: "other",
      }),
      /^gpufleet:models\[1\]\.id: model id "acme\/qwen-7b" is also gpufleet:models\[0\]\.id/,
    ],
    [
      "a duplicate pool name",
      withValue(baseConfig(), ["pools", 1, "name"], "chat"),
      /^gpufleet:pools\[1\]\.name: pool name "chat" is also/,
    ],
    [
      "a load-balancer CIDR with host bits",
      withValue(baseConfig(), ["loadBalancer", "allowedCidrs"], ["10.0.0.1/16"]),
      /^gpufleet:loadBalancer\.allowedCidrs\[0\]: has host bits/,
    ],
    [
      "a newline in a GGUF file name",
      model0(["gguf", "file"], "a\nb.gguf"),
      /^gpufleet:models\[0\]\.gguf\.file: /,
    ],
    [
      "a tab in an Ollama tag",
      model0(["ollama", "tag"], "qwen\t7b"),
      /^gpufleet:models\[0\]\.ollama\.tag: /,
    ],
    [
      "an Ollama tag that is an option",
      model0(["ollama", "tag"], "--insecure"),
      /^gpufleet:models\[0\]\.ollama\.tag: /,
    ],
    [
      "a GGUF repo not owner/name",
      model0(["gguf", "repo"], "noslash"),
      /^gpufleet:models\[0\]\.gguf\.repo: /,
    ],
    [
      "a GGUF file in another folder",
      model0(["gguf", "file"], "../x.gguf"),
      /^gpufleet:models\[0\]\.gguf\.file: /,
    ],
    ["an HF id with ..", model0(["id"], "acme/.."), /^gpufleet:models\[0\]\.id: /],
    [
      "duplicate upstream names",
      withValue(baseConfig(), ["gateway", "upstreams", 1], {
        ...((baseConfig().gateway as { upstreams: unknown[] }).upstreams[0] as object),
      }),
      /^gpufleet:gateway\.upstreams\[1\]\.name: upstream name "gpt-4o" is also/,
    ],
    [
      "gateway prices for an unknown model",
      withValue(baseConfig(), ["gateway", "prices", "nobody"], {
        inputPerMillion: 1,
        outputPerMillion: 1,
      }),
      /^gpufleet:gateway\.prices\.nobody: /,
    ],
    [
      "an invalid Fargate cpu/memory pair",
      withValue(withValue(baseConfig(), ["gateway", "cpu"], 256), ["gateway", "memoryMiB"], 8192),
      /^gpufleet:gateway\.memoryMiB: /,
    ],
    [
      "apiBase at the EC2 metadata address",
      upstream0("apiBase", "http://169.254.169.254/latest/"),
      /^gpufleet:gateway\.upstreams\[0\]\.apiBase: .*link-local/,
    ],
    [
      "apiBase at the ECS credentials address",
      upstream0("apiBase", "http://169.254.170.2/v2/credentials"),
      /^gpufleet:gateway\.upstreams\[0\]\.apiBase: .*link-local/,
    ],
    [
      "apiBase not http(s)",
      upstream0("apiBase", "file:///etc/passwd"),
      /^gpufleet:gateway\.upstreams\[0\]\.apiBase: must be http or https/,
    ],
    [
      "alertWebhookUrl over http",
      withValue(baseConfig(), ["alertWebhookUrl"], "http://hooks.example.com/x"),
      /^gpufleet:alertWebhookUrl: must be https/,
    ],
    [
      "an image reference with a space",
      withValue(baseConfig(), ["gateway", "image"], "litellm latest"),
      /^gpufleet:gateway\.image: /,
    ],
    [
      "an hfToken with a newline (would add a PIP_INDEX_URL= line to an env file)",
      withValue(baseConfig(), ["hfToken"], "hf_abcdefgh\nPIP_INDEX_URL=http://evil.example/simple"),
      /^gpufleet:hfToken: /,
    ],
    [
      "a region that is not one",
      baseConfig(),
      /^aws:region: "moon-1" is not an AWS region/,
      "dev",
      "moon-1",
    ],
    [
      "a stack name AWS names cannot hold",
      baseConfig(),
      /^stack "Prod_EU": must be lowercase/,
      "Prod_EU",
    ],
  ];
  it.each(cases)("%s", (_, raw, expected, stack, region) => {
    const o = runConfig(raw, stack, region);
    expect(o.exit, JSON.stringify(o).slice(0, 400)).toBe(2);
    if (o.exit === 2)
      expect(o.problems).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });
});

/** Every string leaf of the base config, by path. */
function stringPaths(node: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof node === "string") return [path];
  if (Array.isArray(node)) return node.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (node && typeof node === "object")
    return Object.entries(node).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

const HOSTILE_PARTS = [
  "\n",
  "\r\n",
  "\t",
  "\u0000",
  " ",
  "--insecure",
  "-",
  "../",
  "..",
  "/",
  "$(id)",
  "`id`",
  "${HOME}",
  "'",
  '"',
  ";",
  "|",
  "#",
  "%s",
  "=",
  "\\",
  "http://169.254.169.254/",
  "PIP_INDEX_URL=http://evil",
  "é",
  "\u202e",
  "x".repeat(300),
];

describe("property: a hostile string in any string key is refused or renders valid files", () => {
  const paths = stringPaths(baseConfig());
  it("covers every string key of the full config", () => {
    expect(paths.length).toBeGreaterThanOrEqual(20);
  });

  it("exit 2 naming a key, or a render every validator accepts", () => {
    const hostile = fc.oneof(
      fc.constantFrom(...HOSTILE_PARTS),
      fc.string({ unit: "binary", maxLength: 40 }),
      fc
        .tuple(fc.constantFrom(...HOSTILE_PARTS), fc.constantFrom(...HOSTILE_PARTS))
        .map(([a, b]) => a + b),
    );
    let nginxChecked = 0;
    fc.assert(
      fc.property(fc.constantFrom(...paths), fc.boolean(), hostile, (path, around, bad) => {
        const base = baseConfig();
        const original = path.reduce<unknown>(
          (n, seg) => (n as Record<string | number, unknown>)[seg],
          base,
        ) as string;
        const value = around ? `${original}${bad}` : bad;
        const o = runConfig(withValue(base, path, value));
        if (o.exit === 2) {
          expect(o.problems.length).toBeGreaterThan(0);
          for (const p of o.problems) expect(p).toMatch(/^(gpufleet:|aws:region|stack )/);
          return;
        }
        expect(structuralProblems(o)).toEqual([]);
        if (nginxChecked < 15) {
          nginxChecked++;
          for (const f of o.files.filter((x) => x.path.endsWith("/etc/gpufleet/nginx.conf")))
            expect(nginxAccepts(f.content)).toBeNull();
        }
      }),
      { numRuns: 400 },
    );
  });
});
