// The engine API key stays off every command line and out of the shipped logs, for every engine:
// the rendered units and `docker run` words carry no secret, the Python engines' launchers hand the
// key over inside the process (checked by running them), and the log pipeline masks what an engine
// prints (checked by running the rendered Lua under LuaJIT, the interpreter Fluent Bit embeds).
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { render, resolveContext, resolveReplicas } from "../../cloud-init";
import { dockerRunWords } from "../../cloud-init/units";
import { planFleet } from "../../planner/plan";
import type { PoolPlan, ReplicaPlan } from "../../planner/types";
import { ENGINE_IDS } from "../../planner/types";
import { planOf } from "../monitoring/fixtures";
import { ALL_POOLS, CONTEXT } from "./fixtures";
import { HOST_PATH, describeRun, requireTool, run, tempDir } from "../tools";

/** A key as the stack generates one: 48 characters (RandomPassword length 48, no specials). */
const KEY = "q7Vd2LkP9sXw4ZbN8rTf3HyM6cJg1UeA5oRi0WnKt2BvQx7E";
/** Names under which a secret could be referenced on a command line. */
const SECRET_REF = /\$\{?[A-Z0-9_]*(KEY|TOKEN|SECRET|PASSWORD)[A-Z0-9_]*\}?/;
const KEY_FLAGS = ["--api-key", "--api-keys", "--api-key-file", "--hf-token", "--token"];

const POOLS: PoolPlan[] = [
  ...ALL_POOLS,
  ...planOf("Pulumi.dev.yaml").pools,
  ...planOf("examples/engines.yaml").pools,
];

function execLines(unit: string): string[] {
  return unit.split("\n").filter((l) => /^Exec[A-Za-z]*=/.test(l));
}

describe("the engine key on command lines", () => {
  it("covers every engine", () => {
    expect(new Set(POOLS.flatMap((p) => p.replicas.map((r) => r.engine)))).toEqual(
      new Set(ENGINE_IDS),
    );
  });

  it.each(POOLS.map((p) => [`${p.name} (${p.replicas[0]!.engine})`, p] as const))(
    "%s: no unit's command line references a secret, and no key flag is a word of it",
    (_, pool) => {
      const r = render(pool, CONTEXT);
      const units = r.files.filter((f) => f.path.startsWith("/etc/systemd/system/"));
      expect(units.length).toBeGreaterThan(0);
      for (const unit of units) {
        for (const line of execLines(unit.content)) {
          expect(line, `${unit.path}: ${line}`).not.toMatch(SECRET_REF);
          for (const flag of KEY_FLAGS) expect(line.split(/\s+/)).not.toContain(flag);
        }
      }
      // The docker run words themselves: the only variable systemd expands is the memory share,
      // and the key variable appears only as a bare `-e NAME` (docker copies its value from the
      // unit's root-only EnvironmentFile).
      const ctx = resolveContext(CONTEXT, pool.name, pool.proxyPort);
      for (const replica of resolveReplicas(pool, ctx)) {
        const words = dockerRunWords(replica, ctx);
        const refs = words.filter((w) => typeof w !== "string");
        expect(refs.every((w) => w.env === "GPUFLEET_MEMORY_FRACTION")).toBe(true);
        const plain = words.filter((w): w is string => typeof w === "string");
        for (const flag of KEY_FLAGS) expect(plain).not.toContain(flag);
        if (replica.apiKey.kind === "env") {
          const variable = replica.apiKey.variable;
          const mentions = plain.flatMap((w, i) =>
            w.includes(variable) ? [{ before: plain[i - 1], word: w }] : [],
          );
          // Named as `-e NAME`; otherwise only inside the launcher's code, as a name.
          expect(mentions).toContainEqual({ before: "-e", word: variable });
          for (const { before, word } of mentions) {
            if (before === "-e") expect(word).toBe(variable);
            else expect(word).toContain(`os.environ.pop('${variable}'`);
          }
        }
      }
    },
  );

  it("every engine that checks a key takes it from the environment (Ollama checks none)", () => {
    const plan = planFleet({
      stack: "dev",
      pools: ENGINE_IDS.map((engine) => ({
        name: engine,
        instanceType: "g5.2xlarge",
        count: 1,
        model: "Qwen/Qwen2.5-7B-Instruct",
        engine,
      })),
    });
    const delivery = Object.fromEntries(
      plan.pools.map((p) => [p.replicas[0]!.engine, p.replicas[0]!.apiKey]),
    );
    expect(delivery).toEqual({
      vllm: { kind: "env", variable: "VLLM_API_KEY" },
      sglang: { kind: "env", variable: "SGLANG_API_KEY" },
      lmdeploy: { kind: "env", variable: "LMDEPLOY_API_KEY" },
      llamacpp: { kind: "env", variable: "LLAMA_API_KEY" },
      ollama: { kind: "none" },
    });
  });
});

