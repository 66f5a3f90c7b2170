#!/usr/bin/env node
// A stand-in inference engine: an OpenAI-compatible server with no GPU and no model, whose timing,
// errors and failures are set by flags and at run time. It lets the bench tool, the Docker target
// and the watchdog be tested against something that behaves like vLLM / SGLang / lmdeploy /
// llama.cpp / Ollama at the HTTP level: the same paths, the same key handling, the same Prometheus
// metric names (monitoring/metrics.ts ENGINE_METRICS; test/standin checks every name against it).
//
// One dependency-free ESM file on purpose: it is copied into plain Debian bookworm containers that
// have only Debian's nodejs 18, and spawned by tests on node 20.
//
//   node standin/engine.mjs --port 0 --served-model-name m --engine vllm --ttft-ms 50 --token-rate 100
//
// prints `listening HOST:PORT` on stdout once bound. Run `--help` for every flag; POST
// /standin/control with a JSON object of the same settings (camelCase) changes them at run time and
// answers with the whole current state. GET /standin/stats reports what the server saw, GET
// /standin/timings each finished request's real [ttftMs, e2eMs] by the server's clock.
import http from "node:http";
import { readFileSync, realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";

const ENGINES = {
  // Key delivery as planner/engines.ts says each engine reads it; health paths likewise.
  vllm: { keyEnv: "VLLM_API_KEY", owner: "vllm", metricsNeedKey: false },
  sglang: { keyEnv: "SGLANG_API_KEY", owner: "sglang", metricsNeedKey: false },
  lmdeploy: { keyEnv: "LMDEPLOY_API_KEY", owner: "lmdeploy", metricsNeedKey: false },
  // llama-server guards /metrics with the key like every other endpoint but /health.
  llamacpp: { keyEnv: "LLAMA_API_KEY", owner: "llamacpp", metricsNeedKey: true },
  // Ollama has no key and no Prometheus endpoint; its health path is /api/version.
  ollama: { keyEnv: null, owner: "library", metricsNeedKey: false },
};

// Histogram bucket edges (seconds) after vLLM's V1 PrometheusStatLogger (vllm/v1/metrics/loggers.py,
// read 2026-12-01); the other engines' edges differ in detail, which no consumer here relies on
// (dashboards use histogram_quantile over whatever edges exist).
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
  160, 640, 2560,
];
const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80,
];
const E2E_BUCKETS = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
];

// Exposition names per engine: the names monitoring/metrics.ts ENGINE_METRICS lists for the pins.
const METRIC_NAMES = {
  vllm: {
    running: "vllm:num_requests_running",
    waiting: "vllm:num_requests_waiting",
    kvUsage: "vllm:kv_cache_usage_perc",
    promptTokens: "vllm:prompt_tokens_total",
    generationTokens: "vllm:generation_tokens_total",
    success: "vllm:request_success_total",
    ttft: "vllm:time_to_first_token_seconds",
    interToken: "vllm:inter_token_latency_seconds",
    e2e: "vllm:e2e_request_latency_seconds",
  },
  sglang: {
    running: "sglang:num_running_reqs",
    waiting: "sglang:num_queue_reqs",
    kvUsage: "sglang:token_usage",
    promptTokens: "sglang:prompt_tokens_total",
    generationTokens: "sglang:generation_tokens_total",
    success: "sglang:num_requests_total",
    ttft: "sglang:time_to_first_token_seconds",
    interToken: "sglang:inter_token_latency_seconds",
    e2e: "sglang:e2e_request_latency_seconds",
  },
  lmdeploy: {
    running: "lmdeploy:num_requests_running",
    waiting: "lmdeploy:num_requests_waiting",
    kvUsage: "lmdeploy:gpu_cache_usage_perc",
    promptTokens: "lmdeploy:prompt_tokens_total",
    generationTokens: "lmdeploy:generation_tokens_total",
    success: "lmdeploy:request_success_total",
    ttft: "lmdeploy:time_to_first_token_seconds",
    interToken: "lmdeploy:time_per_output_token_seconds",
    e2e: "lmdeploy:e2e_request_latency_seconds",
  },
  llamacpp: {
    running: "llamacpp:requests_processing",
    waiting: "llamacpp:requests_deferred",
    kvUsage: null,
    promptTokens: "llamacpp:prompt_tokens_total",
    generationTokens: "llamacpp:tokens_predicted_total",
    success: null,
    ttft: null,
    interToken: null,
    e2e: null,
  },
  ollama: null,
};

