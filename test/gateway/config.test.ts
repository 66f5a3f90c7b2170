// The LiteLLM config rendered from a plan: every served model with its pools' private addresses,
// task pools as
// embedding / rerank entries, upstreams and every credential by reference, never a value.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { proxyReadTimeoutSeconds } from "../../components/aws/facts";
import {
  INTERNAL_LISTENER_BASE_PORT,
  buildLiteLLMConfig,
  internalListenerPorts,
  renderGatewayFiles,
  renderLiteLLMConfig,
  upstreamKeyEnv,
  validateGateway,
  type GatewayUpstream,
  type LiteLLMConfig,
} from "../../gateway";
import { DEV_PLAN, MIXED_PLAN } from "./fixtures";

const HOST = "internal-gpufleet-gateway-int-0123456.us-east-1.elb.amazonaws.com";
const ENV_REF = /^os\.environ\/[A-Z][A-Z0-9_]*$/;

function parsed(yamlText: string): LiteLLMConfig {
  return parse(yamlText) as LiteLLMConfig;
}

describe("model_list from the plan", () => {
  it.each([
    ["dev", DEV_PLAN],
    ["mixed", MIXED_PLAN],
  ])("%s: one entry per (served model, pool), at the pool's internal listener", (_, plan) => {
    const cfg = parsed(renderLiteLLMConfig(plan, { stack: "dev", internalHost: HOST }));
    const ports = internalListenerPorts(plan);
    const expected = plan.pools.flatMap((p) =>
      [...new Set(p.replicas.map((r) => r.model.servedName))].map((m) => `${p.name}/${m}`),
    );
    expect(cfg.model_list.map((d) => d.model_info.id).sort()).toEqual(expected.sort());
    for (const pool of plan.pools) {
      for (const served of new Set(pool.replicas.map((r) => r.model.servedName))) {
        const d = cfg.model_list.find((x) => x.model_info.id === `${pool.name}/${served}`)!;
        expect(d.model_name).toBe(served);
        expect(d.litellm_params.api_base).toBe(`http://${HOST}:${ports[pool.name]}/v1`);
        expect(d.litellm_params.model.endsWith(`/${served}`)).toBe(true);
        expect(d.litellm_params.api_key).toBe("os.environ/GPUFLEET_ENGINE_API_KEY");
        expect(d.litellm_params.timeout).toBe(proxyReadTimeoutSeconds(pool));
        expect(d.model_info.gpufleet_pool).toBe(pool.name);
      }
    }
    // every pool its own stable address: distinct listener ports from the base, in plan order
    expect(Object.values(ports)).toEqual(plan.pools.map((_, i) => INTERNAL_LISTENER_BASE_PORT + i));
  });

  it("a model served by two pools gets two deployments, weighted by instances × replicas, side by side", () => {
    const cfg = buildLiteLLMConfig(MIXED_PLAN, { stack: "dev", internalHost: HOST });
    const a10g = MIXED_PLAN.pools.find((p) => p.name === "a10g")!;
    const served = a10g.replicas[0]!.model.servedName;
    const entries = cfg.model_list.filter((d) => d.model_name === served);
    // Every chat pool serving it (the dev stack's a10g and a100 both plan saiga_nemo_12b, plus
    // a10g-b).
    const pools = MIXED_PLAN.pools.filter(
      (p) => p.task === "chat" && p.replicas.some((r) => r.model.servedName === served),
    );
    expect(pools.map((p) => p.name)).toEqual(expect.arrayContaining(["a10g", "a10g-b"]));
    expect(entries.map((d) => d.model_info.gpufleet_pool)).toEqual(pools.map((p) => p.name));
    const weights = pools.map(
      (p) => p.count * p.replicas.filter((r) => r.model.servedName === served).length,
    );
    expect(entries.map((d) => d.litellm_params.weight)).toEqual(weights);
    expect(new Set(entries.map((d) => d.litellm_params.api_base)).size).toBe(pools.length);
    const first = cfg.model_list.findIndex((d) => d.model_name === served);
    for (let i = 1; i < entries.length; i++)
      expect(cfg.model_list[first + i]!.model_name).toBe(served);
  });

  it("chat entries carry the planned context; vLLM pools use hosted_vllm/, other engines openai/", () => {
    const cfg = buildLiteLLMConfig(MIXED_PLAN, { stack: "dev", internalHost: HOST });
    for (const pool of MIXED_PLAN.pools.filter((p) => p.task === "chat")) {
      for (const d of cfg.model_list.filter((x) => x.model_info.gpufleet_pool === pool.name)) {
        const replicas = pool.replicas.filter((r) => r.model.servedName === d.model_name);
        expect(d.model_info.mode).toBe("chat");
        expect(d.model_info.max_input_tokens).toBe(Math.min(...replicas.map((r) => r.maxModelLen)));
        const allVllm = replicas.every((r) => r.engine === "vllm");
        expect(d.litellm_params.model.split("/")[0]).toBe(allVllm ? "hosted_vllm" : "openai");
      }
    }
  });

  it("embedding and rerank pools become mode embedding / rerank entries on vLLM's routes", () => {
    const cfg = buildLiteLLMConfig(MIXED_PLAN, { stack: "dev", internalHost: HOST });
    for (const task of ["embedding", "rerank"] as const) {
      const pool = MIXED_PLAN.pools.find((p) => p.task === task)!;
      expect(pool).toBeDefined();
      const entries = cfg.model_list.filter((d) => d.model_info.gpufleet_pool === pool.name);
      expect(entries.length).toBeGreaterThan(0);
      for (const d of entries) {
        expect(d.model_info.mode).toBe(task);
        expect(d.model_info.max_input_tokens).toBeUndefined();
        expect(d.litellm_params.model).toBe(`hosted_vllm/${d.model_name}`);
        // LiteLLM appends /embeddings or /rerank to the base: /v1/embeddings, /v1/rerank on the
        // host's nginx.
        expect(d.litellm_params.api_base).toMatch(/\/v1$/);
      }
    }
  });

  it("without an address (gpufleet render) uses a placeholder host naming the stack", () => {
    const cfg = parsed(renderLiteLLMConfig(DEV_PLAN, { stack: "prod" }));
    for (const d of cfg.model_list)
      expect(d.litellm_params.api_base).toMatch(/^http:\/\/gpufleet-prod-pools\.internal:\d+\/v1$/);
  });
});