/** A replica of `engine` as the planner plans it. */
function replicaOf(engine: "sglang" | "lmdeploy"): ReplicaPlan {
  return planFleet({
    stack: "dev",
    pools: [
      {
        name: engine,
        instanceType: "g5.2xlarge",
        count: 1,
        model: "Qwen/Qwen2.5-7B-Instruct",
        engine,
      },
    ],
  }).pools[0]!.replicas[0]!;
}

describe("the Python engines' launchers hand the key over inside the process", () => {
  // Stand-ins for the engines' entry points, at the module paths the launchers import, that report
  // what the engine would see: its argument list, its environment, and its process command line.
  const REPORT = `import json, os, sys
cmdline = open('/proc/self/cmdline', 'rb').read().decode()
print(json.dumps({"argv": sys.argv, "env": {k: v for k, v in os.environ.items() if 'KEY' in k}, "cmdline": cmdline}))
`;
  function fakeEngines(): string {
    const dir = tempDir("launchers");
    mkdirSync(join(dir, "sglang"));
    writeFileSync(join(dir, "sglang", "__init__.py"), "");
    writeFileSync(
      join(dir, "sglang", "launch_server.py"),
      `if __name__ == "__main__":\n${REPORT.replace(/^/gm, "    ")}`,
    );
    mkdirSync(join(dir, "lmdeploy", "cli"), { recursive: true });
    writeFileSync(join(dir, "lmdeploy", "__init__.py"), "");
    writeFileSync(
      join(dir, "lmdeploy", "cli", "__init__.py"),
      `def run():\n${REPORT.replace(/^/gm, "    ")}`,
    );
    return dir;
  }

  it.each([
    ["sglang", "SGLANG_API_KEY", "--api-key"],
    ["lmdeploy", "LMDEPLOY_API_KEY", "--api-keys"],
  ] as const)(
    "%s: the key reaches argv in-process, never the command line",
    (engine, variable, flag) => {
      requireTool("python3");
      const dir = fakeEngines();
      const replica = replicaOf(engine);
      expect(replica.apiKey).toEqual({ kind: "env", variable });
      const [cmd, ...args] = replica.args;
      const r = run(cmd!, args, {
        env: { PATH: HOST_PATH, PYTHONPATH: dir, [variable]: KEY },
      });
      expect(r.status, describeRun(cmd!, r)).toBe(0);
      const seen = JSON.parse(r.stdout) as { argv: string[]; env: object; cmdline: string };
      // The engine parses `flag KEY` after every planned argument …
      expect(seen.argv.slice(-2)).toEqual([flag, KEY]);
      expect(seen.argv).toContain(replica.model.servedName);
      if (engine === "lmdeploy")
        expect(seen.argv.slice(0, 3)).toEqual(["lmdeploy", "serve", "api_server"]);
      // … while its command line (what ps, systemctl status and docker inspect show) lacks it, and
      // its workers do not inherit it.
      expect(seen.cmdline).not.toContain(KEY);
      expect(seen.cmdline).toContain(replica.model.servedName);
      expect(seen.env).toEqual({});
      // Without a key the engine starts without one (no empty flag).
      const none = run(cmd!, args, { env: { PATH: HOST_PATH, PYTHONPATH: dir } });
      expect(none.status, describeRun(cmd!, none)).toBe(0);
      expect((JSON.parse(none.stdout) as { argv: string[] }).argv).not.toContain(flag);
    },
  );
});

