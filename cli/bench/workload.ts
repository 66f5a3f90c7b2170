// What each request asks for: prompt and output length from a distribution, or prompts (and the
// reference answer's length) from a dataset file — JSONL of prompts or chat messages, or
// ShareGPT-style conversations (a JSON array or JSONL).
import { readFileSync } from "node:fs";

export class BenchInputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

/** mulberry32: a seeded PRNG so that a run's prompts and arrivals repeat with its --seed. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A length distribution: `N`, `uniform:A,B` or `normal:MEAN,SD` (rounded, at least 1). */
export type Distribution =
  | { kind: "fixed"; value: number }
  | { kind: "uniform"; min: number; max: number }
  | { kind: "normal"; mean: number; sd: number };

export function parseDistribution(text: string, flag: string): Distribution {
  const bad = (): never => {
    throw new BenchInputError([
      `${flag}: "${text}" is not a length: use N, uniform:A,B or normal:MEAN,SD (tokens, ≥ 1)`,
    ]);
  };
  const nums = (s: string): number[] =>
    s.split(",").map((x) => (/^\d+(\.\d+)?$/.test(x) ? Number(x) : bad()));
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    return value >= 1 ? { kind: "fixed", value } : bad();
  }
  const m = /^(uniform|normal):(.+)$/.exec(text);
  if (!m) return bad();
  const [a, b] = nums(m[2]!);
  if (a === undefined || b === undefined || m[2]!.split(",").length !== 2) return bad();
  if (m[1] === "uniform") return a >= 1 && b >= a ? { kind: "uniform", min: a, max: b } : bad();
  return a >= 1 && b >= 0 ? { kind: "normal", mean: a, sd: b } : bad();
}

