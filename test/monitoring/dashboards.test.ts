// Dashboards: every one is valid JSON from the foundation SDK; every panel query (and every alert /
// recording rule)
// parses as PromQL with Prometheus's own grammar (@prometheus-io/lezer-promql) and names only
// metrics that the
// pinned engines and exporters really export (monitoring/metrics.ts, with its sources).
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import {
  type MonitoringContext,
  DATASOURCE_UID,
  ENGINE_METRICS,
  METRIC_SOURCES,
  buildDashboards,
  dashboardQueries,
  isExported,
  resolveMonitoringContext,
  ruleGroups,
} from "../../monitoring";
import { CONTEXT, DEV_PLAN, ENGINES_PLAN } from "./fixtures";

/** Grafana's variables replaced by what Grafana sends Prometheus. */
function interpolate(expr: string): string {
  return expr.replace(/\$__rate_interval/g, "1m").replace(/\$pool/g, ".*");
}

/** A Grafana `label_values(selector, label)` variable query → its selector. */
function unwrapVariable(expr: string): string {
  const m = /^label_values\((.*),\s*[a-zA-Z_]+\)$/.exec(expr);
  return m ? m[1]! : expr;
}

/** Parse errors (as the offending text) and the metric names a PromQL expression selects. */
function analyse(expr: string): { errors: string[]; metrics: string[] } {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  const metrics: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`at ${node.from}: "${expr.slice(Math.max(0, node.from - 20), node.to + 20)}"`);
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector")
        metrics.push(expr.slice(node.from, node.to));
    },
  });
  return { errors, metrics };
}

const PLANS = [
  ["dev", DEV_PLAN],
  ["engines", ENGINES_PLAN],
] as const;

describe("dashboards", () => {
  it.each(PLANS)(
    "%s: a fleet overview, one dashboard per engine of the plan, GPUs & hosts",
    (_n, plan) => {
      const engines = [...new Set(plan.pools.flatMap((p) => p.replicas.map((r) => r.engine)))];
      const dashboards = buildDashboards(plan);
      expect(dashboards.map((d) => d.uid)).toEqual([
        "gpufleet-fleet",
        ...engines.map((e) => `gpufleet-${e}`),
        "gpufleet-hosts",
      ]);
      for (const d of dashboards) {
        const json = JSON.parse(JSON.stringify(d.json)) as {
          uid: string;
          title: string;
          panels: Array<{ datasource?: { uid: string }; type: string }>;
        };
        expect(json.uid).toBe(d.uid);
        expect(json.panels.length).toBeGreaterThan(0);
        for (const p of json.panels)
          if (p.type !== "row" && p.type !== "text") expect(p.datasource?.uid).toBe(DATASOURCE_UID);
      }
    },
  );

  it.each(PLANS)(
    "%s: every panel query parses as PromQL and names only exported metrics",
    (_n, plan) => {
      let checked = 0;
      for (const d of buildDashboards(plan)) {
        for (const q of dashboardQueries(d.json)) {
          const expr = interpolate(unwrapVariable(q.expr));
          const { errors, metrics } = analyse(expr);
          expect(errors, `${d.uid} / ${q.panel}: ${expr}`).toEqual([]);
          expect(metrics.length, `${d.uid} / ${q.panel} selects no metric`).toBeGreaterThan(0);
          for (const m of metrics)
            expect(
              isExported(m),
              `${d.uid} / ${q.panel}: ${m} is in no list of monitoring/metrics.ts`,
            ).toBe(true);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(30);
    },
  );

  it.each([
    ["hosts", CONTEXT],
    [
      "kubernetes",
      {
        ...CONTEXT,
        platform: "kubernetes",
        namespace: "gpufleet",
        zeroPools: ["vllm"],
      } satisfies MonitoringContext,
    ],
  ])(
    "%s: every alert and recording rule parses as PromQL and names only exported metrics",
    (_p, c) => {
      for (const group of ruleGroups(ENGINES_PLAN, resolveMonitoringContext(c))) {
        for (const rule of group.rules) {
          const { errors, metrics } = analyse(rule.expr);
          const name = "alert" in rule ? rule.alert : rule.record;
          expect(errors, `${name}: ${rule.expr}`).toEqual([]);
          for (const m of metrics) expect(isExported(m), `${name}: ${m}`).toBe(true);
        }
      }
    },
  );

  it("the parser check is real: a broken query and an unknown metric are caught", () => {
    expect(analyse("sum(rate(vllm:prompt_tokens_total[5m])").errors).not.toEqual([]);
    expect(isExported("vllm:gpu_cache_usage_perc")).toBe(false); // the pre-V1 name, gone in the pinned vLLM
    expect(isExported("vllm:time_per_output_token_seconds_bucket")).toBe(false);
    expect(isExported("vllm:time_to_first_token_seconds_bucket")).toBe(true);
    expect(isExported("vllm:kv_cache_usage_perc_bucket")).toBe(false); // a gauge has no buckets
  });

  it("says that Ollama exports no metrics, on its dashboard and the fleet's", () => {
    expect(ENGINE_METRICS.ollama).toBeNull();
    const text = JSON.stringify(
      buildDashboards(ENGINES_PLAN)
        .filter((d) => d.uid === "gpufleet-ollama" || d.uid === "gpufleet-fleet")
        .map((d) => d.json),
    );
    expect(
      text.match(/Ollama[^"]*no (Prometheus )?metrics|exports no Prometheus metrics/g)?.length,
    ).toBeGreaterThanOrEqual(2);
  });

  it("every metric source names where its list was read", () => {
    for (const [id, s] of Object.entries(METRIC_SOURCES)) {
      expect(s.sources.length, id).toBeGreaterThan(0);
      expect(Object.keys(s.metrics).length, id).toBeGreaterThan(0);
    }
  });
});
