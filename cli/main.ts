// The `gpufleet` command: works with no cloud account, no Pulumi CLI and no GPU.
//
// Start-up time is part of the interface (`npm run bench` measures it against a bare `node -e 0`).
// A command that needs the Pulumi SDK or another heavy module (preview; later ones that run the
// program, talk to Docker or Kubernetes) imports it inside its action, with `await import()`, never
// at the top of this file: everything imported here is loaded by every command, `--help` included.
// test/cli/startup.test.ts fails when a top-level import brings @pulumi/* in.
import { Command, CommanderError, Option } from "commander";
import {
  ConfigError,
  planStackConfig,
  plainSecretWarnings,
  readSelectedStack,
  type StackSelection,
} from "../config";
import { PlanError } from "../planner/plan";
import { validateKubernetesDeployment } from "../components/kubernetes/validate";
import { priceAwsFleet } from "../components/aws/cost";
import type { FleetPlan } from "../planner/types";
import { formatMarkdown, formatTable } from "../planner/format";
import { logGroupName, secretParameterNames } from "../cloud-init/context";
import * as path from "node:path";
import { mkdir, writeFile } from "node:fs/promises";
import type { StackConfig } from "../config/schema";
import { validateDeployment } from "../components/aws/validate";
import { checkAdminExposure } from "../components/aws/admin";
import { kubernetesEntryWarnings } from "../config/kubernetes";

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s.endsWith("\n") ? s : `${s}\n`),
  err: (s) => process.stderr.write(s.endsWith("\n") ? s : `${s}\n`),
};

/** Exit code for bad input (DESIGN.md): nothing planned or created. */
export const EXIT_BAD_INPUT = 2;

/** Reads, validates and plans a stack's config file. Throws ConfigError / PlanError. */
export function planFromFile(sel: StackSelection): {
  plan: FleetPlan;
  file: string;
  region?: string;
  cfg: StackConfig;
  /** Problems that do not stop planning (plain-text secrets): printed on stderr. */
  warnings: string[];
} {
  const sf = readSelectedStack(sel);
  const { cfg, plan } = planStackConfig(sf.stack, sf.raw);
  // The AWS checks (regions, EC2 types, the gateway); Kubernetes' own (nodes, entry point).
  // Offline, a stack file without aws:region is checked as us-east-1's, as the preview runs it
  // (the program itself refuses a missing region).
  const problems =
    cfg.target === "kubernetes"
      ? validateKubernetesDeployment(plan, cfg)
      : cfg.target === "aws"
        ? validateDeployment(plan, cfg, sf.region ?? "us-east-1")
        : [];
  if (problems.length > 0) throw new ConfigError(problems);
  // The AWS program's bill: GPU pools and the infrastructure beside them. Other targets run on
  // hardware the user has: their plan prices the GPU pools only.
  return {
    plan: cfg.target === "aws" ? priceAwsFleet(plan, cfg, sf.region) : plan,
    file: sf.file,
    region: sf.region,
    cfg,
    warnings: [
      ...plainSecretWarnings(sf.raw),
      ...(cfg.target === "aws" ? checkAdminExposure(cfg).warnings : []),
      ...(cfg.target === "kubernetes" ? kubernetesEntryWarnings(cfg) : []),
    ],
  };
}

function stackOptions(cmd: Command): Command {
  return cmd
    .option("-s, --stack <name>", "stack whose Pulumi.<stack>.yaml to read", undefined)
    .option("-c, --config <file>", "read this stack config file instead");
}