const LABELLED = { vllm: true, sglang: true, lmdeploy: true, llamacpp: false, ollama: false };

/** Settings that can change at run time: flag name → [key, parser]. */
const SETTINGS = {
  "--ttft-ms": ["ttftMs", msList],
  "--token-rate": ["tokenRate", nonNegative],
  "--output-tokens": ["outputTokens", positiveInt],
  "--ignore-max-tokens": ["ignoreMaxTokens", bool],
  "--error-rate": ["errorRate", fraction],
  "--error-status": ["errorStatus", httpStatus],
  "--stall-after": ["stallAfter", intMinusOne],
  "--hang": ["hang", bool],
  "--max-running": ["maxRunning", nonNegativeInt],
  "--kv-tokens": ["kvTokens", positiveInt],
  "--max-model-len": ["maxModelLen", positiveInt],
  "--seed": ["seed", nonNegativeInt],
};

// Engine flags taken for the same setting, so the stand-in can be started with the planner's real
// launch arguments: vLLM --max-num-seqs, SGLang --max-running-requests, lmdeploy --max-batch-size,
// llama.cpp --parallel; model names: --model-name (lmdeploy), --alias (llama.cpp).
const ALIASES = {
  "--max-num-seqs": "--max-running",
  "--max-running-requests": "--max-running",
  "--max-batch-size": "--max-running",
  "--parallel": "--max-running",
  "-np": "--max-running",
  "--context-length": "--max-model-len",
  "--session-len": "--max-model-len",
  "--model-name": "--served-model-name",
  "--alias": "--served-model-name",
  "--api-keys": "--api-key",
};

const HELP = `usage: node standin/engine.mjs --port N --served-model-name NAME [options]
  --host H                 address to bind (default 127.0.0.1)
  --port N                 port; 0 picks a free one. Prints "listening H:PORT" once bound
  --engine E               vllm|sglang|lmdeploy|llamacpp|ollama (default vllm): metric names, key env
  --api-key-file F         API key from a file (else STANDIN_API_KEY, else the engine's env such as
                           VLLM_API_KEY, else --api-key K); with a key /v1/* needs "Bearer K"
  --ttft-ms MS[,MS…]       time to first token; a list is used round-robin per request (default 0)
  --token-rate R           output tokens per second per request; 0 = unlimited (default 0)
  --output-tokens N        tokens per response when the request has no max_tokens (default 16)
  --ignore-max-tokens      always send --output-tokens tokens
  --error-rate P           share of chat requests answered with --error-status (default 0)
  --error-status S         HTTP status of injected errors (default 500)
  --stall-after K          stop a stream after K tokens, leaving it open; -1 = never (default -1)
  --hang                   accept connections and never answer (except /standin/*)
  --crash-after-ms MS      exit with status 1 after MS (also POST /standin/control {"crash":true})
  --ollama-pulled T,T      engine ollama: tags in its store at start (default: the served name)
  --max-loaded-models N    engine ollama: OLLAMA_MAX_LOADED_MODELS (default the variable, else 1)
  --loading-ms MS          /health answers 503 and /v1/* 503 for MS after start
  --max-running N          requests served at once; the rest wait in FIFO order (0 = no limit)
  --kv-tokens N            KV capacity the usage gauge is computed against (default 100000)
  --max-model-len N        reported in /v1/models (default 4096)
  --seed N                 seed of the error-injection draw (default 1)
Unknown flags (an engine's own launch arguments) are ignored.`;

function fail(msg) {
  process.stderr.write(`standin: ${msg}\n`);
  process.exit(2);
}
function num(v, what) {
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(n)) throw new Error(`${what}: not a number: ${JSON.stringify(v)}`);
  return n;
}
function nonNegative(v, what) {
  const n = num(v, what);
  if (n < 0) throw new Error(`${what}: must be ≥ 0`);
  return n;
}
function nonNegativeInt(v, what) {
  const n = nonNegative(v, what);
  if (!Number.isInteger(n)) throw new Error(`${what}: must be an integer`);
  return n;
}
function positiveInt(v, what) {
  const n = nonNegativeInt(v, what);
  if (n < 1) throw new Error(`${what}: must be ≥ 1`);
  return n;
}
function intMinusOne(v, what) {
  const n = num(v, what);
  if (!Number.isInteger(n) || n < -1) throw new Error(`${what}: must be an integer ≥ -1`);
  return n;
}
function fraction(v, what) {
  const n = num(v, what);
  if (n < 0 || n > 1) throw new Error(`${what}: must be within 0..1`);
  return n;
}
function httpStatus(v, what) {
  const n = num(v, what);
  if (!Number.isInteger(n) || n < 400 || n > 599) throw new Error(`${what}: must be 400..599`);
  return n;
}
function bool(v, what) {
  if (v === true || v === "true" || v === "1") return true;
  if (v === false || v === "false" || v === "0") return false;
  throw new Error(`${what}: must be true or false`);
}
function msList(v, what) {
  const items = Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : [v];
  if (items.length === 0) throw new Error(`${what}: empty list`);
  return items.map((x) => nonNegative(x, what));
}

