// Where a bench run points: a URL, model and key from flags, or — with --stack and --pool — the
// endpoint from the stack's outputs, the served model, routing header, price and predictions from
// its plan, and the API key from the environment, a file, or the SSM parameter the outputs name.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { planStackConfig, readSelectedStack } from "../../config";
import { secretParameterNames } from "../../cloud-init/context";
import type { PlanComparison } from "./report";
import { BenchInputError } from "./workload";

/** The routing header the fleet's proxies read (index.ts `routing.header`) when outputs lack it. */
const DEFAULT_ROUTING_HEADER = "x-gpufleet-model";

export interface Target {
  origin: string;
  basePath: string;
  /** The URL as given or derived, for the report. */
  url: string;
  model: string | null;
  headers: Record<string, string>;
  apiKey: string | null;
  costPerHour: number | null;
  plan: Omit<PlanComparison, "measured"> | null;
  /** Default concurrency sweep derived from the plan. */
  defaultSteps: number[] | null;
}

export interface TargetArgs {
  url?: string;
  model?: string;
  apiKeyEnv?: string;
  apiKeyFile?: string;
  stack?: string;
  config?: string;
  pool?: string;
  outputs?: string;
  costPerHour?: number;
  env: NodeJS.ProcessEnv;
}

/** http://host:port[/prefix] → origin and the /v1 base path (added when the URL has none). */
export function splitUrl(url: string, flag: string): { origin: string; basePath: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BenchInputError([`${flag}: "${url}" is not a URL`]);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw new BenchInputError([`${flag}: "${url}" must be http:// or https://`]);
  const path = u.pathname.replace(/\/+$/, "");
  return { origin: u.origin, basePath: /\/v1$/.test(path) ? path : `${path}/v1` };
}

function keyFromEnvOrFile(a: TargetArgs, problems: string[]): string | null {
  if (a.apiKeyFile) {
    try {
      const key = readFileSync(a.apiKeyFile, "utf8").trim();
      if (!key) problems.push(`--api-key-file: ${a.apiKeyFile} is empty`);
      return key || null;
    } catch (err) {
      problems.push(
        `--api-key-file: cannot read ${a.apiKeyFile}: ${(err as NodeJS.ErrnoException).code ?? err}`,
      );
      return null;
    }
  }
  const name = a.apiKeyEnv ?? "OPENAI_API_KEY";
  const v = a.env[name];
  if (a.apiKeyEnv && !v) problems.push(`--api-key-env: ${name} is not set`);
  return v ? v : null;
}

interface StackOutputs {
  openaiBaseUrl?: string;
  endpoint?: string;
  routing?: { header?: string };
  secretParameters?: { apiKey?: string };
}

function readOutputs(a: TargetArgs, stack: string): StackOutputs {
  if (a.outputs) {
    try {
      return JSON.parse(readFileSync(a.outputs, "utf8")) as StackOutputs;
    } catch (err) {
      throw new BenchInputError([
        `--outputs: cannot read ${a.outputs} as JSON (pulumi stack output --json): ${(err as Error).message}`,
      ]);
    }
  }
  const r = spawnSync("pulumi", ["stack", "output", "--json", "--stack", stack], {
    encoding: "utf8",
    env: a.env,
  });
  if (r.status !== 0 || r.error)
    throw new BenchInputError([
      `--stack ${stack}: cannot read its outputs (\`pulumi stack output --json --stack ${stack}\` ${r.error ? "is not available" : `failed: ${r.stderr.trim().split("\n")[0]}`}); pass --outputs FILE (that command's output) or --url`,
    ]);
  return JSON.parse(r.stdout) as StackOutputs;
}

