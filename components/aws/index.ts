// The AWS fleet: thin ComponentResources around the pure planner, renderers and facts
// (docs/ARCHITECTURE.md). Every component, its args and its decision functions are exported here;
// index.ts imports the fleet from this barrel only.
export * from "./facts";
export * from "./policies";
export { validateDeployment } from "./validate";
export {
  INFRA_PRICES,
  PRICES_REGION,
  computeElasticCloudWatch,
  computeFleetCost,
  countElasticCloudWatch,
  priceAwsFleet,
  type ElasticCloudWatchUsage,
} from "./cost";
export { bucketPrefix } from "./buckets";
export { Network, type NetworkArgs } from "./network";
export { Security, portRanges, type SecurityArgs } from "./security";
export { Secrets, type SecretsArgs } from "./secrets";
export {
  LoadBalancer,
  listenerLayout,
  modelRuleAction,
  type LoadBalancerArgs,
} from "./load-balancer";
export {
  GpuPool,
  autoScalingGroupSettings,
  launchTemplateSettings,
  type GpuPoolArgs,
} from "./gpu-pool";
export {
  Monitoring,
  chunkCidrs,
  grafanaListenerRules,
  grafanaRootUrl,
  grafanaTargetGroupSettings,
  monitoringParameterNames,
  monitoringPolicyDocument,
  type MonitoringArgs,
} from "./monitoring";
export { Gateway, type GatewayArgs } from "./gateway";
export {
  computeMultiNodeGroups,
  groupKey,
  memberNetworkInterface,
  rankDiscoveryPolicy,
  validateMultiNodePools,
  type MultiNodeGroupSpec,
} from "./multinode";