function parseArgs(argv) {
  const cfg = {
    host: "127.0.0.1",
    port: null,
    servedModelName: null,
    engine: "vllm",
    apiKeyFile: null,
    apiKeyArg: null,
    crashAfterMs: null,
    loadingMs: 0,
    // Ollama: the tags in its store at start (gpufleet-download pulled them), and
    // OLLAMA_MAX_LOADED_MODELS.
    ollamaPulled: [],
    maxLoadedModels: Number(process.env.OLLAMA_MAX_LOADED_MODELS) || 1,
  };
  const settings = {
    ttftMs: [0],
    tokenRate: 0,
    outputTokens: 16,
    ignoreMaxTokens: false,
    errorRate: 0,
    errorStatus: 500,
    stallAfter: -1,
    hang: false,
    maxRunning: 0,
    kvTokens: 100000,
    maxModelLen: 4096,
    seed: 1,
  };
  const ignored = [];
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let inline = null;
    const eq = flag.indexOf("=");
    if (flag.startsWith("--") && eq > 0) {
      inline = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    flag = ALIASES[flag] ?? flag;
    const takeValue = () => {
      if (inline !== null) return inline;
      const v = argv[++i];
      if (v === undefined) fail(`${flag} needs a value`);
      return v;
    };
    try {
      if (flag === "--help" || flag === "-h") {
        process.stdout.write(`${HELP}\n`);
        process.exit(0);
      } else if (flag === "--port") cfg.port = nonNegativeInt(takeValue(), flag);
      else if (flag === "--host") cfg.host = takeValue();
      else if (flag === "--served-model-name") cfg.servedModelName = takeValue();
      else if (flag === "--engine") cfg.engine = takeValue();
      else if (flag === "--api-key-file") cfg.apiKeyFile = takeValue();
      else if (flag === "--api-key") cfg.apiKeyArg = takeValue();
      else if (flag === "--crash-after-ms") cfg.crashAfterMs = nonNegative(takeValue(), flag);
      else if (flag === "--loading-ms") cfg.loadingMs = nonNegative(takeValue(), flag);
      else if (flag === "--ollama-pulled")
        cfg.ollamaPulled = takeValue()
          .split(",")
          .map((t) => t.trim())
          .filter(Boolean);
      else if (flag === "--max-loaded-models") cfg.maxLoadedModels = positiveInt(takeValue(), flag);
      else if (SETTINGS[flag]) {
        const [key, parse] = SETTINGS[flag];
        const boolean = parse === bool;
        const value = boolean && inline === null ? true : takeValue();
        settings[key] = parse(value, flag);
      } else {
        // An engine's own flag: skip it and its value, if it has one.
        ignored.push(flag);
        if (inline === null && argv[i + 1] !== undefined && !argv[i + 1].startsWith("-")) i++;
      }
    } catch (err) {
      fail(err.message);
    }
  }
  if (cfg.port === null) fail("--port is required (0 picks a free port)");
  if (!cfg.servedModelName && cfg.engine === "ollama" && cfg.ollamaPulled.length > 0)
    cfg.servedModelName = cfg.ollamaPulled[0];
  if (!cfg.servedModelName) fail("--served-model-name is required");
  if (!ENGINES[cfg.engine])
    fail(`--engine: unknown "${cfg.engine}"; known: ${Object.keys(ENGINES).join(", ")}`);
  return { cfg, settings, ignored };
}

function readApiKey(cfg) {
  if (cfg.apiKeyFile) {
    try {
      const key = readFileSync(cfg.apiKeyFile, "utf8").trim();
      if (!key) fail(`--api-key-file ${cfg.apiKeyFile}: empty`);
      return key;
    } catch (err) {
      fail(`--api-key-file ${cfg.apiKeyFile}: ${err.code ?? err.message}`);
    }
  }
  const envName = ENGINES[cfg.engine].keyEnv;
  return process.env.STANDIN_API_KEY || (envName && process.env[envName]) || cfg.apiKeyArg || null;
}

