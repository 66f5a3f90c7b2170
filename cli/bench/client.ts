// One streamed chat completion, timed. undici's Pool keeps connections alive and costs a fraction
// of node:http's client per request, which is what lets one process drive thousands of requests per
// second. Timeouts are enforced by one sweep per step (runner.ts), not a timer per request.
import { StringDecoder } from "node:string_decoder";
import { Pool } from "undici";
import type { RequestSpec } from "./workload";

/** Why a request did not succeed; `http_<status>` for an error status. */
export type ErrorKind =
  `http_${number}` | "connect" | "socket" | "timeout" | "stall" | "broken_stream" | "bad_response";

export interface RequestResult {
  /** performance.now() when the request was sent. */
  startedAt: number;
  /** When the response ended (or failed). */
  endedAt: number;
  error: ErrorKind | null;
  /** Arrival times of each token event (a chunk carrying content), performance.now() ms. */
  tokenTimes: number[];
  /** completion_tokens of the usage chunk, else the number of token events. */
  outputTokens: number;
}

export interface ClientArgs {
  /** Origin, e.g. http://127.0.0.1:8000. */
  origin: string;
  /** Path prefix before /chat/completions, e.g. /v1. */
  basePath: string;
  model: string;
  apiKey: string | null;
  /** Extra headers on every request (the fleet's routing header). */
  headers: Record<string, string>;
  /** Send ignore_eos so the engine generates exactly max_tokens (vLLM, SGLang, lmdeploy, llama.cpp). */
  ignoreEos: boolean;
  /** Connections to keep; at least the highest concurrency. */
  connections: number;
}

/** A request in flight, as the timeout sweep sees it. */
export interface InFlight {
  startedAt: number;
  lastEventAt: number;
  abort: (kind: "timeout" | "stall") => void;
}

const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/** Requests sent, and handler time spent on read events, for the figures of `npm run bench`. */
export const clientOverhead = { requests: 0, events: 0, ms: 0 };

export class BenchClient {
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;
  private readonly path: string;

  constructor(private readonly args: ClientArgs) {
    this.pool = new Pool(args.origin, {
      connections: args.connections,
      pipelining: 1,
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 60_000,
    });
    this.headers = {
      "content-type": "application/json",
      accept: "text/event-stream",
      ...args.headers,
      ...(args.apiKey ? { authorization: `Bearer ${args.apiKey}` } : {}),
    };
    this.path = `${args.basePath}/chat/completions`;
  }

  /** Sends one streamed request; resolves (never rejects) when it ends, fails or is cut. */
  send(spec: RequestSpec, inFlight: Set<InFlight>): Promise<RequestResult> {
    const body = JSON.stringify({
      model: this.args.model,
      messages: spec.messages,
      max_tokens: spec.maxTokens,
      stream: true,
      stream_options: { include_usage: true },
      ...(this.args.ignoreEos ? { ignore_eos: true } : {}),
    });
    clientOverhead.requests++;
    const controller = new AbortController();
    const startedAt = performance.now();
    const result: RequestResult = {
      startedAt,
      endedAt: startedAt,
      error: null,
      tokenTimes: [],
      outputTokens: 0,
    };
    let cut: "timeout" | "stall" | null = null;
    const entry: InFlight = {
      startedAt,
      lastEventAt: startedAt,
      abort: (kind) => {
        cut = kind;
        controller.abort();
      },
    };
    inFlight.add(entry);
    return new Promise<RequestResult>((resolve) => {
      let headersSeen = false;
      let done = false;
      const finish = (error: ErrorKind | null): void => {
        if (done) return;
        done = true;
        inFlight.delete(entry);
        result.endedAt = performance.now();
        result.error = error;
        if (!error && result.outputTokens === 0) result.outputTokens = result.tokenTimes.length;
        resolve(result);
      };
      const failed = (err: unknown): void => {
        if (cut) return finish(cut);
        const code = (err as { code?: string }).code ?? "";
        if (!headersSeen) return finish(CONNECT_CODES.has(code) ? "connect" : "socket");
        finish("broken_stream");
      };
      this.pool
        .request({
          path: this.path,
          method: "POST",
          headers: this.headers,
          body,
          signal: controller.signal,
        })
        .then(({ statusCode, headers, body: stream }) => {
          headersSeen = true;
          entry.lastEventAt = performance.now();
          if (statusCode !== 200) {
            stream.on("error", () => undefined);
            stream.resume();
            return finish(`http_${statusCode}`);
          }
          const type = String(headers["content-type"] ?? "");
          if (!type.includes("text/event-stream")) {
            stream.on("error", () => undefined);
            stream.resume();
            return finish("bad_response");
          }
          // undici's body ignores setEncoding: decode here (a token may straddle two reads).
          const decoder = new StringDecoder("utf8");
          let buf = "";
          let sawDone = false;
          let malformed = false;
          stream.on("data", (bytes: Buffer) => {
            const at = performance.now();
            const text = decoder.write(bytes);
            entry.lastEventAt = at;
            buf = buf.length === 0 ? text : buf + text;
            let start = 0;
            for (;;) {
              const nl = buf.indexOf("\n", start);
              if (nl < 0) break;
              const line =
                buf.charCodeAt(nl - 1) === 13 ? buf.slice(start, nl - 1) : buf.slice(start, nl);
              start = nl + 1;
              if (!line.startsWith("data:")) continue;
              const data = line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5);
              if (data === "[DONE]") {
                sawDone = true;
                continue;
              }
              let chunk: StreamChunk;
              try {
                chunk = JSON.parse(data) as StreamChunk;
              } catch {
                malformed = true;
                continue;
              }
              const delta = chunk.choices?.[0]?.delta;
              if (delta && (delta.content || delta.reasoning_content || delta.reasoning))
                result.tokenTimes.push(at);
              const used = chunk.usage?.completion_tokens;
              if (typeof used === "number") result.outputTokens = used;
            }
            buf = start === 0 ? buf : buf.slice(start);
            clientOverhead.events++;
            clientOverhead.ms += performance.now() - at;
          });
          stream.on("end", () => finish(sawDone && !malformed ? null : "broken_stream"));
          stream.on("error", failed);
        }, failed);
    });
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

interface StreamChunk {
  choices?: { delta?: { content?: string; reasoning_content?: string; reasoning?: string } }[];
  usage?: { completion_tokens?: number };
}