describe("the log pipeline masks what an engine prints", () => {
  /** Runs the rendered filter code on each line under LuaJIT; returns [code, message] per line. */
  function filtered(code: string, call: string, lines: string[]): Array<[number, string]> {
    requireTool("luajit");
    const dir = tempDir("lua");
    const input = join(dir, "lines.txt");
    writeFileSync(input, `${lines.join("\n")}\n`);
    const script = join(dir, "filter.lua");
    writeFileSync(
      script,
      `${code}\nfor line in io.lines(arg[1]) do\n  local rc, _, record = ${call}("gpufleet-sglang-8000.service", 0, { MESSAGE = line })\n  io.write(rc, "\\t", record.MESSAGE, "\\n")\nend\n`,
    );
    const r = run("luajit", [script, input]);
    expect(r.status, describeRun("luajit", r)).toBe(0);
    return r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => {
        const tab = l.indexOf("\t");
        return [Number(l.slice(0, tab)), l.slice(tab + 1)];
      });
  }

  it("redacts keys and tokens in engine start-up and request logs, keeping the rest of the line", () => {
    const userData = render(ALL_POOLS[1]!, CONTEXT).files.find(
      (f) => f.path === "/etc/gpufleet/fluent-bit.yaml",
    )!.content;
    type Filter = { name: string; match: string; call: string; code: string };
    const fb = parse(userData) as {
      pipeline: { filters: Filter[]; outputs: unknown[] };
    };
    const lua = fb.pipeline.filters.find((f) => f.name === "lua")!;
    expect(lua.match).toBe("*");
    const hf = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789";
    const lines = [
      // SGLang 0.5.x start-up (sgl-project/sglang#37457): the dataclass repr and resolved_dict().
      `[2026-11-30 10:00:01] server_args=ServerArgs(model_path='Vikhrmodels/QVikhr-3-8B-Instruction', tokenizer_path='Vikhrmodels/QVikhr-3-8B-Instruction', host='0.0.0.0', port=8000, api_key='${KEY}', admin_api_key=None, served_model_name='qvikhr-3-8b-instruction')`,
      `[2026-11-30 10:00:01] server_args={'model_path': 'Vikhrmodels/QVikhr-3-8B-Instruction', 'api_key': '${KEY}', 'admin_api_key': '${KEY}', 'port': 8000}`,
      // lmdeploy's argument namespace, and a command line echoed back.
      `INFO args: Namespace(model_path='Qwen/Qwen2.5-7B-Instruct', api_keys=['${KEY}'], server_port=8000)`,
      `launch_command: python3 -c ... --model-path Qwen/Qwen2.5-7B-Instruct --api-key ${KEY}`,
      `launch_command: --api-keys=${KEY} --tp 1`,
      // A request log with headers, an environment dump, an HF token in a download error.
      `Request headers: {'host': '127.0.0.1:8000', 'authorization': 'Bearer ${KEY}'}`,
      `env: SGLANG_API_KEY=${KEY} HF_TOKEN=${hf} HOME=/tmp`,
      `401 Client Error for url https://huggingface.co/api/models (token ${hf})`,
    ];
    const out = filtered(lua.code, lua.call, [...lines, "INFO: Uvicorn running on 0.0.0.0:8000"]);
    expect(out).toHaveLength(lines.length + 1);
    for (const [i, [rc, message]] of out.slice(0, lines.length).entries()) {
      expect(rc, lines[i]).toBe(2);
      expect(message).not.toContain(KEY);
      expect(message).not.toContain(hf);
      expect(message).toContain("[redacted]");
    }
    expect(out[0]![1]).toContain("api_key='[redacted]', admin_api_key=None, served_model_name=");
    expect(out[1]![1]).toContain("'admin_api_key': '[redacted]', 'port': 8000}");
    expect(out[2]![1]).toContain("api_keys=['[redacted]'], server_port=8000");
    expect(out[6]![1]).toBe("env: SGLANG_API_KEY=[redacted] HF_TOKEN=[redacted] HOME=/tmp");
    // A line without a secret passes untouched (code 0: record unchanged).
    expect(out.at(-1)).toEqual([0, "INFO: Uvicorn running on 0.0.0.0:8000"]);
  });

  it("filters before the output, on every pool's pipeline", () => {
    for (const pool of POOLS) {
      const file = render(pool, CONTEXT).files.find(
        (f) => f.path === "/etc/gpufleet/fluent-bit.yaml",
      )!;
      const fb = parse(file.content) as {
        pipeline: { filters: Array<{ name: string; match: string }>; outputs: unknown[] };
      };
      expect(fb.pipeline.filters).toEqual([expect.objectContaining({ name: "lua", match: "*" })]);
      // The key itself is never in the pipeline's configuration.
      expect(file.content).not.toContain(KEY);
    }
    expect(readFileSync(join(__dirname, "../../.ci/run"), "utf8")).toMatch(/\bluajit\b/);
  });
});
