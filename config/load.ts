// Loading a stack's config from a Pulumi.<stack>.yaml file (the CLI) — the program's loader from
// pulumi.Config is in ./pulumi.ts. Both end in parseStackConfig, so they fail identically.
import { readFileSync, existsSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { stackConfigSchema, type StackConfig } from "./schema";
import { checkKubernetesTarget } from "./kubernetes";
import { targetProblems } from "./target";

export const NAMESPACE = "gpufleet";

/** Every problem of a config, one line each, prefixed with its config path. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid stack config:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** `gpufleet:pools[1].instanceType` from ["pools", 1, "instanceType"]. */
export function formatConfigPath(segments: readonly PropertyKey[]): string {
  let out = NAMESPACE;
  segments.forEach((seg, i) => {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += i === 0 ? `:${String(seg)}` : `.${String(seg)}`;
  });
  return out;
}

/** One line per problem of a zod issue, with its config path. */
export function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map(
      (k) =>
        `${formatConfigPath([...issue.path, k])}: unknown key (check its spelling; README lists every key)`,
    );
  }
  return [`${formatConfigPath(issue.path)}: ${issue.message}`];
}

/** The whole stack's schema: every key, and the keys only a target accepts. */
export const STACK_SCHEMA = stackConfigSchema.superRefine(checkKubernetesTarget);

/**
 * Validates the raw `gpufleet:*` values (namespace stripped); throws ConfigError listing every
 * problem.
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const result = STACK_SCHEMA.safeParse(raw);
  if (!result.success) throw new ConfigError(result.error.issues.flatMap(describeIssue));
  const problems = targetProblems(result.data);
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data;
}

export interface StackFile {
  /** Absolute path of the file read. */
  file: string;
  /** Stack name from the file name Pulumi.<stack>.yaml; undefined for a file named otherwise. */
  stack: string | undefined;
  /** aws:region, when set. */
  region?: string;
  /** `gpufleet:*` values, namespace stripped, as written. */
  raw: Record<string, unknown>;
  /** Every config key of the file (all namespaces), for tools that need the rest. */
  all: Record<string, unknown>;
}

/** Reads Pulumi.<stack>.yaml (or any file of that shape) without the Pulumi CLI. */
export function readStackFile(file: string): StackFile {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new ConfigError([`${abs}: no such stack config file`]);
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(abs, "utf8"));
  } catch (err) {
    throw new ConfigError([`${abs}: not valid YAML: ${(err as Error).message}`]);
  }
  const config = (doc as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new ConfigError([`${abs}: "config" must be a map of keys such as gpufleet:pools`]);
  }
  const all = config as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    const [ns, ...rest] = key.split(":");
    if (ns === NAMESPACE && rest.length > 0) raw[rest.join(":")] = value;
  }
  const m = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(abs));
  const region = typeof all["aws:region"] === "string" ? (all["aws:region"] as string) : undefined;
  return { file: abs, stack: m?.[1], region, raw, all };
}

/** What a command names: a stack (default dev) or a stack file. */
export interface StackSelection {
  stack?: string;
  config?: string;
}

/**
 * The stack file a command reads and the stack it plans: `--stack` names both (its
 * Pulumi.<stack>.yaml); `--config FILE` names the file, whose stack is `--stack` or the <stack> of
 * a file named Pulumi.<stack>.yaml. A file named otherwise needs `--stack`: planning it as "dev"
 * would name every resource, parameter and log group after the wrong stack.
 */
export function readSelectedStack(sel: StackSelection): StackFile & { stack: string } {
  const sf = readStackFile(sel.config ?? stackFilePath(sel.stack ?? "dev"));
  const stack = sel.stack ?? sf.stack;
  if (stack === undefined) {
    throw new ConfigError([
      `--stack: required with --config ${path.basename(sf.file)}: its name is not Pulumi.<stack>.yaml, so it names no stack (resources, SSM parameters and log groups are named after the stack)`,
    ]);
  }
  return { ...sf, stack };
}

/** The directory of Pulumi.yaml: this file runs from config/ (sources) or dist/config/ (built). */
function projectRoot(): string {
  const up = path.resolve(__dirname, "..");
  return existsSync(path.join(up, "Pulumi.yaml")) ? up : path.resolve(up, "..");
}

/** The file of a stack: Pulumi.<stack>.yaml beside Pulumi.yaml (cwd, or the package root). */
export function stackFilePath(stack: string, cwd = process.cwd()): string {
  for (const dir of [cwd, projectRoot()]) {
    for (const ext of ["yaml", "yml"]) {
      const candidate = path.join(dir, `Pulumi.${stack}.${ext}`);
      if (existsSync(candidate)) return candidate;
    }
  }
  return path.join(cwd, `Pulumi.${stack}.yaml`);
}

/**
 * Keys whose values are secrets: Pulumi.<stack>.yaml should hold them encrypted (`secure:`), never
 * in plain text.
 */
export const SECRET_KEYS = ["hfToken", "apiKey", "alertWebhookUrl"] as const;

/**
 * Secrets written into a stack file in plain text (not with `pulumi config set --secret`): anyone
 * who can read the
 * repository can read them. One warning per key; the values themselves are never echoed.
 */
export function plainSecretWarnings(raw: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of SECRET_KEYS) {
    if (typeof raw[key] === "string") {
      out.push(
        `${NAMESPACE}:${key} is stored in plain text in the stack file; encrypt it: pulumi config set --secret ${NAMESPACE}:${key} <value>`,
      );
    }
  }
  const upstream = raw.gatewayApiKeys;
  if (upstream && typeof upstream === "object" && !Array.isArray(upstream)) {
    for (const [name, v] of Object.entries(upstream as Record<string, unknown>)) {
      if (typeof v === "string") {
        out.push(
          `${NAMESPACE}:gatewayApiKeys.${name} is stored in plain text in the stack file; encrypt it: pulumi config set --secret --path '${NAMESPACE}:gatewayApiKeys.${name}' <value>`,
        );
      }
    }
  }
  return out;
}
