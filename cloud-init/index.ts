// Pure renderers: a pool plan in, cloud-config text and on-host files out. No @pulumi imports
// (DESIGN.md).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { resolveContext, type RenderContext, type ResolvedContext } from "./context";
import { HOST_PATHS } from "./layout";
import { LOG_SHIPPER_PATHS, renderFluentBitConfig } from "./logs";
import { renderNginxConf, type NginxPaths } from "./nginx";
import { MULTI_NODE_SCRIPT, ec2MultiNodeOf, renderMultiNodeEnv } from "./multinode";
import {
  renderDownloadsTsv,
  renderGpufleetEnv,
  renderImagesTxt,
  renderReplicasTsv,
} from "./plan-files";
import {
  distinctDownloads,
  resolveReplicas,
  type RenderPool,
  type ResolvedReplica,
} from "./replicas";
import { renderDockerRun, renderReplicaUnit, renderSupportUnits } from "./units";

export * from "./context";
export * from "./layout";
export {
  API_KEY_PATTERN,
  DEFAULT_NGINX_PATHS,
  renderNginxAuthCheck,
  renderNginxConf,
  type NginxPaths,
} from "./nginx";
export { LOG_SHIPPER_PATHS, LOG_SHIPPER_UNIT, renderFluentBitConfig } from "./logs";
export {
  resolveReplicas,
  type RenderPool,
  type RenderReplica,
  type ResolvedReplica,
} from "./replicas";
export { renderDockerRun, MEMORY_FRACTION_VAR } from "./units";
export {
  BOOT_FILES_PREFIX,
  bootFilesKey,
  packBootFiles,
  renderLoaderUserData,
  sha256Hex,
  type BootFilesLocation,
} from "./boot-files";

/**
 * EC2's limit on user data, bytes (before base64): what the loader user data must stay well under
 * (boot-files.ts); the full cloud-config of `gpufleet render` may exceed it.
 */
export const EC2_USER_DATA_LIMIT = 16384;

export interface RenderedFile {
  /** Absolute path on the instance. */
  path: string;
  content: string;
  /** Octal permissions, e.g. "0755". */
  mode: string;
}

export interface RenderedPool {
  pool: string;
  /**
   * `#cloud-config` + YAML: write_files for every file below, then runcmd starting gpufleet.target.
   */
  userData: string;
  /** Every script, unit and config file that user data writes, in write order. */
  files: RenderedFile[];
  /** systemd units of the replicas with their docker run lines, in plan order. */
  replicas: Array<{ unit: string; dockerRun: string }>;
  /**
   * The shell command that starts the host once `files` are in place (what userData's runcmd runs;
   * the loader's user data runs it after unpacking the files: boot-files.ts).
   */
  start: string;
}

const SCRIPT_DIR = join(__dirname, "scripts");

/** An on-host script's text (cloud-init/scripts/<name>.sh); the docker target runs some in containers. */
export function script(name: string): string {
  return readFileSync(join(SCRIPT_DIR, `${name}.sh`), "utf8");
}

/** A multi-node group member's rank discovery: the script and the layout it reads. */
function multiNodeFiles(pool: RenderPool): RenderedFile[] {
  const layout = ec2MultiNodeOf(pool);
  if (!layout) return [];
  return [
    { path: MULTI_NODE_SCRIPT, content: script("gpufleet-multinode"), mode: "0755" },
    { path: `${HOST_PATHS.etc}/multinode.env`, content: renderMultiNodeEnv(layout), mode: "0644" },
  ];
}

/**
 * gpufleet-fetch.py: puts one model in the cache with what the image already has (the engine
 * image's huggingface_hub, or Python's standard library for a GGUF file). Hosts, Kubernetes'
 * download init containers and the Docker target's download one-shots run the same file; nothing
 * is pip-installed anywhere.
 */
export function fetchScript(): string {
  return readFileSync(join(SCRIPT_DIR, "gpufleet-fetch.py"), "utf8");
}

