// Human renderings of a FleetPlan: a terminal table (what `gpufleet plan` prints and the program logs
// in `pulumi preview`) and markdown for a pull-request comment. The JSON form is the FleetPlan
// itself (docs/ARCHITECTURE.md, "Plan JSON"). Pure: the plan in, text out.
import type { FleetPlan, PoolPlan, ReplicaPlan, VcpuQuota } from "./types";
import { fleetSpotCostPerHour } from "./capacity";

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

/**
 * The fleet's $/hour with its spot pools at their sampled spot range, or null without spot; what
 * the deployment runs beside the pools (costBreakdown) is added as it is.
 */
function spotLine(plan: FleetPlan): string | null {
  const range = fleetSpotCostPerHour(plan);
  if (!range) return null;
  const pools = plan.pools.reduce((sum, p) => sum + p.costPerHour, 0);
  const beside = Math.max(0, plan.costPerHour - pools);
  return `with spot: ${money(range.low + beside)}–${money(range.high + beside)}/h at the current counts (assumptions under each spot pool)`;
}

/** What costPerHour covers: the whole bill when the target priced it, else the GPU pools. */
function costScope(plan: FleetPlan): string {
  return plan.costBreakdown
    ? `on demand for the whole fleet (${plan.costBreakdown.pricesRegion} prices of ${plan.pricesAsOf})`
    : `for the GPU pools (us-east-1 on-demand prices of ${plan.pricesAsOf} where a pool is an EC2 type)`;
}

/** A pool's capacity: on-demand floor, spot, reservation, what its prices assume. */
function capacityLines(p: PoolPlan): string[] {
  const c = p.capacity;
  if (!c) return [];
  const types = [p.instanceType, ...c.alternatives.map((a) => a.instanceType)].join(", ");
  const spot = c.spot
    ? c.cost.withSpotPerHour
      ? `spot above it: ${money(c.cost.withSpotPerHour.low)}–${money(c.cost.withSpotPerHour.high)}/h for the pool`
      : "spot above it (at most the on-demand price)"
    : "no spot";
  const reservation = c.reservation
    ? `; reservation ${c.reservation.kind === "capacityBlock" ? "Capacity Block" : "ODCR"} ${c.reservation.id ?? c.reservation.resourceGroupArn} (${c.reservation.preference})`
    : "";
  return [
    `capacity: ${types}; on-demand base ${c.onDemandBase}, ${spot}${reservation}; slowest cold start ${Math.round(c.coldStartSeconds / 60)}m`,
    ...c.cost.assumptions.map((a) => `assumes ${a}`),
  ];
}

function quotaLine(plan: FleetPlan): string | null {
  // vCPUs each EC2 on-demand quota must allow (a new account's G and P quotas start low); preview
  // adds the peaks.
  // (components/aws/facts.ts computeVcpuQuotaNeeds adds the peaks from the stack's min/max counts.)
  const needs = new Map<VcpuQuota, number>();
  for (const p of plan.pools) {
    if (p.vcpuQuota)
      needs.set(p.vcpuQuota.quota, (needs.get(p.vcpuQuota.quota) ?? 0) + p.vcpuQuota.vcpus);
  }
  if (needs.size === 0) return null;
  return `EC2 quotas needed: ${[...needs].map(([q, vcpus]) => `${vcpus} vCPUs of "Running On-Demand ${q} instances"`).join(", ")}`;
}

/** Small amounts (a NAT gateway, the monitoring host) keep their cents' fractions. */
const moneyFine = (x: number): string => (x < 1 ? `$${x.toFixed(3)}` : money(x));

/** The bill's parts on one line and whose prices they are on the next; null when unpriced. */
function costLines(plan: FleetPlan): string[] | null {
  const b = plan.costBreakdown;
  if (!b) return null;
  return [
    `cost: ${b.items.map((i) => `${i.item} ${moneyFine(i.usdPerHour)}`).join(" + ")}`,
    `  ${b.note}`,
  ];
}

/** The plan as a terminal table, one block per pool, reasons and warnings under it. */
export function formatTable(plan: FleetPlan, opts: { reasons?: boolean } = {}): string {
  const out: string[] = [];
  out.push(
    `gpufleet plan — stack ${plan.stack}: ${plan.pools.length} pool(s), ${money(plan.costPerHour)}/h ${costScope(plan)}`,
  );
  const spot = spotLine(plan);
  if (spot) out.push(spot);
  const bill = costLines(plan);
  if (bill) out.push(...bill);
  const quotas = quotaLine(plan);
  if (quotas) out.push(quotas);
  for (const p of plan.pools) {
    out.push("");
    out.push(poolTitle(p));
    out.push(...pad([HEADER, ...p.replicas.map(replicaRow)]).map((l) => `  ${l}`));
    for (const line of capacityLines(p)) out.push(`  ${line}`);
    for (const alt of p.capacity?.alternatives ?? []) {
      out.push(
        `  or ${alt.instanceType}: ${alt.gpu.count} × ${alt.gpu.model} (${alt.gpu.memoryGiB} GiB), category ${alt.category}, ${money(alt.costPerHour)}/h on demand`,
      );
      out.push(...pad([HEADER, ...alt.replicas.map(replicaRow)]).map((l) => `    ${l}`));
    }
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
  out.push(`${plan.pools.length} pool(s), **${money(plan.costPerHour)}/h** ${costScope(plan)}.`);
  const spot = spotLine(plan);
  if (spot) out.push("", spot + ".");
  if (plan.costBreakdown) {
    out.push("", "| cost item | $/h | how |", "| --- | --- | --- |");
    for (const i of plan.costBreakdown.items)
      out.push(`| ${i.item} | ${moneyFine(i.usdPerHour)} | ${i.detail} |`);
    out.push("", `_${plan.costBreakdown.note}_`);
  }
  const quotas = quotaLine(plan);
  if (quotas) out.push("", quotas + ".");
  for (const p of plan.pools) {
    out.push("");
    out.push(`#### ${poolTitle(p).replace(/^pool /, "Pool ")}`);
    out.push("");
    out.push(`| TYPE | ${HEADER.join(" | ")} |`);
    out.push(`| --- | ${HEADER.map(() => "---").join(" | ")} |`);
    for (const v of [p, ...(p.capacity?.alternatives ?? [])])
      for (const r of v.replicas)
        out.push(`| ${v.instanceType ?? "own"} | ${replicaRow(r).join(" | ")} |`);
    const capacity = capacityLines(p);
    if (capacity.length > 0) out.push("", ...capacity.map((l) => `- ${l}`));
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
