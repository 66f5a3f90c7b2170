import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  parseStackConfig,
  readStackFile,
  toModelSpec,
  toPlanInput,
} from "../../config";
import { planFleet } from "../../planner/plan";

function problems(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("stack config schema", () => {
  it("accepts the smallest valid config and fills defaults", () => {
    const cfg = parseStackConfig({ pools: [{ name: "a10g", instanceType: "g5.xlarge" }] });
    expect(cfg.pools[0]).toMatchObject({ name: "a10g", count: 1, model: "auto", engine: "auto" });
    expect(cfg.models).toEqual([]);
  });

  it("rejects unknown keys at every level, with their path", () => {
    expect(problems({ pools: [{ name: "a", instanceType: "g5.xlarge" }], pool: [] })).toEqual([
      expect.stringMatching(/^gpufleet:pool: unknown key/),
    ]);
    expect(problems({ pools: [{ name: "a", instanceType: "g5.xlarge", modle: "auto" }] })).toEqual([
      expect.stringMatching(/^gpufleet:pools\[0\]\.modle: unknown key/),
    ]);
  });

  it("reports every problem at once, each with its path", () => {
    const p = problems({
      pools: [
        { name: "A10G", instanceType: "g5.xlarge" },
        { name: "b", instanceType: "g5.xlarge", gpu: "A10G", gpuCount: 1 },
        { name: "c" },
        { name: "d", gpu: "RTX 4090" },
        {
          name: "e",
          instanceType: "g5.xlarge",
          engine: "tgi",
          gpuMemoryUtilization: 1.2,
          kvCacheDtype: "int8",
        },
      ],
    });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gpufleet:pools\[0\]\.name: must be DNS-safe/),
        expect.stringMatching(
          /^gpufleet:pools\[1\]\.instanceType: give either instanceType .* not both/,
        ),
        expect.stringMatching(/^gpufleet:pools\[2\]\.instanceType: required/),
        expect.stringMatching(/^gpufleet:pools\[3\]\.gpuCount: required with gpu/),
        expect.stringMatching(/^gpufleet:pools\[4\]\.engine: /),
        expect.stringMatching(/^gpufleet:pools\[4\]\.gpuMemoryUtilization: /),
        expect.stringMatching(/^gpufleet:pools\[4\]\.kvCacheDtype: /),
      ]),
    );
    expect(p.length).toBeGreaterThanOrEqual(7);
  });

  it("accepts an engine API key of 8 to 256 Bearer-token characters and refuses others", () => {
    const base = { pools: [{ name: "a", instanceType: "g5.xlarge" }] };
    for (const apiKey of ["a".repeat(8), "A.b+C~d/E=f-G_h0", "k".repeat(48), "z".repeat(256)]) {
      expect(parseStackConfig({ ...base, apiKey }).apiKey).toBe(apiKey);
    }
    for (const apiKey of ["a".repeat(7), "k".repeat(257), "has space in it", "new\nline12"]) {
      expect(problems({ ...base, apiKey })).toEqual([
        expect.stringMatching(/^gpufleet:apiKey: .*8 to 256 characters/),
      ]);
    }
  });

  it("requires at least one pool", () => {
    expect(problems({ pools: [] })).toEqual([
      expect.stringMatching(/^gpufleet:pools: at least one pool/),
    ]);
    expect(problems({})).toEqual([expect.stringMatching(/^gpufleet:pools: /)]);
  });

  it("matches GPU ids case-insensitively with spaces for hyphens", () => {
    const cfg = parseStackConfig({ pools: [{ name: "home", gpu: "rtx 4090", gpuCount: 2 }] });
    const input = toPlanInput("dev", cfg);
    expect(input.pools[0]?.gpu).toBe("RTX-4090");
    const plan = planFleet(input);
    expect(plan.pools[0]?.instanceType).toBeNull();
    expect(plan.pools[0]?.costPerHour).toBe(0);
  });

  it("takes a model's config.json fields under their Hugging Face names, ignoring the ones it does not need", () => {
    const cfg = parseStackConfig({
      pools: [{ name: "p", instanceType: "g6e.xlarge", model: "acme/m-8b" }],
      models: [
        {
          id: "acme/m-8b",
          config: {
            architectures: ["LlamaForCausalLM"],
            model_type: "llama",
            num_hidden_layers: 32,
            num_attention_heads: 32,
            num_key_value_heads: 8,
            hidden_size: 4096,
            intermediate_size: 14336,
            vocab_size: 128256,
            max_position_embeddings: 131072,
            rope_theta: 500000,
            rms_norm_eps: 1e-5,
            torch_dtype: "bfloat16",
          },
        },
      ],
    });
    const spec = toModelSpec(cfg.models[0]!, 0);
    expect(spec.paramsB).toBeCloseTo(8.03, 1); // derived from the architecture: Llama-3.1-8B's shape
    expect(spec.servedName).toBe("m-8b");
    const plan = planFleet(toPlanInput("dev", cfg));
    expect(plan.pools[0]?.replicas[0]?.model.id).toBe("acme/m-8b");
  });

  it("requires paramsB for a mixture-of-experts model", () => {
    const cfg = parseStackConfig({
      pools: [{ name: "p", instanceType: "p5.48xlarge", model: "acme/moe" }],
      models: [
        {
          id: "acme/moe",
          config: {
            num_hidden_layers: 48,
            num_attention_heads: 32,
            num_key_value_heads: 4,
            hidden_size: 2048,
            intermediate_size: 6144,
            vocab_size: 151936,
            max_position_embeddings: 32768,
            num_experts: 128,
          },
        },
      ],
    });
    expect(() => toPlanInput("dev", cfg)).toThrow(
      /gpufleet:models\[0\]\.paramsB: required for a mixture-of-experts model/,
    );
  });

  it("rejects a model entry with a typo or a bad id", () => {
    const p = problems({
      pools: [{ name: "p", instanceType: "g5.xlarge" }],
      models: [{ id: "no-slash", config: { num_hidden_layers: 1 }, gatd: true }],
    });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gpufleet:models\[0\]\.id: must be a Hugging Face repo id/),
        expect.stringMatching(/^gpufleet:models\[0\]\.gatd: unknown key/),
        expect.stringMatching(/^gpufleet:models\[0\]\.config\.num_attention_heads: /),
      ]),
    );
  });
});

