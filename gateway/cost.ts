// What the gateway adds to the monthly bill, on-demand, us-east-1, before any savings plan. The GPU
// pools, the
// public load balancer and the NAT gateway are the fleet's own costs and are not counted here.
import {
  resolveGatewayOptions,
  upstreamKeySecrets,
  isSecretArn,
  type GatewayOptions,
} from "./options";

/** Hours in AWS's billing month. */
export const HOURS_PER_MONTH = 730;

/** Prices used below, USD, us-east-1, with where each figure was read and when. */
export const GATEWAY_PRICES = {
  asOf: "2026-06",
  /**
   * AWS Fargate, Linux/x86: $0.04048 per vCPU-hour, $0.004445 per GB-hour
   * (vantage.sh/blog/fargate-pricing; factualminds.com, June 2026).
   */
  fargateVcpuHour: 0.04048,
  fargateGbHour: 0.004445,
  /**
   * RDS for PostgreSQL, Single-AZ on-demand per hour; Multi-AZ is twice (infratally.com "AWS RDS
   * pricing explained 2026").
   */
  rdsInstanceHour: {
    "db.t4g.micro": 0.016,
    "db.t4g.small": 0.032,
    "db.t4g.medium": 0.065,
  } as Record<string, number>,
  /**
   * RDS gp3 storage, per GB-month (usage.ai RDS pricing, June 2026); backups up to the DB size are
   * free.
   */
  rdsGp3GbMonth: 0.115,
  /**
   * Application Load Balancer: $0.0225 per hour + $0.008 per LCU-hour (cloud-horizons.com "ALB: the
   * line item nobody watches", May 2026).
   */
  albHour: 0.0225,
  albLcuHour: 0.008,
  /**
   * Secrets Manager: $0.40 per secret-month (+$0.05 per 10,000 calls; hivebook.wiki AWS Secrets
   * Manager, 2026).
   */
  secretMonth: 0.4,
} as const;

export interface GatewayCostLine {
  item: string;
  /** USD per month; null when the price of that size is not in the table. */
  usdPerMonth: number | null;
  detail: string;
}

export interface GatewayCost {
  lines: GatewayCostLine[];
  /** Sum of the known lines, USD per month. */
  usdPerMonth: number;
  /** Items whose price is unknown (not summed). */
  unpriced: string[];
  pricesAsOf: string;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * The gateway's fixed monthly cost: Fargate tasks, the PostgreSQL instance and its storage, the
 * internal load
 * balancer (one LCU assumed: light traffic; each further LCU adds $5.84), and the Secrets Manager
 * secrets.
 * Traffic-driven extras (LCUs, CloudWatch Logs at $0.50/GB ingested, NAT processing of upstream
 * calls) are not included.
 */
export function gatewayMonthlyCost(options: GatewayOptions = {}): GatewayCost {
  const o = resolveGatewayOptions(options);
  const p = GATEWAY_PRICES;
  const lines: GatewayCostLine[] = [];
  const vcpu = o.cpu / 1024;
  const gb = o.memoryMiB / 1024;
  lines.push({
    item: "Fargate tasks (LiteLLM)",
    usdPerMonth: round2(
      o.taskCount * (vcpu * p.fargateVcpuHour + gb * p.fargateGbHour) * HOURS_PER_MONTH,
    ),
    detail: `${o.taskCount} × ${vcpu} vCPU / ${gb} GB × ${HOURS_PER_MONTH} h`,
  });
  const az = o.dbMultiAz ? 2 : 1;
  const hourly = p.rdsInstanceHour[o.dbInstanceClass];
  lines.push({
    item: `RDS PostgreSQL ${o.dbInstanceClass}${o.dbMultiAz ? " Multi-AZ" : ""}`,
    usdPerMonth: hourly === undefined ? null : round2(hourly * az * HOURS_PER_MONTH),
    detail:
      hourly === undefined
        ? "no price in the table for this class"
        : `$${hourly}/h × ${az} × ${HOURS_PER_MONTH} h`,
  });
  lines.push({
    item: "RDS gp3 storage",
    usdPerMonth: round2(o.dbAllocatedStorageGiB * az * p.rdsGp3GbMonth),
    detail: `${o.dbAllocatedStorageGiB} GB × ${az} × $${p.rdsGp3GbMonth}/GB-month (grows with autoscaling)`,
  });
  lines.push({
    item: "Internal load balancer",
    usdPerMonth: round2((p.albHour + p.albLcuHour) * HOURS_PER_MONTH),
    detail: `($${p.albHour} + 1 LCU × $${p.albLcuHour}) × ${HOURS_PER_MONTH} h`,
  });
  const managed = 3 + upstreamKeySecrets(o.upstreams).filter((s) => !isSecretArn(s)).length;
  lines.push({
    item: "Secrets Manager",
    usdPerMonth: round2(managed * p.secretMonth),
    detail: `${managed} secrets × $${p.secretMonth}`,
  });
  const known = lines.filter((l) => l.usdPerMonth !== null);
  return {
    lines,
    usdPerMonth: round2(known.reduce((s, l) => s + l.usdPerMonth!, 0)),
    unpriced: lines.filter((l) => l.usdPerMonth === null).map((l) => l.item),
    pricesAsOf: p.asOf,
  };
}
