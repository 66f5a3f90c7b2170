// Multi-node groups of an EC2 pool (planner/multinode.ts layouts with `ec2` set): what GpuPool
// creates for them, as pure decisions the tests read directly. Each group of `nodes` instances is
// two auto scaling groups in the pool's cluster placement group: the leader's (one instance, rank 0,
// the only one serving HTTP, in the load balancer's target groups, replaced on ELB health) and the
// workers' (nodes - 1 headless ranks, never a target, EC2 health). Both propagate the tags the hosts
// rank themselves by (cloud-init/multinode.ts MULTI_NODE_TAGS). No @pulumi imports.
import { MULTI_NODE_TAGS, ec2MultiNodeOf } from "../../cloud-init/multinode";
import type { StackConfig } from "../../config/schema";
import type { FleetPlan, MultiNodeLayout, PoolPlan } from "../../planner/types";
import { healthCheckGraceSeconds, poolTags } from "./facts";
import type { PolicyDocument } from "./policies";

export { ec2MultiNodeOf };

/** One auto scaling group of a multi-node group. */
export interface MultiNodeGroupSpec {
  /** Index of the group in the pool (0 … groups-1). */
  group: number;
  role: "leader" | "worker";
  /** Resource name suffix, e.g. "g0-leader". */
  suffix: string;
  /** Fixed size: 1 leader, nodes - 1 workers. */
  size: number;
  /** Only the leader's group registers in the load balancer's target groups. */
  targets: boolean;
  /** ELB for the leader (its engine answers /health); EC2 for workers (no HTTP). */
  healthCheckType: "ELB" | "EC2";
  /** Seconds before health checks count: the cold start (facts.healthCheckGraceSeconds). */
  healthCheckGracePeriod: number;
  /** ASG tags: the pool's (not propagated, the launch template tags) and the rank tags (propagated). */
  tags: Array<{ key: string; value: string; propagateAtLaunch: boolean }>;
}

/** The value of the group tag: unique per stack, pool and group. */
export function groupKey(stack: string, pool: string, group: number): string {
  return `${stack}/${pool}/${group}`;
}

/** Every auto scaling group of a multi-node pool, leader then workers per group. */
export function computeMultiNodeGroups(
  stack: string,
  pool: PoolPlan,
  layout: MultiNodeLayout,
): MultiNodeGroupSpec[] {
  const groups = layout.ec2?.groups ?? 0;
  const grace = healthCheckGraceSeconds(pool);
  const base = Object.entries({ ...poolTags(stack, pool), Name: `gpufleet-${stack}-${pool.name}` });
  const out: MultiNodeGroupSpec[] = [];
  for (let g = 0; g < groups; g++) {
    for (const role of ["leader", "worker"] as const) {
      out.push({
        group: g,
        role,
        suffix: `g${g}-${role}`,
        size: role === "leader" ? 1 : layout.nodes - 1,
        targets: role === "leader",
        healthCheckType: role === "leader" ? "ELB" : "EC2",
        healthCheckGracePeriod: grace,
        tags: [
          ...base.map(([key, value]) => ({ key, value, propagateAtLaunch: false })),
          {
            key: MULTI_NODE_TAGS.group,
            value: groupKey(stack, pool.name, g),
            propagateAtLaunch: true,
          },
          { key: MULTI_NODE_TAGS.role, value: role, propagateAtLaunch: true },
        ],
      });
    }
  }
  return out;
}

/**
 * What a group member's role may do to find its group: ec2:DescribeInstances, in the stack's
 * region. DescribeInstances has no resource-level permissions (Service Authorization Reference,
 * Amazon EC2: "Describe*" actions take Resource "*"), so the statement cannot name the pool's
 * instances; it is read-only, and the hosts narrow it themselves to their own instance id and their
 * group's tag. Nothing else (no autoscaling:*, no writes).
 */
export function rankDiscoveryPolicy(region: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "FindOwnMultiNodeGroup",
        Effect: "Allow",
        Action: ["ec2:DescribeInstances"],
        Resource: ["*"],
        Condition: { StringEquals: { "aws:RequestedRegion": region } },
      },
    ],
  };
}

/**
 * A multi-node pool's config that AWS cannot honour, by key: queue-based scaling and sizes other
 * than its count (groups are fixed), and more than one zone pinned (a cluster placement group is
 * one zone: the pool's first subnet is used).
 */
export function validateMultiNodePools(plan: FleetPlan, cfg: StackConfig): string[] {
  const problems: string[] = [];
  plan.pools.forEach((pool, i) => {
    const layout = ec2MultiNodeOf(pool);
    const poolCfg = cfg.pools[i];
    if (!layout || !poolCfg) return;
    const at = `gpufleet:pools[${i}]`;
    const fixed = `${pool.name} runs ${layout.ec2!.groups} fixed group(s) of ${layout.nodes} instances (count ${pool.count})`;
    if (poolCfg.scaling !== undefined)
      problems.push(
        `${at}.scaling: ${fixed}; a group cannot grow or shrink by one instance: remove scaling and change count by multiples of ${layout.nodes}`,
      );
    for (const key of ["minCount", "maxCount"] as const) {
      const v = poolCfg[key];
      if (v !== undefined && v !== pool.count)
        problems.push(`${at}.${key}: ${fixed}; remove ${key} (or set it to ${pool.count})`);
    }
  });
  return problems;
}

/**
 * The launch template's one network interface of a group member: with EFA ("efa": EFA and ENA on
 * network card 0, AWS EC2 User Guide "Elastic Fabric Adapter") where the type has it, else plain
 * ENA; in the engines' and the cluster's security groups.
 */
export function memberNetworkInterface(layout: MultiNodeLayout): {
  deviceIndex: number;
  networkCardIndex: number;
  interfaceType?: string;
  deleteOnTermination: string;
} {
  return {
    deviceIndex: 0,
    networkCardIndex: 0,
    ...(layout.ec2?.efaInterfaces ? { interfaceType: "efa" } : {}),
    deleteOnTermination: "true",
  };
}
