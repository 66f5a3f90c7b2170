// Issue 11 item 8: the boot installs nothing. gpufleet-fetch.py (the only code of a model download
// on EC2 hosts) under real Python: a GGUF file over HTTP from a local stand-in Hub, with the token
// kept off redirects and a broken download resumed; an HF snapshot through the huggingface_hub of
// the image it runs in (here a stand-in module that records the call).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOST_PATH, requireTool, tempDir } from "../tools";

const FETCH = join(__dirname, "../../cloud-init/scripts/gpufleet-fetch.py");
/** A 48-character token as RandomPassword makes them (letters and digits). */
const TOKEN = "hfAbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghij".slice(0, 48);
const BODY = Buffer.from(Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, i) => (i * 31) % 251));

interface Seen {
  path: string;
  authorization: string | undefined;
  range: string | undefined;
}
let hub: Server;
let storage: Server;
let hubUrl = "";
const seen: { hub: Seen[]; storage: Seen[] } = { hub: [], storage: [] };
const record = (req: IncomingMessage): Seen => ({
  path: req.url ?? "",
  authorization: req.headers.authorization,
  range: req.headers.range,
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  requireTool("python3");
  // The storage host a Hub download is redirected to: serves BODY, honours Range.
  storage = createServer((req, res) => {
    seen.storage.push(record(req));
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const from = m ? Number(m[1]) : 0;
    res.writeHead(m ? 206 : 200, { "content-length": String(BODY.length - from) });
    res.end(BODY.subarray(from));
  });
  const storagePort = await listen(storage);
  hub = createServer((req, res) => {
    seen.hub.push(record(req));
    if (req.url === "/owner/repo-GGUF/resolve/main/model-Q4_K_M.gguf") {
      res.writeHead(302, { location: `http://127.0.0.1:${storagePort}/blob?signed=1` });
      res.end();
    } else {
      res.writeHead(404);
      res.end("not found");
    }
  });
  hubUrl = `http://127.0.0.1:${await listen(hub)}`;
});

afterAll(async () => {
  await new Promise((r) => hub?.close(r));
  await new Promise((r) => storage?.close(r));
});

function python(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("python3", [FETCH, ...args], {
      env: { PATH: HOST_PATH, ...env },
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (status) => resolve({ status, output }));
  });
}

describe("gpufleet-fetch.py gguf (standard library only)", () => {
  it.each([
    ["HF_TOKEN", (_dir: string) => ({ HF_TOKEN: TOKEN })],
    [
      // The docker target's 0400 secret file, as the operator writes it (`cat > hf-token`): a
      // trailing newline.
      "the file HF_TOKEN_PATH names",
      (dir: string) => {
        writeFileSync(join(dir, "hf-token"), `${TOKEN}\n`, { mode: 0o400 });
        return { HF_TOKEN_PATH: join(dir, "hf-token") };
      },
    ],
  ])(
    "downloads the file, sending the token (%s) to the Hub and never to the storage host it redirects to",
    async (_from, token) => {
      const dir = tempDir("fetch");
      seen.hub.length = seen.storage.length = 0;
      const r = await python(["gguf", "owner/repo-GGUF", "model-Q4_K_M.gguf", join(dir, "gguf")], {
        HF_ENDPOINT: hubUrl,
        ...token(dir),
      });
      expect(r.status, r.output).toBe(0);
      expect(readFileSync(join(dir, "gguf/model-Q4_K_M.gguf")).equals(BODY)).toBe(true);
      expect(existsSync(join(dir, "gguf/model-Q4_K_M.gguf.part"))).toBe(false);
      expect(seen.hub.map((s) => s.authorization)).toEqual([`Bearer ${TOKEN}`]);
      expect(seen.storage.map((s) => s.authorization)).toEqual([undefined]);
      expect(r.output).not.toContain(TOKEN);
      rmSync(dir, { recursive: true, force: true });
    },
  );

  it("sends no token when HF_TOKEN_PATH names no file", async () => {
    const dir = tempDir("fetch");
    seen.hub.length = 0;
    const r = await python(["gguf", "owner/repo-GGUF", "model-Q4_K_M.gguf", join(dir, "gguf")], {
      HF_ENDPOINT: hubUrl,
      HF_TOKEN_PATH: join(dir, "absent"),
    });
    expect(r.status, r.output).toBe(0);
    expect(seen.hub.map((s) => s.authorization)).toEqual([undefined]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("resumes a broken download from its .part file", async () => {
    const dir = tempDir("fetch");
    mkdirSync(join(dir, "gguf"));
    const have = 1024 * 1024 + 5;
    writeFileSync(join(dir, "gguf/model-Q4_K_M.gguf.part"), BODY.subarray(0, have));
    seen.storage.length = 0;
    const r = await python(["gguf", "owner/repo-GGUF", "model-Q4_K_M.gguf", join(dir, "gguf")], {
      HF_ENDPOINT: hubUrl,
    });
    expect(r.status, r.output).toBe(0);
    expect(seen.storage.map((s) => s.range)).toEqual([`bytes=${have}-`]);
    expect(readFileSync(join(dir, "gguf/model-Q4_K_M.gguf")).equals(BODY)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });

  it("fails (exit non-zero, no file) on a file the Hub does not have, and sends no token without one", async () => {
    const dir = tempDir("fetch");
    seen.hub.length = 0;
    const r = await python(["gguf", "owner/repo-GGUF", "missing.gguf", join(dir, "gguf")], {
      HF_ENDPOINT: hubUrl,
    });
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/404/);
    expect(existsSync(join(dir, "gguf/missing.gguf"))).toBe(false);
    expect(seen.hub.map((s) => s.authorization)).toEqual([undefined]);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("gpufleet-fetch.py snapshot (the engine image's huggingface_hub)", () => {
  it("calls snapshot_download for the repo without the original/ checkpoints, and installs nothing", async () => {
    const dir = tempDir("fetch");
    // A stand-in for the engine image's library: records how it was called.
    mkdirSync(join(dir, "huggingface_hub"));
    writeFileSync(
      join(dir, "huggingface_hub/__init__.py"),
      "import json, os\n" +
        "def snapshot_download(repo_id, **kw):\n" +
        "    open(os.environ['RECORD'], 'w').write(json.dumps({'repo_id': repo_id, **kw}))\n",
    );
    const r = await python(["snapshot", "Vikhrmodels/QVikhr-3-8B-Instruction"], {
      PYTHONPATH: dir,
      RECORD: join(dir, "call.json"),
    });
    expect(r.status, r.output).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "call.json"), "utf8"))).toEqual({
      repo_id: "Vikhrmodels/QVikhr-3-8B-Instruction",
      ignore_patterns: ["original/*"],
    });
    expect(readFileSync(FETCH, "utf8")).not.toMatch(/\bpip\b|subprocess/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses anything but its two forms", async () => {
    expect((await python(["snapshot"], {})).status).toBe(2);
    expect((await python(["gguf", "a/b", "c.gguf"], {})).status).toBe(2);
  });
});
