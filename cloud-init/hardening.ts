// systemd sandboxing of the gpufleet units: what each kind of unit may see and do, as [Service]
// directives. Pure data; `systemd-analyze verify` and `systemd-analyze security` check the result in
// test/cloud-init/hardening.test.ts (GPU hosts) and test/monitoring/hardening.test.ts.
//
// A unit's process is never the engine: replica, proxy and exporter units run the docker CLI, whose
// containers are children of dockerd, outside the unit's namespaces and cgroup. So even a unit that
// starts a GPU engine needs no device, no capability and no network of its own: only docker's
// socket, a filesystem path.
//
// What stays open, and why, for every unit:
// - root with an empty capability set: the scripts read root-only files (0600, owned by root) and
//   talk to dockerd and systemd over their root-only sockets, which needs uid 0, not a capability;
// - SystemCallFilter=@system-service with EPERM, not a kill: a call outside the set fails loudly in
//   the journal instead of killing a boot script half-way;
// - no PrivateUsers=: a user namespace would hide root-owned files' owner from the scripts.
// Two units are left unsandboxed on purpose, because their mounts must land in the host's mount
// namespace (ProtectSystem= and friends give a unit a namespace of its own, whose mounts the other
// units would not see): gpufleet-bootstrap.service installs the NVIDIA container toolkit with apt
// when the AMI lacks it, restarts docker, and mounts the instance-store disk as the model cache;
// the monitoring host's gpufleet-monitoring-setup.service formats and mounts the EBS data volume
// and gives each container its data directory (chown to the container's own uid).
// The containers are confined by their own `docker run` options (docker-unit.ts).

import { HOST_PATHS } from "./layout";

export type Directive = [string, string];

/** Protections every sandboxed unit gets. */
const COMMON: Directive[] = [
  ["NoNewPrivileges", "yes"],
  ["CapabilityBoundingSet", ""],
  ["ProtectSystem", "strict"],
  // An empty tmpfs over /root and /home: the docker and aws CLIs look for their config there and
  // find none, as on a fresh AMI.
  ["ProtectHome", "tmpfs"],
  ["PrivateTmp", "yes"],
  ["ProtectKernelTunables", "yes"],
  ["ProtectKernelModules", "yes"],
  ["ProtectKernelLogs", "yes"],
  ["ProtectControlGroups", "yes"],
  ["ProtectClock", "yes"],
  ["ProtectHostname", "yes"],
  ["ProtectProc", "invisible"],
  ["RestrictNamespaces", "yes"],
  ["RestrictRealtime", "yes"],
  ["RestrictSUIDSGID", "yes"],
  ["LockPersonality", "yes"],
  ["SystemCallArchitectures", "native"],
  ["SystemCallFilter", "@system-service"],
  ["SystemCallErrorNumber", "EPERM"],
  ["UMask", "0077"],
];

/** Whether a unit's own processes use the network, and how far. */
export type UnitNetwork =
  /** Only docker's and systemd's Unix sockets: a network namespace of its own, no IP at all. */
  | "none"
  /** The replicas on 127.0.0.1 (watchdog, an Ollama unit's model check). */
  | "loopback"
  /** AWS APIs and the instance metadata service (drain, metrics). */
  | "any";

export interface UnitSandboxArgs {
  network: UnitNetwork;
  /** Host paths the unit writes (everything else is read-only); a missing one is skipped. */
  writable: readonly string[];
  /**
   * Whether the unit may map memory writable and executable: the aws CLI's bundled Python (libffi
   * closures) may; the docker CLI (Go), curl and bash never need it. Default false.
   */
  allowWriteExecute?: boolean;
  /**
   * Whether the unit's script may write its FATAL line to /dev/console (gpufleet-lib.sh gf_fatal:
   * the serial console, EC2's "Get system log"). Without it, the unit sees no device but the
   * pseudo-devices (PrivateDevices=yes). Default false.
   */
  console?: boolean;
  /** Host paths the unit may not see at all (InaccessiblePaths=); a missing one is skipped. */
  hidden?: readonly string[];
}

/** The [Service] directives that sandbox one unit. */
export function sandboxDirectives(args: UnitSandboxArgs): Directive[] {
  const out: Directive[] = [...COMMON];
  if (args.console) out.push(["DevicePolicy", "closed"], ["DeviceAllow", "/dev/console w"]);
  else out.push(["PrivateDevices", "yes"]);
  if (!args.allowWriteExecute) out.push(["MemoryDenyWriteExecute", "yes"]);
  if (args.writable.length > 0)
    out.push(["ReadWritePaths", args.writable.map((p) => `-${p}`).join(" ")]);
  if (args.hidden?.length)
    out.push(["InaccessiblePaths", args.hidden.map((p) => `-${p}`).join(" ")]);
  switch (args.network) {
    case "none":
      out.push(["PrivateNetwork", "yes"], ["RestrictAddressFamilies", "AF_UNIX"]);
      out.push(["IPAddressDeny", "any"]);
      break;
    case "loopback":
      out.push(["RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"]);
      out.push(["IPAddressAllow", "localhost"], ["IPAddressDeny", "any"]);
      break;
    case "any":
      out.push(["RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6 AF_NETLINK"]);
      break;
  }
  return out;
}

/** A unit whose ExecStart is `docker run` of a long-running container (replica, proxy, exporter). */
export function dockerUnitSandbox(network: "none" | "loopback" = "none"): Directive[] {
  return sandboxDirectives({ network, writable: [] });
}

/** gpufleet-download: docker pulls and runs downloaders, writes the cache and its progress. */
export function downloadUnitSandbox(modelCacheDir: string): Directive[] {
  return sandboxDirectives({
    network: "none",
    writable: [HOST_PATHS.state, modelCacheDir],
    console: true,
  });
}

/** gpufleet-watchdog: curl to the replicas on 127.0.0.1, systemctl, its state under /var/lib. */
export function watchdogUnitSandbox(): Directive[] {
  return sandboxDirectives({ network: "loopback", writable: [HOST_PATHS.state], console: true });
}

/**
 * gpufleet-drain, gpufleet-metrics and a multi-node member's replica unit: IMDSv2 and AWS APIs
 * through the aws CLI (a multi-node member also reaches its group's leader).
 */
export function awsUnitSandbox(): Directive[] {
  return sandboxDirectives({
    network: "any",
    writable: [HOST_PATHS.state],
    allowWriteExecute: true,
    console: true,
  });
}

/**
 * The monitoring host's gpufleet-monitoring-sync: the aws CLI to S3 (credentials from IMDS), docker
 * and systemctl over their sockets to reload what reads the configuration; writes `writable` (the
 * configuration tree, its state) and never sees `hidden` (the secrets' directory inside that tree).
 */
export function monitoringSyncSandbox(paths: {
  writable: readonly string[];
  hidden: readonly string[];
}): Directive[] {
  return sandboxDirectives({ network: "any", allowWriteExecute: true, ...paths });
}
