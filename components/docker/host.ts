// One Docker host of the docker target: its provider, network, model-cache volume, images and
// containers, wired from the pure HostSpec (./spec.ts). Nothing is decided here.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { dirname } from "node:path";
import {
  HEALTHCHECK,
  LOG_ROTATION,
  NO_NEW_PRIVILEGES,
  SECRET_FILES,
  STATE_DIR,
  WATCHDOG_DOCKERFILE,
  WATCHDOG_IMAGE,
  type ContainerSpec,
  type HostSpec,
  type SecretName,
} from "./spec";
import { CONTAINER_MODEL_DIR } from "../../cloud-init/layout";
import { renderNginxAuthCheck } from "../../cloud-init/nginx";

export interface DockerHostArgs {
  spec: HostSpec;
  /** The engine API key (a Pulumi secret): uploaded as a 0400 file, never in env or argv. */
  apiKey: pulumi.Input<string>;
  /** The Hugging Face token, when a model needs it (a Pulumi secret). */
  hfToken?: pulumi.Input<string>;
  /** Grafana's admin password (generated with @pulumi/random), when the host runs monitoring. */
  grafanaAdminPassword?: pulumi.Input<string>;
  /** gpufleet:alertWebhookUrl, when set. */
  alertWebhookUrl?: pulumi.Input<string>;
  /** The gateway's secrets (generated with @pulumi/random), when the host runs LiteLLM. */
  gateway?: {
    masterKey: pulumi.Input<string>;
    saltKey: pulumi.Input<string>;
    postgresPassword: pulumi.Input<string>;
  };
}

/** Seconds `pulumi up` waits for the download container: the plan's weights can take hours. */
const DOWNLOAD_TIMEOUT = "6h";

export class DockerHost extends pulumi.ComponentResource {
  /** Container names by role, for outputs. */
  public readonly containerNames: string[];
  public readonly networkName: pulumi.Output<string>;
  public readonly volumeName: pulumi.Output<string>;

  constructor(name: string, args: DockerHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("gpufleet:docker:DockerHost", name, {}, opts);
    const { spec } = args;
    const provider = new docker.Provider(`${name}-provider`, { host: spec.host }, { parent: this });
    const child = { parent: this, provider };
    const network = new docker.Network(
      `${name}-net`,
      {
        name: spec.network,
        driver: "bridge",
        labels: [{ label: "gpufleet.stack", value: spec.key }],
      },
      child,
    );
    const volume = new docker.Volume(`${name}-models`, { name: spec.volume }, child);
    const state = new docker.Volume(`${name}-state`, { name: spec.stateVolume }, child);
    const dataVolumes = new Map(
      spec.dataVolumes.map((v) => [
        v,
        new docker.Volume(`${name}-${v.slice(spec.network.length - 3)}`, { name: v }, child).name,
      ]),
    );
    const images = new Map<string, pulumi.Output<string>>(
      spec.images.map((image) => [
        image,
        image === WATCHDOG_IMAGE
          ? // Built on the Docker host from its Dockerfile (tools only), never pushed.
            new docker.Image(
              `${name}-image-watchdog`,
              {
                imageName: image,
                build: { context: dirname(WATCHDOG_DOCKERFILE), platform: "linux/amd64" },
                skipPush: true,
              },
              child,
            ).repoDigest
          : new docker.RemoteImage(
              `${name}-image-${imageSlug(image)}`,
              { name: image, keepLocally: true },
              child,
            ).imageId,
      ]),
    );
    const created = new Map<string, docker.Container>();
    for (const c of spec.containers) {
      const dependsOn = c.dependsOn.map((d) => created.get(d)!).filter((d) => d !== undefined);
      const completed = spec.containers
        .filter((d) => d.runToCompletion && c.dependsOn.includes(d.name))
        .map((d) => ({ name: d.name, exitCode: created.get(d.name)!.exitCode }));
      const container = new docker.Container(
        c.name,
        containerArgs(c, {
          image: images.get(c.image)!,
          network: network.name,
          volume: volume.name,
          stateVolume: state.name,
          dataVolumes,
          secrets: {
            apiKey: args.apiKey,
            hfToken: args.hfToken,
            grafanaAdminPassword: args.grafanaAdminPassword,
            alertWebhookUrl: args.alertWebhookUrl,
            gatewayMasterKey: args.gateway?.masterKey,
            gatewaySaltKey: args.gateway?.saltKey,
            postgresPassword: args.gateway?.postgresPassword,
          },
          completed,
        }),
        {
          ...child,
          dependsOn,
          // A run-to-completion container may take hours (weights): wait for it, not 20 minutes.
          customTimeouts: c.runToCompletion ? { create: DOWNLOAD_TIMEOUT } : undefined,
        },
      );
      created.set(c.name, container);
    }
    this.containerNames = spec.containers.map((c) => c.name);
    this.networkName = network.name;
    this.volumeName = volume.name;
    this.registerOutputs({ networkName: this.networkName, volumeName: this.volumeName });
  }
}

