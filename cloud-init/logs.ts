// Log shipping: Fluent Bit reads the host journal of the gpufleet units and writes them to
// CloudWatch Logs.
// Pure: the config is data rendered with `yaml`; the unit is in units.ts.
import { stringify } from "yaml";
import type { ResolvedContext } from "./context";
import { HOST_PATHS } from "./layout";

/**
 * Where the config sits on the host and inside the container, and the container's cursor database.
 */
export const LOG_SHIPPER_PATHS = {
  hostConfig: `${HOST_PATHS.etc}/fluent-bit.yaml`,
  containerConfig: "/fluent-bit/etc/fluent-bit.yaml",
  hostState: `${HOST_PATHS.state}/fluent-bit`,
  containerState: "/fluent-bit/state",
  journal: "/var/log/journal",
} as const;

/**
 * The unit that runs the shipper: never in its own input (its errors would feed back into the
 * stream).
 */
export const LOG_SHIPPER_UNIT = "gpufleet-logs.service";

/**
 * Fluent Bit's YAML config (the classic format is to be deprecated at the end of 2026, per its
 * docs):
 * - input `systemd` on the persistent journal, one exact `_SYSTEMD_UNIT=` filter per unit (the
 * plugin has no
 * wildcards), started from the beginning with a cursor database, so that a restart neither repeats
 * nor loses
 *   entries and a failed bootstrap is shipped too; `tag: "*"` expands to the unit's name;
 * - output `cloudwatch_logs` into the existing group (auto_create_group false: the role may not
 * create groups),
 * one stream per host and unit, `<hostname>/<unit>` (the container shares the host's network and
 * name), the
 * journal's MESSAGE as the event text; credentials from the instance role through IMDSv2 on the
 * host network.
 * Sources: docs.fluentbit.io, inputs/systemd and outputs/cloudwatch (read 2026-11-22).
 */
export function renderFluentBitConfig(units: readonly string[], ctx: ResolvedContext): string {
  if (ctx.logGroup === "") throw new Error("renderFluentBitConfig: no log group");
  const shipped = [...new Set(units)]
    .filter((u) => u !== LOG_SHIPPER_UNIT && u.endsWith(".service"))
    .sort();
  const config = {
    service: { flush: 5, log_level: "warn" },
    pipeline: {
      inputs: [
        {
          name: "systemd",
          tag: "*",
          path: LOG_SHIPPER_PATHS.journal,
          db: `${LOG_SHIPPER_PATHS.containerState}/journal.db`,
          systemd_filter: shipped.map((u) => `_SYSTEMD_UNIT=${u}`),
          systemd_filter_type: "or",
        },
      ],
      outputs: [
        {
          name: "cloudwatch_logs",
          match: "*",
          region: ctx.region,
          log_group_name: ctx.logGroup,
          log_stream_prefix: "${HOSTNAME}/",
          log_key: "MESSAGE",
          auto_create_group: false,
          retry_limit: 10,
        },
      ],
    },
  };
  return `# gpufleet: ship the journal of pool ${ctx.pool}'s units (stack ${ctx.stack}) to CloudWatch Logs ${ctx.logGroup}\n${stringify(config, { lineWidth: 0 })}`;
}
