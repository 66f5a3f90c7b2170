// Percentiles and summaries of the timings one load step collected.

/** Growable Float64 sample buffer: no boxing, one sort at the end. */
export class Samples {
  private data = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** The samples, sorted ascending (a copy). */
  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}

/** p50 / p90 / p99 / mean / max of a sample, in the sample's unit; null when it is empty. */
export interface Summary {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
  count: number;
}

/**
 * The q-quantile (0–1) of sorted values by linear interpolation between closest ranks (numpy's
 * default, the method vLLM's benchmark_serving reports with).
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo]!;
  return a + (sorted[hi]! - a) * (pos - lo);
}

export function summarize(samples: Samples): Summary | null {
  if (samples.length === 0) return null;
  const s = samples.sorted();
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i]!;
  return {
    p50: quantile(s, 0.5),
    p90: quantile(s, 0.9),
    p99: quantile(s, 0.99),
    mean: sum / s.length,
    max: s[s.length - 1]!,
    count: s.length,
  };
}
