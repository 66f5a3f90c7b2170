import type { ResolvedContext } from "./context";
import { EXPORTER_PORTS } from "./context";
import { CONTAINER_MODEL_DIR, HOST_PATHS } from "./layout";
import { LOG_SHIPPER_PATHS, LOG_SHIPPER_UNIT } from "./logs";
import type { ResolvedReplica } from "./replicas";
import { MULTI_NODE_SCRIPT, multiNodeDockerWords } from "./multinode";
import { ENGINE_CONTAINER_SECURITY } from "../planner/catalog/engines";
import { systemdCommand, type CommandWord } from "./quote";
import {
  awsUnitSandbox,
  dockerUnitSandbox,
  downloadUnitSandbox,
  watchdogUnitSandbox,
} from "./hardening";
import { DOCKER, confinementWords, dockerRunUnit, unitFile, type UnitEntry } from "./docker-unit";
/**
 * Variable of /var/lib/gpufleet/replicas/<replica>.env: the engine's memory fraction after the
 * bootstrap's check.
 */
export const MEMORY_FRACTION_VAR = "GPUFLEET_MEMORY_FRACTION";
/**
 * Variables whose values must never reach a unit file or the plan's env (devices are docker
 * --gpus's job).
 */
const DEVICE_VARS = new Set(["CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES"]);

/**
 * systemd's start limit of a replica unit: at most `burst` starts within `intervalSec`. With
 * RestartSec=30 an engine that dies at start-up spends its five starts in about 3 minutes, one that
 * dies after loading its weights (an out-of-memory at the first batch) in well under the hour.
 */
export const REPLICA_START_LIMIT = { intervalSec: 3600, burst: 5 } as const;

/** The planned args with the memory knob's value replaced by ${GPUFLEET_MEMORY_FRACTION}. */
function engineArgs(replica: ResolvedReplica): CommandWord[] {
  const args = replica.plan.args;
  const words: CommandWord[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (replica.knobFlag && arg === replica.knobFlag && i + 1 < args.length) {
      words.push(arg, { env: MEMORY_FRACTION_VAR });
      i++;
    } else if (replica.knobFlag && arg.startsWith(`${replica.knobFlag}=`)) {
      words.push(replica.knobFlag, { env: MEMORY_FRACTION_VAR });
    } else {
      words.push(arg);
    }
  }
  return words;
}

/**
 * Capabilities the on-host nginx needs back: its master runs as root, creates its temp directories
 * and chowns them to the worker user (CHOWN), then starts workers as that user (SETUID, SETGID);
 * a proxy port below 1024 also needs NET_BIND_SERVICE.
 */
export function proxyCapabilities(proxyPort: number): string[] {
  return ["CHOWN", "SETGID", "SETUID", ...(proxyPort < 1024 ? ["NET_BIND_SERVICE"] : [])];
}

/** The `docker run` of a replica as words of a systemd ExecStart= line. */
export function dockerRunWords(replica: ResolvedReplica, ctx: ResolvedContext): CommandWord[] {
  const { plan } = replica;
  const words: CommandWord[] = [DOCKER, "run", "--rm", "--name", replica.name, "--network", "host"];
  if (replica.needsIpcHost) words.push("--ipc=host");
  words.push(...confinementWords(ENGINE_CONTAINER_SECURITY.capAdd));
  words.push("--gpus", `"device=${plan.gpus.join(",")}"`, "--log-driver", "none");
  words.push(...multiNodeDockerWords(plan));
  words.push("-v", `${ctx.modelCacheDir}:${CONTAINER_MODEL_DIR}:ro`);
  // Ollama writes into its own store when it names a pulled model as clients call it (/api/copy
  // adds a manifest): its directory alone is mounted writable over the read-only cache.
  if (plan.weightsFormat === "ollama")
    words.push("-v", `${ctx.modelCacheDir}/ollama:${CONTAINER_MODEL_DIR}/ollama`);
  // The key reaches the container from the unit's root-only EnvironmentFile: `-e NAME` copies it
  // from docker's
  // own environment, so it is on no command line.
  if (replica.apiKey.kind === "env") words.push("-e", replica.apiKey.variable);
  for (const [name, value] of Object.entries(plan.env).sort(([a], [b]) => a.localeCompare(b))) {
    if (DEVICE_VARS.has(name)) continue;
    words.push("-e", `${name}=${value}`);
  }
  words.push(replica.image, ...engineArgs(replica));
  return words;
}

