// What a stack says about its gateway (`gpufleet:gateway`), with every default filled in, and the
// names, ports
// and environment variables the config renderer, the component and the tests agree on. Pure: no
// @pulumi imports.
import { createHash } from "node:crypto";
import type { FleetPlan } from "../planner/types";

/**
 * LiteLLM image: a release tag, not `main-latest`, so that every deployment runs what was reviewed.
 * Confirmed on
 * the GHCR package page of BerriAI/litellm (2026-06): `ghcr.io/berriai/litellm:v1.80.11-stable.1`,
 * linux/amd64
 * digest sha256:753ff09ed2df3f47fe157faa54171e121d0b1adfeb8c06e5c112179aec4db55a, also built for
 * linux/arm64.
 */
export const LITELLM_IMAGE = "ghcr.io/berriai/litellm:v1.80.11-stable.1";

/** Port LiteLLM listens on inside the task (its default). */
export const LITELLM_PORT = 4000;

/** PostgreSQL's port (the database security group opens only this, only to the gateway). */
export const POSTGRES_PORT = 5432;

/**
 * First listener port of the internal load balancer: pool i (plan order) is reached at this + i.
 * Pools usually share
 * the proxy port 8080, so the listener port, not the target port, tells pools apart; the ALB of
 * this AWS provider
 * cannot rewrite paths, and not every LiteLLM provider route forwards custom headers.
 */
export const INTERNAL_LISTENER_BASE_PORT = 10000;

/**
 * Listeners per application load balancer (Elastic Load Balancing quota, default; checked 2025-06).
 */
export const ALB_MAX_LISTENERS = 50;

/**
 * Environment variables of the LiteLLM task. Values of the SECRET ones come only from the task's
 * `secrets`.
 */
export const GATEWAY_ENV = {
  /** The gateway's admin key (`sk-…`): LiteLLM's master key, also the admin UI password. Secret. */
  masterKey: "LITELLM_MASTER_KEY",
  /**
   * Encrypts provider credentials LiteLLM stores in its database; never change it after the first
   * key exists. Secret.
   */
  saltKey: "LITELLM_SALT_KEY",
  /** postgresql://user:password@host:5432/litellm. Secret. */
  databaseUrl: "DATABASE_URL",
  /** The engines' API key (Bearer token of every /v1 request on a pool's proxy). Secret. */
  engineApiKey: "GPUFLEET_ENGINE_API_KEY",
  /**
   * The generated LiteLLM config, base64 (no secret: every credential in it is an os.environ/
   * reference).
   */
  config: "GPUFLEET_LITELLM_CONFIG",
} as const;

/**
 * Fargate task sizes AWS accepts: vCPU units → memory MiB allowed (AWS Fargate task definition
 * docs, 2025-06).
 */
export const FARGATE_SIZES: Record<number, { min: number; max: number; step: number }> = {
  256: { min: 512, max: 2048, step: 512 },
  512: { min: 1024, max: 4096, step: 1024 },
  1024: { min: 2048, max: 8192, step: 1024 },
  2048: { min: 4096, max: 16384, step: 1024 },
  4096: { min: 8192, max: 30720, step: 1024 },
};

/**
 * An external model behind the gateway (OpenAI, Anthropic …), reached over the internet through
 * NAT.
 */
export interface GatewayUpstream {
  /**
   * The name clients put in `model`, e.g. "gpt-4o". Must not collide with a served model of the
   * fleet.
   */
  name: string;
  /** LiteLLM provider prefix: "openai", "anthropic", "gemini", "mistral", "groq", … */
  provider: string;
  /**
   * The provider's model id, e.g. "gpt-4o-2024-08-06"; LiteLLM is called with `<provider>/<model>`.
   */
  model: string;
  /**
   * Where its API key lives: an entry of the secret `gpufleet:gatewayApiKeys` map (e.g. "openai"),
   * stored by the
   * component in Secrets Manager; or the ARN of a Secrets Manager secret you manage. Never the key
   * itself.
   */
  apiKeySecret: string;
  /** Base URL for OpenAI-compatible third parties; default: the provider's own. */
  apiBase?: string;
}

