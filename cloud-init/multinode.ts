// Multi-node groups on EC2 (planner/multinode.ts layouts with `ec2` set): what the hosts of a group
// need beside the single-node files — the rank discovery script and its settings, and how the
// replica unit and its container change. Pure.
import { EFA_HOST_DIR } from "../planner/multinode";
import type { MultiNodeLayout, PoolPlan, ReplicaPlan } from "../planner/types";
import { HOST_PATHS } from "./layout";
import { shellQuote } from "./quote";

/**
 * Instance tags the group's two auto scaling groups propagate (components/aws/multinode.ts) and the
 * rank discovery reads back with ec2:DescribeInstances.
 */
export const MULTI_NODE_TAGS = { group: "gpufleet:group", role: "gpufleet:node-role" } as const;

/** The script that ranks a host in its group and starts its engine (cloud-init/scripts). */
export const MULTI_NODE_SCRIPT = `${HOST_PATHS.bin}/gpufleet-multinode`;

/** The instance metadata service, as the hosts reach it. */
const IMDS_ENDPOINT = "http://169.254.169.254";

/** Seconds a host waits for its whole group (and a worker for the leader's port) before failing. */
export const MULTI_NODE_WAIT_SECONDS = 3600;

/** The EC2 multi-node layout of a pool's replicas, or undefined (single-node, or own hardware). */
export function ec2MultiNodeOf(pool: Pick<PoolPlan, "replicas">): MultiNodeLayout | undefined {
  const layout = pool.replicas[0]?.multiNode;
  return layout?.ec2 ? layout : undefined;
}

/** /etc/gpufleet/multinode.env: the layout's launch facts for gpufleet-multinode (no secrets). */
export function renderMultiNodeEnv(layout: MultiNodeLayout): string {
  const l = layout.launch;
  const vars: Array<[string, string | number]> = [
    ["GPUFLEET_MN_NODES", layout.nodes],
    ["GPUFLEET_MN_PORT", l.port],
    ["GPUFLEET_MN_RANK_FLAG", l.nodeRankFlag],
    ["GPUFLEET_MN_ADDR_FLAG", l.masterAddrFlag],
    ["GPUFLEET_MN_ADDR_FORMAT", l.addressFormat],
    ["GPUFLEET_MN_PORT_FLAG", l.masterPortFlag ?? ""],
    ["GPUFLEET_MN_WORKER_FLAGS", l.workerFlags.join(" ")],
    ["GPUFLEET_MN_GROUP_TAG", MULTI_NODE_TAGS.group],
    ["GPUFLEET_MN_ROLE_TAG", MULTI_NODE_TAGS.role],
    ["GPUFLEET_MN_WAIT_SECONDS", MULTI_NODE_WAIT_SECONDS],
    ["GPUFLEET_IMDS_ENDPOINT", IMDS_ENDPOINT],
  ];
  const lines = vars.map(([k, v]) => `${k}=${v === "" ? "''" : shellQuote(String(v))}`);
  return `# shellcheck shell=bash disable=SC2034
# The multi-node layout of this pool for gpufleet-multinode (sourced by bash): ${layout.nodes} nodes × TP ${layout.tensorParallel}.
${lines.join("\n")}
`;
}

/**
 * `docker run` words a group member's engine needs beside the single-node ones: with EFA, the
 * device, unlimited locked memory (libfabric registers GPU and host buffers) and the host's
 * libfabric and aws-ofi-nccl, read-only (the planner's env points NCCL at them).
 */
export function multiNodeDockerWords(replica: ReplicaPlan): string[] {
  const ec2 = replica.multiNode?.ec2;
  if (!ec2 || ec2.efaInterfaces === 0) return [];
  const devices = Array.from({ length: ec2.efaInterfaces }, (_, i) => [
    "--device",
    `/dev/infiniband/uverbs${i}`,
  ]).flat();
  return [...devices, "--ulimit", "memlock=-1:-1", "-v", `${EFA_HOST_DIR}:${EFA_HOST_DIR}:ro`];
}
