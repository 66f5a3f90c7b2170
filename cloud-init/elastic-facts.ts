// Facts of the elastic pools' on-host helpers (drain budget, metric names, namespace) that pricing,
// IAM and the dashboards share with the renderers in elastic.ts. Pure and import-free, so that
// `gpufleet plan` prices a stack without loading the cloud-init renderers.
export const ELASTIC_DEFAULTS = {
  /** The instance metadata service; a test points it at a stand-in on 127.0.0.1. */
  imdsEndpoint: "http://169.254.169.254",
  /** How often the drain polls IMDS for a notice (the and AWS's recommended 5 s). */
  pollSeconds: 5,
  /**
   * Budget of a drain without a deadline of its own (scale-in, rebalance): the spot notice's two
   * minutes, so every drain fits the same lifecycle hook.
   */
  drainBudgetSeconds: 120,
  /**
   * Kept back from the deadline to stop the engines: a replica unit's ExecStop is `docker stop
   * --time 30` (units.ts), plus 5 s for the unit to settle.
   */
  engineStopSeconds: 35,
  /** One datapoint per host per minute: CloudWatch's standard resolution, and target tracking's. */
  metricsPeriodSeconds: 60,
} as const;

/** CloudWatch namespace of a stack's host metrics; the instance role may put data only here. */
export function metricsNamespace(stack: string): string {
  return `gpufleet/${stack}`;
}

/** Names of the metrics the hosts publish (dimensions Stack, Pool). */
export const HOST_METRICS = {
  waiting: "RequestsWaiting",
  kvUsage: "KvCacheUsage",
  spotInterruptions: "SpotInterruptions",
  rebalanceRecommendations: "RebalanceRecommendations",
  scaleInDrains: "ScaleInDrains",
  rebalanceDrains: "RebalanceDrains",
} as const;
