// The proxy sidecar's nginx.conf in each pool's ConfigMap (cloud-init's renderer, one replica on
// localhost) and the key check from its Secret pass the real `nginx -t`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { renderNginxAuthCheck } from "../../cloud-init/nginx";
import { kubernetesManifestsOf } from "../../cli/render-kubernetes";
import { parseStackConfig, toPlanInput } from "../../config";
import { planFleetMultiNode } from "../../planner/multinode";
import { describeRun, requireTool, run } from "../tools";
import { SECRETS } from "./harness";

const raw = (
  parseYaml(readFileSync(join(__dirname, "../../examples/kubernetes.yaml"), "utf8")) as {
    config: Record<string, unknown>;
  }
).config;
const cfg = parseStackConfig(
  Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k.replace(/^gpufleet:/, ""), v] as const),
  ),
);
const plan = planFleetMultiNode(toPlanInput("dev", cfg));
const objects = kubernetesManifestsOf(plan, cfg);

describe("proxy sidecar: nginx -t", () => {
  it.each(plan.pools.map((p) => [p.name]))("pool %s", (pool) => {
    requireTool("nginx");
    const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === `${pool}-proxy`)!;
    const conf = (cm.data as Record<string, string>)["nginx.conf"]!;
    expect(conf).toContain("include /etc/gpufleet/auth/nginx-auth.conf;");
    expect(conf).toMatch(/server 127\.0\.0\.1:8000 /);
    const prefix = mkdtempSync(join(tmpdir(), "gpufleet-k8s-nginx-"));
    try {
      writeFileSync(join(prefix, "auth.conf"), renderNginxAuthCheck(SECRETS.apiKey));
      // The pod's absolute paths, moved under the test's prefix.
      const local = conf
        .replaceAll("/etc/gpufleet/auth/nginx-auth.conf", join(prefix, "auth.conf"))
        .replaceAll("/run/gpufleet/nginx.pid", join(prefix, "nginx.pid"))
        .replaceAll(/\/tmp\/(\w+_temp)/g, `${prefix}/$1`)
        .replace("error_log stderr", `error_log ${join(prefix, "error.log")}`)
        .replace("access_log /dev/stdout", `access_log ${join(prefix, "access.log")}`);
      writeFileSync(join(prefix, "nginx.conf"), local);
      const r = run("nginx", ["-t", "-p", prefix, "-c", join(prefix, "nginx.conf")]);
      expect(r.status, describeRun("nginx -t", r)).toBe(0);
      expect(r.stderr).toContain("test is successful");
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });
});