// mulberry32: a tiny seeded PRNG, so an error rate gives the same draw sequence every run.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Histogram {
  constructor(buckets) {
    this.buckets = buckets;
    this.counts = new Array(buckets.length).fill(0);
    this.sum = 0;
    this.count = 0;
  }
  observe(v) {
    this.sum += v;
    this.count++;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) if (v <= b[i]) this.counts[i]++;
  }
}

// One engine per module instance: the process's (run as a script), or a test's in-process one
// (startEngine), which shares the test's event loop and so its clock.
let cfg, settings, ignored, apiKey, engine, names, model, created, random, loadingUntil;
function configure(argv) {
  ({ cfg, settings, ignored } = parseArgs(argv));
  apiKey = readApiKey(cfg);
  engine = ENGINES[cfg.engine];
  names = METRIC_NAMES[cfg.engine];
  model = cfg.servedModelName;
  created = Math.floor(Date.now() / 1000);
  random = prng(settings.seed);
  loadingUntil = Date.now() + cfg.loadingMs;
  ollama.store.clear();
  ollama.loaded.length = 0;
  const pulled = cfg.ollamaPulled.length > 0 ? cfg.ollamaPulled : [cfg.servedModelName];
  for (const tag of pulled) ollama.store.set(ollamaName(tag), tag);
}

// Ollama's store as its API shows it (server/routes.go, read in the v0.32.15 tree): every name a
// model answers to maps to the blob it was pulled as (standing in for its digest); /api/copy adds a
// name, /api/generate without a prompt loads a model, /api/ps lists the loaded ones (at most
// OLLAMA_MAX_LOADED_MODELS, the least recently used evicted), /api/tags the store. A request for a
// name not in the store is "not found", whatever the server was started with.
const ollama = { store: new Map(), loaded: [] };

/** Ollama's name rules: case-insensitive, default tag "latest" (types/model/name.go). */
function ollamaName(name) {
  const n = String(name).trim().toLowerCase();
  const last = n.slice(n.lastIndexOf("/") + 1);
  return last.includes(":") ? n : `${n}:latest`;
}

/** Loads the model `name` answers to; returns its blob, or null when the store lacks the name. */
function ollamaLoad(name) {
  const blob = ollama.store.get(ollamaName(name));
  if (blob === undefined) return null;
  const at = ollama.loaded.findIndex((m) => m.blob === blob);
  if (at >= 0) ollama.loaded.splice(at, 1);
  ollama.loaded.push({ blob, name: String(name) });
  while (ollama.loaded.length > cfg.maxLoadedModels) ollama.loaded.shift();
  return blob;
}

function ollamaNotFound(res, name, openAi) {
  const message = `model "${name}" not found, try pulling it first`;
  if (openAi) return openAiError(res, 404, message, "api_error");
  return sendJson(res, 404, { error: message });
}

function handleOllamaApi(req, res, path) {
  if (path === "/api/tags" && req.method === "GET")
    return sendJson(res, 200, {
      models: [...ollama.store].map(([name, blob]) => ({ name, model: name, digest: blob })),
    });
  if (path === "/api/ps" && req.method === "GET")
    return sendJson(res, 200, {
      models: ollama.loaded.map((m) => ({ name: m.name, model: m.name, digest: m.blob })),
    });
  if (req.method !== "POST") return sendJson(res, 404, { error: "not found" });
  readBody(req, (raw) => {
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      return sendJson(res, 400, { error: "invalid JSON" });
    }
    if (path === "/api/copy") {
      const blob = ollama.store.get(ollamaName(body.source ?? ""));
      if (blob === undefined) return ollamaNotFound(res, body.source, false);
      if (typeof body.destination !== "string" || body.destination.trim() === "")
        return sendJson(res, 400, { error: "destination name is required" });
      ollama.store.set(ollamaName(body.destination), blob);
      res.writeHead(200, { "content-length": 0 });
      return res.end();
    }
    if (path === "/api/pull") {
      // Ollama's pull (stream false: one answer when done): the tag enters the store.
      const tag = String(body.model ?? body.name ?? "");
      if (tag.trim() === "") return sendJson(res, 400, { error: "model is required" });
      ollama.store.set(ollamaName(tag), tag);
      return sendJson(res, 200, { status: "success" });
    }
    if (path === "/api/generate") {
      if (ollamaLoad(body.model ?? "") === null) return ollamaNotFound(res, body.model, false);
      return sendJson(res, 200, {
        model: body.model,
        created_at: new Date().toISOString(),
        response: "",
        done: true,
        done_reason: "load",
      });
    }
    return sendJson(res, 404, { error: "not found" });
  });
}

