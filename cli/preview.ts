// `gpufleet preview`: the whole Pulumi program under the SDK's mocks, with the stack's config — no
// cloud account,
// no Pulumi CLI. Prints the resource tree (type, name, parent) and the stack outputs; --json per
// DESIGN.md with
// every secret replaced by "[secret]".
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { ConfigError, planStackConfig, plainSecretWarnings, readSelectedStack } from "../config";
import { computeVcpuQuotaNeeds, type VcpuQuotaNeed } from "../components/aws/facts";
import { validateDeployment } from "../components/aws/validate";
import { validateKubernetesDeployment } from "../components/kubernetes/validate";
import { priceAwsFleet } from "../components/aws/cost";
import type { FleetPlan } from "../planner/types";
import { createOfflineMocks, redactSecrets, type RecordedResource } from "./offline-mocks";

/**
 * Stand-in for a `secure:` config value: the CLI has no passphrase or backend to decrypt it with.
 */
export const SECRET_PLACEHOLDER = "offline-preview-placeholder-secret";

/** Region when the stack sets no aws:region (the real provider would refuse to run). */
const DEFAULT_REGION = "us-east-1";

/**
 * How the program is loaded. The CLI runs under tsx's CommonJS hook, where `require` compiles
 * index.ts; vitest
 * replaces this with its own `import()` (and vi.resetModules between runs).
 */
export const programLoader: { load: () => Promise<Record<string, unknown>> } = {
  load: async () => {
    const file = require.resolve("../index");
    delete require.cache[file]; // a second preview in the same process runs the program again
    return require(file) as Record<string, unknown>;
  },
};

/** The Kubernetes target's program (gpufleet:target kubernetes), loaded like programLoader. */
export const kubernetesProgramLoader: { load: () => Promise<Record<string, unknown>> } = {
  load: async () => {
    const file = require.resolve("../targets/kubernetes");
    delete require.cache[file];
    return require(file) as Record<string, unknown>;
  },
};

export interface PreviewOptions {
  stack?: string;
  config?: string;
  /** Run as `pulumi up` would (isDryRun false); default: as `pulumi preview`. */
  update?: boolean;
  /** Values the mocked RandomPassword returns (tests use a distinctive one). */
  randomPassword?: string;
}

export interface PreviewLog {
  severity: "info" | "warning" | "error";
  message: string;
}

export interface PreviewRun {
  stack: string;
  file: string;
  region: string;
  dryRun: boolean;
  plan: FleetPlan;
  vcpuQuotas: Partial<Record<string, VcpuQuotaNeed>>;
  resources: RecordedResource[];
  /** Stack outputs, with whether each is a secret. */
  outputs: Record<string, { value: unknown; secret: boolean }>;
  /** What the program logged (pulumi.log): the plan table, warnings such as plain HTTP. */
  log: PreviewLog[];
  /** Config keys whose values were `secure:` and are replaced by SECRET_PLACEHOLDER. */
  secretKeys: string[];
  ms: number;
}

function isSecure(v: unknown): boolean {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.keys(v).length === 1 &&
    "secure" in v
  );
}

/**
 * Replaces every `{ secure: … }` (at any depth) by the placeholder; reports whether there was one.
 */
function substituteSecrets(v: unknown): { value: unknown; secret: boolean } {
  if (isSecure(v)) return { value: SECRET_PLACEHOLDER, secret: true };
  if (Array.isArray(v)) {
    const items = v.map(substituteSecrets);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v).map(([k, x]) => [k, substituteSecrets(x)] as const);
    return {
      value: Object.fromEntries(entries.map(([k, x]) => [k, x.value])),
      secret: entries.some(([, x]) => x.secret),
    };
  }
  return { value: v, secret: false };
}

/**
 * The stack file's config as the Pulumi engine hands it to a program: strings, structured values as
 * JSON.
 */
export function engineConfig(all: Record<string, unknown>): {
  config: Record<string, string>;
  secretKeys: string[];
} {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, raw] of Object.entries(all)) {
    const { value, secret } = substituteSecrets(raw);
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
    if (secret) secretKeys.push(key);
  }
  return { config, secretKeys };
}

function projectNameNear(file: string): string {
  const project = path.join(path.dirname(file), "Pulumi.yaml");
  if (!existsSync(project)) return "gpufleet";
  const doc = parseYaml(readFileSync(project, "utf8")) as { name?: unknown } | null;
  return typeof doc?.name === "string" ? doc.name : "gpufleet";
}

interface OutputLike {
  promise(withUnknowns?: boolean): Promise<unknown>;
}

