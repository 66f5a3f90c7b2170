// The AWS fleet: thin ComponentResources around the pure planner, renderer and facts
// (../../STYLE.md).
export * from "./facts";
export * from "./policies";
export { Network, type NetworkArgs } from "./network";
export { Security, portRanges, type SecurityArgs } from "./security";
export { Secrets, type SecretsArgs } from "./secrets";
export { LoadBalancer, type LoadBalancerArgs } from "./load-balancer";
export { GpuPool, type GpuPoolArgs } from "./gpu-pool";
