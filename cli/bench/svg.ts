// Two plots in one SVG, written by hand (no charting dependency for two line charts): latency
// (TTFT p50/p99, E2E p50) against load, and output throughput against load, one point per step.
import { loadLabel, type BenchReport } from "./report";

interface Series {
  name: string;
  color: string;
  values: (number | null)[];
}

const W = 460;
const H = 300;
const M = { left: 64, right: 16, top: 36, bottom: 48 };

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** 1, 2, 5 × 10^k ticks covering 0..max. */
function ticks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1]! < max) out.push(Number((out[out.length - 1]! + step).toPrecision(12)));
  return out;
}

function chart(
  x0: number,
  title: string,
  yLabel: string,
  labels: string[],
  series: Series[],
): string {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const yt = ticks(all.length ? Math.max(...all) : 1);
  const yMax = yt[yt.length - 1]!;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const n = labels.length;
  const x = (i: number): number => x0 + M.left + (n === 1 ? pw / 2 : (pw * i) / (n - 1));
  const y = (v: number): number => M.top + ph - (ph * v) / yMax;
  const parts: string[] = [
    `<text x="${x0 + W / 2}" y="20" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    `<text transform="translate(${x0 + 14},${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  ];
  for (const t of yt)
    parts.push(
      `<line x1="${x0 + M.left}" x2="${x0 + W - M.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`,
      `<text x="${x0 + M.left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`,
    );
  labels.forEach((l, i) =>
    parts.push(`<text x="${x(i)}" y="${H - M.bottom + 18}" text-anchor="middle">${esc(l)}</text>`),
  );
  parts.push(
    `<text x="${x0 + M.left + pw / 2}" y="${H - 8}" text-anchor="middle">load step</text>`,
  );
  series.forEach((s, k) => {
    const pts = s.values.flatMap((v, i) =>
      v === null ? [] : [`${x(i).toFixed(1)},${y(v).toFixed(1)}`],
    );
    if (pts.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(" ")}"/>`,
      );
    for (const p of pts) {
      const [cx, cy] = p.split(",");
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${s.color}"/>`);
    }
    parts.push(
      `<rect x="${x0 + M.left + 8 + k * 110}" y="${M.top - 4}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${x0 + M.left + 22 + k * 110}" y="${M.top + 5}">${esc(s.name)}</text>`,
    );
  });
  return parts.join("\n");
}

export function renderSvg(report: BenchReport): string {
  const labels = report.steps.map(loadLabel);
  const pick = (f: (s: BenchReport["steps"][number]) => number | null): (number | null)[] =>
    report.steps.map(f);
  const latency = chart(0, "Latency vs load", "ms", labels, [
    { name: "TTFT p50", color: "#1f77b4", values: pick((s) => s.ttftMs?.p50 ?? null) },
    { name: "TTFT p99", color: "#d62728", values: pick((s) => s.ttftMs?.p99 ?? null) },
    { name: "E2E p50", color: "#2ca02c", values: pick((s) => s.e2eMs?.p50 ?? null) },
  ]);
  const throughput = chart(W, "Throughput vs load", "output tokens/s", labels, [
    { name: "output tok/s", color: "#9467bd", values: pick((s) => s.outputTokensPerSecond) },
  ]);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H}" viewBox="0 0 ${2 * W} ${H}" font-family="sans-serif" font-size="11">`,
    `<title>gpufleet bench: ${esc(report.target.model)} at ${esc(report.target.url)}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    latency,
    throughput,
    "</svg>",
    "",
  ].join("\n");
}