describe("credentials by reference only", () => {
  const upstreams: GatewayUpstream[] = [
    { name: "gpt-4o", provider: "openai", model: "gpt-4o", apiKeySecret: "openai" },
    { name: "gpt-4o-mini", provider: "openai", model: "gpt-4o-mini", apiKeySecret: "openai" },
    {
      name: "claude-sonnet",
      provider: "anthropic",
      model: "claude-3-5-sonnet-20241022",
      apiKeySecret:
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:team/anthropic-key-AbC123",
    },
    {
      name: "together-llama",
      provider: "openai",
      model: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
      apiKeySecret: "together",
      apiBase: "https://api.together.xyz/v1",
    },
  ];

  it("master key, database URL, engine key and upstream keys are os.environ/ references", () => {
    const text = renderLiteLLMConfig(MIXED_PLAN, {
      stack: "dev",
      internalHost: HOST,
      options: { upstreams },
    });
    const cfg = parsed(text);
    expect(cfg.general_settings).toMatchObject({
      master_key: "os.environ/LITELLM_MASTER_KEY",
      database_url: "os.environ/DATABASE_URL",
    });
    for (const d of cfg.model_list) expect(d.litellm_params.api_key).toMatch(ENV_REF);
    const up = (name: string) => cfg.model_list.find((d) => d.model_name === name)!;
    expect(up("gpt-4o").litellm_params).toEqual({
      model: "openai/gpt-4o",
      api_key: "os.environ/GPUFLEET_UPSTREAM_KEY_OPENAI",
    });
    expect(up("gpt-4o-mini").litellm_params.api_key).toBe(up("gpt-4o").litellm_params.api_key);
    expect(up("claude-sonnet").litellm_params).toEqual({
      model: "anthropic/claude-3-5-sonnet-20241022",
      api_key: "os.environ/GPUFLEET_UPSTREAM_KEY_TEAM_ANTHROPIC_KEY",
    });
    expect(up("together-llama").litellm_params.api_base).toBe("https://api.together.xyz/v1");
    // nothing that looks like a key or a password
    expect(text).not.toMatch(/sk-[A-Za-z0-9]/);
    expect(text).not.toMatch(/password|postgresql:\/\//i);
    expect(text).not.toMatch(/api_key: (?!os\.environ\/)/);
  });

  it("for any upstream list, every api_key is an environment reference and upstreams follow the pools", () => {
    const name = fc
      .stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
      .filter(
        (n) => !MIXED_PLAN.pools.some((p) => p.replicas.some((r) => r.model.servedName === n)),
      );
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            name,
            provider: fc.constantFrom("openai", "anthropic", "gemini", "groq"),
            model: fc.stringMatching(/^[a-z0-9.-]{1,20}$/),
            apiKeySecret: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,20}$/),
          }),
          { selector: (u) => u.name, maxLength: 6 },
        ),
        (ups) => {
          const cfg = buildLiteLLMConfig(MIXED_PLAN, {
            stack: "dev",
            internalHost: HOST,
            options: { upstreams: ups },
          });
          for (const d of cfg.model_list) expect(d.litellm_params.api_key).toMatch(ENV_REF);
          expect(
            cfg.model_list.slice(cfg.model_list.length - ups.length).map((d) => d.model_name),
          ).toEqual(ups.map((u) => u.name));
          for (const u of ups)
            expect(upstreamKeyEnv(u.apiKeySecret)).toMatch(/^GPUFLEET_UPSTREAM_KEY_[A-Z0-9_]+$/);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("refuses upstreams that shadow a served model, repeat, or name a key that is neither an entry nor an ARN", () => {
    const served = DEV_PLAN.pools[0]!.replicas[0]!.model.servedName;
    const problems = validateGateway(DEV_PLAN, {
      upstreams: [
        { name: served, provider: "openai", model: "x", apiKeySecret: "openai" },
        { name: "a", provider: "openai", model: "x", apiKeySecret: "sk-live-key-pasted-here!" },
        { name: "a", provider: "Open AI", model: "x", apiKeySecret: "openai" },
      ],
      prices: { nope: { inputPerMillion: 1, outputPerMillion: 1 } },
    });
    expect(problems).toEqual([
      `gpufleet:gateway.upstreams[0].name: "${served}" is already a model served by the fleet`,
      expect.stringMatching(/^gpufleet:gateway\.upstreams\[1\]\.apiKeySecret: /),
      'gpufleet:gateway.upstreams[2].name: "a" is listed twice',
      expect.stringMatching(/^gpufleet:gateway\.upstreams\[2\]\.provider: /),
      "gpufleet:gateway.prices.nope: no served model or upstream has this name",
    ]);
    expect(() =>
      buildLiteLLMConfig(DEV_PLAN, {
        stack: "dev",
        options: {
          upstreams: [{ name: served, provider: "openai", model: "x", apiKeySecret: "k" }],
        },
      }),
    ).toThrow(/already a model served/);
  });

  it("prices per model become per-token costs (so key budgets count self-hosted traffic)", () => {
    const served = DEV_PLAN.pools[1]!.replicas[0]!.model.servedName;
    const cfg = buildLiteLLMConfig(DEV_PLAN, {
      stack: "dev",
      options: { prices: { [served]: { inputPerMillion: 0.5, outputPerMillion: 1.5 } } },
    });
    const d = cfg.model_list.find((x) => x.model_name === served)!;
    expect(d.litellm_params.input_cost_per_token).toBeCloseTo(0.5e-6, 12);
    expect(d.litellm_params.output_cost_per_token).toBeCloseTo(1.5e-6, 12);
  });
});