/** The ExecStart= command line of a replica unit (what the tests compare per engine). */
export function renderDockerRun(replica: ResolvedReplica, ctx: ResolvedContext): string {
  return systemdCommand(dockerRunWords(replica, ctx));
}

/**
 * An Ollama replica: once the engine runs, every model it serves answers to its served name and is
 * loaded (gpufleet-ollama-models); the unit is active only then, within the load grace.
 */
function ollamaStartPost(replica: ResolvedReplica): UnitEntry[] {
  const models = replica.plan.ollama?.models;
  if (!models?.length) return [];
  const words = [
    `${HOST_PATHS.bin}/gpufleet-ollama-models`,
    String(replica.plan.port),
    ...models.map((m) => `${m.tag}=${m.servedName}`),
  ];
  return [
    ["ExecStartPost", systemdCommand(words)],
    ["TimeoutStartSec", replica.loadGraceSeconds],
  ];
}

export function renderReplicaUnit(replica: ResolvedReplica, ctx: ResolvedContext): string {
  const { plan } = replica;
  const where = `GPU ${plan.gpus.join(",")}, port ${plan.port}`;
  return unitFile(
    {
      Unit: [
        [
          "Description",
          `gpufleet ${replica.name}: ${plan.model.servedName} (${plan.engine}) on ${where}`,
        ],
        ["After", "gpufleet-download.service docker.service"],
        ["Requires", "gpufleet-download.service docker.service"],
        // A replica that keeps exiting ends failed (Result=start-limit-hit) instead of restarting
        // forever; the watchdog then gives up on it and reports the host unhealthy.
        ["StartLimitIntervalSec", REPLICA_START_LIMIT.intervalSec],
        ["StartLimitBurst", REPLICA_START_LIMIT.burst],
      ],
      Service: [
        ["Type", "simple"],
        ["EnvironmentFile", `${HOST_PATHS.secrets}/engine.env`],
        ["EnvironmentFile", `${HOST_PATHS.state}/replicas/${replica.name}.env`],
        ["ExecStartPre", `-${DOCKER} rm -f ${replica.name}`],
        // A member of a multi-node group starts through gpufleet-multinode, which waits for the
        // group and appends this host's rank and the leader's address.
        [
          "ExecStart",
          systemdCommand(
            plan.multiNode?.ec2
              ? [MULTI_NODE_SCRIPT, "exec", ...dockerRunWords(replica, ctx)]
              : dockerRunWords(replica, ctx),
          ),
        ],
        ...ollamaStartPost(replica),
        ["ExecStop", `${DOCKER} stop --time 30 ${replica.name}`],
        ["Restart", "on-failure"],
        ["RestartSec", 30],
        ["TimeoutStopSec", 60],
        ["StandardOutput", "journal"],
        ["StandardError", "journal"],
        ["SyslogIdentifier", replica.name],
        // A multi-node member ranks itself with the aws CLI and IMDS and waits for its leader's
        // port (gpufleet-multinode); the Ollama check after start (gpufleet-ollama-models) calls
        // the engine on 127.0.0.1; every other replica unit only drives docker.
        ...(plan.multiNode?.ec2
          ? awsUnitSandbox()
          : dockerUnitSandbox(plan.ollama?.models.length ? "loopback" : "none")),
      ],
    },
    `${plan.model.id} as ${plan.model.servedName}: ${plan.engine}, ${where}, pool ${ctx.pool} (stack ${ctx.stack})`,
  );
}

