// The whole hourly bill of an AWS fleet and its parts: the GPU pools (the planner's prices) and
// what the deployment runs beside them — the public load balancer, the NAT gateways of a created
// VPC, the monitoring host, the gateway. Pure: the plan and the validated config in, figures out.
//
// Every price is us-east-1's on-demand list price. Other regions list different prices (GPU types
// most of all); the plan says so with every figure rather than pretend to know them.
import { ELASTIC_DEFAULTS, HOST_METRICS } from "../../cloud-init/elastic-facts";
import type { StackConfig } from "../../config/schema";
import { GATEWAY_PRICES, HOURS_PER_MONTH, gatewayMonthlyCost } from "../../gateway";
import { computeElasticAlarms } from "../../monitoring/elastic";
import type { CostBreakdown, CostItem, FleetPlan } from "../../planner/types";
import { computeQueueMetricQueries, computeWarmupSeconds, isElastic } from "./elastic";

/** The region whose prices the tables below (and planner/catalog/instances.ts) hold. */
export const PRICES_REGION = "us-east-1";

/** us-east-1 prices of what the AWS program runs beside the GPU pools, USD. */
export const INFRA_PRICES = {
  /**
   * NAT gateway: $0.045 per gateway-hour in us-east-1, plus $0.045 per GB processed (not counted:
   * traffic); its Elastic IP is a public IPv4 address at $0.005 per hour (cloudburn.io "AWS NAT
   * Gateway pricing", 2026-02-24; AWS VPC pricing page, public IPv4 since 2024-02-01).
   */
  natGatewayHour: 0.045,
  publicIpv4Hour: 0.005,
  /** Application Load Balancer hour; LCUs (traffic) not counted (gateway/cost.ts, May 2026). */
  albHour: GATEWAY_PRICES.albHour,
  /**
   * EC2 on-demand, Linux, us-east-1, USD per hour, for the monitoring host's usual types (AWS EC2
   * on-demand pricing page; the t3 list prices, unchanged since the family's 2018 launch).
   */
  monitoringInstanceHour: {
    "t3.small": 0.0208,
    "t3.medium": 0.0416,
    "t3.large": 0.0832,
    "t3.xlarge": 0.1664,
    "t3.2xlarge": 0.3328,
  } as Record<string, number>,
  /** EBS gp3 storage, per GB-month, us-east-1 (AWS EBS pricing page; gp3's price since 2020). */
  ebsGp3GbMonth: 0.08,
  /**
   * CloudWatch, us-east-1, USD (AWS CloudWatch pricing page as summarised by factualminds.com
   * "Amazon CloudWatch Pricing", 2026-06-13, and c3x.dev's aws_cloudwatch_metric_alarm estimate):
   * a dashboard $3 per month, a standard-resolution alarm $0.10 per metric it reads per month, a
   * custom metric $0.30 per month (first 10,000), API requests (PutMetricData) $0.01 per 1,000.
   * Free-tier allowances (3 dashboards, 10 alarms, 10 metrics per account) are not subtracted.
   */
  cloudWatchDashboardMonth: 3,
  cloudWatchAlarmMetricMonth: 0.1,
  cloudWatchCustomMetricMonth: 0.3,
  cloudWatchRequestsPerThousand: 0.01,
} as const;

/** Monitoring host defaults (components/aws/monitoring.ts): type, data volume, root volume. */
const MONITORING_DEFAULTS = { instanceType: "t3.medium", dataVolumeGiB: 50, rootVolumeGiB: 20 };

const round = (x: number): number => Math.round(x * 1000) / 1000;

/** Zones of a created VPC: vpc.azCount (default 2) or more when pools pin more. */
function createdVpcZones(cfg: StackConfig): number {
  const pinned = new Set(cfg.pools.flatMap((p) => p.availabilityZones ?? []));
  return Math.max(cfg.vpc?.azCount ?? 2, pinned.size, 2);
}

/** The bill's lines: every GPU pool, then the infrastructure the stack's config creates. */
export function computeFleetCost(
  plan: FleetPlan,
  cfg: StackConfig,
  region?: string,
): CostBreakdown {
  const p = INFRA_PRICES;
  const items: CostItem[] = plan.pools.map((pool) => ({
    item: `GPU pool ${pool.name}`,
    usdPerHour: pool.costPerHour,
    detail: `${pool.count} × ${pool.instanceType ?? "own hardware"}`,
  }));
  items.push({
    item: "load balancer",
    usdPerHour: p.albHour,
    detail: `one application load balancer at $${p.albHour}/h; LCUs ($0.008 per LCU-hour of traffic) not counted`,
  });
  if (cfg.vpc?.id === undefined) {
    const nats = cfg.vpc?.natGateways === "perAz" ? createdVpcZones(cfg) : 1;
    items.push({
      item: "NAT gateways",
      usdPerHour: round(nats * (p.natGatewayHour + p.publicIpv4Hour)),
      detail: `${nats} × ($${p.natGatewayHour}/h + $${p.publicIpv4Hour}/h for its public IPv4); $0.045 per GB processed not counted`,
    });
  }
  if (cfg.monitoring.enabled) {
    const type = cfg.monitoring.instanceType ?? MONITORING_DEFAULTS.instanceType;
    const disks =
      (cfg.monitoring.dataVolumeGiB ?? MONITORING_DEFAULTS.dataVolumeGiB) +
      MONITORING_DEFAULTS.rootVolumeGiB;
    const host = p.monitoringInstanceHour[type];
    const storage = (disks * p.ebsGp3GbMonth) / HOURS_PER_MONTH;
    items.push({
      item: "monitoring host",
      usdPerHour: round((host ?? 0) + storage),
      detail:
        host === undefined
          ? `${type}: not in the price table, counted as $0; ${disks} GiB gp3 at $${p.ebsGp3GbMonth}/GB-month`
          : `1 × ${type} at $${host}/h + ${disks} GiB gp3 at $${p.ebsGp3GbMonth}/GB-month`,
    });
  }
  const elastic = computeElasticCloudWatch(plan, cfg);
  if (elastic) items.push(elastic);
  if (cfg.gateway.enabled) {
    const gateway = gatewayMonthlyCost(cfg.gateway);
    items.push({
      item: "gateway",
      usdPerHour: round(gateway.usdPerMonth / HOURS_PER_MONTH),
      detail: `${gateway.lines.map((l) => l.item).join(", ")} (gatewayCost output: per month)`,
    });
  }
  const elsewhere =
    region !== undefined && region !== PRICES_REGION
      ? ` The stack's region is ${region}: its prices differ (check the AWS price list for it).`
      : "";
  return {
    pricesRegion: PRICES_REGION,
    asOf: plan.pricesAsOf,
    items,
    note: `On-demand list prices of ${PRICES_REGION} (GPU instances as of ${plan.pricesAsOf}); traffic, data transfer and savings plans not counted.${elsewhere}`,
  };
}