const state = {
  running: new Set(),
  waiting: [],
  hungResponses: new Set(),
  requestSeq: 0,
};
let stats;
let metrics;
let timings;
function resetStats() {
  stats = {
    chatRequests: 0,
    completed: 0,
    injectedErrors: 0,
    stalled: 0,
    aborted: 0,
    peakRunning: 0,
    peakInFlight: 0,
  };
  // What each finished request really got (timer lateness included): [ttftMs, e2eMs], so tests can
  // hold a client's measurements against the server's own clock. Bounded.
  timings = [];
  metrics = {
    promptTokens: 0,
    generationTokens: 0,
    success: 0,
    ttft: new Histogram(TTFT_BUCKETS),
    itl: new Histogram(ITL_BUCKETS),
    e2e: new Histogram(E2E_BUCKETS),
  };
}

const WORDS = [" the", " fleet", " serves", " tokens", " quickly", " and", " well", "."];

function sendJson(res, status, body, headers) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function openAiError(res, status, message, type) {
  // vLLM's ErrorResponse shape (vllm/entrypoints/openai/protocol.py).
  sendJson(res, status, { object: "error", message, type, param: null, code: status });
}

function authorized(req) {
  if (!apiKey) return true;
  return req.headers.authorization === `Bearer ${apiKey}`;
}

function readBody(req, cb) {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () =>
    cb(chunks.length === 1 ? chunks[0].toString() : Buffer.concat(chunks).toString()),
  );
}

function isLoading() {
  return Date.now() < loadingUntil;
}

function kvUsage() {
  let used = 0;
  for (const r of state.running) used += r.promptTokens + r.sent;
  return Math.min(1, used / settings.kvTokens);
}

function renderMetrics() {
  if (!names) return null;
  const labels = LABELLED[cfg.engine]
    ? cfg.engine === "sglang"
      ? `{model_name="${model}"}`
      : `{engine="0",model_name="${model}"}`
    : "";
  const lines = [];
  const gauge = (name, help, v) => {
    if (!name) return;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${labels} ${v}`);
  };
  const counter = (name, help, v) => {
    if (!name) return;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name}${labels} ${v}`);
  };
  const histogram = (name, help, h) => {
    if (!name) return;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    const inner = labels ? labels.slice(1, -1) + "," : "";
    for (let i = 0; i < h.buckets.length; i++)
      lines.push(`${name}_bucket{${inner}le="${h.buckets[i]}"} ${h.counts[i]}`);
    lines.push(`${name}_bucket{${inner}le="+Inf"} ${h.count}`);
    lines.push(`${name}_count${labels} ${h.count}`, `${name}_sum${labels} ${h.sum}`);
  };
  gauge(names.running, "Number of requests in model execution batches.", state.running.size);
  gauge(names.waiting, "Number of requests waiting to be processed.", state.waiting.length);
  gauge(names.kvUsage, "KV-cache usage. 1 means 100 percent usage.", kvUsage());
  counter(names.promptTokens, "Number of prefill tokens processed.", metrics.promptTokens);
  counter(
    names.generationTokens,
    "Number of generation tokens processed.",
    metrics.generationTokens,
  );
  counter(names.success, "Count of successfully processed requests.", metrics.success);
  histogram(names.ttft, "Histogram of time to first token in seconds.", metrics.ttft);
  histogram(names.interToken, "Histogram of inter-token latency in seconds.", metrics.itl);
  histogram(names.e2e, "Histogram of e2e request latency in seconds.", metrics.e2e);
  return lines.join("\n") + "\n";
}

function promptTokensOf(body) {
  let chars = 0;
  if (Array.isArray(body.messages))
    for (const m of body.messages) {
      if (m && typeof m.content === "string") chars += m.content.length;
      else if (m && Array.isArray(m.content))
        for (const part of m.content)
          if (part && typeof part.text === "string") chars += part.text.length;
    }
  // About four characters per token for English text; the chat template adds a few.
  return Math.max(1, Math.ceil(chars / 4) + 4);
}

function startOrQueue(job) {
  stats.chatRequests++;
  const inFlight = state.running.size + state.waiting.length + 1;
  if (inFlight > stats.peakInFlight) stats.peakInFlight = inFlight;
  if (settings.maxRunning > 0 && state.running.size >= settings.maxRunning) {
    state.waiting.push(job);
    return;
  }
  run(job);
}

