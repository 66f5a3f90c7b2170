// systemd unit files, and the one builder of a unit whose ExecStart is `docker run` of a
// long-running container: shared by the GPU hosts (units.ts: proxy, exporters, log shipper) and the
// monitoring host (monitoring/cloud-config.ts: Prometheus, Alertmanager, Grafana). Pure text.
import type { Directive } from "./hardening";
import { systemdCommand, type CommandWord } from "./quote";

export const DOCKER = "/usr/bin/docker";

export type UnitEntry = [string, string | number] | Directive;

/** A unit file: two comment lines (`header`, then where it comes from), then each section. */
export function unitFile(sections: Record<string, UnitEntry[]>, header: string): string {
  const out = [`# ${header}`, "# Rendered by gpufleet; edits are lost on the next deployment."];
  for (const [section, entries] of Object.entries(sections))
    out.push("", `[${section}]`, ...entries.map(([k, v]) => `${k}=${v}`));
  return `${out.join("\n")}\n`;
}

/**
 * `docker run` options that confine a container: every Linux capability dropped except `capAdd`
 * (null keeps Docker's default set), and no privilege gained through setuid binaries
 * (no-new-privileges). Docker's default seccomp profile applies to every container already.
 */
export function confinementWords(capAdd: readonly string[] | null): string[] {
  const caps =
    capAdd === null ? [] : ["--cap-drop", "ALL", ...capAdd.flatMap((c) => ["--cap-add", c])];
  return [...caps, "--security-opt", "no-new-privileges"];
}

/** How a container is confined beyond Docker's defaults. */
export interface ContainerConfinement {
  /** Capabilities given back after `--cap-drop ALL`; null keeps Docker's default set. */
  capAdd: readonly string[] | null;
  /** `--user uid:gid`; default the image's USER. */
  user?: { uid: number; gid: number };
  /**
   * `--read-only` root filesystem with a tmpfs at each of these paths (none: only the volumes are
   * writable). Default: the image's root filesystem stays writable.
   */
  readOnlyRoot?: { tmpfs: readonly string[] };
}

/** Bytes of each `--tmpfs` of a read-only container (scratch files only; data goes to volumes). */
export const CONTAINER_TMPFS_SIZE = "128m";

/** The `docker run` options of `confinement`, in the order the rendered units carry them. */
export function confinementOptions(confinement: ContainerConfinement): string[] {
  const { user, readOnlyRoot } = confinement;
  const words = user ? ["--user", `${user.uid}:${user.gid}`] : [];
  words.push(...confinementWords(confinement.capAdd));
  if (readOnlyRoot) {
    words.push("--read-only");
    for (const path of readOnlyRoot.tmpfs)
      words.push("--tmpfs", `${path}:rw,noexec,nosuid,nodev,size=${CONTAINER_TMPFS_SIZE}`);
  }
  return words;
}

export interface DockerUnitArgs {
  /** Container name, also the journal's SyslogIdentifier. */
  name: string;
  /** The unit's Description=. */
  description: string;
  /** First comment line of the file. */
  header: string;
  /** Units it needs besides docker.service (After= and Requires=). */
  requires: readonly string[];
  /** A target that stops and restarts it with itself (PartOf=). */
  partOf?: string;
  confinement: ContainerConfinement;
  /** Further `docker run` options, the image and its arguments. */
  run: CommandWord[];
  /** Seconds `docker stop` waits before it kills the container. */
  stopSeconds: number;
  /** The unit's own sandbox (hardening.ts): the unit only drives the docker CLI. */
  sandbox: Directive[];
  /** The target whose start pulls it in ([Install] WantedBy=), if any. */
  wantedBy?: string;
}

/** A unit that runs one container on the host's network, restarted whenever it exits. */
export function dockerRunUnit(args: DockerUnitArgs): string {
  const needs = ["docker.service", ...args.requires].join(" ");
  const run: CommandWord[] = [DOCKER, "run", "--rm", "--name", args.name, "--network", "host"];
  run.push("--log-driver", "none", ...confinementOptions(args.confinement), ...args.run);
  return unitFile(
    {
      Unit: [
        ["Description", args.description],
        ["After", needs],
        ["Requires", needs],
        ...(args.partOf ? [["PartOf", args.partOf] as Directive] : []),
      ],
      Service: [
        ["Type", "simple"],
        ["ExecStartPre", `-${DOCKER} rm -f ${args.name}`],
        ["ExecStart", systemdCommand(run)],
        ["ExecStop", `${DOCKER} stop --time ${args.stopSeconds} ${args.name}`],
        ["Restart", "always"],
        ["RestartSec", 10],
        ["StandardOutput", "journal"],
        ["StandardError", "journal"],
        ["SyslogIdentifier", args.name],
        ...args.sandbox,
      ],
      ...(args.wantedBy ? { Install: [["WantedBy", args.wantedBy] as Directive] } : {}),
    },
    args.header,
  );
}
