// The memory model's building blocks against figures engines print.
import { describe, expect, it } from "vitest";
import { findModel } from "../../planner/catalog/models";
import {
  GiB,
  V1_SAMPLER_BYTES,
  activationBytes,
  attentionLayers,
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
  it("V1: the sampler warm-up over max_num_seqs × vocab dominates on big batches (H100 logs 4.76 GiB for Llama-3.1-8B)", () => {
    const a = model("meta-llama/Llama-3.1-8B-Instruct").arch;
    const v1 = activationBytes({
      engine: "vllm",
      arch: a,
      tp: 1,
      maxNumBatchedTokens: 8192,
      maxNumSeqs: 1024,
      dtype: "bfloat16",
    });
    expect(v1).toBe(1024 * a.vocab_size * V1_SAMPLER_BYTES);
    expect(Math.abs(v1 / GiB - 4.76) / 4.76).toBeLessThan(0.02);
  });

  it("V0: the prefill chunk's MLP buffers, 3·I + 4·H per token (Qwen2.5-1.5B on a T4 logged 2.02 GiB at 32,768 tokens)", () => {
    const a = model("Qwen/Qwen2.5-1.5B-Instruct").arch;
    const v0 = activationBytes({
      engine: "vllm",
      arch: a,
      tp: 1,
      maxNumBatchedTokens: 32768,
      maxNumSeqs: 256,
      dtype: "float16",
      profile: "v0",
    });
    expect(Math.abs(v0 / GiB - 2.02) / 2.02).toBeLessThan(0.1);
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
