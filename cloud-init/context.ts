import type { EngineId } from "../planner/types";
import { DEFAULT_MODEL_CACHE_DIR } from "./layout";
import { pinImage } from "../planner/catalog/digests";

/**
 * Images of the helper containers; pinned so that every boot runs what the tests validated. Tags
 * checked 2026-11-22
 * against docker-library/official-images (library/python, library/nginx at 37079fb336, 2026-08-21)
 * and the
 * exporters' own repositories.
 */
export const DEFAULT_HELPER_IMAGES = {
  /**
   * Fetches GGUF files with Python's standard library (cloud-init/scripts/gpufleet-fetch.py; Python
   * 3.12, Debian trixie); installs nothing. HF snapshots come through the engine images' own
   * huggingface_hub.
   */
  downloader: pinImage("python:3.12-slim"),
  /**
   * The on-host proxy in front of the replicas: nginx's stable line (1.30.x since 2026-04-14,
   * official-images
   * 71567fbcfa); 1.27 was a mainline line, frozen at 1.27.5 in June 2025.
   */
  nginx: pinImage("nginx:1.30-alpine"),
  /** prometheus/node_exporter tag v1.8.2 (2024-07-14). */
  nodeExporter: pinImage("quay.io/prometheus/node-exporter:v1.8.2"),
  /**
   * NVIDIA/dcgm-exporter tag 4.4.2-4.7.1 (2025-12-10; its README's `docker run` names this image):
   * DCGM 4.4 is the
   * line paired with R580 / CUDA 13 drivers (the DLAMI's); 3.x reports profiling metrics unreliably
   * on them
   * (NVIDIA/dcgm-exporter#657). Built on cuda:13.0.1-base with NVIDIA_DISABLE_REQUIRE=true, so
   * older drivers start it too.
   */
  dcgmExporter: "nvcr.io/nvidia/k8s/dcgm-exporter:4.4.2-4.7.1-ubuntu22.04",
  /**
   * Ships the journal of the gpufleet units to CloudWatch Logs (RenderContext.logGroup): Fluent Bit
   * v5.1.1
   * (tag 2026-08-14; its Dockerfile builds the systemd input, FLB_IN_SYSTEMD=On, on Debian 13's
   * libsystemd,
   * which reads Ubuntu 22.04's journal files).
   */
  logShipper: "cr.fluentbit.io/fluent/fluent-bit:5.1.1",
} as const;

/** Fixed host ports of the exporters (the monitoring security group opens them). */
export const EXPORTER_PORTS = { nodeExporter: 9100, dcgmExporter: 9400 } as const;

export type HelperImage = keyof typeof DEFAULT_HELPER_IMAGES;

/** Image overrides: an engine id replaces the planned image of that engine's replicas. */
export type ImageOverrides = Partial<Record<EngineId | HelperImage, string>>;

/** What only the deployment knows; everything else comes from the pool's plan. */
export interface RenderContext {
  /** Pulumi stack name, e.g. "dev"; shown by gpufleet-status and in unit descriptions. */
  stack: string;
  /** Pool name; default: the plan's pool name. */
  pool?: string;
  /** AWS region of the SSM parameters (the instance's own region), e.g. "us-east-1". */
  region: string;
  /**
   * Name (never the value) of the SSM SecureString parameter holding the engine API key. Required.
   */
  apiKeyParameter: string;
  /**
   * Name (never the value) of the SSM SecureString parameter holding the Hugging Face token.
   * Required when a
   * planned model is gated (render throws otherwise); default: none, models are downloaded
   * anonymously.
   */
  hfTokenParameter?: string;
  /**
   * Image overrides per engine and for the helper containers; default: the plan's and
   * DEFAULT_HELPER_IMAGES.
   */
  images?: ImageOverrides;
  /**
   * Host directory of the model cache, mounted read-only into engines; default
   * /opt/gpufleet/models.
   */
  modelCacheDir?: string;
  /**
   * Port of the on-host nginx, the load balancer's target; default: the plan's proxyPort (8080).
   */
  proxyPort?: number;
  /**
   * CloudWatch Logs group the instance role may write to (logs:CreateLogStream, logs:PutLogEvents):
   * with it,
   * gpufleet-logs.service ships the journal of every gpufleet unit there, one stream per host and
   * unit.
   * Default: none, logs stay in the host's journal.
   */
  logGroup?: string;
}