describe("router, timeouts, files", () => {
  it("retries on another deployment, cools a failing pool down, waits as long as the slowest pool streams", () => {
    const cfg = buildLiteLLMConfig(MIXED_PLAN, { stack: "dev", internalHost: HOST });
    expect(cfg.router_settings).toMatchObject({
      routing_strategy: "simple-shuffle",
      enable_pre_call_checks: true,
    });
    expect(cfg.router_settings.num_retries as number).toBeGreaterThanOrEqual(1);
    expect(cfg.router_settings.allowed_fails as number).toBeGreaterThanOrEqual(1);
    expect(cfg.router_settings.cooldown_time as number).toBeGreaterThan(0);
    for (const pool of MIXED_PLAN.pools)
      expect(cfg.router_settings.timeout as number).toBeGreaterThanOrEqual(
        proxyReadTimeoutSeconds(pool),
      );
    expect(cfg.litellm_settings.request_timeout).toBe(cfg.router_settings.timeout);
  });

  it("the YAML round-trips to the data, starts with a comment and fits the task definition", () => {
    const text = renderLiteLLMConfig(MIXED_PLAN, { stack: "dev", internalHost: HOST });
    expect(text.startsWith("# LiteLLM proxy config of gpufleet stack dev")).toBe(true);
    expect(parse(text)).toEqual(
      JSON.parse(
        JSON.stringify(buildLiteLLMConfig(MIXED_PLAN, { stack: "dev", internalHost: HOST })),
      ),
    );
    expect(Buffer.byteLength(text)).toBeLessThan(32 * 1024);
  });

  it("gpufleet render writes gateway/litellm-config.yaml", () => {
    const files = renderGatewayFiles(DEV_PLAN, { stack: "dev" });
    expect(files.map((f) => f.path)).toEqual(["gateway/litellm-config.yaml"]);
    expect(files[0]!.content).toBe(renderLiteLLMConfig(DEV_PLAN, { stack: "dev" }));
  });
});