/** The engine key from the SSM parameter the stack names, through the AWS CLI (never in argv). */
function keyFromSsm(parameter: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync(
    "aws",
    [
      "ssm",
      "get-parameter",
      "--with-decryption",
      "--name",
      parameter,
      "--query",
      "Parameter.Value",
      "--output",
      "text",
    ],
    { encoding: "utf8", env },
  );
  if (r.status !== 0 || r.error || !r.stdout.trim())
    throw new BenchInputError([
      `no API key: set OPENAI_API_KEY (or --api-key-env NAME / --api-key-file F), or let the AWS CLI read SSM parameter ${parameter} (${r.error ? "aws is not on PATH" : `aws failed: ${r.stderr.trim().split("\n")[0]}`})`,
    ]);
  return r.stdout.trim();
}

export function resolveTarget(a: TargetArgs): Target {
  const problems: string[] = [];
  if (a.pool && !a.stack && !a.config) problems.push("--pool: needs --stack (or --config)");
  if ((a.stack || a.config) && !a.pool) problems.push("--stack: needs --pool (the pool to load)");
  if (!a.url && !a.pool) problems.push("--url: required without --stack/--pool");
  let key = keyFromEnvOrFile(a, problems);
  if (problems.length) throw new BenchInputError(problems);

  if (!a.pool) {
    const { origin, basePath } = splitUrl(a.url!, "--url");
    return {
      origin,
      basePath,
      url: `${origin}${basePath}`,
      model: a.model ?? null,
      headers: {},
      apiKey: key,
      costPerHour: a.costPerHour ?? null,
      plan: null,
      defaultSteps: null,
    };
  }

  const sf = readSelectedStack(a);
  const stack = sf.stack;
  const { plan } = planStackConfig(stack, sf.raw);
  const pool = plan.pools.find((p) => p.name === a.pool);
  if (!pool)
    throw new BenchInputError([
      `--pool: no pool "${a.pool}" in stack ${stack}; pools: ${plan.pools.map((p) => p.name).join(", ")}`,
    ]);
  if (pool.task !== "chat")
    throw new BenchInputError([`--pool: ${pool.name} serves ${pool.task}, bench loads chat pools`]);
  const replica = pool.replicas[0]!;
  const servedName = replica.model.servedName;
  if (a.model && a.model !== servedName)
    throw new BenchInputError([
      `--model: pool ${pool.name} serves "${servedName}", not "${a.model}"`,
    ]);

  let url = a.url;
  let outputs: StackOutputs = {};
  if (!url || !key) outputs = readOutputs(a, stack);
  url ??= outputs.openaiBaseUrl ?? (outputs.endpoint ? `${outputs.endpoint}/v1` : undefined);
  if (!url)
    throw new BenchInputError([
      `--stack ${stack}: its outputs have no openaiBaseUrl or endpoint; pass --url`,
    ]);
  key ??= keyFromSsm(outputs.secretParameters?.apiKey ?? secretParameterNames(stack).apiKey, a.env);

  const { origin, basePath } = splitUrl(url, a.url ? "--url" : "outputs.openaiBaseUrl");
  const fullLength = pool.count * pool.replicas.reduce((n, r) => n + r.concurrency, 0);
  const steps: number[] = [];
  for (let c = 1; c <= Math.min(1024, Math.max(2, fullLength * 2)); c *= 2) steps.push(c);
  const costPerHour = a.costPerHour ?? pool.costPerHour;
  return {
    origin,
    basePath,
    url: `${origin}${basePath}`,
    model: servedName,
    headers: { [outputs.routing?.header ?? DEFAULT_ROUTING_HEADER]: servedName },
    apiKey: key,
    costPerHour,
    plan: {
      stack,
      pool: pool.name,
      servedName,
      engine: replica.engine,
      gpu: `${pool.gpu.count}× ${pool.gpu.model}`,
      instances: pool.count,
      replicas: pool.count * pool.replicas.length,
      costPerHour,
      predicted: {
        singleStreamTokensPerSecond: replica.estimates.decodeTokensPerSecond,
        fullLengthConcurrency: fullLength,
        maxModelLen: replica.maxModelLen,
      },
    },
    defaultSteps: steps,
  };
}
