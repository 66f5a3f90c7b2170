// Engine releases, driver compatibility and escape hatches (issue 13 items 1–3): table tests on the
// real planner, property tests (fast-check) over the release catalog, the owned-flag tables and
// random pins, and the config edge (exit-2 problems naming the key).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, parseStackConfig, toPlanInput } from "../../config";
import { ENGINES } from "../../planner/catalog/engines";
import { CUDA_MIN_DRIVER, RELEASES, compareDriver } from "../../planner/catalog/releases";
import { FLAG_SINCE, releaseHasFlag } from "../../planner/launch/flags";
import { ceil2, memoryAccounting, overheadGiB } from "../../planner/memory";
import { OWNED_FLAGS, OWNED_ENV, passthroughProblems } from "../../planner/passthrough";
import { PlanError, planFleet } from "../../planner/plan";
import { DLAMI_DRIVER } from "../../planner/release";
import { ENGINE_IDS, type EngineId, type PoolSpec, type ReplicaPlan } from "../../planner/types";

function plan(pool: Partial<PoolSpec>): ReplicaPlan[] {
  return planFleet({
    stack: "t",
    pools: [{ name: "p", count: 1, model: "auto", engine: "auto", ...pool } as PoolSpec],
  }).pools[0]!.replicas;
}

function refusal(pool: Partial<PoolSpec>): string[] {
  try {
    plan(pool);
  } catch (err) {
    expect(err).toBeInstanceOf(PlanError);
    return (err as PlanError).problems;
  }
  throw new Error("expected a PlanError");
}