/** All files of a pool, in write order (scripts and plan data first, units last). */
export function renderFiles(
  pool: RenderPool,
  replicas: ResolvedReplica[],
  ctx: ResolvedContext,
  nginxPaths: Partial<NginxPaths> = {},
): RenderedFile[] {
  const files: RenderedFile[] = [
    { path: HOST_PATHS.lib, content: script("gpufleet-lib"), mode: "0644" },
    {
      path: HOST_PATHS.fetch,
      content: fetchScript(),
      mode: "0644",
    },
    {
      path: `${HOST_PATHS.bin}/gpufleet-bootstrap`,
      content: script("gpufleet-bootstrap"),
      mode: "0755",
    },
    {
      path: `${HOST_PATHS.bin}/gpufleet-download`,
      content: script("gpufleet-download"),
      mode: "0755",
    },
    {
      path: `${HOST_PATHS.bin}/gpufleet-watchdog`,
      content: script("gpufleet-watchdog"),
      mode: "0755",
    },
    { path: HOST_PATHS.status, content: script("gpufleet-status"), mode: "0755" },
    ...multiNodeFiles(pool),
    ...(replicas.some((r) => r.plan.ollama)
      ? [
          {
            path: `${HOST_PATHS.bin}/gpufleet-ollama-models`,
            content: script("gpufleet-ollama-models"),
            mode: "0755",
          },
        ]
      : []),
    {
      path: `${HOST_PATHS.etc}/gpufleet.env`,
      content: renderGpufleetEnv(pool, replicas, ctx),
      mode: "0644",
    },
    { path: `${HOST_PATHS.etc}/replicas.tsv`, content: renderReplicasTsv(replicas), mode: "0644" },
    {
      path: `${HOST_PATHS.etc}/downloads.tsv`,
      content: renderDownloadsTsv(distinctDownloads(replicas)),
      mode: "0644",
    },
    { path: `${HOST_PATHS.etc}/images.txt`, content: renderImagesTxt(replicas, ctx), mode: "0644" },
    {
      path: `${HOST_PATHS.etc}/nginx.conf`,
      content: renderNginxConf(replicas, ctx, nginxPaths),
      mode: "0644",
    },
  ];
  const units = renderSupportUnits(ctx);
  if (ctx.logGroup !== "") {
    const names = [...units.map((u) => u.name), ...replicas.map((r) => `${r.name}.service`)];
    files.push({
      path: LOG_SHIPPER_PATHS.hostConfig,
      content: renderFluentBitConfig(names, ctx),
      mode: "0644",
    });
  }
  for (const unit of units) {
    files.push({ path: `${HOST_PATHS.units}/${unit.name}`, content: unit.content, mode: "0644" });
  }
  for (const replica of replicas) {
    files.push({
      path: `${HOST_PATHS.units}/${replica.name}.service`,
      content: renderReplicaUnit(replica, ctx),
      mode: "0644",
    });
  }
  return files;
}

/** The start of a host whose files are in place (the runcmd below, as one shell command). */
const START = [
  "systemctl daemon-reload",
  "systemctl enable gpufleet.target gpufleet-watchdog.timer",
  "systemctl start --no-block gpufleet.target",
].join(" && ");

function renderUserData(files: RenderedFile[], ctx: ResolvedContext): string {
  const config = {
    write_files: files.map((f) => ({
      path: f.path,
      owner: "root:root",
      permissions: f.mode,
      content: f.content,
    })),
    runcmd: [
      ["systemctl", "daemon-reload"],
      ["systemctl", "enable", "gpufleet.target", "gpufleet-watchdog.timer"],
      ["systemctl", "start", "--no-block", "gpufleet.target"],
    ],
  };
  const header = `#cloud-config\n# gpufleet pool ${ctx.pool} (stack ${ctx.stack}). Logs: journalctl -u 'gpufleet*'; state: sudo gpufleet-status\n`;
  return header + stringify(config, { lineWidth: 0, blockQuote: "literal" });
}

/**
 * Renders a pool's user data and on-host files. Throws, naming the pool, on a plan it cannot boot.
 */
export function render(pool: RenderPool, context: RenderContext): RenderedPool {
  const ctx = resolveContext(context, pool.name, pool.proxyPort);
  const replicas = resolveReplicas(pool, ctx);
  const files = renderFiles(pool, replicas, ctx);
  const userData = renderUserData(files, ctx);
  return {
    pool: ctx.pool,
    userData,
    files,
    replicas: replicas.map((r) => ({
      unit: `${r.name}.service`,
      dockerRun: renderDockerRun(r, ctx),
    })),
    start: START,
  };
}
