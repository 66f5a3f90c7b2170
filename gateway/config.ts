// The LiteLLM proxy configuration of a fleet, built from the plan as data and serialized with
// `yaml`: one model_list
// entry per (served model, pool) pointing at the pool's stable private address, external upstreams,
// router settings
// that skip a failing pool, and general settings whose credentials are `os.environ/` references,
// never values.
// Pure: the component calls it once with the internal load balancer's DNS name, `gpufleet render`
// with a placeholder.
import { Document } from "yaml";
import { proxyReadTimeoutSeconds } from "../components/aws/facts";
import type { FleetPlan, PoolPlan, Task } from "../planner/types";
import {
  GATEWAY_ENV,
  internalListenerPorts,
  resolveGatewayOptions,
  upstreamKeyEnv,
  validateGateway,
  type GatewayOptions,
  type TokenPrice,
} from "./options";

export interface GatewayRenderContext {
  /** Stack name, for the header comment and the placeholder host. */
  stack: string;
  /**
   * DNS name of the internal load balancer in front of the pools; default a placeholder
   * (`gpufleet-<stack>-pools.internal`) that the deployed config replaces with the real name.
   */
  internalHost?: string;
  /** `gpufleet:gateway` (upstreams, prices); default none. */
  options?: GatewayOptions;
  /**
   * Base URL of a pool's proxy where a target reaches pools directly (Kubernetes: the pool's
   * Service); default the internal load balancer's listener of the pool.
   */
  poolBaseUrl?: (pool: PoolPlan) => string;
}

/** One model_list entry as LiteLLM reads it. */
export interface LiteLLMDeployment {
  model_name: string;
  litellm_params: {
    model: string;
    api_base?: string;
    /** Always an `os.environ/NAME` reference. */
    api_key: string;
    timeout?: number;
    weight?: number;
    input_cost_per_token?: number;
    output_cost_per_token?: number;
  };
  model_info: {
    id: string;
    mode?: "chat" | "embedding" | "rerank";
    max_input_tokens?: number;
    gpufleet_pool?: string;
    gpufleet_upstream?: string;
  };
}

export interface LiteLLMConfig {
  model_list: LiteLLMDeployment[];
  router_settings: Record<string, string | number | boolean>;
  litellm_settings: Record<string, string | number | boolean>;
  general_settings: Record<string, string | number | boolean>;
}

/**
 * Router behaviour: a failing pool is cooled down and the request retried on another pool of the
 * same model.
 */
export const ROUTER_SETTINGS = {
  /**
   * Weighted random pick (weights = instances × replicas serving the model); LiteLLM's recommended
   * default.
   */
  routing_strategy: "simple-shuffle",
  /**
   * Retries of a failed call, each a new pick (connection refused, 5xx, timeouts before the first
   * token).
   */
  num_retries: 2,
  /** Failures within a minute after which a deployment (one pool) is taken out of every pick … */
  allowed_fails: 3,
  /**
   * … for this many seconds. Within a pool the internal load balancer and the host's nginx skip a
   * dead replica.
   */
  cooldown_time: 30,
  /**
   * Drops deployments whose context (max_input_tokens = the planned maxModelLen) cannot hold the
   * request.
   */
  enable_pre_call_checks: true,
} as const;

function placeholderHost(stack: string): string {
  return `gpufleet-${stack}-pools.internal`;
}

function env(name: string): string {
  return `os.environ/${name}`;
}

function providerOf(task: Task, engines: Set<string>): string {
  // vLLM's OpenAI server (and its /rerank, /embeddings): LiteLLM's hosted_vllm route; every other
  // engine behind the
  // host's nginx speaks plain OpenAI-compatible /v1.
  if (task === "rerank") return "hosted_vllm";
  return [...engines].every((e) => e === "vllm") ? "hosted_vllm" : "openai";
}

function priced(
  price: TokenPrice | undefined,
): Pick<LiteLLMDeployment["litellm_params"], "input_cost_per_token" | "output_cost_per_token"> {
  if (price === undefined) return {};
  return {
    input_cost_per_token: price.inputPerMillion / 1e6,
    output_cost_per_token: price.outputPerMillion / 1e6,
  };
}

