// Starts standin/engine.mjs on an ephemeral port for a test, and talks to its control endpoint.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import { createInterface } from "node:readline";

export const ENGINE_PATH = path.resolve(__dirname, "../../standin/engine.mjs");

/** A key like the stack's generated ones: 48 characters. */
export function generatedKey(): string {
  return randomBytes(36).toString("base64url");
}

export interface Standin {
  url: string;
  port: number;
  proc: ChildProcess;
  /** Everything the process wrote on stderr so far. */
  stderr: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** POST /standin/control; returns the parsed answer. */
  control: (settings: Record<string, unknown>) => Promise<ControlState>;
  stats: () => Promise<ControlState["stats"]>;
  /** Each finished request's [ttftMs, e2eMs] as the server really produced them. */
  timings: () => Promise<[number, number][]>;
  stop: () => Promise<void>;
}

export interface ControlState {
  engine: string;
  servedModelName: string;
  loading: boolean;
  settings: Record<string, unknown>;
  stats: {
    chatRequests: number;
    completed: number;
    injectedErrors: number;
    stalled: number;
    aborted: number;
    peakRunning: number;
    peakInFlight: number;
    running: number;
    waiting: number;
  };
}

/** Spawns the stand-in with `args` (plus --port 0) and waits for its `listening` line. */
export async function startStandin(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; apiKey?: string } = {},
): Promise<Standin> {
  const proc = spawn(process.execPath, [ENGINE_PATH, "--port", "0", ...args], {
    env: opts.env ?? { PATH: process.env.PATH },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.on("line", (line) => {
      const m = /^listening (\S+):(\d+)$/.exec(line);
      if (m) resolve(Number(m[2]));
    });
    void exited.then((code) => reject(new Error(`stand-in exited ${code}: ${err}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const auth: Record<string, string> = opts.apiKey
    ? { authorization: `Bearer ${opts.apiKey}` }
    : {};
  const control = async (settings: Record<string, unknown>): Promise<ControlState> => {
    const res = await fetch(`${url}/standin/control`, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify(settings),
    });
    const body = (await res.json()) as ControlState;
    if (!res.ok) throw new Error(`control ${res.status}: ${JSON.stringify(body)}`);
    return body;
  };
  return {
    url,
    port,
    proc,
    stderr: () => err,
    exited,
    control,
    stats: async () => {
      const res = await fetch(`${url}/standin/stats`, { headers: auth });
      return (await res.json()) as ControlState["stats"];
    },
    timings: async () => {
      const res = await fetch(`${url}/standin/timings`, { headers: auth });
      return (await res.json()) as [number, number][];
    },
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        await exited;
      }
    },
  };
}
