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

/** Name of the Lua function that redacts secrets in each record (LOG_REDACTION_LUA). */
export const LOG_REDACTION_CALL = "gpufleet_redact";

/**
 * Lua (LuaJIT, Lua 5.1 patterns) run by Fluent Bit's `lua` filter on every record before it leaves
 * the host: masks what an engine prints about its credentials. Engines get the key only through
 * the environment (planner/launch), but some print it back: SGLang logs its whole server_args at
 * start-up, `api_key='…'` in the dataclass repr and `'api_key': '…'` in resolved_dict()
 * (sgl-project/sglang#37457, open at 2026-09; #18518 / #39449 unmerged), its launch_command
 * echoes argv; request logs may carry an Authorization header; an environment dump carries
 * `*_API_KEY=` / `*_TOKEN=`; an HF token starts with `hf_`. Each rule keeps the name and masks the
 * value, so the line still says a key was set. Returns 2 (record changed, timestamp kept) or 0.
 * Fluent Bit lua filter: docs.fluentbit.io, pipeline/filters/lua (`call`, inline `code`; read
 * 2026-11-30).
 */
export const LOG_REDACTION_LUA = `local K = [=[(api_keys?['"]?%s*[=:]%s*)]=]
local R = { { K .. "%b[]", "%1['[redacted]']" }, { K .. "'[^']*'", "%1'[redacted]'" },
  { K .. [=["[^"]*"]=], [=[%1"[redacted]"]=] }, { [=[(%-%-api%-keys?[=%s]+)[^%s'",%]]+]=], "%1[redacted]" },
  { [=[([Bb]earer%s+)[^%s'",]+]=], "%1[redacted]" }, { [=[([A-Z_]*_API_KEYS?=)[^%s'",]+]=], "%1[redacted]" },
  { [=[([A-Z_]*_TOKEN=)[^%s'",]+]=], "%1[redacted]" }, { "hf_%w%w%w%w%w%w%w%w+", "hf_[redacted]" } }
function ${LOG_REDACTION_CALL}(tag, ts, record)
  local m, count, n = record.MESSAGE, 0, 0
  if type(m) ~= "string" then return 0, ts, record end
  for _, rule in ipairs(R) do m, n = string.gsub(m, rule[1], rule[2]); count = count + n end
  if count == 0 then return 0, ts, record end
  record.MESSAGE = m
  return 2, ts, record
end
`;

/**
 * Fluent Bit's YAML config (the classic format is to be deprecated at the end of 2026, per its
 * docs):
 * - input `systemd` on the persistent journal, one exact `_SYSTEMD_UNIT=` filter per unit (the
 * plugin has no
 * wildcards), started from the beginning with a cursor database, so that a restart neither repeats
 * nor loses
 *   entries and a failed bootstrap is shipped too; `tag: "*"` expands to the unit's name;
 * - filter `lua`: masks credentials an engine prints (LOG_REDACTION_LUA);
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
      // Secrets an engine prints are masked before anything leaves the host (LOG_REDACTION_LUA).
      filters: [{ name: "lua", match: "*", call: LOG_REDACTION_CALL, code: LOG_REDACTION_LUA }],
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