/** The docker target's plain files: a compose file per host (the same containers as the program). */
async function renderDockerTarget(
  plan: FleetPlan,
  cfg: StackConfig,
  opts: { out: string; format: string },
  io: Io,
): Promise<void> {
  if (cfg.target !== "docker") {
    throw new ConfigError([
      `gpufleet:target: --format compose renders the docker target; this stack's target is "${cfg.target}"`,
    ]);
  }
  const { dockerSpecOptions, renderDockerSpec } = await import("../components/docker/spec.js");
  const { writeCompose } = await import("./render-compose.js");
  const hosts = renderDockerSpec(plan, dockerSpecOptions(cfg, plan.stack));
  const written = await writeCompose(hosts, opts.out);
  for (const h of hosts) {
    io.out(
      `${h.host}: ${path.join(opts.out, h.key, "docker-compose.yml")} (${h.containers.length} containers)`,
    );
  }
  io.out(`${written.length} files under ${opts.out}`);
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  let code = 0;
  const program = new Command()
    .name("gpufleet")
    .description(
      "Plan, render and preview a GPU fleet for self-hosted LLMs — offline, no cloud account needed",
    )
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  stackOptions(
    program.command("plan").description("validate the stack config and print the deployment plan"),
  )
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["table", "json", "markdown"])
        .default("table"),
    )
    .action((opts: StackSelection & { format: string }) => {
      const { plan, warnings } = planFromFile(opts);
      for (const w of warnings) io.err(`warning: ${w}`);
      if (opts.format === "json") io.out(JSON.stringify(plan, null, 2));
      else if (opts.format === "markdown") io.out(formatMarkdown(plan));
      else io.out(formatTable(plan));
    });

  stackOptions(
    program
      .command("render")
      .description("write every generated on-host artifact of every pool to files"),
  )
    .requiredOption(
      "-o, --out <dir>",
      "directory to write <pool>/user-data.yaml and the on-host files into",
    )
    .option(
      "--region <region>",
      "AWS region of the SSM parameters (default: aws:region of the stack, else us-east-1)",
    )
    .addOption(
      new Option(
        "-t, --target <target>",
        "what to render for (default: the stack's gpufleet:target)",
      ).choices(["aws", "kubernetes"]),
    )
    .addOption(
      new Option(
        "-f, --format <format>",
        "files: what the target's hosts boot from; compose: a docker-compose.yml per Docker host",
      )
        .choices(["files", "compose"])
        .default("files"),
    )
    .action(
      async (
        opts: StackSelection & { out: string; region?: string; target?: string; format: string },
      ) => {
        // The renderers load the Grafana SDK (dashboards) and more: only this command needs them.
        const { renderMonitoringBundle } = await import("../monitoring/index.js");
        const { renderGatewayFiles } = await import("../gateway/index.js");
        const { writeRenderedPool } = await import("./render.js");
        const { plan, region, cfg, warnings } = planFromFile(opts);
        // The same warnings as plan and preview: the files carry what the warning is about.
        for (const w of warnings) io.err(`warning: ${w}`);
        if (cfg.target === "docker" || opts.format === "compose") {
          await renderDockerTarget(plan, cfg, opts, io);
          return;
        }
        if ((opts.target ?? cfg.target) === "kubernetes") {
          if (cfg.target !== "kubernetes")
            throw new ConfigError([
              `gpufleet:target: is ${cfg.target}; set it to kubernetes to render Kubernetes manifests`,
            ]);
          // planFromFile has validated the deployment (validateKubernetesDeployment).
          const { writeKubernetesManifests } = await import("./render-kubernetes.js");
          const written = await writeKubernetesManifests(plan, cfg, opts.out);
          io.out(`kubernetes: ${written.length} files under ${path.join(opts.out, "kubernetes")}`);
          return;
        }
        const names = secretParameterNames(plan.stack);
        if (cfg.monitoring.enabled) {
          // Exactly what the stack's configuration bucket holds under monitoring/: the files and
          // their manifest.
          const bundle = renderMonitoringBundle(plan, {
            stack: plan.stack,
            region: opts.region ?? region ?? "us-east-1",
            retentionDays: cfg.monitoring.retentionDays,
            thresholds: cfg.monitoring.thresholds,
            receivers: {
              webhook: cfg.alertWebhookUrl !== undefined,
              snsTopicArn: cfg.monitoring.snsTopicArn,
            },
          });
          const files = [...bundle.files, bundle.manifest];
          for (const f of files) {
            const target = path.join(opts.out, "monitoring", f.path);
            await mkdir(path.dirname(target), { recursive: true });
            await writeFile(target, f.content);
          }
          io.out(`monitoring: ${files.length} files under ${path.join(opts.out, "monitoring")}`);
        }
        if (cfg.gateway.enabled) {
          for (const f of renderGatewayFiles(plan, { stack: plan.stack, options: cfg.gateway })) {
            const target = path.join(opts.out, f.path);
            await mkdir(path.dirname(target), { recursive: true });
            await writeFile(target, f.content);
            io.out(`gateway: ${target}`);
          }
        }
        for (const pool of plan.pools) {
          const written = await writeRenderedPool(
            pool,
            {
              stack: plan.stack,
              region: opts.region ?? region ?? "us-east-1",
              apiKeyParameter: names.apiKey,
              hfTokenParameter: names.hfToken,
              logGroup: logGroupName(plan.stack),
            },
            opts.out,
          );
          io.out(`${pool.name}: ${written.length} files under ${path.join(opts.out, pool.name)}`);
        }
      },
    );

  stackOptions(
    program
      .command("preview")
      .description(
        "run the Pulumi program offline under mocks: print the resource tree and the outputs",
      ),
  )
    .option(
      "--json",
      'print { resources: [{ type, name, parent, inputs }], outputs }, every secret "[secret]"',
    )
    .option("--update", "run as `pulumi up` would (isDryRun false) instead of as `pulumi preview`")
    .action(async (opts: StackSelection & { json?: boolean; update?: boolean }) => {
      // Loaded here, not at the top: it brings the Pulumi SDK (~1.5 s), which no other command needs.
      const { formatPreview, previewJson, runPreview } = await import("./preview.js");
      const run = await runPreview(opts);
      io.out(opts.json ? JSON.stringify(previewJson(run), null, 2) : formatPreview(run));
      if (opts.json)
        for (const l of run.log.filter((e) => e.severity !== "info"))
          io.err(`${l.severity}: ${l.message}`);
    });

  program
    .command("calibrate")
    .description(
      "plan every calibration case (real engine start-up logs) and print the error of each",
    )
    .option("--json", "print the results as JSON")
    .action(async (opts: { json?: boolean }) => {
      // The calibration cases (every real start-up log) load only for this command.
      const { formatCalibration, runCalibration } = await import("./calibrate.js");
      const results = runCalibration();
      io.out(opts.json ? JSON.stringify(results, null, 2) : formatCalibration(results));
      if (results.some((r) => !r.ok)) code = 1;
    });

  // `gpufleet bench` parses its own flags; its module (undici, the progress bar) loads only here.
  program
    .command("bench")
    .description("load-test an endpoint or a stack's pool and hold it against the plan")
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument("[args...]")
    .action(async (args: string[]) => {
      // require, not import(): the bin loads the TypeScript sources through tsx's CommonJS hook,
      // which a dynamic import() (Node's ESM loader) would bypass.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runBench } = require("./bench") as typeof import("./bench");
      code = await runBench(args, { ...io, errIsTty: process.stderr.isTTY === true });
    });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof PlanError) {
      for (const p of err.problems) io.err(p);
      return EXIT_BAD_INPUT;
    }
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    throw err;
  }
  return code;
}
