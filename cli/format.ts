// Human renderings of a FleetPlan: a terminal table (also what `pulumi preview` logs) and markdown
// for a
// pull-request comment. The JSON form is the FleetPlan itself (DESIGN.md, "Plan JSON").
import { computeVcpuQuotaNeeds } from "../components/aws/facts";
import type { FleetPlan, PoolPlan, ReplicaPlan } from "../planner/types";

function pad(cells: string[][]): string[] {
  const widths: number[] = [];
  for (const row of cells) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return cells.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

const gib = (x: number): string => x.toFixed(1);
const money = (x: number): string => `$${x.toFixed(2)}`;

function replicaRow(r: ReplicaPlan): string[] {
  const q = r.model.quantization === "none" ? r.model.dtype : r.model.quantization;
  return [
    `${r.gpus.join(",")}`,
    String(r.port),
    r.model.servedName,
    r.engine,
    q,
    r.kvCacheDtype,
    String(r.tensorParallel),
    String(r.maxModelLen),
    r.gpuMemoryUtilization.toFixed(2),
    String(r.maxNumSeqs),
    `${gib(r.memory.weightsGiB)}+${gib(r.memory.activationGiB)}+${gib(r.memory.overheadGiB)}+${gib(r.memory.kvCacheGiB)}`,
    r.memory.kvTokens.toLocaleString("en-US"),
    `${r.concurrency}x`,
    `${r.estimates.decodeTokensPerSecond}`,
    `${Math.round(r.estimates.coldStartSeconds / 60)}m`,
  ];
}

const HEADER = [
  "GPUS",
  "PORT",
  "MODEL",
  "ENGINE",
  "WEIGHTS",
  "KV",
  "TP",
  "CONTEXT",
  "UTIL",
  "SEQS",
  "GiB/GPU W+A+O+KV",
  "KV TOKENS",
  "FULL SEQS",
  "TOK/S",
  "COLD",
];

function poolTitle(p: PoolPlan): string {
  const where = p.instanceType ?? "own hardware";
  const quota = p.vcpuQuota
    ? `, ${p.vcpuQuota.vcpus} vCPUs of the "${p.vcpuQuota.quota}" quota`
    : "";
  return `pool ${p.name}: ${p.count} × ${where} — ${p.gpu.count} × ${p.gpu.model} (${p.gpu.memoryGiB} GiB, cc ${p.gpu.computeCapability}), category ${p.category}, proxy :${p.proxyPort}, ${money(p.costPerHour)}/h${quota}`;
}

function quotaLine(plan: FleetPlan): string | null {
  // vCPUs each EC2 on-demand quota must allow (a new account's G and P quotas start low); preview
  // adds the peaks.
  const needs = Object.entries(computeVcpuQuotaNeeds(plan));
  if (needs.length === 0) return null;
  return `EC2 quotas needed: ${needs.map(([q, n]) => `${n.desired} vCPUs of "Running On-Demand ${q} instances"`).join(", ")}`;
}

/** The plan as a terminal table, one block per pool, reasons and warnings under it. */
export function formatTable(plan: FleetPlan, opts: { reasons?: boolean } = {}): string {
  const out: string[] = [];
  out.push(
    `gpufleet plan — stack ${plan.stack}: ${plan.pools.length} pool(s), ${money(plan.costPerHour)}/h on demand (us-east-1 prices of ${plan.pricesAsOf})`,
  );
  const quotas = quotaLine(plan);
  if (quotas) out.push(quotas);
  for (const p of plan.pools) {
    out.push("");
    out.push(poolTitle(p));
    out.push(...pad([HEADER, ...p.replicas.map(replicaRow)]).map((l) => `  ${l}`));
    const first = p.replicas[0];
    if (first && opts.reasons !== false) {
      out.push(
        `  image ${first.image}; model ${first.model.source}${first.model.gated ? " (gated: needs an HF token)" : ""}; ${first.memoryKnob}`,
      );
      for (const r of first.reasons) out.push(`  why ${r.field}: ${r.why}`);
    }
    for (const w of [...p.warnings, ...(first?.warnings ?? [])]) out.push(`  warning: ${w}`);
  }
  return out.join("\n");
}

/** The plan as markdown, for a pull-request comment. */
export function formatMarkdown(plan: FleetPlan): string {
  const out: string[] = [];
  out.push(`### gpufleet plan — stack \`${plan.stack}\``);
  out.push("");
  out.push(
    `${plan.pools.length} pool(s), **${money(plan.costPerHour)}/h** on demand (us-east-1 prices of ${plan.pricesAsOf}).`,
  );
  const quotas = quotaLine(plan);
  if (quotas) out.push("", quotas + ".");
  for (const p of plan.pools) {
    out.push("");
    out.push(`#### ${poolTitle(p).replace(/^pool /, "Pool ")}`);
    out.push("");
    out.push(`| ${HEADER.join(" | ")} |`);
    out.push(`| ${HEADER.map(() => "---").join(" | ")} |`);
    for (const r of p.replicas) out.push(`| ${replicaRow(r).join(" | ")} |`);
    const first = p.replicas[0];
    if (first) {
      out.push("");
      out.push(`<details><summary>Why</summary>`);
      out.push("");
      out.push(
        `- image \`${first.image}\`, weights \`${first.model.source}\`, \`${first.memoryKnob}\``,
      );
      for (const r of first.reasons) out.push(`- **${r.field}**: ${r.why}`);
      out.push("");
      out.push(`</details>`);
    }
    for (const w of [...p.warnings, ...(first?.warnings ?? [])]) out.push(`> ⚠️ ${w}`);
  }
  return out.join("\n");
}
