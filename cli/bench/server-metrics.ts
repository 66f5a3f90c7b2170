// The server's own view of a load step: its Prometheus /metrics scraped before, during and after,
// read through the per-engine names of monitoring/metrics.ts (whichever engine answers).
import { request } from "undici";
import type { EngineId } from "../../planner/types";
import { ENGINE_METRICS } from "../../monitoring/metrics";

export interface ServerSnapshot {
  engine: EngineId;
  running: number | null;
  waiting: number | null;
  /** KV-cache usage 0–1 (the highest replica when several answer on one endpoint). */
  kvUsage: number | null;
  promptTokens: number | null;
  generationTokens: number | null;
}

/** Sums every series of each metric name (labels dropped); `_max` keeps the largest too. */
export function parseExposition(text: string): {
  sum: Map<string, number>;
  max: Map<string, number>;
} {
  const sum = new Map<string, number>();
  const max = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.length === 0 || line.charCodeAt(0) === 35) continue;
    const brace = line.indexOf("{");
    const space = brace >= 0 ? line.indexOf(" ", line.lastIndexOf("}")) : line.indexOf(" ");
    if (space < 0) continue;
    const name = line.slice(0, brace >= 0 && brace < space ? brace : space);
    const value = Number(
      line
        .slice(space + 1)
        .trim()
        .split(" ")[0],
    );
    if (!Number.isFinite(value)) continue;
    sum.set(name, (sum.get(name) ?? 0) + value);
    max.set(name, Math.max(max.get(name) ?? -Infinity, value));
  }
  return { sum, max };
}

export function snapshotOf(text: string): ServerSnapshot | null {
  const { sum, max } = parseExposition(text);
  for (const [engine, names] of Object.entries(ENGINE_METRICS)) {
    if (!names || !names.running || !sum.has(names.running)) continue;
    const get = (n: string | null, m = sum): number | null => (n && m.has(n) ? m.get(n)! : null);
    return {
      engine: engine as EngineId,
      running: get(names.running),
      waiting: get(names.waiting),
      kvUsage: get(names.kvUsage, max),
      promptTokens: get(names.promptTokens),
      generationTokens: get(names.generationTokens),
    };
  }
  return null;
}

/** One scrape; null when /metrics is unreachable, refuses, or carries no engine's names. */
export async function scrapeServer(
  url: string,
  headers: Record<string, string>,
  timeoutMs = 3000,
): Promise<ServerSnapshot | null> {
  try {
    const res = await request(url, {
      headers,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.body.text();
    return res.statusCode === 200 ? snapshotOf(text) : null;
  } catch {
    return null;
  }
}

/** Server metrics of a step: before, the peak of each gauge while it ran, after. */
export interface ServerStep {
  before: ServerSnapshot | null;
  peak: { running: number | null; waiting: number | null; kvUsage: number | null };
  after: ServerSnapshot | null;
  /** generation_tokens counter after − before: what the server says it generated. */
  generatedTokens: number | null;
}

export function peakOf(snapshots: (ServerSnapshot | null)[]): ServerStep["peak"] {
  const top = (k: "running" | "waiting" | "kvUsage"): number | null => {
    const vs = snapshots.flatMap((s) => (s && s[k] !== null ? [s[k]!] : []));
    return vs.length ? Math.max(...vs) : null;
  };
  return { running: top("running"), waiting: top("waiting"), kvUsage: top("kvUsage") };
}
