// The stand-in engine as a real process on an ephemeral port: its HTTP contract, key handling,
// metric names (against monitoring/metrics.ts) and every controllable behaviour.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ENGINE_METRICS, isExported, type EngineMetricNames } from "../../monitoring/metrics";
import { describeRun, requireTool, run, tempDir } from "../tools";
import { ENGINE_PATH, generatedKey, startStandin, type Standin } from "./harness";

const started: Standin[] = [];
async function start(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; apiKey?: string } = {},
): Promise<Standin> {
  const s = await startStandin(args, opts);
  started.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

const MODEL = "saiga-nemo-12b";

function chat(
  s: Standin,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${s.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }], ...body }),
    signal,
  });
}

interface Event {
  at: number;
  data: string;
}

/** Reads an SSE body, stamping each `data:` line with the time its bytes arrived. */
async function readEvents(res: Response, stopAfter = Infinity): Promise<Event[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: Event[] = [];
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const at = performance.now();
    buf += decoder.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (line.startsWith("data: ")) events.push({ at, data: line.slice(6) });
    }
    if (events.length >= stopAfter) {
      await reader.cancel();
      break;
    }
  }
  return events;
}

function contentOf(e: Event): string | undefined {
  if (e.data === "[DONE]") return undefined;
  const j = JSON.parse(e.data) as { choices: { delta?: { content?: string } }[] };
  return j.choices[0]?.delta?.content;
}