export function sampleLength(d: Distribution, random: () => number): number {
  switch (d.kind) {
    case "fixed":
      return d.value;
    case "uniform":
      return Math.round(d.min + (d.max - d.min) * random());
    case "normal": {
      // Box–Muller.
      const u = 1 - random();
      const v = random();
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      return Math.max(1, Math.round(d.mean + d.sd * z));
    }
  }
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** One request's content: the messages, and how many output tokens to ask for. */
export interface RequestSpec {
  messages: ChatMessage[];
  maxTokens: number;
}

export interface DatasetEntry {
  messages: ChatMessage[];
  /** Output length of the dataset's own answer (≈ 4 characters per token), when it has one. */
  outputTokens: number | null;
}

/** About four characters of English per token: the estimate used where no tokenizer is at hand. */
export const CHARS_PER_TOKEN = 4;

const SHAREGPT_ROLES: Record<string, ChatMessage["role"]> = {
  human: "user",
  user: "user",
  gpt: "assistant",
  assistant: "assistant",
  chatgpt: "assistant",
  bing: "assistant",
  bard: "assistant",
  system: "system",
};

function entryFrom(value: unknown, where: string, problems: string[]): DatasetEntry | null {
  if (typeof value !== "object" || value === null) {
    problems.push(`${where}: not an object`);
    return null;
  }
  const o = value as Record<string, unknown>;
  if (typeof o.prompt === "string") {
    const out = typeof o.output_tokens === "number" ? o.output_tokens : null;
    return { messages: [{ role: "user", content: o.prompt }], outputTokens: out };
  }
  if (Array.isArray(o.messages)) {
    const msgs: ChatMessage[] = [];
    for (const m of o.messages as unknown[]) {
      const mm = m as Record<string, unknown>;
      if (
        typeof mm?.content !== "string" ||
        !["system", "user", "assistant"].includes(String(mm.role))
      ) {
        problems.push(`${where}.messages: each needs role (system|user|assistant) and content`);
        return null;
      }
      msgs.push({ role: mm.role as ChatMessage["role"], content: mm.content });
    }
    // A trailing assistant message is the reference answer: its length becomes max_tokens.
    const last = msgs.at(-1);
    if (last?.role === "assistant" && msgs.length > 1)
      return {
        messages: msgs.slice(0, -1),
        outputTokens: Math.max(1, Math.round(last.content.length / CHARS_PER_TOKEN)),
      };
    return { messages: msgs, outputTokens: null };
  }
  if (Array.isArray(o.conversations)) {
    // ShareGPT: the first human turn is the prompt, the reply after it the reference answer.
    const turns = (o.conversations as unknown[]).map((t) => t as Record<string, unknown>);
    const i = turns.findIndex((t) => SHAREGPT_ROLES[String(t?.from)] === "user");
    if (i < 0 || typeof turns[i]!.value !== "string") return null; // no prompt: skipped, as vLLM's loader does
    const answer = turns[i + 1];
    const out =
      answer &&
      typeof answer.value === "string" &&
      SHAREGPT_ROLES[String(answer.from)] === "assistant"
        ? Math.max(1, Math.round(answer.value.length / CHARS_PER_TOKEN))
        : null;
    return { messages: [{ role: "user", content: turns[i]!.value as string }], outputTokens: out };
  }
  problems.push(`${where}: needs "prompt", "messages" or "conversations" (ShareGPT)`);
  return null;
}

/** Reads a JSONL file (one entry per line) or a JSON array (ShareGPT's published files). */
export function loadDataset(file: string): DatasetEntry[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new BenchInputError([
      `--dataset: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    ]);
  }
  const problems: string[] = [];
  const entries: DatasetEntry[] = [];
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[")) {
    let arr: unknown;
    try {
      arr = JSON.parse(trimmed);
    } catch (err) {
      throw new BenchInputError([`--dataset: ${file}: not valid JSON: ${(err as Error).message}`]);
    }
    (arr as unknown[]).forEach((v, i) => {
      const e = entryFrom(v, `--dataset ${file}[${i}]`, problems);
      if (e) entries.push(e);
    });
  } else {
    text.split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        problems.push(`--dataset ${file}:${i + 1}: not valid JSON`);
        return;
      }
      const e = entryFrom(v, `--dataset ${file}:${i + 1}`, problems);
      if (e) entries.push(e);
    });
  }
  if (problems.length > 0) throw new BenchInputError(problems.slice(0, 20));
  if (entries.length === 0)
    throw new BenchInputError([`--dataset: ${file} holds no usable prompt`]);
  return entries;
}

// Short common words: about one token each in the BPE vocabularies of the catalog's models.
const WORDS =
  "the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three".split(
    " ",
  );

/** A prompt of about `tokens` tokens of plain words (seeded). */
export function synthesizePrompt(tokens: number, random: () => number): string {
  const words: string[] = new Array(tokens);
  for (let i = 0; i < tokens; i++) words[i] = WORDS[Math.floor(random() * WORDS.length)]!;
  return words.join(" ");
}

export type WorkloadArgs =
  | { kind: "synthetic"; input: Distribution; output: Distribution; seed: number }
  | { kind: "dataset"; entries: DatasetEntry[]; output: Distribution | null; seed: number };

/**
 * An endless, seeded source of requests. Synthetic prompts are pre-built in a ring of 256 so that
 * generating them never costs time inside the load loop.
 */
export function createWorkload(args: WorkloadArgs): () => RequestSpec {
  const random = createRandom(args.seed);
  if (args.kind === "synthetic") {
    const ring: RequestSpec[] = [];
    for (let i = 0; i < 256; i++)
      ring.push({
        messages: [
          { role: "user", content: synthesizePrompt(sampleLength(args.input, random), random) },
        ],
        maxTokens: sampleLength(args.output, random),
      });
    let i = 0;
    return () => ring[i++ % ring.length]!;
  }
  let i = 0;
  const { entries, output } = args;
  return () => {
    const e = entries[i++ % entries.length]!;
    return {
      messages: e.messages,
      maxTokens: output ? sampleLength(output, random) : (e.outputTokens ?? 256),
    };
  };
}