function finish(job) {
  if (!state.running.delete(job)) {
    const i = state.waiting.indexOf(job);
    if (i >= 0) state.waiting.splice(i, 1);
    return;
  }
  admit();
}

/** Moves waiting requests into free running slots. */
function admit() {
  while (
    state.waiting.length > 0 &&
    (settings.maxRunning === 0 || state.running.size < settings.maxRunning)
  )
    run(state.waiting.shift());
}

function run(job) {
  state.running.add(job);
  if (state.running.size > stats.peakRunning) stats.peakRunning = state.running.size;
  job.startedAt = performance.now();
  metrics.promptTokens += job.promptTokens;
  const ttftList = settings.ttftMs;
  const ttft = ttftList[job.seq % ttftList.length];
  job.itl = settings.tokenRate > 0 ? 1000 / settings.tokenRate : 0;
  job.firstAt = job.startedAt + ttft;
  if (job.stream) schedule(job, ttft, () => streamFrom(job));
  else schedule(job, ttft + job.itl * (job.tokens - 1), () => respondWhole(job));
}

function schedule(job, delayMs, fn) {
  if (delayMs <= 0) fn();
  else job.timer = setTimeout(fn, delayMs);
}

function observeDone(job, now) {
  if (timings.length < 100000) timings.push([job.firstAt - job.arrivedAt, now - job.arrivedAt]);
  metrics.success++;
  metrics.generationTokens += job.sent;
  metrics.e2e.observe((now - job.arrivedAt) / 1000);
  stats.completed++;
}

function respondWhole(job) {
  if (job.closed || settings.hang) return hold(job);
  const now = performance.now();
  const n = job.tokens;
  let text = "";
  for (let i = 0; i < n; i++) text += WORDS[i % WORDS.length];
  job.sent = n;
  metrics.ttft.observe((job.firstAt - job.arrivedAt) / 1000);
  for (let i = 1; i < n; i++) metrics.itl.observe(job.itl / 1000);
  observeDone(job, now);
  finish(job);
  sendJson(job.res, 200, {
    id: job.id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: JSON.parse(job.modelJson),
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text, reasoning_content: null, tool_calls: [] },
        logprobs: null,
        finish_reason: "length",
        stop_reason: null,
      },
    ],
    usage: {
      prompt_tokens: job.promptTokens,
      completion_tokens: n,
      total_tokens: job.promptTokens + n,
    },
  });
}

function chunk(job, delta, finishReason) {
  return (
    `data: {"id":"${job.id}","object":"chat.completion.chunk","created":${job.created},"model":${job.modelJson},` +
    `"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finishReason}}]}\n\n`
  );
}

function tokenChunk(job, i) {
  const word = JSON.stringify(WORDS[i % WORDS.length]);
  return chunk(
    job,
    i === 0 ? `{"role":"assistant","content":${word}}` : `{"content":${word}}`,
    "null",
  );
}

function tailChunks(job) {
  let out = chunk(job, "{}", '"length"');
  if (job.includeUsage)
    out +=
      `data: {"id":"${job.id}","object":"chat.completion.chunk","created":${job.created},"model":${job.modelJson},` +
      `"choices":[],"usage":{"prompt_tokens":${job.promptTokens},"total_tokens":${job.promptTokens + job.sent},"completion_tokens":${job.sent}}}\n\n`;
  return out + "data: [DONE]\n\n";
}

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
};

function streamFrom(job) {
  if (job.closed) return;
  if (settings.hang) return hold(job);
  const res = job.res;
  res.writeHead(200, SSE_HEADERS);
  // Later tokens are paced from when the first one really went out, so a late first timer does
  // not shorten the gaps after it.
  job.firstAt = performance.now();
  metrics.ttft.observe((job.firstAt - job.arrivedAt) / 1000);
  const stallAt = settings.stallAfter;
  if (job.itl === 0) {
    // Unlimited rate: everything in one write, no per-token timers.
    const n = stallAt >= 0 ? Math.min(stallAt, job.tokens) : job.tokens;
    let out = "";
    for (let i = 0; i < n; i++) out += tokenChunk(job, i);
    job.sent = n;
    for (let i = 1; i < n; i++) metrics.itl.observe(0);
    if (stallAt >= 0 && stallAt < job.tokens) {
      if (out) res.write(out);
      return stall(job);
    }
    res.end(out + tailChunks(job));
    observeDone(job, performance.now());
    finish(job);
    return;
  }
  // Paced: token i is due at firstAt + i × itl (absolute deadlines, so timer lateness does not add up).
  let last = performance.now();
  const step = () => {
    job.timer = null;
    if (job.closed) return;
    if (settings.hang) return hold(job);
    if (stallAt >= 0 && job.sent >= stallAt) return stall(job);
    const now = performance.now();
    if (job.sent > 0) metrics.itl.observe((now - last) / 1000);
    last = now;
    const i = job.sent++;
    if (job.sent === job.tokens) {
      res.end(tokenChunk(job, i) + tailChunks(job));
      observeDone(job, now);
      finish(job);
      return;
    }
    res.write(tokenChunk(job, i));
    const due = job.firstAt + job.sent * job.itl - performance.now();
    job.timer = setTimeout(step, due > 0 ? due : 0);
  };
  step();
}