function configProblems(pool: Record<string, unknown>): string[] {
  try {
    parseStackConfig({ pools: [{ name: "p", ...pool }] });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

/** Long flags the replica's args carry (values and positional words dropped). */
function flagsOf(args: readonly string[]): string[] {
  return args.filter((a) => a.startsWith("-") && !/^-\d/.test(a));
}

const QWEN3 = "Qwen/Qwen3-8B";
const EC2_A10G = { instanceType: "g5.2xlarge" };
const OWN_3090 = { gpu: "RTX-3090", gpuCount: 1 };

describe("engine releases: catalog", () => {
  it("lists each engine's pinned release, with a known CUDA for every image", () => {
    for (const engine of ENGINE_IDS) {
      const versions = RELEASES[engine].map((r) => r.version);
      expect(versions).toContain(ENGINES[engine].version);
      for (const r of RELEASES[engine]) {
        expect(r.source.length).toBeGreaterThan(20);
        for (const v of r.images) expect(CUDA_MIN_DRIVER[v.cuda], v.image).toBeDefined();
      }
    }
  });

  it.each([
    ["575.51.03", "580.65.06", -1],
    ["580.9.1", "580.65.06", -1],
    ["580.100.01", "580.65.06", 1],
    ["580.65.06", "580.65.06", 0],
    ["595.91.07", "580.65.06", 1],
  ])("compares driver %s with %s numerically", (a, b, sign) => {
    expect(Math.sign(compareDriver(a, b))).toBe(sign);
  });
});

describe("engineVersion: image, flags and memory accounting follow the release", () => {
  it.each([
    ["0.6.4.post1", "vllm/vllm-openai:v0.6.4.post1", "12.4"],
    ["0.8.5.post1", "vllm/vllm-openai:v0.8.5.post1", "12.4"],
    ["0.9.2", "vllm/vllm-openai:v0.9.2", "12.8"],
    ["0.15.1", "vllm/vllm-openai:v0.15.1", "12.9"],
    ["0.21.0", "vllm/vllm-openai:v0.21.0", "13.0"],
    [
      "0.31.0",
      "vllm/vllm-openai:v0.31.0@sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3",
      "13.0",
    ],
    [
      "v0.31.0",
      "vllm/vllm-openai:v0.31.0@sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3",
      "13.0",
    ],
  ])("vllm %s on the default AMI runs %s (CUDA %s)", (version, image, cuda) => {
    const [r] = plan({ ...EC2_A10G, model: QWEN3, engine: "vllm", engineVersion: version });
    expect(r!.image).toBe(image);
    expect(r!.release).toEqual({
      version: version.replace(/^v/, ""),
      cuda,
      minDriver: CUDA_MIN_DRIVER[cuda],
    });
    // Overhead of that release's accounting (CUDA graphs inside the budget from 0.21, V0's context).
    const acc = memoryAccounting("vllm", version);
    expect(r!.memory.overheadGiB).toBe(
      ceil2(overheadGiB({ engine: "vllm", tp: 1, nvlink: false, eager: false, accounting: acc })),
    );
  });

  it("passes the model as --model to the api_server images (≤ 0.15) and positionally to `vllm serve` ones", () => {
    const old = plan({ ...EC2_A10G, model: QWEN3, engine: "vllm", engineVersion: "0.15.1" })[0]!;
    expect(old.args.slice(0, 2)).toEqual(["--model", "Qwen/Qwen3-8B"]);
    const now = plan({ ...EC2_A10G, model: QWEN3, engine: "vllm" })[0]!;
    expect(now.args[0]).toBe("Qwen/Qwen3-8B");
    expect(now.args).not.toContain("--model");
  });

  it("emits --reasoning-parser only from 0.9.0 (0.8.5 rejects it without --enable-reasoning)", () => {
    const old = plan({ ...EC2_A10G, model: QWEN3, engine: "vllm", engineVersion: "0.8.5.post1" });
    expect(old[0]!.args).not.toContain("--reasoning-parser");
    const v09 = plan({ ...EC2_A10G, model: QWEN3, engine: "vllm", engineVersion: "0.9.2" });
    expect(v09[0]!.args).toContain("--reasoning-parser");
  });

  it("turns on chunked prefill on V0 (0.6) when the batch is shorter than the context", () => {
    const [r] = plan({ ...EC2_A10G, model: QWEN3, engine: "vllm", engineVersion: "0.6.4.post1" });
    expect(r!.maxNumBatchedTokens).toBeLessThan(r!.maxModelLen);
    expect(r!.args).toContain("--enable-chunked-prefill");
    const [now] = plan({ ...EC2_A10G, model: QWEN3, engine: "vllm" });
    expect(now!.args).not.toContain("--enable-chunked-prefill");
  });

  it("plans the same model with more KV cache on a release that keeps CUDA graphs out of the budget", () => {
    const v15 = plan({ ...EC2_A10G, model: QWEN3, engine: "vllm", engineVersion: "0.15.1" })[0]!;
    const v31 = plan({ ...EC2_A10G, model: QWEN3, engine: "vllm", engineVersion: "0.31.0" })[0]!;
    expect(v15.memory.overheadGiB).toBeLessThan(v31.memory.overheadGiB);
    expect(v15.memory.kvCacheGiB).toBeGreaterThan(v31.memory.kvCacheGiB);
  });

  it("runs SGLang's CUDA 12.9 build on Turing unless a release is pinned, and refuses 0.5.21 there", () => {
    const t4 = plan({ instanceType: "g4dn.xlarge", engine: "sglang" })[0]!;
    expect(t4.image).toBe(
      "lmsysorg/sglang:v0.5.19-cu129@sha256:59e11312666e1c5c155210ea335589b91daa0d70848521b390b93b1b1e8fb0ef",
    );
    expect(t4.release!.version).toBe("0.5.19");
    const seed003 = plan({
      instanceType: "g4dn.xlarge",
      engine: "sglang",
      engineVersion: "0.4.8.post1",
    });
    expect(seed003[0]!.image).toBe("lmsysorg/sglang:v0.4.8.post1-cu126");
    expect(
      refusal({ instanceType: "g4dn.xlarge", engine: "sglang", engineVersion: "0.5.21" }),
    ).toEqual([
      expect.stringMatching(
        /^gpufleet:pools\[0\]\.engineVersion: sglang 0\.5\.21 does not run on T4 .*pin one of 0\.4\.8\.post1, 0\.5\.9, 0\.5\.19/,
      ),
    ]);
  });

  it("an unlisted release needs memoryAccounting, and is planned as that release with a warning", () => {
    expect(refusal({ ...EC2_A10G, engine: "vllm", engineVersion: "0.32.0" })).toEqual([
      expect.stringMatching(
        /^gpufleet:pools\[0\]\.engineVersion: "0\.32\.0" is no vllm release gpufleet lists \(0\.6\.4\.post1, .*0\.31\.0\); pin one of them, or set memoryAccounting/,
      ),
    ]);
    const pools = planFleet({
      stack: "t",
      pools: [
        {
          name: "p",
          count: 1,
          model: QWEN3,
          engine: "vllm",
          ...EC2_A10G,
          engineVersion: "0.32.0",
          memoryAccounting: "0.31.0",
        },
      ],
    }).pools;
    const r = pools[0]!.replicas[0]!;
    expect(r.image).toBe("vllm/vllm-openai:v0.32.0");
    expect(r.release).toEqual({ version: "0.32.0", cuda: "13.0", minDriver: "580.65.06" });
    expect(pools[0]!.warnings[0]).toMatch(
      /^vllm 0\.32\.0 is not a release gpufleet lists: planned with 0\.31\.0's/,
    );
    const as31 = plan({ ...EC2_A10G, model: QWEN3, engine: "vllm" })[0]!;
    expect(r.memory).toEqual(as31.memory);
  });

  it.each([
    [
      { engine: "vllm", engineVersion: "0.32.0", memoryAccounting: "0.30.0" },
      "memoryAccounting",
      /"0\.30\.0" is no vllm release/,
    ],
    [
      { engine: "vllm", memoryAccounting: "0.31.0" },
      "memoryAccounting",
      /only with an engineVersion/,
    ],
    [
      { engine: "vllm", engineVersion: "0.15.1", memoryAccounting: "0.31.0" },
      "memoryAccounting",
      /listed release .* remove memoryAccounting/,
    ],
    [{ engine: "auto", engineVersion: "0.31.0" }, "engineVersion", /pin engine too/],
    [{ engine: "sglang", engineVersion: "0.31.0" }, "engineVersion", /no sglang release/],
  ] as const)("refuses %o by key %s", (pins, key, message) => {
    const lines = refusal({ ...EC2_A10G, ...(pins as Partial<PoolSpec>) });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith(`gpufleet:pools[0].${key}: `)).toBe(true);
    expect(lines[0]).toMatch(message);
  });

  it("refuses pooling pools on releases without --runner pooling", () => {
    const lines = refusal({
      ...EC2_A10G,
      task: "embedding",
      engine: "vllm",
      engineVersion: "0.9.2",
    });
    expect(lines[0]).toMatch(
      /^gpufleet:pools\[0\]: no embedding model fits .*vllm 0\.9\.2 has no --runner pooling/,
    );
    expect(
      plan({ ...EC2_A10G, task: "embedding", engine: "vllm", engineVersion: "0.15.1" })[0]!.args,
    ).toContain("--runner");
  });
});

describe("driver compatibility", () => {
  it("plans EC2 pools for the default AMI's driver and the images it runs", () => {
    const [r] = plan({ ...EC2_A10G, engine: "vllm" });
    expect(compareDriver(DLAMI_DRIVER.version, r!.release!.minDriver)).toBeGreaterThanOrEqual(0);
    expect(r!.image).toBe(ENGINES.vllm.image);
  });

  it.each([
    [
      "595.91.07",
      "vllm/vllm-openai:v0.31.0@sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3",
    ],
    [
      "580.65.06",
      "vllm/vllm-openai:v0.31.0@sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3",
    ],
    ["580.9.1", "vllm/vllm-openai:v0.31.0-cu129"],
    ["575.64.03", "vllm/vllm-openai:v0.31.0-cu129"],
  ])("own hardware with driver %s gets %s", (driverVersion, image) => {
    const [r] = plan({ ...OWN_3090, engine: "vllm", driverVersion });
    expect(r!.image).toBe(image);
    expect(compareDriver(driverVersion, r!.release!.minDriver)).toBeGreaterThanOrEqual(0);
  });

  it.each([
    ["570.172.08", /pin engineVersion 0\.9\.2 \(built on CUDA 12\.8\)/],
    ["550.120", /pin engineVersion 0\.8\.5\.post1 \(built on CUDA 12\.4\)/],
    [
      "535.247.01",
      /no vllm release gpufleet lists runs on it: upgrade the driver to ≥ 575\.51\.03/,
    ],
  ])("refuses vLLM 0.31 on driver %s with the reason and a fix", (driverVersion, fix) => {
    const lines = refusal({ ...OWN_3090, engine: "vllm", driverVersion });
    expect(lines[0]).toMatch(/^gpufleet:pools\[0\]\.engine: /);
    expect(lines[0]).toContain(
      `vllm 0.31.0's images need a newer NVIDIA driver than the host's ${driverVersion} (gpufleet:pools[0].driverVersion)`,
    );
    expect(lines[0]).toMatch(fix);
  });

  it("takes the suggested older release on that driver", () => {
    const [r] = plan({
      ...OWN_3090,
      engine: "vllm",
      driverVersion: "570.172.08",
      engineVersion: "0.9.2",
    });
    expect(r!.image).toBe("vllm/vllm-openai:v0.9.2");
  });

  it("checks EC2 pools with driverVersion the same way, and trusts nothing about a custom AMI", () => {
    expect(refusal({ ...EC2_A10G, engine: "sglang", driverVersion: "575.64.03" })[0]).toMatch(
      /sglang 0\.5\.21's images need a newer NVIDIA driver/,
    );
    // A custom AMI without driverVersion: unknown here, the bootstrap checks it at boot.
    const [r] = plan({ ...EC2_A10G, engine: "sglang", customAmi: true });
    expect(r!.image).toBe(
      "lmsysorg/sglang:v0.5.21@sha256:b1259f3ea3275f66237c498ea388919729018bc9f01c3d638391e06e2cf3f469",
    );
  });

  it("engine auto skips an engine the driver cannot start and says why", () => {
    const pools = planFleet({
      stack: "t",
      pools: [
        {
          name: "p",
          count: 1,
          model: "auto",
          engine: "auto",
          ...OWN_3090,
          driverVersion: "575.64.03",
        },
      ],
    }).pools;
    const r = pools[0]!.replicas[0]!;
    expect(r.engine).toBe("vllm");
    expect(r.image).toBe("vllm/vllm-openai:v0.31.0-cu129");
    expect(r.reasons.map((x) => x.why).join(" ")).toMatch(
      /sglang 0\.5\.21's images need a newer NVIDIA driver/,
    );
  });
});

describe("extraArgs and env: passed through, planner-owned ones refused", () => {
  it("appends extra flags to every replica's args and variables to its env", () => {
    const replicas = plan({
      instanceType: "g5.12xlarge",
      model: "Vikhrmodels/QVikhr-3-8B-Instruction",
      engine: "vllm",
      tensorParallel: 1,
      extraArgs: [
        "--enable-prefix-caching",
        "--override-generation-config",
        '{"temperature": 0.6}',
      ],
      env: { NCCL_P2P_DISABLE: "1", VLLM_LOGGING_LEVEL: "DEBUG" },
    });
    expect(replicas).toHaveLength(4);
    for (const r of replicas) {
      expect(r.args.slice(-3)).toEqual([
        "--enable-prefix-caching",
        "--override-generation-config",
        '{"temperature": 0.6}',
      ]);
      expect(r.env).toMatchObject({
        NCCL_P2P_DISABLE: "1",
        VLLM_LOGGING_LEVEL: "DEBUG",
        HF_HUB_OFFLINE: "1",
      });
    }
  });

  it("does not repeat a boolean flag the planner already emits", () => {
    const [r] = plan({
      ...EC2_A10G,
      model: "Qwen/Qwen2.5-7B-Instruct",
      engine: "vllm",
      extraArgs: ["--trust-remote-code"],
    });
    expect(r!.args.filter((a) => a === "--trust-remote-code")).toHaveLength(1);
  });

  it.each([
    ["vllm", "--max-num-seqs", /pin it with maxNumSeqs instead/],
    ["vllm", "--max-num-batched-tokens=4096", /pin it with maxNumBatchedTokens instead/],
    ["vllm", "--max_num_seqs", /"--max-num-seqs" changes what the memory plan sizes/],
    [
      "vllm",
      "--gpu-memory-util",
      /"--gpu-memory-util" \(= "--gpu-memory-utilization"\) .* use gpuMemoryUtilization/,
    ],
    ["vllm", "--port", /is set by gpufleet; use nothing: each replica listens on 8000/],
    ["vllm", "--api-key", /use gpufleet:apiKey/],
    ["vllm", "-tp", /pin it with tensorParallel/],
    ["vllm", "-O3", /CUDA graph memory/],
    ["vllm", "--speculative-config", /speculative decoding/],
    ["sglang", "--max-running-requests", /pin it with maxNumSeqs instead/],
    ["sglang", "--context-length", /pin it with maxModelLen instead/],
    ["lmdeploy", "--cache-max-entry-count", /use gpuMemoryUtilization/],
    ["llamacpp", "-c", /pin it with maxModelLen instead/],
    ["llamacpp", "--parallel", /pin it with maxNumSeqs instead/],
  ] as const)("%s: refuses %s by its index", (engine, flag, message) => {
    const lines = passthroughProblems(
      engine as EngineId,
      ["--enable-metrics", flag, "8"],
      undefined,
      "gpufleet:pools[0]",
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith("gpufleet:pools[0].extraArgs[1]: ")).toBe(true);
    expect(lines[0]).toMatch(message);
  });

  it.each([
    [["8", "--x"], "extraArgs[0]", /is not a flag/],
    [["--a\nb"], "extraArgs[0]", /control character/],
    [["--x", "a\u0000b"], "extraArgs[1]", /control character/],
    [["--x", "$(VLLM_API_KEY)"], "extraArgs[1]", /Kubernetes expands/],
    [["--x", "hf_abcdefghijklmnopqrstuvwxyz012345"], "extraArgs[1]", /looks like a secret/],
    [["--"], "extraArgs[0]", /would end the options/],
  ])("refuses extraArgs %o at %s", (args, at, message) => {
    const lines = passthroughProblems("vllm", args, undefined, "gpufleet:pools[0]");
    expect(lines[0]!.startsWith(`gpufleet:pools[0].${at}: `)).toBe(true);
    expect(lines[0]).toMatch(message);
  });

  it.each([
    [{ CUDA_VISIBLE_DEVICES: "0" }, "CUDA_VISIBLE_DEVICES", /docker --gpus/],
    [{ HF_TOKEN: "x" }, "HF_TOKEN", /gpufleet:hfToken/],
    [{ OLLAMA_NUM_PARALLEL: "4" }, "OLLAMA_NUM_PARALLEL", /pin it with maxNumSeqs/],
    [{ MY_SECRET: "x" }, "MY_SECRET", /looks like a secret's name/],
    [{ "9LIVES": "x" }, "9LIVES", /not a variable name/],
    [{ "A-B": "x" }, "A-B", /not a variable name/],
    [{ NCCL_DEBUG: "INFO\nX=1" }, "NCCL_DEBUG", /control character/],
    [{ FOO: "AKIAABCDEFGHIJKLMNOP" }, "FOO", /looks like a secret/],
  ])("refuses env %o", (env, name, message) => {
    const lines = passthroughProblems("auto", undefined, env, "gpufleet:pools[0]");
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^gpufleet:pools\\[0\\]\\.env\\.${name}: `)),
    ]);
    expect(lines[0]).toMatch(message);
  });

  it("refuses a variable the plan sets for the chosen engine", () => {
    expect(
      refusal({
        instanceType: "g4dn.xlarge",
        engine: "sglang",
        env: { TORCH_CUDA_ARCH_LIST: "8.0" },
      }),
    ).toEqual([
      "gpufleet:pools[0].env.TORCH_CUDA_ARCH_LIST: TORCH_CUDA_ARCH_LIST is set by gpufleet for this engine (TORCH_CUDA_ARCH_LIST=7.5); remove it",
    ]);
  });

  it("needs a pinned engine for extraArgs, and takes none for Ollama", () => {
    expect(passthroughProblems("auto", ["--x"], undefined, "@")).toEqual([
      expect.stringMatching(/^@\.extraArgs: flags are engine-specific; pin engine/),
    ]);
    expect(passthroughProblems("ollama", ["--x"], undefined, "@")).toEqual([
      expect.stringMatching(/^@\.extraArgs: Ollama takes no flags/),
    ]);
  });

  it("reports config problems at the edge, naming each key (exit 2 in the CLI)", () => {
    expect(
      configProblems({
        instanceType: "g5.xlarge",
        engine: "vllm",
        engineVersion: "latest",
        driverVersion: "R580",
        extraArgs: ["--enable-prefix-caching", "--max-model-len", "8192"],
        env: { HF_HOME: "/x" },
      }),
    ).toEqual([
      expect.stringMatching(/^gpufleet:pools\[0\]\.engineVersion: must be an engine version/),
      expect.stringMatching(
        /^gpufleet:pools\[0\]\.driverVersion: must be an NVIDIA driver version/,
      ),
      expect.stringMatching(
        /^gpufleet:pools\[0\]\.extraArgs\[1\]: "--max-model-len" changes what the memory plan sizes; pin it with maxModelLen instead$/,
      ),
      expect.stringMatching(/^gpufleet:pools\[0\]\.env\.HF_HOME: HF_HOME is set by gpufleet/),
    ]);
    expect(
      configProblems({ instanceType: "g5.xlarge", engine: "llamacpp", engineVersion: "0.5.0" }),
    ).toEqual([
      expect.stringMatching(
        /^gpufleet:pools\[0\]\.engineVersion: "0\.5\.0" is not a llamacpp version/,
      ),
    ]);
  });

  it("hands a custom AMI's pools to the planner as of unknown driver", () => {
    const cfg = parseStackConfig({
      amiId: "ami-0123456789abcdef0",
      pools: [{ name: "p", instanceType: "g5.xlarge" }],
    });
    expect(toPlanInput("t", cfg).pools[0]!.customAmi).toBe(true);
    const plain = parseStackConfig({ pools: [{ name: "p", instanceType: "g5.xlarge" }] });
    expect(toPlanInput("t", plain).pools[0]!.customAmi).toBe(false);
  });
});

describe("properties", () => {
  const FLAG_ENGINES: EngineId[] = ["vllm", "sglang", "lmdeploy", "llamacpp"];
  const ownedArb = fc.constantFrom(...FLAG_ENGINES).chain((engine) =>
    fc.record({
      engine: fc.constant(engine),
      flag: fc.constantFrom(...Object.keys(OWNED_FLAGS[engine])),
      form: fc.constantFrom("bare", "equals", "underscore", "prefix"),
      before: fc.array(
        fc.constantFrom("--enable-prefix-caching", "--disable-log-stats", "--seed", "7"),
        { maxLength: 4 },
      ),
      after: fc.array(fc.constantFrom("--enable-prefix-caching", "--seed", "7"), { maxLength: 3 }),
    }),
  );

  it("a planner-owned flag in extraArgs is always refused, at its index, with the key to use", () => {
    fc.assert(
      fc.property(ownedArb, ({ engine, flag, form, before, after }) => {
        let entry = flag;
        if (form === "equals") entry = `${flag}=1`;
        if (form === "underscore" && flag.startsWith("--") && engine === "vllm")
          entry = `--${flag.slice(2).replace(/-/g, "_")}`;
        if (form === "prefix" && flag.startsWith("--") && flag.length > 8)
          entry = flag.slice(0, -2);
        const head =
          before.length > 0 && !before[0]!.startsWith("-") ? ["--seed", ...before] : before;
        const args = [...head, entry, ...after];
        const lines = passthroughProblems(engine, args, undefined, "gpufleet:pools[0]");
        const at = `gpufleet:pools[0].extraArgs[${head.length}]: `;
        const line = lines.find((l) => l.startsWith(at));
        expect(line, `${engine} ${JSON.stringify(args)}`).toBeDefined();
        expect(line).toMatch(/instead$/);
      }),
      { numRuns: 400 },
    );
  });

  it("the same refusal stops the planner (PlanError naming the key), never a plan", () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(OWNED_FLAGS.vllm)), (flag) => {
        const lines = refusal({
          ...EC2_A10G,
          engine: "vllm",
          extraArgs: ["--enable-prefix-caching", flag],
        });
        expect(lines).toEqual([expect.stringMatching(/^gpufleet:pools\[0\]\.extraArgs\[1\]: /)]);
      }),
      { numRuns: 60 },
    );
  });

  it("every owned variable is refused in env, whatever its case of value", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(OWNED_ENV)),
        fc.string({ maxLength: 20 }),
        (name, value) => {
          const lines = passthroughProblems("auto", undefined, { [name]: value }, "@");
          expect(lines[0]).toMatch(new RegExp(`^@\\.env\\.${name}: `));
        },
      ),
    );
  });

  const versions = (engine: EngineId) => RELEASES[engine].map((r) => r.version);
  const pinArb = fc.record({
    engine: fc.constantFrom<EngineId>("vllm", "sglang"),
    version: fc.oneof(
      fc.constantFrom(...versions("vllm"), ...versions("sglang")),
      fc.constantFrom("0.32.0", "0.5.30", "0.7.0"),
    ),
    memoryAccounting: fc.option(
      fc.constantFrom(...versions("vllm"), ...versions("sglang"), "0.30.0"),
      {
        nil: undefined,
      },
    ),
    driverVersion: fc.option(
      fc.constantFrom(
        "535.247.01",
        "550.163.01",
        "560.35.03",
        "570.172.08",
        "575.64.03",
        "580.95.05",
        "595.91.07",
      ),
      {
        nil: undefined,
      },
    ),
    hw: fc.constantFrom<Partial<PoolSpec>>(
      { instanceType: "g5.2xlarge" },
      { instanceType: "g4dn.xlarge" },
      { instanceType: "g6e.xlarge" },
      { gpu: "RTX-3090", gpuCount: 1 },
      { gpu: "H100", gpuCount: 2 },
    ),
  });

  it("a pinned release is honoured (its version, its image, a driver that starts it) or refused by name", () => {
    fc.assert(
      fc.property(pinArb, ({ engine, version, memoryAccounting, driverVersion, hw }) => {
        const pool: Partial<PoolSpec> = {
          ...hw,
          engine,
          engineVersion: version,
          memoryAccounting,
          driverVersion,
        };
        let replicas: ReplicaPlan[];
        try {
          replicas = plan(pool);
        } catch (err) {
          expect(err).toBeInstanceOf(PlanError);
          for (const line of (err as PlanError).problems)
            expect(line).toMatch(/^gpufleet:pools\[0\]\.(engineVersion|memoryAccounting): /);
          return;
        }
        for (const r of replicas) {
          expect(r.engine).toBe(engine);
          expect(r.release!.version).toBe(version);
          const listed = RELEASES[engine].find((x) => x.version === version);
          if (listed) expect(listed.images.map((i) => i.image)).toContain(r.image);
          else expect(r.image.endsWith(`:v${version}`)).toBe(true);
          const driver = driverVersion ?? ("instanceType" in hw ? DLAMI_DRIVER.version : undefined);
          if (driver) expect(compareDriver(driver, r.release!.minDriver)).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 250 },
    );
  });

  it("every flag a listed release is launched with is one that release takes", () => {
    const hws: Partial<PoolSpec>[] = [
      { instanceType: "g5.2xlarge" },
      { instanceType: "g4dn.xlarge" },
      { instanceType: "g6e.xlarge" },
      { instanceType: "g5.12xlarge" },
    ];
    const models = ["auto", QWEN3, "Qwen/Qwen2.5-7B-Instruct", "IlyaGusev/saiga_nemo_12b"];
    for (const engine of ["vllm", "sglang", "lmdeploy", "llamacpp"] as const) {
      for (const r of RELEASES[engine]) {
        let planned = 0;
        for (const hw of hws)
          for (const model of models) {
            let replicas: ReplicaPlan[];
            try {
              replicas = plan({ ...hw, model, engine, engineVersion: r.version });
            } catch (err) {
              expect(err).toBeInstanceOf(PlanError);
              continue;
            }
            planned++;
            // SGLang's and lmdeploy's args begin with their key launcher `python3 -c <code>`
            // (planner/launch/common.ts pythonKeyLauncher), not flags of the engine.
            const args = replicas[0]!.args;
            const launched = engine === "sglang" || engine === "lmdeploy";
            for (const flag of flagsOf(launched ? args.slice(3) : args)) {
              expect(FLAG_SINCE[engine][flag], `${engine} ${r.version} ${flag}`).toBeDefined();
              expect(
                releaseHasFlag(engine, r.version, flag),
                `${engine} ${r.version} ${flag}`,
              ).toBe(true);
            }
          }
        expect(planned, `${engine} ${r.version} planned nothing`).toBeGreaterThan(0);
      }
    }
  });
});
