// Admin interfaces (Grafana; LiteLLM's /ui and admin API) over plain HTTP to the internet are
// refused by key unless the stack opts in by a key that names the risk; private admin routes leave
// the public load balancer entirely and are reached through SSM port forwarding.
import { describe, expect, it } from "vitest";
import { checkAdminExposure, isPrivateCidr } from "../../components/aws/admin";
import { parseStackConfig } from "../../config";
import { T, field, ofType, runFleet } from "./harness";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/harness";

const POOLS = [{ name: "a10g", instanceType: "g5.2xlarge", model: "auto", engine: "auto" }];
const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc";

describe("admin interfaces over plain HTTP", () => {
  it.each([
    ["10.0.0.0/8", true],
    ["10.20.0.0/16", true],
    ["172.16.0.0/12", true],
    ["172.31.255.0/24", true],
    ["172.32.0.0/16", false],
    ["192.168.1.0/24", true],
    ["100.64.0.0/10", true],
    ["0.0.0.0/0", false],
    ["203.0.113.0/24", false],
    ["8.0.0.0/7", false],
  ])("%s is private: %s", (cidr, expected) => {
    expect(isPrivateCidr(cidr)).toBe(expected);
  });

  it.each([
    [
      "monitoring (default on), no certificate",
      { pools: POOLS },
      /^gpufleet:loadBalancer\.certificateArn: .*Grafana \(\/grafana\/, admin password\) to 0\.0\.0\.0\/0\..*adminRoutes: private.*allowAdminOverPlainHttp: true/,
    ],
    [
      "the gateway, Grafana on its own host, an office CIDR",
      {
        pools: POOLS,
        loadBalancer: { allowedCidrs: ["203.0.113.0/24"] },
        monitoring: { grafanaHost: "grafana.example.com" },
        gateway: { enabled: true },
      },
      /Grafana \(grafana\.example\.com, admin password\) to 203\.0\.113\.0\/24; LiteLLM's \/ui and admin API .* to 203\.0\.113\.0\/24/,
    ],
    [
      "Grafana for the internet, the API for a VPN",
      {
        pools: POOLS,
        loadBalancer: { allowedCidrs: ["10.0.0.0/8"] },
        monitoring: { allowedCidrs: ["0.0.0.0/0"] },
      },
      /Grafana .* to 0\.0\.0\.0\/0\./,
    ],
    [
      "private routes with the gateway but no monitoring host to hop through",
      {
        pools: POOLS,
        loadBalancer: { adminRoutes: "private" },
        monitoring: { enabled: false },
        gateway: { enabled: true },
      },
      /^gpufleet:loadBalancer\.adminRoutes: private with the gateway needs gpufleet:monitoring\.enabled/,
    ],
  ])("refuses %s, naming the key", (_, raw, message) => {
    const { problems, warnings } = checkAdminExposure(parseStackConfig(raw));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(warnings).toEqual([]);
  });

  it.each([
    [
      "a certificate",
      { pools: POOLS, gateway: { enabled: true }, loadBalancer: { certificateArn: CERT } },
    ],
    [
      "private routes",
      { pools: POOLS, gateway: { enabled: true }, loadBalancer: { adminRoutes: "private" } },
    ],
    ["no admin interface", { pools: POOLS, monitoring: { enabled: false } }],
    [
      "private networks only",
      {
        pools: POOLS,
        gateway: { enabled: true },
        loadBalancer: { allowedCidrs: ["10.0.0.0/8", "192.168.0.0/16"] },
      },
    ],
  ])("accepts %s silently", (_, raw) => {
    expect(checkAdminExposure(parseStackConfig(raw))).toEqual({ problems: [], warnings: [] });
  });

  it("with the opt-in, warns naming each interface it exposes", () => {
    const { problems, warnings } = checkAdminExposure(
      parseStackConfig({
        pools: POOLS,
        gateway: { enabled: true },
        loadBalancer: { allowAdminOverPlainHttp: true },
      }),
    );
    expect(problems).toEqual([]);
    expect(warnings).toEqual([
      "gpufleet:loadBalancer.allowAdminOverPlainHttp: serving over plain HTTP, passwords in clear text across the internet: Grafana (/grafana/, admin password) to 0.0.0.0/0; LiteLLM's /ui and admin API (/key/*, /user/*, /team/*, /model/*, …; the master key) to 0.0.0.0/0",
    ]);
  });
});

