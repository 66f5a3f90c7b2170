// Which admin interfaces the public load balancer would serve, to whom and over what: Grafana (its
// admin password) and LiteLLM's /ui and admin API (whose password is the master key). Over plain
// HTTP to addresses outside private networks they cross the internet in clear text: refused unless
// the stack opts in by a key that names the risk. Pure: plain config in, problems and warnings out.
import type { StackConfig } from "../../config/schema";

/** One admin interface the public load balancer serves. */
export interface AdminRoute {
  /** What it is, as a warning names it. */
  name: string;
  /** The CIDRs that reach it (its listener rules' source IPs). */
  cidrs: string[];
}

/** The admin interfaces of a stack on the public load balancer (none when adminRoutes is private). */
export function publicAdminRoutes(cfg: StackConfig): AdminRoute[] {
  if (cfg.loadBalancer.adminRoutes === "private") return [];
  const routes: AdminRoute[] = [];
  if (cfg.monitoring.enabled)
    routes.push({
      name:
        cfg.monitoring.grafanaHost === undefined
          ? "Grafana (/grafana/, admin password)"
          : `Grafana (${cfg.monitoring.grafanaHost}, admin password)`,
      cidrs: cfg.monitoring.allowedCidrs ?? cfg.loadBalancer.allowedCidrs,
    });
  if (cfg.gateway.enabled)
    routes.push({
      name: "LiteLLM's /ui and admin API (/key/*, /user/*, /team/*, /model/*, …; the master key)",
      cidrs: cfg.loadBalancer.allowedCidrs,
    });
  return routes;
}

/** RFC 1918 and RFC 6598 (carrier-grade NAT) ranges: reached over a VPN or Direct Connect. */
const PRIVATE_RANGES: Array<[number, number]> = [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["100.64.0.0", 10],
].map(([a, bits]) => [toInt(a as string), bits as number]);

function toInt(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

/** Whether every address of the CIDR is in a private range (its traffic need not cross the internet). */
export function isPrivateCidr(cidr: string): boolean {
  const [ip, b] = cidr.split("/");
  const bits = Number(b);
  const start = toInt(ip!);
  return PRIVATE_RANGES.some(([net, netBits]) => {
    if (bits < netBits) return false;
    const size = 2 ** (32 - netBits);
    return Math.floor(start / size) === Math.floor(net / size);
  });
}

export interface AdminExposure {
  /** Config problems (exit 2), one line each naming its key. */
  problems: string[];
  /** What is exposed in clear text when the stack opted in, by name. */
  warnings: string[];
}

/**
 * Refuses admin interfaces served over plain HTTP to the internet (no certificateArn, a source CIDR
 * outside private ranges) unless gpufleet:loadBalancer.allowAdminOverPlainHttp is true; then warns
 * naming each one.
 */
export function checkAdminExposure(cfg: StackConfig): AdminExposure {
  if (cfg.loadBalancer.adminRoutes === "private" && cfg.gateway.enabled && !cfg.monitoring.enabled)
    return {
      problems: [
        "gpufleet:loadBalancer.adminRoutes: private with the gateway needs gpufleet:monitoring.enabled: its host is the SSM port-forwarding hop to LiteLLM's /ui and admin API",
      ],
      warnings: [],
    };
  if (cfg.loadBalancer.certificateArn !== undefined) return { problems: [], warnings: [] };
  const exposed = publicAdminRoutes(cfg)
    .map((r) => ({ ...r, public: r.cidrs.filter((c) => !isPrivateCidr(c)) }))
    .filter((r) => r.public.length > 0);
  if (exposed.length === 0) return { problems: [], warnings: [] };
  const what = exposed.map((r) => `${r.name} to ${r.public.join(", ")}`).join("; ");
  if (cfg.loadBalancer.allowAdminOverPlainHttp)
    return {
      problems: [],
      warnings: [
        `gpufleet:loadBalancer.allowAdminOverPlainHttp: serving over plain HTTP, passwords in clear text across the internet: ${what}`,
      ],
    };
  return {
    problems: [
      `gpufleet:loadBalancer.certificateArn: required for the admin interfaces on the public load balancer, which would be served over plain HTTP (passwords in clear text) to the internet: ${what}. ` +
        "Set an ACM certificate ARN, or gpufleet:loadBalancer.adminRoutes: private (reach them through SSM port forwarding), " +
        "or accept the risk with gpufleet:loadBalancer.allowAdminOverPlainHttp: true",
    ],
    warnings: [],
  };
}