async function resolveOutput(v: unknown): Promise<{ value: unknown; secret: boolean }> {
  const o = pulumi.output(v);
  const [value, secret] = await Promise.all([
    (o as unknown as OutputLike).promise(true),
    pulumi.isSecret(o),
  ]);
  return { value, secret };
}

/**
 * Waits until the SDK has no registration in flight (components register their outputs after their
 * children).
 */
async function settle(): Promise<void> {
  // Exported by the SDK's runtime at run time, though not in its type declarations.
  const settings = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (typeof settings.waitForRPCs === "function") await settings.waitForRPCs();
}

export interface MockRunArgs {
  project: string;
  stack: string;
  region: string;
  /** Config as the engine hands it over (pulumi.runtime.setAllConfig). */
  config: Record<string, string>;
  /** Keys of `config` that are secrets. */
  secretKeys?: string[];
  /** true: as `pulumi preview`; false: as `pulumi up`. */
  dryRun: boolean;
  /** What the mocked RandomPassword returns. */
  randomPassword?: string;
  /** How to load the program; default programLoader.load. */
  load?: () => Promise<Record<string, unknown>>;
  /** Array to record registrations into, readable even when the run throws. */
  record?: RecordedResource[];
}

export interface MockRun {
  resources: RecordedResource[];
  calls: Array<{ token: string; inputs: Record<string, unknown> }>;
  outputs: Record<string, { value: unknown; secret: boolean }>;
  log: PreviewLog[];
}

/**
 * Runs the program under the offline mocks with the given engine config and waits for every
 * registration.
 * Throws what the program throws (e.g. pulumi.RunError for bad config, before any resource).
 */
export async function runUnderMocks(args: MockRunArgs): Promise<MockRun> {
  const offline = createOfflineMocks({
    project: args.project,
    stack: args.stack,
    region: args.region,
    randomPassword: args.randomPassword,
    record: args.record,
  });
  const log: PreviewLog[] = [];
  const consoleLog = console.log;
  const consoleWarn = console.warn;
  const consoleError = console.error;
  const stackTraceLimit = Error.stackTraceLimit;
  // pulumi.log writes to the console when no engine is attached; keep those lines for the report.
  const capture =
    (severity: PreviewLog["severity"], fallback: (...a: unknown[]) => void) =>
    (...a: unknown[]): void => {
      const text = a.map(String).join(" ");
      const m = /^(info|warning|error): \[runtime\] ([\s\S]*)$/.exec(text);
      if (m) log.push({ severity, message: m[2]! });
      else fallback(...a);
    };
  // The SDK records a stack trace per promise; previews do not need them (about twice as fast).
  Error.stackTraceLimit = 0;
  console.log = capture("info", consoleLog);
  console.warn = capture("warning", consoleWarn);
  console.error = capture("error", consoleError);
  const outputs: MockRun["outputs"] = {};
  try {
    await pulumi.runtime.setMocks(offline.mocks, args.project, args.stack, args.dryRun);
    pulumi.runtime.setAllConfig(args.config, args.secretKeys);
    offline.installParentTracking();
    const mod = await (args.load ?? programLoader.load)();
    for (const [key, value] of Object.entries(mod)) {
      if (key === "__esModule" || key === "default") continue;
      outputs[key] = await resolveOutput(value);
    }
    await settle();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    console.log = consoleLog;
    console.warn = consoleWarn;
    console.error = consoleError;
  }
  return { resources: offline.resources, calls: offline.calls, outputs, log };
}

/**
 * Validates the stack's config (throws ConfigError: one line per problem, nothing created), then
 * runs the program
 * under mocks and returns everything it registered and exported.
 */