async function metricsText(s: Standin, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${s.url}/metrics`, { headers });
  expect(res.status).toBe(200);
  return res.text();
}

/** Value of the first sample of `name` (labels ignored). */
function sample(text: string, name: string): number {
  const re = new RegExp(`^${name.replace(/[:]/g, "\\:")}(\\{[^}]*\\})? (\\S+)$`, "m");
  const m = re.exec(text);
  if (!m) throw new Error(`${name} not in /metrics`);
  return Number(m[2]);
}

const T = 30_000;

describe("stand-in engine: contract", () => {
  it(
    "binds an ephemeral port, prints it, serves /health, /v1/models and 404 for another model",
    async () => {
      const s = await start(["--served-model-name", MODEL]);
      expect(s.port).toBeGreaterThan(0);
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
      const models = (await (await fetch(`${s.url}/v1/models`)).json()) as {
        object: string;
        data: { id: string; object: string }[];
      };
      expect(models.object).toBe("list");
      expect(models.data.map((m) => m.id)).toEqual([MODEL]);
      const wrong = await chat(s, { model: "llama-3-8b" });
      expect(wrong.status).toBe(404);
      expect(((await wrong.json()) as { message: string }).message).toContain("llama-3-8b");
      expect((await fetch(`${s.url}/v1/embeddings`)).status).toBe(404);
    },
    T,
  );

  it(
    "streams SSE chunks with delta.content, a usage chunk when asked, then [DONE]",
    async () => {
      const s = await start(["--served-model-name", MODEL]);
      const res = await chat(s, {
        stream: true,
        max_tokens: 7,
        stream_options: { include_usage: true },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      const events = await readEvents(res);
      expect(events.at(-1)!.data).toBe("[DONE]");
      const contents = events.map(contentOf).filter((c) => c !== undefined && c !== "");
      expect(contents).toHaveLength(7);
      const usage = JSON.parse(events.at(-2)!.data) as {
        choices: unknown[];
        usage: { completion_tokens: number; prompt_tokens: number; total_tokens: number };
      };
      expect(usage.choices).toEqual([]);
      expect(usage.usage.completion_tokens).toBe(7);
      expect(usage.usage.total_tokens).toBe(usage.usage.prompt_tokens + 7);

      const noUsage = await readEvents(await chat(s, { stream: true, max_tokens: 3 }));
      expect(noUsage.some((e) => e.data.includes('"usage"'))).toBe(false);
    },
    T,
  );

  it(
    "answers non-streaming requests whole; --output-tokens without max_tokens, --ignore-max-tokens",
    async () => {
      const s = await start(["--served-model-name", MODEL, "--output-tokens", "5"]);
      type Whole = {
        choices: { message: { content: string }; finish_reason: string }[];
        usage: { completion_tokens: number };
      };
      const a = (await (await chat(s, {})).json()) as Whole;
      expect(a.usage.completion_tokens).toBe(5);
      expect(a.choices[0]!.message.content.length).toBeGreaterThan(0);
      const b = (await (await chat(s, { max_tokens: 11 })).json()) as Whole;
      expect(b.usage.completion_tokens).toBe(11);
      await s.control({ ignoreMaxTokens: true });
      const c = (await (await chat(s, { max_tokens: 11 })).json()) as Whole;
      expect(c.usage.completion_tokens).toBe(5);
    },
    T,
  );

  it.each([
    ["--api-key-file", "file"],
    ["STANDIN_API_KEY", "env"],
    ["VLLM_API_KEY", "env"],
    ["--api-key", "arg"],
  ])(
    "with a key from %s, /v1/* needs the bearer key; /health does not",
    async (source, kind) => {
      const key = generatedKey();
      const args = ["--served-model-name", MODEL];
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
      if (kind === "file") {
        const file = join(tempDir("standin-key"), "api-key");
        writeFileSync(file, `${key}\n`, { mode: 0o600 });
        args.push("--api-key-file", file);
      } else if (kind === "env") env[source] = key;
      else args.push("--api-key", key);
      const s = await start(args, { env, apiKey: key });
      expect((await fetch(`${s.url}/v1/models`)).status).toBe(401);
      expect(
        (await fetch(`${s.url}/v1/models`, { headers: { authorization: `Bearer ${key}x` } }))
          .status,
      ).toBe(401);
      expect((await chat(s, {})).status).toBe(401);
      expect(
        (await fetch(`${s.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status,
      ).toBe(200);
      expect((await chat(s, {}, { authorization: `Bearer ${key}` })).status).toBe(200);
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
      // The key never shows in what the stand-in prints.
      expect(s.stderr()).not.toContain(key);
    },
    T,
  );

  it(
    "refuses bad flags with exit code 2 and a line naming the flag",
    () => {
      for (const [args, flag] of [
        [["--served-model-name", MODEL], "--port"],
        [["--port", "0"], "--served-model-name"],
        [["--port", "0", "--served-model-name", MODEL, "--engine", "tgi"], "--engine"],
        [["--port", "0", "--served-model-name", MODEL, "--error-rate", "2"], "--error-rate"],
        [["--port", "0", "--served-model-name", MODEL, "--token-rate", "-1"], "--token-rate"],
      ] as const) {
        const r = spawnSync(process.execPath, [ENGINE_PATH, ...args], { encoding: "utf8" });
        expect(r.status, describeRun("engine.mjs", r)).toBe(2);
        expect(r.stderr).toContain(flag);
      }
    },
    T,
  );

  it(
    "ignores an engine's own launch flags (planner args), taking the ones it knows by alias",
    async () => {
      const s = await start([
        "--model",
        "IlyaGusev/saiga_nemo_12b",
        "--served-model-name",
        MODEL,
        "--max-num-seqs",
        "3",
        "--enable-auto-tool-choice",
        "--gpu-memory-utilization",
        "0.9",
      ]);
      const state = await s.control({});
      expect(state.settings.maxRunning).toBe(3);
      expect(s.stderr()).toContain("--enable-auto-tool-choice");
    },
    T,
  );
});