function stall(job) {
  // The stream stays open and silent, as an engine stuck mid-generation; it still counts as running.
  stats.stalled++;
  job.stalled = true;
}

function hold(job) {
  // Hang: the request is never answered. Keep a reference until the client gives up.
  state.hungResponses.add(job.res);
  job.res.on("close", () => state.hungResponses.delete(job.res));
}

function handleChat(req, res) {
  readBody(req, (raw) => {
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      return openAiError(res, 400, "request body is not valid JSON", "BadRequestError");
    }
    if (!body || typeof body !== "object" || !Array.isArray(body.messages))
      return openAiError(res, 400, "messages: field required", "BadRequestError");
    if (cfg.engine === "ollama") {
      // Ollama answers to any name in its store and echoes the name it was asked for.
      if (ollamaLoad(body.model ?? "") === null) return ollamaNotFound(res, body.model, true);
    } else if (body.model !== undefined && body.model !== model)
      return openAiError(res, 404, `The model \`${body.model}\` does not exist.`, "NotFoundError");
    if (settings.errorRate > 0 && random() < settings.errorRate) {
      stats.injectedErrors++;
      return openAiError(res, settings.errorStatus, "injected error", "InternalServerError");
    }
    const maxTokens = body.max_completion_tokens ?? body.max_tokens;
    const tokens =
      !settings.ignoreMaxTokens && Number.isInteger(maxTokens) && maxTokens > 0
        ? maxTokens
        : settings.outputTokens;
    const seq = state.requestSeq++;
    const job = {
      seq,
      id: `chatcmpl-${seq.toString(16)}`,
      res,
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
      tokens,
      promptTokens: promptTokensOf(body),
      sent: 0,
      created: Math.floor(Date.now() / 1000),
      modelJson: JSON.stringify(cfg.engine === "ollama" ? body.model : model),
      arrivedAt: performance.now(),
      startedAt: 0,
      firstAt: 0,
      itl: 0,
      timer: null,
      closed: false,
      stalled: false,
    };
    res.on("close", () => {
      if (!res.writableFinished) {
        job.closed = true;
        if (job.timer) clearTimeout(job.timer);
        if (!job.stalled) stats.aborted++;
        finish(job);
      }
    });
    startOrQueue(job);
  });
}

function handleControl(req, res) {
  if (req.method === "GET") return sendJson(res, 200, controlState());
  readBody(req, (raw) => {
    let body;
    try {
      body = JSON.parse(raw || "{}");
    } catch {
      return sendJson(res, 400, { error: "body is not JSON" });
    }
    const problems = [];
    const next = { ...settings };
    for (const [key, value] of Object.entries(body)) {
      if (key === "crash" || key === "resetStats") continue;
      if (key === "loadingMs") {
        try {
          loadingUntil = Date.now() + nonNegative(value, key);
        } catch (err) {
          problems.push(err.message);
        }
        continue;
      }
      const entry = Object.values(SETTINGS).find(([k]) => k === key);
      if (!entry) {
        problems.push(`${key}: unknown setting`);
        continue;
      }
      try {
        next[key] = entry[1](value, key);
      } catch (err) {
        problems.push(err.message);
      }
    }
    if (problems.length > 0) return sendJson(res, 400, { errors: problems });
    Object.assign(settings, next);
    if ("seed" in body) random = prng(settings.seed);
    if (body.resetStats === true) resetStats();
    // A raised limit lets waiting requests in. Requests that hung stay unanswered after "hang"
    // is lifted (as after a real engine recovers, their clients have given up); new ones are served.
    admit();
    if (body.crash === true) {
      const code = Number.isInteger(body.exitCode) && body.exitCode !== 0 ? body.exitCode : 1;
      res.writeHead(200, { "content-type": "application/json", connection: "close" });
      res.end(JSON.stringify({ crashing: code }), () => process.exit(code));
      return;
    }
    sendJson(res, 200, controlState());
  });
}