export async function runPreview(opts: PreviewOptions): Promise<PreviewRun> {
  const started = performance.now();
  const sf = readSelectedStack(opts);
  const stack = sf.stack;
  const region = sf.region ?? DEFAULT_REGION;
  // The same checks as the program's, before the mocks exist: bad config creates nothing.
  const { cfg, plan: planned } = planStackConfig(stack, sf.raw);
  const kubernetes = cfg.target === "kubernetes";
  const aws = cfg.target === "aws";
  // Each target's own deployment checks (its program runs the same ones; docker's are the config's).
  const problems = kubernetes
    ? validateKubernetesDeployment(planned, cfg)
    : aws
      ? validateDeployment(planned, cfg, region)
      : [];
  // The AWS program's bill: GPU pools and the infrastructure beside them.
  const plan = aws ? priceAwsFleet(planned, cfg, region) : planned;
  if (problems.length > 0) throw new ConfigError(problems);

  const { config, secretKeys } = engineConfig({ "aws:region": region, ...sf.all });
  const dryRun = opts.update !== true;
  const run = await runUnderMocks({
    project: projectNameNear(sf.file),
    stack,
    region,
    config,
    secretKeys,
    dryRun,
    randomPassword: opts.randomPassword,
    load: kubernetes ? kubernetesProgramLoader.load : undefined,
  });
  return {
    stack,
    file: sf.file,
    region,
    dryRun,
    plan,
    vcpuQuotas: aws ? computeVcpuQuotaNeeds(plan, cfg) : {},
    resources: run.resources,
    outputs: run.outputs,
    // Plain-text secrets in the stack file are the user's to fix: said beside the program's own
    // warnings.
    log: [
      ...plainSecretWarnings(sf.raw).map((message) => ({ severity: "warning" as const, message })),
      ...run.log,
    ],
    secretKeys,
    ms: performance.now() - started,
  };
}

/**
 * DESIGN.md's JSON: `{ resources: [{ type, name, parent, inputs }], outputs }`, every secret
 * "[secret]".
 */
export function previewJson(run: PreviewRun): {
  resources: Array<{
    type: string;
    name: string;
    parent: string | null;
    urn: string;
    inputs: unknown;
  }>;
  outputs: Record<string, unknown>;
} {
  const known = [SECRET_PLACEHOLDER];
  return {
    resources: run.resources.map((r) => ({
      type: r.type,
      name: r.name,
      parent: r.parent ?? null,
      urn: r.urn,
      inputs: redactSecrets(r.inputs, known),
    })),
    outputs: Object.fromEntries(
      Object.entries(run.outputs).map(([k, o]) => [
        k,
        o.secret ? "[secret]" : redactSecrets(o.value, known),
      ]),
    ),
  };
}

function formatValue(key: string, value: unknown): string {
  if (key === "plan") {
    const plan = value as FleetPlan;
    return `${plan.pools.length} pool(s), $${plan.costPerHour}/h (full plan: gpufleet plan --format json)`;
  }
  return JSON.stringify(value);
}

/** The resource tree (type and name, children under their parent) and the outputs, as text. */
export function formatPreview(run: PreviewRun): string {
  const lines: string[] = [];
  const mode = run.dryRun ? "preview" : "update";
  const custom = run.resources.filter((r) => r.custom).length;
  lines.push(
    `gpufleet preview — stack ${run.stack} (${path.basename(run.file)}), region ${run.region}, offline ${mode} with mocked AWS: ${custom} resources in ${run.resources.length - custom} components`,
  );
  for (const entry of run.log.filter((l) => l.severity === "info")) lines.push("", entry.message);
  const warnings = run.log.filter((l) => l.severity !== "info");
  if (warnings.length > 0) {
    lines.push("");
    for (const w of warnings) lines.push(`${w.severity}: ${w.message}`);
  }
  if (run.secretKeys.length > 0) {
    lines.push(
      "",
      `secrets (not decrypted offline, placeholder used): ${run.secretKeys.join(", ")}`,
    );
  }
  lines.push("", "Resources (type  name):");
  const children = new Map<string | undefined, RecordedResource[]>();
  for (const r of run.resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const known = new Set(run.resources.map((r) => r.urn));
  const walk = (parent: string | undefined, depth: number): void => {
    for (const r of children.get(parent) ?? []) {
      lines.push(`${"  ".repeat(depth + 1)}${r.custom ? "+ " : ""}${r.type}  ${r.name}`);
      walk(r.urn, depth + 1);
    }
  };
  walk(undefined, 0);
  // Parents the run did not register (none expected): still show their children.
  for (const [parent] of children) if (parent !== undefined && !known.has(parent)) walk(parent, 0);

  lines.push("", "Outputs:");
  for (const [key, o] of Object.entries(run.outputs)) {
    lines.push(
      `  ${key}: ${o.secret ? "[secret]" : formatValue(key, redactSecrets(o.value, [SECRET_PLACEHOLDER]))}`,
    );
  }
  const quotas = Object.entries(run.vcpuQuotas);
  if (quotas.length > 0) {
    lines.push("", "EC2 on-demand vCPU quotas this fleet needs (Service Quotas → EC2):");
    for (const [quota, need] of quotas) {
      lines.push(
        `  Running On-Demand ${quota} instances: ${need!.desired} vCPUs (${need!.duringRefresh} during a rolling instance refresh, ${need!.max} at maxCount)`,
      );
    }
  }
  return lines.join("\n");
}