function imageSlug(image: string): string {
  return image
    .replace(/^[a-z0-9.-]+\.[a-z]+(:\d+)?\//, "")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

interface Wiring {
  image: pulumi.Input<string>;
  network: pulumi.Input<string>;
  volume: pulumi.Input<string>;
  stateVolume: pulumi.Input<string>;
  /** Containers' own data volumes by name. */
  dataVolumes?: Map<string, pulumi.Input<string>>;
  secrets: {
    apiKey: pulumi.Input<string>;
    hfToken?: pulumi.Input<string>;
    grafanaAdminPassword?: pulumi.Input<string>;
    alertWebhookUrl?: pulumi.Input<string>;
    gatewayMasterKey?: pulumi.Input<string>;
    gatewaySaltKey?: pulumi.Input<string>;
    postgresPassword?: pulumi.Input<string>;
  };
  /**
   * Run-to-completion containers this one waits for, with their exit codes: a non-zero one fails
   * this container's creation (attach waits, but a failed exit alone would not stop the update).
   */
  completed?: Array<{ name: string; exitCode: pulumi.Input<number> }>;
}

/** The content of a secret file, from the stack's secrets. */
function secretValue(s: SecretName, secrets: Wiring["secrets"]): pulumi.Input<string> | undefined {
  switch (s) {
    case "apiKey":
    case "engineApiKey":
      return secrets.apiKey;
    case "nginxAuth":
      return pulumi.output(secrets.apiKey).apply(renderNginxAuthCheck);
    case "authHeader":
      return pulumi.output(secrets.apiKey).apply((k) => `Authorization: Bearer ${k}\n`);
    case "hfToken":
      return secrets.hfToken;
    case "grafanaAdminPassword":
      return secrets.grafanaAdminPassword;
    case "alertWebhookUrl":
      return secrets.alertWebhookUrl;
    case "gatewayMasterKey":
      return secrets.gatewayMasterKey;
    case "gatewaySaltKey":
      return secrets.gatewaySaltKey;
    case "postgresPassword":
      return secrets.postgresPassword;
  }
}

/** A ContainerSpec as @pulumi/docker Container inputs. */
export function containerArgs(c: ContainerSpec, w: Wiring): docker.ContainerArgs {
  const uploads: docker.types.input.ContainerUpload[] = c.files.map((f) => ({
    file: f.path,
    content: f.content,
    permissions: f.mode,
  }));
  for (const s of c.secrets) {
    const value = secretValue(s, w.secrets);
    if (value === undefined) throw new Error(`container ${c.name} needs the ${s} secret`);
    uploads.push({ file: SECRET_FILES[s], content: pulumi.secret(value), permissions: "0400" });
  }
  const args: docker.ContainerArgs = {
    name: c.name,
    image: w.image,
    entrypoints: c.entrypoint,
    command: c.command,
    envs: Object.entries(c.env).map(([k, v]) => `${k}=${v}`),
    uploads,
    // A download reaches the Hub from Docker's default bridge, no container of the stack.
    ...(c.egressOnly
      ? { networkMode: "bridge" }
      : { networksAdvanced: [{ name: w.network, aliases: [c.name] }] }),
    labels: [
      ...Object.entries(c.labels).map(([label, value]) => ({ label, value })),
      ...(w.completed ?? []).map((d) => ({
        label: "gpufleet.after",
        value: pulumi.output(d.exitCode).apply((code) => {
          if (code !== 0) throw new Error(`${d.name} exited with ${code}: ${c.name} not started`);
          return d.name;
        }),
      })),
    ],
    logDriver: LOG_ROTATION.driver,
    logOpts: { "max-size": LOG_ROTATION.maxSize, "max-file": LOG_ROTATION.maxFile },
    restart: c.restart,
    stopTimeout: c.stopTimeoutSeconds,
    destroyGraceSeconds: c.stopTimeoutSeconds,
    ports: c.ports.map((p) => ({ internal: p.internal, external: p.external, ip: p.ip })),
  };
  const volumes: docker.types.input.ContainerVolume[] = [];
  if (c.modelCache !== null)
    volumes.push({
      volumeName: w.volume,
      containerPath: CONTAINER_MODEL_DIR,
      readOnly: c.modelCache === "ro",
    });
  if (c.stateDir !== null)
    volumes.push({
      volumeName: w.stateVolume,
      containerPath: STATE_DIR,
      readOnly: c.stateDir === "ro",
    });
  for (const m of c.hostMounts)
    volumes.push({ hostPath: m.hostPath, containerPath: m.containerPath, readOnly: m.readOnly });
  if (c.data) {
    const volumeName = w.dataVolumes?.get(c.data.volume);
    if (volumeName === undefined)
      throw new Error(`container ${c.name}: no volume ${c.data.volume}`);
    volumes.push({ volumeName, containerPath: c.data.path, readOnly: false });
  }
  if (c.user !== undefined) args.user = c.user;
  if (volumes.length > 0) args.volumes = volumes;
  if (c.pidHost) args.pidMode = "host";
  if (c.gpus !== null) {
    args.deviceRequests = [
      c.gpus === "all"
        ? { driver: "nvidia", count: -1, capabilities: ["gpu"] }
        : { driver: "nvidia", deviceIds: c.gpus.map(String), capabilities: ["gpu"] },
    ];
  }
  if (c.ipcHost) args.ipcMode = "host";
  // Least privilege: every capability dropped, the few a container needs added back.
  args.capabilities = { drops: ["ALL"], ...(c.capAdd.length > 0 ? { adds: c.capAdd } : {}) };
  args.securityOpts = [...NO_NEW_PRIVILEGES];
  if (c.healthcheck) {
    args.healthcheck = {
      tests: c.healthcheck.test,
      interval: `${HEALTHCHECK.intervalSeconds}s`,
      timeout: `${HEALTHCHECK.timeoutSeconds}s`,
      retries: HEALTHCHECK.retries,
      startPeriod: `${c.healthcheck.startPeriodSeconds}s`,
    };
  }
  if (c.runToCompletion) {
    // @pulumi/docker's "run to completion": attach waits for the container to exit, mustRun false
    // accepts it stopped, and a non-zero exit fails the update (exitCode), so no engine starts.
    args.attach = true;
    args.mustRun = false;
    args.logs = true;
  }
  return args;
}
