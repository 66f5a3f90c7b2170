// extraArgs and env reach every target from the plan: the systemd unit's `docker run` (AWS) and the
// Kubernetes engine container both take them from the replica, quoted for each.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { render } from "../../cloud-init";
import { poolManifests, type K8sObject } from "../../components/kubernetes/manifests";
import { parseStackConfig, toPlanInput } from "../../config";
import { kubernetesSchema } from "../../config/kubernetes";
import { planFleet } from "../../planner/plan";
import { planFleetMultiNode } from "../../planner/multinode";
import { CONTEXT } from "./fixtures";

const EXTRA = [
  "--enable-prefix-caching",
  "--override-generation-config",
  '{"temperature": 0.6, "top_p": 0.95}',
  "--chat-template-content-format=openai",
];
const ENV = {
  NCCL_P2P_DISABLE: "1",
  VLLM_LOGGING_LEVEL: "DEBUG",
  PYTORCH_CUDA_ALLOC_CONF: "expandable_segments:True",
};

describe("escape hatches reach the targets", () => {
  it("AWS: the unit's docker run carries the extra flags after the planned ones and -e for each variable", () => {
    const pool = planFleet({
      stack: "dev",
      pools: [
        {
          name: "chat",
          instanceType: "g5.2xlarge",
          count: 1,
          model: "Qwen/Qwen3-8B",
          engine: "vllm",
          extraArgs: EXTRA,
          env: ENV,
        },
      ],
    }).pools[0]!;
    const unit = render(pool, CONTEXT).files.find(
      (f) => f.path === "/etc/systemd/system/gpufleet-vllm-8000.service",
    )!.content;
    const exec = unit.split("\n").find((l) => l.startsWith("ExecStart="))!;
    expect(exec).toContain(
      `--enable-prefix-caching --override-generation-config '{"temperature": 0.6, "top_p": 0.95}' --chat-template-content-format=openai`,
    );
    expect(exec).toContain("-e NCCL_P2P_DISABLE=1");
    expect(exec).toContain("-e PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True");
    expect(exec).toContain("-e VLLM_LOGGING_LEVEL=DEBUG");
    // The extra flags come after every planned one: argparse keeps the last, the planner's are not overridable anyway.
    expect(exec.indexOf("--enable-prefix-caching")).toBeGreaterThan(exec.indexOf("--max-num-seqs"));
  });

  it("Kubernetes: the engine container's args and env carry them", () => {
    const doc = parseYaml(
      readFileSync(join(__dirname, "../../examples/kubernetes.yaml"), "utf8"),
    ) as { config: Record<string, unknown> };
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc.config))
      if (k.startsWith("gpufleet:")) raw[k.slice("gpufleet:".length)] = v;
    const pools = raw.pools as Array<Record<string, unknown>>;
    pools[0] = { ...pools[0], extraArgs: EXTRA, env: ENV };
    const cfg = parseStackConfig(raw);
    const plan = planFleetMultiNode(toPlanInput("dev", cfg));
    const objs = poolManifests(
      { plan, cfg, k8s: cfg.kubernetes ?? kubernetesSchema.parse({}), hfToken: true },
      0,
    );
    const containers = objs.flatMap((o: K8sObject) => {
      const spec = (o as { spec?: { template?: { spec?: { containers?: unknown[] } } } }).spec;
      return (spec?.template?.spec?.containers ?? []) as Array<{
        name: string;
        args: string[];
        env: Array<{ name: string; value?: string }>;
      }>;
    });
    const engine = containers.find((c) => c.name === "engine")!;
    expect(engine).toBeDefined();
    const at = engine.args.indexOf(EXTRA[0]!);
    expect(engine.args.slice(at, at + EXTRA.length)).toEqual(EXTRA);
    for (const [name, value] of Object.entries(ENV))
      expect(engine.env).toContainEqual({ name, value });
  });
});