/** The (served model, pool) deployments of a pool, in replica order. */
function poolDeployments(
  pool: PoolPlan,
  baseUrl: string,
  prices: Record<string, TokenPrice>,
): LiteLLMDeployment[] {
  const byModel = new Map<
    string,
    { engines: Set<string>; replicas: number; maxModelLen: number }
  >();
  // An Ollama instance may serve several models: each of its served names is routed to the pool.
  const served = pool.replicas.flatMap((r) =>
    (r.ollama?.models.map((m) => m.servedName) ?? [r.model.servedName]).map((name) => ({
      r,
      name,
    })),
  );
  for (const { r, name } of served) {
    const m = byModel.get(name) ?? {
      engines: new Set<string>(),
      replicas: 0,
      maxModelLen: Infinity,
    };
    m.engines.add(r.engine);
    m.replicas += 1;
    m.maxModelLen = Math.min(m.maxModelLen, r.maxModelLen);
    byModel.set(name, m);
  }
  const task = pool.task ?? "chat";
  const timeout = proxyReadTimeoutSeconds(pool);
  return [...byModel].map(([servedName, m]) => ({
    model_name: servedName,
    litellm_params: {
      model: `${providerOf(task, m.engines)}/${servedName}`,
      api_base: `${baseUrl}/v1`,
      api_key: env(GATEWAY_ENV.engineApiKey),
      timeout,
      weight: Math.max(1, m.replicas * pool.count),
      ...priced(prices[servedName]),
    },
    model_info: {
      id: `${pool.name}/${servedName}`,
      mode: task,
      ...(task === "chat" ? { max_input_tokens: m.maxModelLen } : {}),
      gpufleet_pool: pool.name,
    },
  }));
}

/**
 * The LiteLLM configuration as data (what renderLiteLLMConfig serializes). Throws on an invalid
 * gateway config.
 */
export function buildLiteLLMConfig(plan: FleetPlan, ctx: GatewayRenderContext): LiteLLMConfig {
  const problems = validateGateway(plan, ctx.options);
  if (problems.length > 0)
    throw new Error(`gateway config of stack ${ctx.stack}:\n  ${problems.join("\n  ")}`);
  const o = resolveGatewayOptions(ctx.options);
  const host = ctx.internalHost ?? placeholderHost(ctx.stack);
  const ports = internalListenerPorts(plan);
  const deployments = plan.pools.flatMap((pool) =>
    poolDeployments(
      pool,
      ctx.poolBaseUrl?.(pool) ?? `http://${host}:${ports[pool.name]}`,
      o.prices,
    ),
  );
  // Entries of one model next to each other (the file reads per model), in order of first
  // appearance.
  const order = [...new Set(deployments.map((d) => d.model_name))];
  deployments.sort((a, b) => order.indexOf(a.model_name) - order.indexOf(b.model_name));
  const upstreams: LiteLLMDeployment[] = o.upstreams.map((u) => ({
    model_name: u.name,
    litellm_params: {
      model: `${u.provider}/${u.model}`,
      ...(u.apiBase !== undefined ? { api_base: u.apiBase } : {}),
      api_key: env(upstreamKeyEnv(u.apiKeySecret)),
      ...priced(o.prices[u.name]),
    },
    model_info: { id: `upstream/${u.name}`, gpufleet_upstream: u.provider },
  }));
  const timeout = Math.max(600, ...plan.pools.map(proxyReadTimeoutSeconds));
  return {
    model_list: [...deployments, ...upstreams],
    router_settings: { ...ROUTER_SETTINGS, timeout },
    litellm_settings: {
      // Parameters a backend does not take are dropped instead of failing the request.
      drop_params: true,
      request_timeout: timeout,
      // One JSON object per line: CloudWatch Logs Insights can query it.
      json_logs: true,
    },
    general_settings: {
      master_key: env(GATEWAY_ENV.masterKey),
      database_url: env(GATEWAY_ENV.databaseUrl),
      // Per worker process; db.t4g.micro allows ~80 connections.
      database_connection_pool_limit: 10,
    },
  };
}

/** The LiteLLM proxy config YAML of a fleet; credentials are `os.environ/` references only. */
export function renderLiteLLMConfig(plan: FleetPlan, ctx: GatewayRenderContext): string {
  const doc = new Document(buildLiteLLMConfig(plan, ctx));
  doc.commentBefore =
    ` LiteLLM proxy config of gpufleet stack ${ctx.stack}, generated from the plan: do not edit.\n` +
    ` Credentials are os.environ/ references, filled from Secrets Manager and SSM by the ECS task definition.`;
  return doc.toString({ lineWidth: 0 });
}

/** A file `gpufleet render` writes under its output directory. */
export interface RenderedGatewayFile {
  /** Relative to the output directory. */
  path: string;
  content: string;
}

/** Every generated gateway artifact: `gateway/litellm-config.yaml`. */
export function renderGatewayFiles(
  plan: FleetPlan,
  ctx: GatewayRenderContext,
): RenderedGatewayFile[] {
  return [{ path: "gateway/litellm-config.yaml", content: renderLiteLLMConfig(plan, ctx) }];
}