/**
 * USD per million tokens a served model is charged at, so that key budgets count self-hosted
 * traffic too.
 */
export interface TokenPrice {
  inputPerMillion: number;
  outputPerMillion: number;
}

/**
 * `gpufleet:gateway` as validated config hands it over (every field optional here; defaults below).
 */
export interface GatewayOptions {
  /** Create the gateway; default false. */
  enabled?: boolean;
  /** Fargate vCPU units per task (256, 512, 1024, 2048, 4096); default 1024. */
  cpu?: number;
  /** MiB per task, valid for `cpu`; default 2048. */
  memoryMiB?: number;
  /**
   * Tasks; default 1. Budgets and spend live in PostgreSQL, but LiteLLM keeps rpm/tpm counters per
   * process: more
   * than one task makes rate limits per task unless a Redis is added (not built yet).
   */
  taskCount?: number;
  /** LiteLLM image; default LITELLM_IMAGE. */
  image?: string;
  /** RDS instance class; default db.t4g.micro. */
  dbInstanceClass?: string;
  /** RDS storage, GiB (gp3; grows automatically to 5×); default 20. */
  dbAllocatedStorageGiB?: number;
  /** A standby in a second AZ (doubles the instance price); default false. */
  dbMultiAz?: boolean;
  /** RDS deletion protection (`pulumi destroy` fails until it is turned off); default true. */
  deletionProtection?: boolean;
  /** Days of automated backups (1–35); default 7. */
  backupRetentionDays?: number;
  /** External models; default none. */
  upstreams?: GatewayUpstream[];
  /**
   * Price per served model name; default none (self-hosted models cost $0 and only rate limits
   * bind).
   */
  prices?: Record<string, TokenPrice>;
}

export type ResolvedGatewayOptions = Required<Omit<GatewayOptions, "prices" | "upstreams">> & {
  upstreams: GatewayUpstream[];
  prices: Record<string, TokenPrice>;
};

export const GATEWAY_DEFAULTS: ResolvedGatewayOptions = {
  enabled: false,
  cpu: 1024,
  memoryMiB: 2048,
  taskCount: 1,
  image: LITELLM_IMAGE,
  dbInstanceClass: "db.t4g.micro",
  dbAllocatedStorageGiB: 20,
  dbMultiAz: false,
  deletionProtection: true,
  backupRetentionDays: 7,
  upstreams: [],
  prices: {},
};

export function resolveGatewayOptions(options: GatewayOptions = {}): ResolvedGatewayOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { ...GATEWAY_DEFAULTS, ...defined } as ResolvedGatewayOptions;
}

/** Internal load balancer listener port of each pool, by pool name (plan order). */
export function internalListenerPorts(plan: FleetPlan): Record<string, number> {
  return Object.fromEntries(plan.pools.map((p, i) => [p.name, INTERNAL_LISTENER_BASE_PORT + i]));
}

function shortHash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 8);
}

/**
 * Target group names of the gateway (at most 32 characters, unique per account and region, never
 * equal to a public
 * pool group's `gf-…`): `gw-<pool>-<hash>` for a pool behind the internal load balancer,
 * `gw-litellm-<hash>` for
 * the LiteLLM tasks behind the public one. Stack, pool and port are hashed in, so a changed port
 * gets a new name.
 */
export function gatewayTargetGroupName(stack: string, pool: string | null, port: number): string {
  const hash = shortHash("gpufleet-gateway", stack, pool ?? "\0litellm", String(port));
  return pool === null
    ? `gw-litellm-${hash}`
    : `gw-${pool.slice(0, 20).replace(/-+$/, "")}-${hash}`;
}

