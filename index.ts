// The Pulumi program: reads gpufleet:target and runs that target's program, whose exports are the
// stack's outputs. Each program is loaded only when chosen (the AWS and Docker providers cost
// seconds to load). A target joins with one entry in TARGET_PROGRAMS.
import * as pulumi from "@pulumi/pulumi";
import { loadPulumiConfig } from "./config/pulumi";
import { ConfigError, type Target } from "./config";
import { PlanError } from "./planner/plan";

type Program = () => Record<string, unknown>;

/** The program of every target that has one (config/target.ts refuses the others by key). */
const TARGET_PROGRAMS: Partial<Record<Target, Program>> = {
  aws: () => require("./targets/aws") as Record<string, unknown>,
  kubernetes: () => require("./targets/kubernetes") as Record<string, unknown>,
  docker: () => require("./targets/docker") as Record<string, unknown>,
};

function selectProgram(): Program {
  try {
    // Validates every key against the schema and the target's table before any resource exists.
    const { target } = loadPulumiConfig();
    const program = TARGET_PROGRAMS[target];
    if (!program) throw new ConfigError([`gpufleet:target: "${target}" has no program yet`]);
    return program;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PlanError) {
      throw new pulumi.RunError(`gpufleet: invalid stack config:\n  ${err.problems.join("\n  ")}`);
    }
    throw err;
  }
}

export = selectProgram()();
