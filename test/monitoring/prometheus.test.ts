// prometheus.yml: promtool accepts it (with its rule file loaded), and the discovery contract
// matches the tags the
// GPU pools' launch templates set.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { TAG_KEYS, poolTags } from "../../components/aws/facts";
import {
  DISCOVERY_TAGS,
  ENGINE_ROLE,
  JOBS,
  RULE_FILE,
  renderPrometheusConfig,
  renderRules,
  resolveMonitoringContext,
  scrapedReplicas,
} from "../../monitoring";
import { CONTEXT, DEV_PLAN, ENGINES_PLAN } from "./fixtures";
import { describeRun, requireTool, run, tempDir } from "../tools";

const ctx = resolveMonitoringContext(CONTEXT);
const PLANS = [
  ["dev", DEV_PLAN],
  ["engines", ENGINES_PLAN],
] as const;

interface Job {
  job_name: string;
  metrics_path?: string;
  ec2_sd_configs?: Array<{
    port: number;
    region: string;
    filters: Array<{ name: string; values: string[] }>;
  }>;
  relabel_configs?: Array<Record<string, unknown>>;
  authorization?: { credentials_file: string };
}

function jobsOf(text: string): Job[] {
  return (parse(text) as { scrape_configs: Job[] }).scrape_configs;
}

describe("prometheus.yml", () => {
  it.each(PLANS)(
    "promtool check config accepts the %s plan's config and its rules",
    (_name, plan) => {
      requireTool("promtool");
      // The same renderer, pointed at a temporary directory, so that promtool also loads the rule
      // file and finds the
      // credentials file it names (on the host both are mounted at /etc/prometheus and
      // /run/gpufleet-secrets).
      const dir = tempDir("prom");
      mkdirSync(join(dir, "rules"));
      mkdirSync(join(dir, "secrets"));
      writeFileSync(join(dir, "secrets", "engine-api-key"), "test-key");
      writeFileSync(join(dir, "rules", RULE_FILE), renderRules(plan, ctx));
      const config = renderPrometheusConfig(plan, ctx, {
        prometheus: dir,
        secrets: join(dir, "secrets"),
        alertmanager: dir,
      });
      writeFileSync(join(dir, "prometheus.yml"), config);
      const r = run("promtool", ["check", "config", join(dir, "prometheus.yml")]);
      expect(r.status, describeRun("promtool check config", r)).toBe(0);
      expect(r.stdout).toMatch(/SUCCESS: 1 rule files found/);
    },
  );

  it.each(PLANS)("the file as deployed (%s) passes promtool's syntax check", (_name, plan) => {
    requireTool("promtool");
    const dir = tempDir("prom-syntax");
    writeFileSync(join(dir, "prometheus.yml"), renderPrometheusConfig(plan, ctx));
    const r = run("promtool", ["check", "config", "--syntax-only", join(dir, "prometheus.yml")]);
    expect(r.status, describeRun("promtool check config --syntax-only", r)).toBe(0);
  });

  it("discovers by the tag keys the launch templates set (components/aws/facts.ts)", () => {
    expect(DISCOVERY_TAGS).toEqual({
      stack: TAG_KEYS.stack,
      pool: TAG_KEYS.pool,
      role: TAG_KEYS.role,
      replicaPorts: TAG_KEYS.replicaPorts,
      exporterPorts: TAG_KEYS.exporterPorts,
    });
    const tags = poolTags("dev", DEV_PLAN.pools[0]!);
    expect(tags[TAG_KEYS.role]).toBe(ENGINE_ROLE);
    // Every scraped port is listed in the instance's tags, in the space-separated format the
    // keep-regex expects.
    for (const job of jobsOf(renderPrometheusConfig(DEV_PLAN, ctx))) {
      const keep = job.relabel_configs?.find((r) => r.action === "keep");
      if (!job.ec2_sd_configs || !keep) continue;
      const source = (keep.source_labels as string[])[0]!;
      const tag =
        source === "__meta_ec2_tag_gpufleet_replica_ports"
          ? TAG_KEYS.replicaPorts
          : TAG_KEYS.exporterPorts;
      const poolFilter = job.ec2_sd_configs[0]!.filters.find(
        (f) => f.name === `tag:${TAG_KEYS.pool}`,
      )?.values[0];
      const pool = DEV_PLAN.pools.find((p) => p.name === (poolFilter ?? DEV_PLAN.pools[0]!.name))!;
      const value = poolTags("dev", pool)[tag]!;
      expect(
        new RegExp(`^(?:${keep.regex as string})$`).test(value),
        `${job.job_name}: ${value}`,
      ).toBe(true);
    }
  });

  it("filters discovery to this stack's running engine instances", () => {
    for (const job of jobsOf(renderPrometheusConfig(DEV_PLAN, ctx))) {
      for (const sd of job.ec2_sd_configs ?? []) {
        expect(sd.region).toBe("us-east-1");
        expect(sd.filters).toEqual(
          expect.arrayContaining([
            { name: "tag:gpufleet:stack", values: ["dev"] },
            { name: "tag:gpufleet:role", values: ["engine"] },
            { name: "instance-state-name", values: ["running"] },
          ]),
        );
      }
    }
  });

  it("has one engine job per scraped replica, labelled pool, replica, model and engine; Ollama replicas are not scraped", () => {
    const jobs = jobsOf(renderPrometheusConfig(ENGINES_PLAN, ctx));
    const engineJobs = jobs.filter((j) => j.job_name.startsWith("engine-"));
    const expected = ENGINES_PLAN.pools.flatMap((p) =>
      scrapedReplicas(p).map((r) => `engine-${p.name}-${r.port}`),
    );
    expect(engineJobs.map((j) => j.job_name)).toEqual(expected);
    expect(ENGINES_PLAN.pools.some((p) => p.replicas.some((r) => r.engine === "ollama"))).toBe(
      true,
    );
    expect(engineJobs.some((j) => j.job_name.startsWith("engine-ollama"))).toBe(false);
    for (const job of engineJobs) {
      const [, poolName, port] = /^engine-(.+)-(\d+)$/.exec(job.job_name)!;
      const pool = ENGINES_PLAN.pools.find((p) => p.name === poolName)!;
      const replica = pool.replicas.find((r) => r.port === Number(port))!;
      const set = Object.fromEntries(
        job
          .relabel_configs!.filter(
            (r) => r.target_label && r.replacement !== undefined && !r.source_labels,
          )
          .map((r) => [r.target_label, r.replacement]),
      );
      expect(set).toMatchObject({
        job: JOBS.engine,
        model: replica.model.servedName,
        engine: replica.engine,
        port,
      });
      expect(job.relabel_configs).toContainEqual({
        source_labels: ["__meta_ec2_tag_gpufleet_pool"],
        target_label: "pool",
      });
      expect(job.relabel_configs).toContainEqual({
        source_labels: ["__meta_ec2_instance_id"],
        target_label: "replica",
        replacement: `$1:${port}`,
      });
      expect(job.metrics_path).toBe(replica.metricsPath);
      // The engine API key is read from a file, never written into the config.
      expect(job.authorization?.credentials_file).toBe("/run/gpufleet-secrets/engine-api-key");
    }
  });
});