/** A helper container of the pool (proxy, exporters, log shipper). */
function containerUnit(
  name: string,
  description: string,
  run: CommandWord[],
  ctx: ResolvedContext,
  after: string[],
  capAdd: readonly string[] | null,
): string {
  return dockerRunUnit({
    name,
    description,
    header: `${description}; pool ${ctx.pool} (stack ${ctx.stack})`,
    requires: after,
    confinement: { capAdd },
    run,
    stopSeconds: 10,
    sandbox: dockerUnitSandbox(),
  });
}

export interface RenderedUnit {
  name: string;
  content: string;
}

/** Every systemd unit of the pool except the replicas'. */
export function renderSupportUnits(ctx: ResolvedContext): RenderedUnit[] {
  const bin = HOST_PATHS.bin;
  const units: RenderedUnit[] = [];
  units.push({
    name: "gpufleet.target",
    content: unitFile(
      {
        Unit: [
          ["Description", `gpufleet: LLM replicas of pool ${ctx.pool} (stack ${ctx.stack})`],
          [
            "Wants",
            "gpufleet-bootstrap.service gpufleet-download.service gpufleet-proxy.service " +
              "gpufleet-node-exporter.service gpufleet-dcgm-exporter.service gpufleet-watchdog.timer" +
              (ctx.logGroup !== "" ? ` ${LOG_SHIPPER_UNIT}` : ""),
          ],
        ],
        Install: [["WantedBy", "multi-user.target"]],
      },
      "Everything gpufleet runs on this host; the replica units are started by gpufleet-download when the weights are local.",
    ),
  });
  units.push({
    name: "gpufleet-bootstrap.service",
    content: unitFile(
      {
        Unit: [
          [
            "Description",
            "gpufleet: check GPUs against the plan, fetch secrets from SSM, prepare the model cache",
          ],
          ["Wants", "network-online.target"],
          ["After", "network-online.target docker.service"],
        ],
        Service: [
          ["Type", "oneshot"],
          ["RemainAfterExit", "yes"],
          ["ExecStart", `${bin}/gpufleet-bootstrap`],
          ["TimeoutStartSec", "30min"],
          ["StandardOutput", "journal"],
          ["StandardError", "journal"],
        ],
      },
      "Fails (and so stops the boot of every replica) on a wrong GPU count, too little GPU memory or a missing secret.",
    ),
  });
  units.push({
    name: "gpufleet-download.service",
    content: unitFile(
      {
        Unit: [
          [
            "Description",
            "gpufleet: download every planned model and pull every image, then start the replicas",
          ],
          ["Requires", "gpufleet-bootstrap.service"],
          ["After", "gpufleet-bootstrap.service"],
        ],
        Service: [
          ["Type", "oneshot"],
          ["RemainAfterExit", "yes"],
          ["ExecStart", `${bin}/gpufleet-download`],
          ["TimeoutStartSec", "6h"],
          ["StandardOutput", "journal"],
          ["StandardError", "journal"],
          ...downloadUnitSandbox(ctx.modelCacheDir),
        ],
      },
      "Replica units require this one: no engine starts before its weights are on the local disk.",
    ),
  });
  units.push({
    name: "gpufleet-watchdog.service",
    content: unitFile(
      {
        Unit: [
          [
            "Description",
            "gpufleet: check every replica's health and model list, restart failing ones",
          ],
        ],
        Service: [
          ["Type", "oneshot"],
          ["ExecStart", `${bin}/gpufleet-watchdog`],
          ["TimeoutStartSec", "5min"],
          ["StandardOutput", "journal"],
          ["StandardError", "journal"],
          ...watchdogUnitSandbox(),
        ],
      },
      "Restarts a failing replica at most once per 5-minute cooldown.",
    ),
  });
  units.push({
    name: "gpufleet-watchdog.timer",
    content: unitFile(
      {
        Unit: [["Description", "gpufleet: run the replica watchdog every 30 s"]],
        Timer: [
          ["OnActiveSec", "30s"],
          ["OnUnitActiveSec", "30s"],
          ["AccuracySec", "1s"],
        ],
        Install: [["WantedBy", "timers.target"]],
      },
      "Seed 000's healthcheck cadence.",
    ),
  });
  units.push({
    name: "gpufleet-proxy.service",
    content: containerUnit(
      "gpufleet-proxy",
      `gpufleet: nginx on :${ctx.proxyPort} in front of this host's replicas (API key check)`,
      [
        "-v",
        `${HOST_PATHS.etc}/nginx.conf:/etc/nginx/nginx.conf:ro`,
        "-v",
        `${HOST_PATHS.secrets}/nginx-auth.conf:${HOST_PATHS.secrets}/nginx-auth.conf:ro`,
        // The watchdog's verdict on the host (DEFAULT_NGINX_PATHS.unhealthyFile).
        "-v",
        `${HOST_PATHS.state}/health:${HOST_PATHS.state}/health:ro`,
        // The drain switch (nginx.ts drainFlag): gpufleet-drain creates its file here.
        "-v",
        `${HOST_PATHS.state}/drain:${HOST_PATHS.state}/drain:ro`,
        ctx.helperImages.nginx,
      ],
      ctx,
      ["gpufleet-bootstrap.service"],
      proxyCapabilities(ctx.proxyPort),
    ),
  });
  units.push({
    name: "gpufleet-node-exporter.service",
    content: containerUnit(
      "gpufleet-node-exporter",
      `gpufleet: Prometheus node_exporter on :${EXPORTER_PORTS.nodeExporter}`,
      [
        "--pid",
        "host",
        "-v",
        "/:/host:ro,rslave",
        ctx.helperImages.nodeExporter,
        "--path.rootfs=/host",
        // The watchdog's gpufleet_replica_given_up and gpufleet_watchdog_restarts_total.
        `--collector.textfile.directory=/host${HOST_PATHS.state}/metrics`,
        `--web.listen-address=:${EXPORTER_PORTS.nodeExporter}`,
      ],
      ctx,
      [],
      // Runs as nobody and only reads /proc, /sys and the read-only host root.
      [],
    ),
  });
  units.push({
    name: "gpufleet-dcgm-exporter.service",
    content: containerUnit(
      "gpufleet-dcgm-exporter",
      `gpufleet: NVIDIA DCGM exporter on :${EXPORTER_PORTS.dcgmExporter}`,
      [
        "--gpus",
        "all",
        "--cap-add",
        "SYS_ADMIN",
        ctx.helperImages.dcgmExporter,
        "-a",
        `:${EXPORTER_PORTS.dcgmExporter}`,
      ],
      ctx,
      [],
      // DCGM's profiling metrics need SYS_ADMIN (the exporter's own `docker run` and Helm chart add
      // it to Docker's default set); which of the default capabilities DCGM's host engine also
      // uses is not documented and cannot be tried without a GPU here, so the default set stays.
      null,
    ),
  });
  if (ctx.logGroup !== "") {
    units.push({
      name: LOG_SHIPPER_UNIT,
      content: containerUnit(
        "gpufleet-logs",
        `gpufleet: ship the journal of the gpufleet units to CloudWatch Logs ${ctx.logGroup}`,
        [
          "-v",
          `${LOG_SHIPPER_PATHS.journal}:${LOG_SHIPPER_PATHS.journal}:ro`,
          "-v",
          "/etc/machine-id:/etc/machine-id:ro",
          "-v",
          `${LOG_SHIPPER_PATHS.hostState}:${LOG_SHIPPER_PATHS.containerState}`,
          "-v",
          `${LOG_SHIPPER_PATHS.hostConfig}:${LOG_SHIPPER_PATHS.containerConfig}:ro`,
          ctx.helperImages.logShipper,
          "-c",
          LOG_SHIPPER_PATHS.containerConfig,
        ],
        ctx,
        [],
        // Reads the journal (root-owned files) and writes its own state directory, as root.
        [],
      ),
    });
  }
  return units;
}