describe("Pulumi.<stack>.yaml loader", () => {
  it("reads the dev stack beside Pulumi.yaml", () => {
    const sf = readStackFile(path.join(__dirname, "../../Pulumi.dev.yaml"));
    expect(sf.stack).toBe("dev");
    expect(sf.region).toBe("us-east-1");
    const cfg = parseStackConfig(sf.raw);
    expect(cfg.pools.map((p) => p.instanceType)).toEqual(expect.arrayContaining(["p4d.24xlarge"]));
    expect(cfg.pools.some((p) => p.instanceType?.startsWith("g5."))).toBe(true);
  });

  it("ignores other namespaces but keeps gpufleet typos as errors", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gpufleet-"));
    const file = path.join(dir, "Pulumi.qa.yaml");
    writeFileSync(
      file,
      "config:\n  aws:region: eu-west-1\n  aws:profile: x\n  gpufleet:pools:\n    - name: a\n      instanceType: g5.xlarge\n  gpufleet:poolz: []\n",
    );
    const sf = readStackFile(file);
    expect(sf.stack).toBe("qa");
    expect(() => parseStackConfig(sf.raw)).toThrow(/gpufleet:poolz: unknown key/);
  });

  it("reports unreadable files as config errors", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "gpufleet-"));
    const file = path.join(dir, "Pulumi.bad.yaml");
    writeFileSync(file, "config: [unclosed\n");
    expect(() => readStackFile(file)).toThrow(ConfigError);
    expect(() => readStackFile(path.join(dir, "nope.yaml"))).toThrow(/no such stack config file/);
  });
});