describe("stand-in engine: metrics carry the engines' real names", () => {
  const concepts: (keyof EngineMetricNames)[] = [
    "running",
    "waiting",
    "kvUsage",
    "promptTokens",
    "generationTokens",
    "ttft",
    "interToken",
    "e2e",
  ];
  it.each(["vllm", "sglang", "lmdeploy", "llamacpp"] as const)(
    "%s: every exported series is a known name of that engine, every concept is there",
    async (engine) => {
      const key = generatedKey();
      const s = await start(["--served-model-name", MODEL, "--engine", engine, "--api-key", key], {
        apiKey: key,
      });
      const auth = { authorization: `Bearer ${key}` };
      expect((await chat(s, { max_tokens: 4, stream: true }, auth)).status).toBe(200);
      if (engine === "llamacpp") expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
      const text = await metricsText(s, auth);
      const names = new Set(
        text
          .split("\n")
          .filter((l) => l && !l.startsWith("#"))
          .map((l) => /^[^{ ]+/.exec(l)![0]),
      );
      for (const n of names) {
        expect(isExported(n), n).toBe(true);
        expect(n.startsWith(`${engine}:`), n).toBe(true);
      }
      const table = ENGINE_METRICS[engine]!;
      for (const c of concepts) {
        const name = table[c];
        if (name === null) continue;
        const series = names.has(name) || names.has(`${name}_count`);
        expect(series, `${c} → ${name}`).toBe(true);
      }
      expect(sample(text, table.generationTokens!)).toBe(4);
    },
    T,
  );

  it(
    "ollama: no /metrics, health on /api/version",
    async () => {
      const s = await start(["--served-model-name", MODEL, "--engine", "ollama"]);
      expect((await fetch(`${s.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${s.url}/api/version`)).status).toBe(200);
    },
    T,
  );

  it(
    "promtool accepts the exposition",
    async () => {
      requireTool("promtool");
      const s = await start(["--served-model-name", MODEL]);
      await chat(s, { max_tokens: 3, stream: true }).then(readEvents);
      const dir = tempDir("standin-metrics");
      const file = join(dir, "metrics.txt");
      writeFileSync(file, await metricsText(s));
      const r = run("sh", ["-c", `promtool check metrics < ${file}`]);
      // promtool's lint only warns about names (the engines' colons); parsing errors fail.
      expect(`${r.stdout}${r.stderr}`, describeRun("promtool", r)).not.toMatch(
        /error while linting|parse error|text format parsing error/i,
      );
    },
    T,
  );
});

describe("stand-in engine: behaviour under control", () => {
  it(
    "paces tokens: first after the TTFT, then one per 1/rate seconds",
    async () => {
      const s = await start([
        "--served-model-name",
        MODEL,
        "--ttft-ms",
        "120",
        "--token-rate",
        "25",
      ]);
      const sent = performance.now();
      const events = await readEvents(await chat(s, { stream: true, max_tokens: 5 }));
      const tokens = events.filter((e) => (contentOf(e) ?? "") !== "");
      expect(tokens).toHaveLength(5);
      expect(tokens[0]!.at - sent).toBeGreaterThanOrEqual(119);
      // The 5th token is due 4 × 40 ms after the first went out, never earlier.
      expect(tokens[4]!.at - sent).toBeGreaterThanOrEqual(279);
      const state = await s.control({});
      expect(state.stats.completed).toBe(1);
    },
    T,
  );

  it(
    "a TTFT list is used round-robin per request",
    async () => {
      const s = await start(["--served-model-name", MODEL, "--ttft-ms", "0,200"]);
      const times: number[] = [];
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        await (await chat(s, { max_tokens: 1 })).json();
        times.push(performance.now() - t0);
      }
      expect(times[1]!).toBeGreaterThanOrEqual(199);
      expect(times[0]!).toBeLessThan(times[1]!);
    },
    T,
  );

  it(
    "injects errors at the set rate and status, reproducibly by seed",
    async () => {
      const s = await start(["--served-model-name", MODEL, "--error-rate", "1"]);
      expect((await chat(s, {})).status).toBe(500);
      await s.control({ errorStatus: 429 });
      expect((await chat(s, { stream: true })).status).toBe(429);
      await s.control({ errorRate: 0.5, seed: 7, resetStats: true });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await chat(s, {})).status);
      const errors = statuses.filter((x) => x === 429).length;
      expect(errors).toBeGreaterThan(5);
      expect(errors).toBeLessThan(35);
      expect((await s.stats()).injectedErrors).toBe(errors);
      await s.control({ seed: 7 });
      const again: number[] = [];
      for (let i = 0; i < 40; i++) again.push((await chat(s, {})).status);
      expect(again).toEqual(statuses);
    },
    T,
  );

  it(
    "stalls a stream after K tokens and keeps it open",
    async () => {
      const s = await start(["--served-model-name", MODEL, "--stall-after", "2"]);
      const ac = new AbortController();
      const res = await chat(s, { stream: true, max_tokens: 10 }, {}, ac.signal);
      const reader = res.body!.getReader();
      let text = "";
      const timeout = setTimeout(() => ac.abort(), 500);
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
      } catch (err) {
        expect((err as Error).name).toBe("AbortError");
      }
      clearTimeout(timeout);
      expect(text.match(/"content"/g)).toHaveLength(2);
      expect(text).not.toContain("[DONE]");
      expect((await s.stats()).stalled).toBe(1);
    },
    T,
  );

  it(
    "hangs: /health and /v1 accept the connection and never answer; control lifts it",
    async () => {
      const s = await start(["--served-model-name", MODEL]);
      await s.control({ hang: true });
      await expect(
        fetch(`${s.url}/health`, { signal: AbortSignal.timeout(400) }),
      ).rejects.toThrow();
      await expect(chat(s, {}, {}, AbortSignal.timeout(400))).rejects.toThrow();
      await s.control({ hang: false });
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
    },
    T,
  );

  it(
    "crashes on command, and after --crash-after-ms, with a non-zero exit",
    async () => {
      const a = await start(["--served-model-name", MODEL]);
      await a.control({ crash: true });
      expect(await a.exited).toBe(1);
      const b = await start(["--served-model-name", MODEL, "--crash-after-ms", "300"]);
      expect(await b.exited).toBe(1);
    },
    T,
  );

  it(
    "reports loading (503) for --loading-ms, then serves",
    async () => {
      const s = await start(["--served-model-name", MODEL, "--loading-ms", "1500"]);
      expect((await fetch(`${s.url}/health`)).status).toBe(503);
      expect((await chat(s, {})).status).toBe(503);
      await new Promise((r) => setTimeout(r, 1600));
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
      expect((await chat(s, {})).status).toBe(200);
      await s.control({ loadingMs: 60_000 });
      expect((await fetch(`${s.url}/health`)).status).toBe(503);
    },
    T,
  );

  it(
    "runs at most --max-running requests; the rest wait, and /metrics counts them",
    async () => {
      const s = await start([
        "--served-model-name",
        MODEL,
        "--max-running",
        "2",
        "--token-rate",
        "20",
      ]);
      const pending = Array.from({ length: 5 }, () =>
        chat(s, { max_tokens: 6 }).then((r) => r.json()),
      );
      await new Promise((r) => setTimeout(r, 150));
      const text = await metricsText(s);
      expect(sample(text, "vllm:num_requests_running")).toBe(2);
      expect(sample(text, "vllm:num_requests_waiting")).toBe(3);
      expect(sample(text, "vllm:kv_cache_usage_perc")).toBeGreaterThan(0);
      await Promise.all(pending);
      const stats = await s.stats();
      expect(stats.peakRunning).toBe(2);
      expect(stats.peakInFlight).toBe(5);
      expect(stats.completed).toBe(5);
      const after = await metricsText(s);
      expect(sample(after, "vllm:num_requests_running")).toBe(0);
      expect(sample(after, "vllm:num_requests_waiting")).toBe(0);
    },
    T,
  );

  it(
    "rejects an unknown or invalid control setting, listing every problem",
    async () => {
      const s = await start(["--served-model-name", MODEL]);
      const res = await fetch(`${s.url}/standin/control`, {
        method: "POST",
        body: JSON.stringify({ tokenRate: -3, warp: 9, errorStatus: 200 }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { errors: string[] };
      expect(body.errors).toHaveLength(3);
      expect((await s.control({})).settings.tokenRate).toBe(0);
    },
    T,
  );
});
