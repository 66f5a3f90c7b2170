// The memory model's building blocks against figures engines print.
import { describe, expect, it } from "vitest";
import { findModel } from "../../planner/catalog/models";
import {
  GiB,
  accountingSource,
  activationBytes,
  attentionLayers,
  memoryAccounting,
  overheadGiB,
  parseRelease,
  kvBytesPerLayerToken,
  kvBytesPerSeqToken,
  weightBytes,
} from "../../planner/memory";
import type { ModelArchitecture } from "../../planner/types";

const model = (id: string) => {
  const m = findModel(id);
  if (!m) throw new Error(`${id} not in the catalog`);
  return m;
};

describe("KV bytes per token", () => {
  it("bf16: 2 × layers × KV heads × head_dim × 2 bytes (Llama-3.1-8B: 131,072 B; SGLang and vLLM logs agree within 1 %)", () => {
    const a = model("meta-llama/Llama-3.1-8B-Instruct").arch;
    expect(kvBytesPerSeqToken(a, "auto", "bfloat16", 1, 8192)).toBe(131072);
    // TP 2 halves the KV heads on each GPU.
    expect(kvBytesPerSeqToken(a, "auto", "bfloat16", 2, 8192)).toBe(65536);
  });

  it("fp8: one byte per element, no per-token scales (vllm-project/vllm#25350: 10.55 GiB held 230,528 tokens)", () => {
    // #25350 logs an fp8 KV cache of 10.55 GiB = 230,528 tokens for a 48-layer, 4-KV-head,
    // head_dim-128 model
    // (its 29.09 GiB of weights fit Qwen3-30B-A3B-FP8): 49,139 B/token against 48 × 4 × 128 × 2 × 1
    // = 49,152.
    const arch: ModelArchitecture = {
      architectures: ["Qwen3MoeForCausalLM"],
      model_type: "qwen3_moe",
      num_hidden_layers: 48,
      num_attention_heads: 32,
      num_key_value_heads: 4,
      head_dim: 128,
      hidden_size: 2048,
      intermediate_size: 6144,
      vocab_size: 151936,
      max_position_embeddings: 262144,
      torch_dtype: "bfloat16",
      tie_word_embeddings: false,
    };
    const perToken = kvBytesPerSeqToken(arch, "fp8", "bfloat16", 1, 100000);
    expect(perToken).toBe(49152);
    const logged = (10.55 * GiB) / 230528;
    expect(Math.abs(perToken - logged) / logged).toBeLessThan(0.005);
    expect(kvBytesPerLayerToken(arch, "fp8", "bfloat16", 1) * 2).toBe(
      kvBytesPerLayerToken(arch, "auto", "bfloat16", 1),
    );
  });

  it("sliding-window layers count at their window only under vLLM's hybrid manager", () => {
    const g = model("google/gemma-3-27b-it").arch;
    expect(attentionLayers(g)).toEqual({ full: 10, sliding: 52, window: 1024 });
    const full = kvBytesPerSeqToken(g, "auto", "bfloat16", 1, 32768, false);
    const hybrid = kvBytesPerSeqToken(g, "auto", "bfloat16", 1, 32768, true);
    expect(full).toBe(62 * 2 * 16 * 128 * 2);
    expect(hybrid).toBeLessThan(full / 3);
    // Qwen2 configs carry an inactive window: every layer is full attention.
    expect(attentionLayers(model("Qwen/Qwen2.5-7B-Instruct").arch).sliding).toBe(0);
  });
});

describe("weights", () => {
  it.each([
    // id, quantization, GiB as vLLM logged "Model loading took" (calibration cases)
    ["meta-llama/Llama-3.1-8B-Instruct", "none", 14.99],
    ["Qwen/Qwen2.5-32B-Instruct", "none", 30.71 * 2],
  ] as const)("%s %s ≈ %f GiB", (id, q, gib) => {
    expect(Math.abs(weightBytes(model(id), q, "bfloat16") / GiB - gib) / gib).toBeLessThan(0.02);
  });

  it("fp8 and AWQ quantize the linear layers only: embeddings stay in the model dtype", () => {
    const m = model("Qwen/Qwen2.5-7B-Instruct");
    const bf16 = weightBytes(m, "none", "bfloat16");
    const fp8 = weightBytes(m, "fp8", "bfloat16");
    const awq = weightBytes(m, "awq", "bfloat16");
    const embed = 2 * m.arch.vocab_size * m.arch.hidden_size * 2; // untied: embedding + LM head, 2 bytes
    expect(fp8).toBeGreaterThan(bf16 / 2);
    expect(fp8 - embed).toBeCloseTo((bf16 - embed) / 2, -6);
    expect(awq).toBeLessThan(fp8);
  });
});