/** RenderContext with every default filled in. */
export interface ResolvedContext {
  stack: string;
  pool: string;
  region: string;
  apiKeyParameter: string;
  hfTokenParameter: string;
  engineImages: Partial<Record<EngineId, string>>;
  helperImages: Record<HelperImage, string>;
  modelCacheDir: string;
  proxyPort: number;
  /** "" when no log shipping. */
  logGroup: string;
}

const SSM_NAME = /^[A-Za-z0-9_.\-/]+$/;

export function resolveContext(
  ctx: RenderContext,
  poolName: string,
  planProxyPort: number,
): ResolvedContext {
  const problems: string[] = [];
  if (!SSM_NAME.test(ctx.apiKeyParameter ?? ""))
    problems.push(`apiKeyParameter "${ctx.apiKeyParameter}" is not an SSM parameter name`);
  if (ctx.hfTokenParameter !== undefined && !SSM_NAME.test(ctx.hfTokenParameter)) {
    problems.push(`hfTokenParameter "${ctx.hfTokenParameter}" is not an SSM parameter name`);
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(ctx.region))
    problems.push(`region "${ctx.region}" is not an AWS region`);
  const modelCacheDir = ctx.modelCacheDir ?? DEFAULT_MODEL_CACHE_DIR;
  if (!/^\/[A-Za-z0-9_.\-/]+$/.test(modelCacheDir))
    problems.push(`modelCacheDir "${modelCacheDir}" must be an absolute path`);
  const proxyPort = ctx.proxyPort ?? planProxyPort;
  if (!Number.isInteger(proxyPort) || proxyPort < 1 || proxyPort > 65535)
    problems.push(`proxyPort ${proxyPort} is not a port`);
  // CloudWatch Logs group names: 1-512 of [.-_/#A-Za-z0-9] (CreateLogGroup API reference).
  if (ctx.logGroup !== undefined && !/^[.\-_/#A-Za-z0-9]{1,512}$/.test(ctx.logGroup))
    problems.push(`logGroup "${ctx.logGroup}" is not a CloudWatch Logs group name`);
  if (problems.length > 0)
    throw new Error(`cloud-init render of pool ${poolName}: ${problems.join("; ")}`);
  const { downloader, nginx, nodeExporter, dcgmExporter, logShipper, ...engineImages } =
    ctx.images ?? {};
  return {
    stack: ctx.stack,
    pool: ctx.pool ?? poolName,
    region: ctx.region,
    apiKeyParameter: ctx.apiKeyParameter,
    hfTokenParameter: ctx.hfTokenParameter ?? "",
    engineImages,
    helperImages: {
      downloader: downloader ?? DEFAULT_HELPER_IMAGES.downloader,
      nginx: nginx ?? DEFAULT_HELPER_IMAGES.nginx,
      nodeExporter: nodeExporter ?? DEFAULT_HELPER_IMAGES.nodeExporter,
      dcgmExporter: dcgmExporter ?? DEFAULT_HELPER_IMAGES.dcgmExporter,
      logShipper: logShipper ?? DEFAULT_HELPER_IMAGES.logShipper,
    },
    modelCacheDir,
    proxyPort,
    logGroup: ctx.logGroup ?? "",
  };
}

/**
 * SSM parameter names of a stack's secrets, under /gpufleet/<stack>/ (the AWS component creates
 * them;
 * the instance role may read only this path).
 */
/**
 * CloudWatch Logs group of a stack's GPU hosts (the AWS component creates it; the instance role may
 * write only to it).
 */
export function logGroupName(stack: string): string {
  return `/gpufleet/${stack}`;
}

export function secretParameterNames(stack: string): { apiKey: string; hfToken: string } {
  return { apiKey: `/gpufleet/${stack}/engine-api-key`, hfToken: `/gpufleet/${stack}/hf-token` };
}