/** Secrets Manager names of the gateway's secrets (never their values). */
export function gatewaySecretNames(stack: string): {
  masterKey: string;
  saltKey: string;
  database: string;
  upstream(key: string): string;
} {
  const prefix = `gpufleet/${stack}/gateway`;
  return {
    masterKey: `${prefix}/master-key`,
    saltKey: `${prefix}/salt-key`,
    database: `${prefix}/database`,
    upstream: (key) => `${prefix}/upstream/${key}`,
  };
}

export function isSecretArn(value: string): boolean {
  return /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(value);
}

/**
 * The environment variable an upstream's key reaches LiteLLM in: one per distinct `apiKeySecret`.
 */
export function upstreamKeyEnv(apiKeySecret: string): string {
  const id = isSecretArn(apiKeySecret)
    ? apiKeySecret.split(":secret:")[1]!.replace(/-[A-Za-z0-9]{6}$/, "")
    : apiKeySecret;
  return `GPUFLEET_UPSTREAM_KEY_${id
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")}`;
}

/** Distinct `apiKeySecret`s of the upstreams, in order. */
export function upstreamKeySecrets(upstreams: GatewayUpstream[]): string[] {
  return [...new Set(upstreams.map((u) => u.apiKeySecret))];
}

/**
 * What the gateway refuses before anything is created, one line per problem naming its config path:
 * task sizes
 * Fargate does not offer, too many pools for one internal load balancer's listeners, upstream names
 * that shadow a
 * served model or repeat, key references that are neither a map entry nor a secret ARN.
 */
export function validateGateway(plan: FleetPlan, options: GatewayOptions = {}): string[] {
  const o = resolveGatewayOptions(options);
  const problems: string[] = [];
  const size = FARGATE_SIZES[o.cpu];
  if (size === undefined) {
    problems.push(
      `gpufleet:gateway.cpu: ${o.cpu} is not a Fargate size; use one of ${Object.keys(FARGATE_SIZES).join(", ")}`,
    );
  } else if (
    o.memoryMiB < size.min ||
    o.memoryMiB > size.max ||
    (o.memoryMiB - size.min) % size.step !== 0
  ) {
    problems.push(
      `gpufleet:gateway.memoryMiB: ${o.memoryMiB} MiB does not go with cpu ${o.cpu}; Fargate allows ${size.min}–${size.max} MiB in steps of ${size.step}`,
    );
  }
  if (!Number.isInteger(o.taskCount) || o.taskCount < 1)
    problems.push(`gpufleet:gateway.taskCount: must be a positive integer`);
  if (plan.pools.length > ALB_MAX_LISTENERS) {
    problems.push(
      `gpufleet:pools: ${plan.pools.length} pools, but the gateway's internal load balancer takes at most ${ALB_MAX_LISTENERS} listeners (one per pool)`,
    );
  }
  const served = new Set(
    plan.pools.flatMap((p) =>
      p.replicas.flatMap((r) => r.ollama?.models.map((m) => m.servedName) ?? [r.model.servedName]),
    ),
  );
  const seen = new Set<string>();
  o.upstreams.forEach((u, i) => {
    const at = `gpufleet:gateway.upstreams[${i}]`;
    if (served.has(u.name))
      problems.push(`${at}.name: "${u.name}" is already a model served by the fleet`);
    if (seen.has(u.name)) problems.push(`${at}.name: "${u.name}" is listed twice`);
    seen.add(u.name);
    if (!/^[a-z][a-z0-9_]*$/.test(u.provider))
      problems.push(
        `${at}.provider: "${u.provider}" is not a LiteLLM provider prefix (openai, anthropic, …)`,
      );
    if (!isSecretArn(u.apiKeySecret) && !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(u.apiKeySecret)) {
      problems.push(
        `${at}.apiKeySecret: "${u.apiKeySecret}" must name an entry of gpufleet:gatewayApiKeys (letters, digits, _ and -) or be a Secrets Manager secret ARN`,
      );
    }
  });
  for (const name of Object.keys(o.prices)) {
    if (!served.has(name) && !seen.has(name))
      problems.push(`gpufleet:gateway.prices.${name}: no served model or upstream has this name`);
  }
  return problems;
}
