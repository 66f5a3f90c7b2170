import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { EC2_USER_DATA_LIMIT, render } from "../../cloud-init";
import type { PoolPlan, ReplicaPlan } from "../../planner/types";
import { join } from "node:path";
import { planFromFile } from "../../cli/main";
import {
  A10G_VLLM,
  ALL_POOLS,
  CONTEXT,
  G5_12XL_LMDEPLOY_TP4,
  G5_12XL_SGLANG,
  G5_OLLAMA,
  G6_LLAMACPP,
  P4D_VLLM8,
} from "./fixtures";

function unitOf(pool: PoolPlan, name: string): string {
  const file = render(pool, CONTEXT).files.find(
    (f) => f.path === `/etc/systemd/system/${name}.service`,
  );
  if (!file) throw new Error(`no unit ${name}`);
  return file.content;
}

function execStart(unit: string): string {
  const line = unit.split("\n").find((l) => l.startsWith("ExecStart="));
  if (!line) throw new Error("no ExecStart");
  return line.slice("ExecStart=".length);
}

describe("render", () => {
  it("renders the dev stack's a10g pool as before", () => {
    expect(render(A10G_VLLM, CONTEXT).userData).toMatchSnapshot();
  });

  it("renders the planner's own dev stack (Pulumi.dev.yaml) as before: a plan change shows up in this snapshot", () => {
    const { plan } = planFromFile({ config: join(__dirname, "../../Pulumi.dev.yaml") });
    for (const pool of plan.pools)
      expect(render(pool, CONTEXT).userData).toMatchSnapshot(`dev stack pool ${pool.name}`);
  });

  it("is cloud-config YAML whose write_files are exactly the rendered files", () => {
    for (const pool of ALL_POOLS) {
      const r = render(pool, CONTEXT);
      expect(r.userData.startsWith("#cloud-config\n")).toBe(true);
      const doc = parse(r.userData) as {
        write_files: Array<{ path: string; content: string; permissions: string }>;
        runcmd: string[][];
      };
      expect(doc.write_files.map((f) => [f.path, f.content, f.permissions])).toEqual(
        r.files.map((f) => [f.path, f.content, f.mode]),
      );
      expect(doc.runcmd.at(-1)).toEqual(["systemctl", "start", "--no-block", "gpufleet.target"]);
    }
  });

  it("carries SSM parameter names and no secret value", () => {
    const r = render(A10G_VLLM, CONTEXT);
    expect(r.userData).toContain("GPUFLEET_API_KEY_PARAMETER=/gpufleet/dev/engine-api-key");
    expect(r.userData).toContain("GPUFLEET_HF_TOKEN_PARAMETER=/gpufleet/dev/hf-token");
    expect(r.userData).not.toMatch(/Bearer [A-Za-z0-9]/);
    expect(r.userData).not.toMatch(/HF_TOKEN=[^\s'"%$]/);
  });

  it("writes one unit per replica, with its devices and port", () => {
    for (const pool of ALL_POOLS) {
      const r = render(pool, CONTEXT);
      expect(r.replicas).toHaveLength(pool.replicas.length);
      pool.replicas.forEach((replica, i) => {
        const unit = unitOf(pool, `gpufleet-${replica.engine}-${replica.port}`);
        expect(r.replicas[i]!.dockerRun).toBe(execStart(unit));
        expect(execStart(unit)).toContain(`--gpus '"device=${replica.gpus.join(",")}"'`);
        expect(unit).toMatch(/^After=gpufleet-download\.service docker\.service$/m);
        expect(unit).toMatch(/^Requires=gpufleet-download\.service docker\.service$/m);
        expect(unit).toMatch(/^Restart=on-failure$/m);
        expect(unit).toMatch(/^EnvironmentFile=\/etc\/gpufleet\/secrets\/engine\.env$/m);
      });
    }
  });

  describe("the exact docker run line of each engine", () => {
    it("vllm", () => {
      expect(execStart(unitOf(A10G_VLLM, "gpufleet-vllm-8000"))).toBe(
        "/usr/bin/docker run --rm --name gpufleet-vllm-8000 --network host --ipc=host --cap-drop ALL --security-opt no-new-privileges --gpus " +
          "'\"device=0\"' --log-driver none -v /opt/gpufleet/models:/models:ro -e VLLM_API_KEY -e " +
          "DO_NOT_TRACK=1 -e HF_HOME=/models -e HF_HUB_OFFLINE=1 -e " +
          "HF_MODULES_CACHE=/tmp/hf_modules -e TRANSFORMERS_OFFLINE=1 -e VLLM_NO_USAGE_STATS=1 " +
          "vllm/vllm-openai:v0.31.0@sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3 IlyaGusev/saiga_nemo_12b --served-model-name saiga-nemo-12b " +
          "--host 0.0.0.0 --port 8000 --dtype bfloat16 --max-model-len 16384 " +
          "--gpu-memory-utilization ${GPUFLEET_MEMORY_FRACTION} --max-num-seqs 64 " +
          "--max-num-batched-tokens 4096 --kv-cache-dtype auto --tensor-parallel-size 1 " +
          "--quantization fp8",
      );
    });

    it("sglang (third of four replicas: GPU 2, port 8002)", () => {
      expect(execStart(unitOf(G5_12XL_SGLANG, "gpufleet-sglang-8002"))).toBe(
        "/usr/bin/docker run --rm --name gpufleet-sglang-8002 --network host --ipc=host --cap-drop ALL --security-opt no-new-privileges --gpus " +
          "'\"device=2\"' --log-driver none -v /opt/gpufleet/models:/models:ro -e SGLANG_API_KEY -e " +
          "HF_HOME=/models -e HF_HUB_OFFLINE=1 -e HF_MODULES_CACHE=/tmp/hf_modules -e " +
          'TRANSFORMERS_OFFLINE=1 lmsysorg/sglang:v0.5.21@sha256:b1259f3ea3275f66237c498ea388919729018bc9f01c3d638391e06e2cf3f469 python3 -c "import os, sys; key = ' +
          "os.environ.pop('SGLANG_API_KEY', ''); sys.argv += ['--api-key', key] if key else []; " +
          "import runpy; runpy.run_module('sglang.launch_server', run_name='__main__', " +
          'alter_sys=True)" --model-path Vikhrmodels/QVikhr-3-8B-Instruction --served-model-name ' +
          "qvikhr-3-8b-instruction --host 0.0.0.0 --port 8002 --dtype bfloat16 --context-length " +
          "8192 --mem-fraction-static ${GPUFLEET_MEMORY_FRACTION} --max-running-requests 16 " +
          "--chunked-prefill-size 4096 --tp-size 1 --enable-metrics --reasoning-parser qwen3 " +
          "--tool-call-parser qwen25",
      );
    });

    it("lmdeploy (tensor parallel over four GPUs)", () => {
      expect(execStart(unitOf(G5_12XL_LMDEPLOY_TP4, "gpufleet-lmdeploy-8000"))).toBe(
        "/usr/bin/docker run --rm --name gpufleet-lmdeploy-8000 --network host --ipc=host --cap-drop ALL --security-opt no-new-privileges --gpus " +
          "'\"device=0,1,2,3\"' --log-driver none -v /opt/gpufleet/models:/models:ro -e " +
          "LMDEPLOY_API_KEY -e HF_HOME=/models -e HF_HUB_OFFLINE=1 -e " +
          "HF_MODULES_CACHE=/tmp/hf_modules -e TRANSFORMERS_OFFLINE=1 " +
          'openmmlab/lmdeploy:v0.17.0-cu12.8 python3 -c "import os, sys; key = ' +
          "os.environ.pop('LMDEPLOY_API_KEY', ''); sys.argv += ['--api-keys', key] if key else []; " +
          "sys.argv[0] = 'lmdeploy'; from lmdeploy.cli import run; run()\" serve api_server " +
          "Qwen/Qwen2.5-32B-Instruct-AWQ --backend turbomind --server-name 0.0.0.0 --server-port " +
          "8000 --model-name qwen2.5-32b-instruct --dtype bfloat16 --tp 4 --session-len 32768 " +
          "--max-batch-size 256 --max-prefill-token-num 4096 --cache-max-entry-count " +
          "${GPUFLEET_MEMORY_FRACTION} --quant-policy 0 --model-format awq --tool-call-parser " +
          "qwen2d5",
      );
    });

    it("ollama (no key of its own: nginx checks it)", () => {
      expect(execStart(unitOf(G5_OLLAMA, "gpufleet-ollama-8000"))).toBe(
        "/usr/bin/docker run --rm --name gpufleet-ollama-8000 --network host --cap-drop ALL --security-opt no-new-privileges --gpus '\"device=0\"' " +
          "--log-driver none -v /opt/gpufleet/models:/models:ro " +
          "-v /opt/gpufleet/models/ollama:/models/ollama -e OLLAMA_CONTEXT_LENGTH=32768 -e " +
          "OLLAMA_FLASH_ATTENTION=1 -e OLLAMA_HOST=0.0.0.0:8000 -e OLLAMA_KEEP_ALIVE=-1 -e " +
          "OLLAMA_KV_CACHE_TYPE=q8_0 -e OLLAMA_MAX_LOADED_MODELS=1 -e OLLAMA_MODELS=/models/ollama " +
          "-e OLLAMA_NOPRUNE=1 -e OLLAMA_NUM_PARALLEL=8 ollama/ollama:0.35.1@sha256:292ee7945dfc3d5840a181f3ab86fedb1e66703e02c8af98b50f4da56b7e278c serve",
      );
    });

    it("llamacpp", () => {
      expect(execStart(unitOf(G6_LLAMACPP, "gpufleet-llamacpp-8000"))).toBe(
        "/usr/bin/docker run --rm --name gpufleet-llamacpp-8000 --network host --cap-drop ALL --security-opt no-new-privileges --gpus " +
          "'\"device=0\"' --log-driver none -v /opt/gpufleet/models:/models:ro -e LLAMA_API_KEY " +
          "ghcr.io/ggml-org/llama.cpp:server-cuda-b11459@sha256:fff6185edd2fbc4093aa5970bf6db53ed11c283e3a1c52a3e244cf27047264f4 -m " +
          "/models/gguf/Qwen2.5-7B-Instruct-Q4_K_M.gguf --host 0.0.0.0 --port 8000 --alias " +
          "qwen2.5-7b-instruct -c 262144 --parallel 8 -ngl 999 -fa on -b 4096 --cache-type-k q8_0 " +
          "--cache-type-v q8_0 --metrics --jinja",
      );
    });
  });

  it("renders the 8-replica p4d.24xlarge plan deterministically (its files travel in the boot archive, boot-files.test.ts)", () => {
    const r = render(P4D_VLLM8, CONTEXT);
    // Too large for EC2's user data even gzipped: why the files go to the stack's bucket.
    expect(gzipSync(Buffer.from(r.userData), { level: 9 }).length).toBeGreaterThan(
      EC2_USER_DATA_LIMIT,
    );
    // Deterministic bytes: an unchanged plan must not show as a launch-template diff.
    expect(render(P4D_VLLM8, CONTEXT).userData).toBe(r.userData);
  });

  it("downloads each distinct model once", () => {
    const downloads = render(P4D_VLLM8, CONTEXT).files.find(
      (f) => f.path === "/etc/gpufleet/downloads.tsv",
    )!.content;
    expect(downloads.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([
      // The image column: the engine image whose huggingface_hub fetches the snapshot.
      "hf\tQwen/Qwen2.5-14B-Instruct\t-\thub/models--Qwen--Qwen2.5-14B-Instruct\t0\t28.949\t" +
        "vllm/vllm-openai:v0.31.0@sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3\t" +
        ".gpufleet/Qwen--Qwen2.5-14B-Instruct.complete",
    ]);
  });

  it("applies image overrides and the proxy port", () => {
    const r = render(A10G_VLLM, {
      ...CONTEXT,
      images: { vllm: "registry.example/vllm:pinned", nginx: "nginx:1.27.5" },
      proxyPort: 9090,
    });
    expect(r.replicas[0]!.dockerRun).toContain(
      " registry.example/vllm:pinned IlyaGusev/saiga_nemo_12b ",
    );
    expect(r.files.find((f) => f.path === "/etc/gpufleet/nginx.conf")!.content).toContain(
      "listen 9090;",
    );
    expect(
      r.files.find((f) => f.path === "/etc/systemd/system/gpufleet-proxy.service")!.content,
    ).toContain(" nginx:1.27.5\n");
  });

  it("drops device variables from the plan's env (docker --gpus chooses the devices)", () => {
    const pool: PoolPlan = {
      ...A10G_VLLM,
      replicas: [{ ...A10G_VLLM.replicas[0]!, env: { CUDA_VISIBLE_DEVICES: "0", X: "a b%$" } }],
    };
    const line = render(pool, CONTEXT).replicas[0]!.dockerRun;
    expect(line).not.toContain("CUDA_VISIBLE_DEVICES");
    expect(line).toContain(` -e 'X=a b%%$$' `);
  });

  it("takes every engine fact from the plan: key delivery, --ipc=host, memory share, weights", () => {
    const base = A10G_VLLM.replicas[0]!;
    const unit = (r: ReplicaPlan): string =>
      execStart(unitOf({ ...A10G_VLLM, replicas: [r] }, "gpufleet-vllm-8000"));
    expect(unit(base)).toContain("--ipc=host");
    expect(unit({ ...base, needsIpcHost: false })).not.toContain("--ipc=host");
    expect(unit({ ...base, apiKey: { kind: "none" } })).not.toContain("VLLM_API_KEY");
    // No memory share in the plan: the planned value stays in args, nothing to lower.
    expect(unit({ ...base, memoryFraction: null })).toContain("--gpu-memory-utilization 0.90 ");
    expect(unit(base)).toContain("--gpu-memory-utilization ${GPUFLEET_MEMORY_FRACTION} ");
    // A share the args do not carry is a broken plan, not something to guess around.
    expect(() =>
      render(
        {
          ...A10G_VLLM,
          replicas: [{ ...base, memoryFraction: { ...base.memoryFraction!, value: "0.50" } }],
        },
        CONTEXT,
      ),
    ).toThrow(/replicas\[0\] args lack its memory share --gpu-memory-utilization 0\.50/);
    const downloads = (r: ReplicaPlan): string =>
      render({ ...A10G_VLLM, replicas: [r] }, CONTEXT).files.find(
        (f) => f.path === "/etc/gpufleet/downloads.tsv",
      )!.content;
    expect(downloads(base)).toMatch(/^hf\tIlyaGusev\/saiga_nemo_12b\t/m);
    expect(downloads({ ...base, weightsFormat: "ollama" })).toMatch(/^ollama\tIlyaGusev/m);
  });

  it("refuses plans it cannot boot, naming the pool", () => {
    const gated: PoolPlan = {
      ...A10G_VLLM,
      replicas: [
        { ...A10G_VLLM.replicas[0]!, model: { ...A10G_VLLM.replicas[0]!.model, gated: true } },
      ],
    };
    expect(() => render(gated, { ...CONTEXT, hfTokenParameter: undefined })).toThrow(
      /pool a10g: .*gated but no hfTokenParameter/,
    );
    const clash: PoolPlan = {
      ...G5_12XL_SGLANG,
      replicas: [G5_12XL_SGLANG.replicas[0]!, { ...G5_12XL_SGLANG.replicas[1]!, port: 8000 }],
    };
    expect(() => render(clash, CONTEXT)).toThrow(/pool sglang4: replicas\[1\] reuses port 8000/);
    const offHost: PoolPlan = {
      ...A10G_VLLM,
      replicas: [{ ...A10G_VLLM.replicas[0]!, gpus: [1] }],
    };
    expect(() => render(offHost, CONTEXT)).toThrow(/uses GPU 1, the pool has 1/);
    expect(() => render(A10G_VLLM, { ...CONTEXT, apiKeyParameter: "key with spaces" })).toThrow(
      /apiKeyParameter/,
    );
    expect(() => render(A10G_VLLM, { ...CONTEXT, logGroup: "logs with spaces" })).toThrow(
      /logGroup "logs with spaces" is not a CloudWatch Logs group name/,
    );
  });
});

describe("log shipping (gpufleet-logs.service)", () => {
  interface FluentBit {
    pipeline: {
      inputs: Array<{
        name: string;
        path: string;
        db: string;
        tag: string;
        systemd_filter: string[];
      }>;
      outputs: Array<{
        name: string;
        match: string;
        region: string;
        log_group_name: string;
        log_stream_prefix: string;
        auto_create_group: boolean;
      }>;
    };
  }

  it("ships the journal of every gpufleet unit but its own to the stack's log group, one stream per host and unit", () => {
    const r = render(P4D_VLLM8, CONTEXT);
    const config = r.files.find((f) => f.path === "/etc/gpufleet/fluent-bit.yaml");
    expect(config).toBeDefined();
    const fb = parse(config!.content) as FluentBit;
    const units = r.files
      .filter((f) => f.path.startsWith("/etc/systemd/system/") && f.path.endsWith(".service"))
      .map((f) => f.path.slice("/etc/systemd/system/".length));
    expect(units).toContain("gpufleet-logs.service");
    const input = fb.pipeline.inputs[0]!;
    expect(input.name).toBe("systemd");
    expect(input.path).toBe("/var/log/journal");
    expect(input.db).toMatch(/^\/fluent-bit\/state\//);
    expect(input.systemd_filter.sort()).toEqual(
      units
        .filter((u) => u !== "gpufleet-logs.service")
        .map((u) => `_SYSTEMD_UNIT=${u}`)
        .sort(),
    );
    expect(input.systemd_filter).toEqual(
      expect.arrayContaining([
        "_SYSTEMD_UNIT=gpufleet-bootstrap.service",
        "_SYSTEMD_UNIT=gpufleet-vllm-8007.service",
      ]),
    );
    expect(fb.pipeline.outputs).toEqual([
      expect.objectContaining({
        name: "cloudwatch_logs",
        match: "*",
        region: "us-east-1",
        log_group_name: "/gpufleet/dev",
        log_stream_prefix: "${HOSTNAME}/",
        auto_create_group: false,
      }),
    ]);
    const unit = r.files.find(
      (f) => f.path === "/etc/systemd/system/gpufleet-logs.service",
    )!.content;
    const run = execStart(unit);
    expect(run).toContain("--network host");
    expect(run).toContain("-v /var/log/journal:/var/log/journal:ro");
    expect(run).toContain("-v /etc/gpufleet/fluent-bit.yaml:/fluent-bit/etc/fluent-bit.yaml:ro");
    expect(run).toMatch(
      /cr\.fluentbit\.io\/fluent\/fluent-bit:\d+\.\d+\.\d+ -c \/fluent-bit\/etc\/fluent-bit\.yaml$/,
    );
    const target = r.files.find((f) => f.path === "/etc/systemd/system/gpufleet.target")!.content;
    expect(target).toMatch(/^Wants=.*gpufleet-logs\.service/m);
  });

  it("is left out without a log group: logs stay in the host's journal", () => {
    const r = render(A10G_VLLM, { ...CONTEXT, logGroup: undefined });
    expect(
      r.files.some(
        (f) => f.path.includes("fluent-bit") || f.path.endsWith("gpufleet-logs.service"),
      ),
    ).toBe(false);
    expect(
      r.files.find((f) => f.path === "/etc/systemd/system/gpufleet.target")!.content,
    ).not.toContain("gpufleet-logs");
  });
});