describe("admin routes in the program", () => {
  it("refuses the insecure stack before registering anything (exit 2 path)", async () => {
    const r = await runFleet({ pools: POOLS, gateway: { enabled: true } }, { strictAdmin: true });
    expect(r.error?.message).toMatch(/gpufleet: invalid stack config/);
    expect(r.error?.message).toMatch(/gpufleet:loadBalancer\.certificateArn: required/);
    expect(r.record).toEqual([]);
  });

  it("private: no Grafana door on the public load balancer, LiteLLM only on /v1/*, Session Manager on the monitoring host", async () => {
    const r = await runFleet(
      { pools: POOLS, gateway: { enabled: true }, loadBalancer: { adminRoutes: "private" } },
      { strictAdmin: true },
    );
    expect(r.error).toBeUndefined();
    const rules = ofType(r, T.rule);
    const paths = rules.flatMap((x) =>
      field<Array<{ pathPattern?: { values: string[] } }>>(x, "conditions").flatMap(
        (c) => c.pathPattern?.values ?? [],
      ),
    );
    expect(paths).toContain("/v1/*");
    expect(paths).not.toContain("/*");
    expect(paths.some((p) => p.startsWith("/grafana"))).toBe(false);
    expect(ofType(r, "aws:lb/targetGroup:TargetGroup").map((t) => t.name)).not.toContain(
      "gpufleet-monitoring-grafana",
    );
    // No rule lets the load balancer reach Grafana's port.
    const grafanaDoors = r.resources.filter(
      (x) => /grafana/.test(x.name) && /securityGroup(In|E)gressRule/.test(x.type),
    );
    expect(grafanaDoors).toEqual([]);
    // The monitoring host may open Session Manager channels (least privilege, no managed policy).
    const ssm = ofType(r, T.rolePolicy).find(
      (p) => p.name === "gpufleet-monitoring-session-manager",
    );
    expect(String(ssm?.inputs.policy)).toContain("ssmmessages:OpenDataChannel");
    expect(
      r.resources.filter((x) => x.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment"),
    ).toEqual([]);
    // The hop reaches LiteLLM's port, from the monitoring group only.
    const hop = r.resources.find((x) => x.name === "gpufleet-gateway-gateway-in-admin")!;
    expect(hop.inputs).toMatchObject({ fromPort: 4000, toPort: 4000 });
    const out = r.outputs.adminPortForwarding!.value as { grafana: string; gateway: string };
    expect(out.grafana).toMatch(
      /^aws ssm start-session --region us-east-1 --target i-[0-9a-f]+ --document-name AWS-StartPortForwardingSession --parameters portNumber=3000,localPortNumber=3000$/,
    );
    expect(out.gateway).toMatch(/AWS-StartPortForwardingSessionToRemoteHost .*portNumber=4000/);
    expect(r.outputs.grafanaUrl!.value).toBe("http://localhost:3000/grafana/");
    expect((r.outputs.gatewayEndpoints!.value as { ui: string }).ui).toBe(
      "http://localhost:4000/ui",
    );
  });

  it("public with a certificate: Grafana and LiteLLM's catch-all on the HTTPS listener, no port forwarding", async () => {
    const r = await runFleet(
      { pools: POOLS, gateway: { enabled: true }, loadBalancer: { certificateArn: CERT } },
      { strictAdmin: true },
    );
    expect(r.error).toBeUndefined();
    const paths = ofType(r, T.rule).flatMap((x) =>
      field<Array<{ pathPattern?: { values: string[] } }>>(x, "conditions").flatMap(
        (c) => c.pathPattern?.values ?? [],
      ),
    );
    expect(paths).toEqual(expect.arrayContaining(["/*", "/grafana", "/grafana/*"]));
    expect(r.outputs.adminPortForwarding!.value).toBeNull();
  });
});

describe("the CLI", () => {
  async function plan(body: string, cmd = "plan"): Promise<{ code: number; err: string }> {
    const dir = mkdtempSync(join(tmpdir(), "gpufleet-admin-"));
    const file = join(dir, "Pulumi.t.yaml");
    writeFileSync(file, body);
    const args = cmd === "render" ? ["--out", join(dir, "out")] : [];
    const { code, err } = await runCli([cmd, "--config", file, ...args]);
    return { code, err };
  }
  const STACK =
    "config:\n  aws:region: us-east-1\n  gpufleet:pools:\n    - {name: a, instanceType: g5.2xlarge}\n";

  it("gpufleet plan exits 2 naming the key; with the opt-in it plans and warns by name", async () => {
    const bad = await plan(STACK);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/gpufleet:loadBalancer\.certificateArn: required/);
    const opted = await plan(`${STACK}  gpufleet:loadBalancer: {allowAdminOverPlainHttp: true}\n`);
    expect(opted.code).toBe(0);
    expect(opted.err).toMatch(
      /warning: gpufleet:loadBalancer\.allowAdminOverPlainHttp: serving over plain HTTP.*Grafana/,
    );
    const priv = await plan(`${STACK}  gpufleet:loadBalancer: {adminRoutes: private}\n`);
    expect(priv).toEqual({ code: 0, err: "" });
  });

  it("gpufleet render refuses and warns as plan does", async () => {
    const bad = await plan(STACK, "render");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/gpufleet:loadBalancer\.certificateArn: required/);
    const opted = await plan(
      `${STACK}  gpufleet:loadBalancer: {allowAdminOverPlainHttp: true}\n`,
      "render",
    );
    expect(opted.code, opted.err).toBe(0);
    expect(opted.err).toMatch(
      /^warning: gpufleet:loadBalancer\.allowAdminOverPlainHttp: serving over plain HTTP.*Grafana/m,
    );
  });
});
