// Real plans for the monitoring tests: the dev stack and examples/engines.yaml (one pool per
// engine, Ollama included),
// planned by the same planner the program runs.
import { join } from "node:path";
import { parseStackConfig, readStackFile, toPlanInput } from "../../config";
import { planFleet } from "../../planner/plan";
import type { FleetPlan } from "../../planner/types";
import type { MonitoringContext, MonitoringHostContext } from "../../monitoring";

const ROOT = join(__dirname, "..", "..");

export function planOf(file: string): FleetPlan {
  const stackFile = readStackFile(join(ROOT, file));
  return planFleet(toPlanInput(stackFile.stack ?? "dev", parseStackConfig(stackFile.raw)));
}

export const DEV_PLAN = planOf("Pulumi.dev.yaml");
export const ENGINES_PLAN = planOf("examples/engines.yaml");

export const CONTEXT: MonitoringContext = {
  stack: "dev",
  region: "us-east-1",
  receivers: { webhook: true, snsTopicArn: "arn:aws:sns:us-east-1:123456789012:gpufleet-alerts" },
  grafanaRootUrl: "https://gpufleet-dev-123.us-east-1.elb.amazonaws.com/grafana/",
};

/**
 * What the component hands the user-data renderer (names only; the bucket's name as the provider
 * would make it).
 */
export const HOST: MonitoringHostContext = {
  ...CONTEXT,
  dataVolumeId: "vol-0123456789abcdef0",
  configBucket: "gpufleet-dev-monitoring-20250101000000000000000001",
  parameters: {
    grafanaAdminPassword: "/gpufleet/dev/grafana-admin-password",
    engineApiKey: "/gpufleet/dev/engine-api-key",
    alertWebhookUrl: "/gpufleet/dev/alert-webhook-url",
  },
};
