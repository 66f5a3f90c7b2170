// The Pulumi program: reads gpufleet:target and runs that target's program (targets/<target>.ts),
// whose exports are the stack's outputs. Each program validates and plans the whole config itself;
// only the chosen one is loaded (each provider costs seconds to load). A target joins with one
// entry in TARGET_PROGRAMS.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, planStackConfig, TARGETS, type Target } from "./config";
import { readPulumiConfig } from "./config/pulumi";
import { PlanError } from "./planner/plan";

type Program = () => Record<string, unknown>;

const TARGET_PROGRAMS: Record<Target, Program> = {
  aws: () => require("./targets/aws") as Record<string, unknown>,
  docker: () => require("./targets/docker") as Record<string, unknown>,
  kubernetes: () => require("./targets/kubernetes") as Record<string, unknown>,
};

function selectProgram(): Program {
  const target = readPulumiConfig().target ?? "aws";
  if (TARGETS.includes(target as Target)) return TARGET_PROGRAMS[target as Target];
  try {
    // An unknown target: every problem of the config at once, the target's among them.
    planStackConfig(pulumi.getStack(), readPulumiConfig());
    throw new ConfigError([`gpufleet:target: must be one of ${TARGETS.join(", ")}`]);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PlanError) {
      throw new pulumi.RunError(`gpufleet: invalid stack config:\n  ${err.problems.join("\n  ")}`);
    }
    throw err;
  }
}

export = selectProgram()();
