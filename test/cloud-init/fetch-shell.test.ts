// cloud-init/fetch.ts: the one shell a download container runs, shared by the Kubernetes init
// container and the Docker target's download one-shots (gpufleet-fetch.py itself is exercised
// under real Python in fetch.test.ts).
import { describe, expect, it } from "vitest";
import { fetchShell } from "../../cloud-init/fetch";
import { cachePathOf, markerOf } from "../../cloud-init/layout";
import type { Download } from "../../cloud-init/replicas";

function download(kind: Download["kind"], source: string, file = "-"): Download {
  const label = file === "-" ? source : `${source}/${file}`;
  return {
    kind,
    source,
    file,
    cachePath: cachePathOf(kind, source),
    marker: markerOf(label),
    gated: false,
    sizeGiB: 16,
    image: "-",
    label,
  };
}

describe("fetchShell", () => {
  it.each([
    [
      download("hf", "Qwen/Qwen2.5-7B-Instruct"),
      "set -e; [ -f /models/.gpufleet/Qwen--Qwen2.5-7B-Instruct.complete ] && exit 0; python3 /f/gpufleet-fetch.py snapshot Qwen/Qwen2.5-7B-Instruct; mkdir -p /models/.gpufleet; touch /models/.gpufleet/Qwen--Qwen2.5-7B-Instruct.complete",
    ],
    [
      download(
        "gguf",
        "Vikhrmodels/QVikhr-3-8B-Instruction-GGUF",
        "QVikhr-3-8B-Instruction-Q8_0.gguf",
      ),
      "set -e; [ -f /models/.gpufleet/Vikhrmodels--QVikhr-3-8B-Instruction-GGUF--QVikhr-3-8B-Instruction-Q8_0.gguf.complete ] && exit 0; python3 /f/gpufleet-fetch.py gguf Vikhrmodels/QVikhr-3-8B-Instruction-GGUF QVikhr-3-8B-Instruction-Q8_0.gguf /models/gguf; mkdir -p /models/.gpufleet; touch /models/.gpufleet/Vikhrmodels--QVikhr-3-8B-Instruction-GGUF--QVikhr-3-8B-Instruction-Q8_0.gguf.complete",
    ],
    [
      download("ollama", "qwen3:8b"),
      "set -e; [ -f /models/.gpufleet/qwen3_8b.complete ] && exit 0; (ollama serve >/dev/null 2>&1 &) && sleep 5 && ollama pull qwen3:8b; mkdir -p /models/.gpufleet; touch /models/.gpufleet/qwen3_8b.complete",
    ],
  ])("download %#", (d, expected) => {
    expect(fetchShell(d, "/f/gpufleet-fetch.py")).toBe(expected);
  });

  it("quotes a word the shell would split or expand, installs nothing", () => {
    const text = fetchShell(download("hf", "o/r$(id) x"), "/f/gpufleet-fetch.py");
    expect(text).toContain("snapshot 'o/r$(id) x';");
    expect(text).not.toMatch(/\bpip\b/);
  });
});