/** What the elastic pools create in CloudWatch that is billed (countElasticCloudWatch). */
export interface ElasticCloudWatchUsage {
  /** Elastic pools. */
  pools: number;
  /** Dashboards: the stack's one elastic dashboard. */
  dashboards: number;
  /** Metrics read by alarms, over every alarm (each billed per metric it reads). */
  alarmMetrics: number;
  /** Custom metrics the hosts publish every period. */
  customMetrics: number;
  /** PutMetricData calls per hour at the pools' current counts. */
  putsPerHour: number;
}

/**
 * What the elastic pools create in CloudWatch (components/aws/elastic-pool.ts): each pool's alarms
 * (shortfall, spot interruptions; with scaling the conservative scale-in alarm and the high and low
 * alarms target tracking creates), the stack's one elastic dashboard, and for a scaling pool the
 * hosts' two queue metrics, put once a period by every instance. Auto Scaling's group metrics are
 * free.
 */
export function countElasticCloudWatch(plan: FleetPlan, cfg: StackConfig): ElasticCloudWatchUsage {
  const usage = { pools: 0, dashboards: 0, alarmMetrics: 0, customMetrics: 0, putsPerHour: 0 };
  plan.pools.forEach((pool, i) => {
    const scaling = cfg.pools[i]?.scaling;
    if (!isElastic(pool, scaling)) return;
    usage.pools += 1;
    usage.dashboards = 1;
    const view = {
      pool: pool.name,
      groupName: "",
      warmupSeconds: computeWarmupSeconds(pool),
      targetWaitingPerInstance: scaling?.targetWaitingPerInstance ?? null,
      spot: pool.capacity?.spot ?? false,
    };
    for (const a of computeElasticAlarms(plan.stack, view))
      usage.alarmMetrics += a.metricQueries.filter((q) => q.metric !== undefined).length;
    if (scaling) {
      const read = computeQueueMetricQueries(plan.stack, pool.name, "").filter(
        (q) => q.metricStat !== undefined,
      ).length;
      usage.alarmMetrics += 3 * read; // the scale-in alarm and target tracking's high and low alarms
      // RequestsWaiting and KvCacheUsage every period; the drain counters (HOST_METRICS' others)
      // get datapoints only in the hours a host drains, and custom metrics are billed by the hour.
      usage.customMetrics += [HOST_METRICS.waiting, HOST_METRICS.kvUsage].length;
      usage.putsPerHour += pool.count * (3600 / ELASTIC_DEFAULTS.metricsPeriodSeconds);
    }
  });
  return usage;
}

/** The elastic pools' CloudWatch bill line; null when no pool is elastic. */
export function computeElasticCloudWatch(plan: FleetPlan, cfg: StackConfig): CostItem | null {
  const p = INFRA_PRICES;
  const u = countElasticCloudWatch(plan, cfg);
  if (u.pools === 0) return null;
  const monthly =
    u.dashboards * p.cloudWatchDashboardMonth +
    u.alarmMetrics * p.cloudWatchAlarmMetricMonth +
    u.customMetrics * p.cloudWatchCustomMetricMonth;
  const hourly =
    monthly / HOURS_PER_MONTH + (u.putsPerHour / 1000) * p.cloudWatchRequestsPerThousand;
  return {
    item: "elastic pools' CloudWatch",
    usdPerHour: round(hourly),
    detail: `${u.dashboards} dashboard at $${p.cloudWatchDashboardMonth}/month + alarms reading ${u.alarmMetrics} metrics at $${p.cloudWatchAlarmMetricMonth} each/month + ${u.customMetrics} custom metrics at $${p.cloudWatchCustomMetricMonth}/month + ${u.putsPerHour} PutMetricData calls/h at the current counts; free tier not subtracted`,
  };
}

/** The plan with its costPerHour the whole fleet's and the breakdown beside it. */
export function priceAwsFleet(plan: FleetPlan, cfg: StackConfig, region?: string): FleetPlan {
  const costBreakdown = computeFleetCost(plan, cfg, region);
  const total = costBreakdown.items.reduce((sum, i) => sum + i.usdPerHour, 0);
  return { ...plan, costPerHour: round(total), costBreakdown };
}
