// alertmanager.yml: one route, grouped per alert and pool, to the configured receivers (webhook,
// SNS). The webhook
// URL is a credential (a Slack or PagerDuty URL lets anyone post): it is read from a file the boot
// script writes
// from SSM (`url_file`, Alertmanager ≥ 0.26; the pinned image is 0.28.1), never rendered.
import { stringify } from "yaml";
import {
  CONTAINER_PATHS,
  SECRET_FILES,
  type ConfigPaths,
  type ResolvedMonitoringContext,
} from "./context";

/** Name of the receiver every alert goes to. */
export const RECEIVER = "gpufleet";

export function renderAlertmanagerConfig(
  ctx: ResolvedMonitoringContext,
  paths: ConfigPaths = CONTAINER_PATHS,
): string {
  const receiver: Record<string, unknown> = { name: RECEIVER };
  if (ctx.receivers.webhook) {
    receiver.webhook_configs = [
      {
        url_file: `${paths.secrets}/${SECRET_FILES.alertWebhookUrl}`,
        send_resolved: true,
        max_alerts: 20,
      },
    ];
  }
  if (ctx.receivers.snsTopicArn !== undefined) {
    receiver.sns_configs = [
      {
        topic_arn: ctx.receivers.snsTopicArn,
        // Credentials come from the instance role through IMDSv2 (the SDK's default chain); the
        // region is the
        // topic's own (it may live in another region than the fleet).
        sigv4: { region: ctx.receivers.snsTopicArn.split(":")[3] },
        subject: `[gpufleet ${ctx.stack}] {{ .Status | toUpper }} {{ .CommonLabels.alertname }}`,
        send_resolved: true,
      },
    ];
  }
  const config = {
    route: {
      receiver: RECEIVER,
      group_by: ["alertname", "pool"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [{ matchers: ['severity="critical"'], receiver: RECEIVER, repeat_interval: "1h" }],
    },
    // A pool with no healthy replica explains its replicas being down: say the bigger thing once.
    inhibit_rules: [
      {
        source_matchers: ['alertname="GpufleetNoHealthyReplica"'],
        target_matchers: ['alertname="GpufleetReplicaDown"'],
        equal: ["pool"],
      },
    ],
    receivers: [receiver],
  };
  const note =
    ctx.receivers.webhook || ctx.receivers.snsTopicArn !== undefined
      ? ""
      : "# No receiver configured (gpufleet:monitoring alertWebhookUrl / snsTopicArn): alerts show in Grafana and Alertmanager only.\n";
  return `# gpufleet ${ctx.stack}: Alertmanager configuration (monitoring/alertmanager.ts).\n${note}${stringify(config, { lineWidth: 0 })}`;
}