function controlState() {
  return {
    engine: cfg.engine,
    servedModelName: model,
    loading: isLoading(),
    settings: { ...settings },
    stats: { ...stats, running: state.running.size, waiting: state.waiting.length },
  };
}

function handle(req, res) {
  const url = req.url;
  const q = url.indexOf("?");
  const path = q >= 0 ? url.slice(0, q) : url;
  if (path.startsWith("/standin/")) {
    if (!authorized(req)) return openAiError(res, 401, "Unauthorized", "AuthenticationError");
    if (path === "/standin/control") return handleControl(req, res);
    if (path === "/standin/stats") return sendJson(res, 200, controlState().stats);
    if (path === "/standin/timings") return sendJson(res, 200, timings);
    return openAiError(res, 404, "not found", "NotFoundError");
  }
  if (settings.hang) return hold({ res });
  if (path === "/health" || (cfg.engine === "ollama" && path === "/api/version")) {
    if (isLoading()) {
      if (cfg.engine === "llamacpp")
        return sendJson(res, 503, {
          error: { code: 503, message: "Loading model", type: "unavailable_error" },
        });
      res.writeHead(503, { "content-length": 0 });
      return res.end();
    }
    if (path === "/api/version") return sendJson(res, 200, { version: "0.0.0-standin" });
    if (cfg.engine === "llamacpp") return sendJson(res, 200, { status: "ok" });
    res.writeHead(200, { "content-length": 0 });
    return res.end();
  }
  if (cfg.engine === "ollama" && path.startsWith("/api/")) return handleOllamaApi(req, res, path);
  if (path === "/metrics") {
    if (engine.metricsNeedKey && !authorized(req))
      return openAiError(res, 401, "Invalid API Key", "AuthenticationError");
    const text = renderMetrics();
    if (text === null) return openAiError(res, 404, "not found", "NotFoundError");
    res.writeHead(200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
      "content-length": Buffer.byteLength(text),
    });
    return res.end(text);
  }
  if (path.startsWith("/v1/")) {
    if (!authorized(req)) return openAiError(res, 401, "Unauthorized", "AuthenticationError");
    if (isLoading())
      return openAiError(res, 503, "the model is loading", "ServiceUnavailableError");
    if (path === "/v1/models" && req.method === "GET" && cfg.engine === "ollama")
      return sendJson(res, 200, {
        object: "list",
        data: [...ollama.store.keys()].map((id) => ({
          id,
          object: "model",
          created,
          owned_by: "library",
        })),
      });
    if (path === "/v1/models" && req.method === "GET")
      return sendJson(res, 200, {
        object: "list",
        data: [
          {
            id: model,
            object: "model",
            created,
            owned_by: engine.owner,
            root: model,
            parent: null,
            max_model_len: settings.maxModelLen,
          },
        ],
      });
    if (path === "/v1/chat/completions" && req.method === "POST") return handleChat(req, res);
  }
  openAiError(res, 404, "Not Found", "NotFoundError");
}

function createEngineServer() {
  const server = http.createServer({ noDelay: true, keepAlive: true, requestTimeout: 0 }, handle);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on("clientError", (_err, socket) => socket.destroy());
  return server;
}

/**
 * Starts the engine inside the calling process (argv as on the command line); resolves with the
 * bound port and a close function. For tests that compare a client's clock with the server's.
 */
export function startEngine(argv) {
  configure(argv);
  resetStats();
  const server = createEngineServer();
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(cfg.port, cfg.host, () =>
      resolve({
        port: server.address().port,
        timings: () => timings,
        close: () =>
          new Promise((r) => {
            for (const job of state.running) if (job.timer) clearTimeout(job.timer);
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      }),
    );
  });
}

function main() {
  configure(process.argv.slice(2));
  resetStats();
  const server = createEngineServer();
  server.listen(cfg.port, cfg.host, () => {
    const addr = server.address();
    const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
    process.stdout.write(`listening ${host}:${addr.port}\n`);
    if (ignored.length > 0) process.stderr.write(`standin: ignored flags ${ignored.join(" ")}\n`);
  });
  server.on("error", (err) => {
    process.stderr.write(`standin: ${err.message}\n`);
    process.exit(1);
  });
  if (cfg.crashAfterMs !== null)
    setTimeout(() => {
      process.stderr.write("standin: crashing as told (--crash-after-ms)\n");
      process.exit(1);
    }, cfg.crashAfterMs);
  for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
}

// Run as a script (node standin/engine.mjs …), not when imported.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href)
  main();
