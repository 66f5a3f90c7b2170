// Spot prices as a share of the on-demand price, per instance family: pure data.
//
// SOURCE [SPOT-SKY]: skypilot-org/skypilot-catalog, catalogs/v8/aws/vms.csv at commit
// 00148f2af3672e2229b4f7bf8157d5a3f36e3c35 (columns Price = on-demand, SpotPrice = the spot price
// SkyPilot's fetcher read per availability zone), read 2026-12-01. Rows of us-east-1 (the region of
// the on-demand table, catalog/instances.ts), every zone listed for the type:
//   g5.2xlarge   on-demand 1.212:    spot 0.5218 0.5933 0.5036 0.4738 0.4985  → 0.391–0.490
//   g5.24xlarge  on-demand 8.144:    spot 3.1697 3.1811 3.0047 2.7817         → 0.342–0.391
//   g6.xlarge    on-demand 0.8048:   spot 0.4011 0.3653 0.3490 0.3988         → 0.434–0.498
//   g6e.12xlarge on-demand 10.49264: spot 3.7887 5.6426 4.9101 6.0150         → 0.361–0.573
// A family's range spans its sampled rows, widened to two decimals outward. Spot prices move with
// demand every few minutes; these are a snapshot, shown as a range, never as a promise. Families
// without a sample (g4dn, g6 sizes other than xlarge count as g6; p*) show "spot" with no range:
// P-family spot capacity is rare and its price was not sampled.

/** The share of on-demand a spot hour cost in the sample, lowest and highest. */
export interface SpotRatio {
  low: number;
  high: number;
}

/** Date the sample was read. */
export const SPOT_SAMPLED_AS_OF = "2026-12-01";

/** Where the ranges come from, for the plan's stated assumptions. */
export const SPOT_SOURCE =
  "skypilot-catalog v8 aws/vms.csv (commit 00148f2), us-east-1 zones, read 2026-12-01";

const SPOT_RATIOS: Readonly<Record<string, SpotRatio>> = {
  g5: { low: 0.34, high: 0.5 },
  g6: { low: 0.43, high: 0.5 },
  g6e: { low: 0.36, high: 0.58 },
};

/** The sampled spot share of an instance type's family, or null when none was sampled. */
export function spotRatioOf(instanceType: string): SpotRatio | null {
  const family = instanceType.split(".")[0] ?? "";
  return SPOT_RATIOS[family] ?? null;
}
