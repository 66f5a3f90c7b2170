// alertmanager.yml: amtool accepts every receiver combination; the webhook URL is never in the
// file.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  renderAlertmanagerConfig,
  resolveMonitoringContext,
  type AlertReceivers,
} from "../../monitoring";
import { describeRun, requireTool, run, tempDir, toolVersion } from "../tools";

const VARIANTS: Array<[string, AlertReceivers]> = [
  ["no receiver", {}],
  ["webhook", { webhook: true }],
  ["SNS", { snsTopicArn: "arn:aws:sns:us-east-1:123456789012:gpufleet-alerts" }],
  [
    "webhook and SNS",
    { webhook: true, snsTopicArn: "arn:aws:sns:eu-west-1:123456789012:ops.fifo" },
  ],
];

function render(receivers: AlertReceivers): string {
  return renderAlertmanagerConfig(
    resolveMonitoringContext({ stack: "dev", region: "us-east-1", receivers }),
  );
}

describe("alertmanager.yml", () => {
  it.each(VARIANTS)("amtool check-config accepts it with %s", (_name, receivers) => {
    requireTool("amtool");
    const dir = tempDir("am");
    let text = render(receivers);
    // webhook_configs.url_file arrived in Alertmanager 0.26 (the pinned image is 0.28.1); Debian
    // 12's amtool is 0.25.
    // With an older amtool the file is checked with url_file swapped for a placeholder url —
    // everything else as rendered.
    const [major, minor] = toolVersion("amtool");
    if (major === 0 && minor < 26)
      text = text.replace(/url_file: .*/g, "url: https://alerts.example.invalid/hook");
    writeFileSync(join(dir, "alertmanager.yml"), text);
    const r = run("amtool", ["check-config", join(dir, "alertmanager.yml")]);
    expect(r.status, describeRun("amtool check-config", r)).toBe(0);
  });

  it("sends to the configured receivers only, reads the webhook URL from a file", () => {
    const none = parse(render({})) as { receivers: Array<Record<string, unknown>> };
    expect(none.receivers).toEqual([{ name: "gpufleet" }]);
    const both = parse(render(VARIANTS[3]![1])) as {
      receivers: Array<{
        webhook_configs: Array<Record<string, unknown>>;
        sns_configs: Array<Record<string, unknown>>;
      }>;
    };
    const r = both.receivers[0]!;
    expect(r.webhook_configs[0]).toMatchObject({
      url_file: "/run/gpufleet-secrets/alert-webhook-url",
      send_resolved: true,
    });
    expect(r.webhook_configs[0]).not.toHaveProperty("url");
    expect(r.sns_configs[0]).toMatchObject({
      topic_arn: "arn:aws:sns:eu-west-1:123456789012:ops.fifo",
      sigv4: { region: "eu-west-1" },
    });
  });

  it("refuses an SNS ARN that is not one", () => {
    expect(() => render({ snsTopicArn: "arn:aws:s3:::bucket" })).toThrow(/snsTopicArn/);
  });
});