describe("activations", () => {
  it("V1 ≤ 0.18: the sampler warm-up over max_num_seqs × vocab dominates on big batches (0.11 on H100 logs 4.76 GiB for Llama-3.1-8B)", () => {
    const a = model("meta-llama/Llama-3.1-8B-Instruct").arch;
    const v1 = activationBytes({
      engine: "vllm",
      arch: a,
      tp: 1,
      maxNumBatchedTokens: 8192,
      maxNumSeqs: 1024,
      dtype: "bfloat16",
      accounting: memoryAccounting("vllm", "0.11.0"),
    });
    expect(v1).toBe(1024 * a.vocab_size * 39);
    expect(Math.abs(v1 / GiB - 4.76) / 4.76).toBeLessThan(0.02);
  });

  it("V1 ≥ 0.19: the smaller sampler warm-up (0.19 on H100 logs 1.89 GiB for Llama-3.1-8B at the same settings)", () => {
    const a = model("meta-llama/Llama-3.1-8B-Instruct").arch;
    const v = activationBytes({
      engine: "vllm",
      arch: a,
      tp: 1,
      maxNumBatchedTokens: 8192,
      maxNumSeqs: 1024,
      dtype: "bfloat16",
      accounting: memoryAccounting("vllm", "0.19.0"),
    });
    expect(v / GiB).toBeGreaterThanOrEqual(1.89);
    expect(v / GiB).toBeLessThan(1.89 * 1.05);
  });

  it("V0: the prefill chunk's MLP buffers only, 3·I + 4·H per token (Qwen2.5-1.5B on a T4 logged 2.02 GiB at 32,768 tokens; Llama-3.1-8B 0.06 GiB at 512)", () => {
    const q = model("Qwen/Qwen2.5-1.5B-Instruct").arch;
    const v0 = (arch: ModelArchitecture, tokens: number) =>
      activationBytes({
        engine: "vllm",
        arch,
        tp: 1,
        maxNumBatchedTokens: tokens,
        maxNumSeqs: 256,
        dtype: "float16",
        accounting: memoryAccounting("vllm", "0.7.2"),
      });
    expect(Math.abs(v0(q, 32768) / GiB - 2.02) / 2.02).toBeLessThan(0.01);
    const l = model("meta-llama/Llama-3.1-8B-Instruct").arch;
    expect(Math.abs(v0(l, 512) / GiB - 0.06)).toBeLessThan(0.01);
  });

  it("pooling models run the forward pass only", () => {
    const a = model("BAAI/bge-m3").arch;
    const p = activationBytes({
      engine: "vllm",
      arch: a,
      tp: 1,
      maxNumBatchedTokens: 8192,
      maxNumSeqs: 64,
      dtype: "float16",
      pooling: true,
    });
    expect(p).toBe(8192 * (3 * a.intermediate_size + 4 * a.hidden_size) * 2);
  });
});

describe("memory accounting by engine release", () => {
  it("reads release numbers from tags and log text", () => {
    expect(parseRelease("v0.31.0")).toEqual([0, 31, 0]);
    expect(parseRelease("0.6.4.post1")).toEqual([0, 6, 4]);
    expect(parseRelease("vllm/vllm-openai:v0.19")).toEqual([0, 19, 0]);
    expect(parseRelease("latest")).toBeNull();
    expect(() => memoryAccounting("vllm", "latest")).toThrow(RangeError);
  });

  it.each([
    // release, profile, sampler bytes, graphs inside the budget, NCCL inside the budget
    ["0.6.4", "v0", 0, false, true],
    ["0.7.3", "v0", 0, false, true],
    ["0.8.4", "v1", 39, false, true],
    ["0.11.0", "v1", 39, false, true],
    ["0.12.0", "v1", 39, false, false],
    ["0.19.0", "v1", 16, false, false],
    ["0.20.9", "v1", 16, false, false],
    ["0.21.0", "v1", 16, true, false],
    ["0.31.0", "v1", 16, true, false],
  ] as const)(
    "vLLM %s: %s profile, sampler %d B, graphs in budget %s, NCCL in budget %s",
    (release, profile, sampler, graphs, nccl) => {
      const acc = memoryAccounting("vllm", release);
      expect(acc.release).toBe(release);
      expect(acc.profile).toBe(profile);
      expect(acc.samplerBytes).toBe(sampler);
      expect(acc.graphsGiB > 0).toBe(graphs);
      const tp2 = overheadGiB({
        engine: "vllm",
        tp: 2,
        nvlink: false,
        eager: false,
        accounting: acc,
      });
      const tp1 = overheadGiB({
        engine: "vllm",
        tp: 1,
        nvlink: false,
        eager: false,
        accounting: acc,
      });
      const nvlink = overheadGiB({
        engine: "vllm",
        tp: 2,
        nvlink: true,
        eager: false,
        accounting: acc,
      });
      expect(nvlink > tp1).toBe(nccl);
      expect(tp2).toBeGreaterThanOrEqual(tp1);
      expect(accountingSource("vllm", release).length).toBeGreaterThan(60);
    },
  );

  it("without a release, the newest modelled one (the pinned images' accounting)", () => {
    expect({ ...memoryAccounting("vllm"), release: "" }).toEqual({
      ...memoryAccounting("vllm", "0.31.0"),
      release: "",
    });
  });

  it("fixed overheads at small settings stay small: vLLM ≥ 0.21 at TP 2 over PCIe counts ≤ 1 GiB per GPU", () => {
    // Issue 13: the model counted 1–1.5 GiB too much on 24 GB cards with TP over PCIe.
    const o = overheadGiB({ engine: "vllm", tp: 2, nvlink: false, eager: false });
    expect(o).toBeLessThanOrEqual(1);
    // Eager mode captures no graphs.
    expect(overheadGiB({ engine: "vllm", tp: 2, nvlink: false, eager: true })).toBeLessThan(o);
  });

  it("GGUF engines capture no CUDA graphs", () => {
    expect(memoryAccounting("llamacpp").graphsGiB).toBe(0);
    expect(memoryAccounting("ollama").graphsGiB).toBe(0);
  });
});
