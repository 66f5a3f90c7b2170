import { describe, expect, it } from "vitest";
import { findModel, MODELS } from "../../planner/catalog/models";
import { MODEL_PRIORITY, TASK_MODEL_PRIORITY } from "../../planner/policy";
import { QUANTIZATIONS, type ModelSpec } from "../../planner/types";

/**
 * Parameters implied by the architecture (dense decoder, gated MLP; norms and biases ignored),
 * billions.
 */
function derivedParamsB(m: ModelSpec): number {
  const a = m.arch;
  const headDim = a.head_dim ?? a.hidden_size / a.num_attention_heads;
  const qDim = a.num_attention_heads * headDim;
  const kvDim = a.num_key_value_heads * headDim;
  const attention = a.hidden_size * qDim * 2 + a.hidden_size * kvDim * 2; // q, o + k, v
  // Encoders (BERT, XLM-R): up + down MLP, learned positions, no LM head. Decoders: gate, up, down;
  // LM head unless tied.
  const encoder = /bert|roberta/.test(a.model_type);
  const mlp = (encoder ? 2 : 3) * a.hidden_size * a.intermediate_size;
  const embed = encoder
    ? (a.vocab_size + a.max_position_embeddings) * a.hidden_size
    : a.vocab_size * a.hidden_size * (a.tie_word_embeddings ? 1 : 2);
  return (embed + a.num_hidden_layers * (attention + mlp)) / 1e9;
}

const byId = new Map(MODELS.map((m) => [m.id, m]));

describe("model catalog", () => {
  it("has the models the design names", () => {
    for (const id of [
      "Vikhrmodels/QVikhr-3-4B-Instruction",
      "Vikhrmodels/QVikhr-3-8B-Instruction",
      "IlyaGusev/saiga_mistral_7b",
      "IlyaGusev/saiga_llama3_8b",
      "IlyaGusev/saiga_nemo_12b",
      "IlyaGusev/saiga_gemma3_27b",
      "Qwen/Qwen2.5-0.5B-Instruct",
      "Qwen/Qwen2.5-1.5B-Instruct",
      "Qwen/Qwen2.5-72B-Instruct",
      "meta-llama/Llama-3.3-70B-Instruct",
    ]) {
      expect(byId.has(id), id).toBe(true);
    }
  });

  it("ids and served names are unique", () => {
    expect(new Set(MODELS.map((m) => m.id.toLowerCase())).size).toBe(MODELS.length);
    expect(new Set(MODELS.map((m) => m.servedName)).size).toBe(MODELS.length);
  });

  describe.each(MODELS.map((m) => [m.id, m] as const))("%s", (_id, m) => {
    const a = m.arch;

    it("served name is lowercase and DNS-safe (RFC 1123 subdomain, one label's length)", () => {
      expect(m.servedName).toMatch(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/);
      expect(m.servedName).not.toMatch(/\.\.|\.-|-\./);
      expect(m.servedName.length).toBeLessThanOrEqual(63);
    });

    it("attention heads divide into kv groups and a whole head size", () => {
      expect(a.num_key_value_heads).toBeGreaterThan(0);
      expect(a.num_attention_heads % a.num_key_value_heads).toBe(0);
      if (a.head_dim === undefined) {
        expect(a.hidden_size % a.num_attention_heads).toBe(0);
      } else {
        expect(Number.isInteger(a.head_dim)).toBe(true);
        expect(a.head_dim % 8).toBe(0);
      }
      expect(a.architectures.length).toBeGreaterThan(0);
    });

    // The brief asked for 15 %; every entry lands within 0.4 % (paramsB has 3 significant figures),
    // so 2 % is used:
    // it still tolerates rounding and catches a typo in kv heads, head_dim, intermediate size or
    // tying.
    it("paramsB is within 2 % of the count the architecture implies", () => {
      const textParamsB = m.paramsB - (m.extraParamsB ?? 0);
      const derived = derivedParamsB(m);
      expect(
        Math.abs(derived - textParamsB) / textParamsB,
        `derived ${derived.toFixed(3)}B`,
      ).toBeLessThan(0.02);
      if (m.activeParamsB !== undefined) expect(m.activeParamsB).toBeLessThanOrEqual(m.paramsB);
    });

    it("sliding-window fields are consistent", () => {
      if (
        a.sliding_window_pattern !== undefined ||
        a.layer_types !== undefined ||
        a.use_sliding_window === true
      ) {
        expect(a.sliding_window).toBeGreaterThan(0);
      }
      if (a.sliding_window_pattern !== undefined)
        expect(a.sliding_window_pattern).toBeGreaterThan(1);
      if (a.layer_types !== undefined) expect(a.layer_types).toHaveLength(a.num_hidden_layers);
      // Qwen2 configs carry an inactive window larger than the context (131072 > 32768); only
      // active windows must fit.
      if (typeof a.sliding_window === "number" && a.use_sliding_window !== false) {
        expect(a.sliding_window).toBeLessThanOrEqual(a.max_position_embeddings);
      }
    });

    it("artifacts are well-formed", () => {
      const { gguf, ollama, ...repos } = m.artifacts;
      for (const repo of Object.values(repos)) expect(repo).toMatch(/^[\w.-]+\/[\w.-]+$/);
      if (gguf) {
        expect(gguf.repo).toMatch(/^[\w.-]+\/[\w.-]+$/);
        expect(gguf.file).toMatch(/\.gguf$/);
        expect(gguf.quantization.startsWith("gguf-")).toBe(true);
        expect(QUANTIZATIONS).toContain(gguf.quantization);
      }
      if (ollama) {
        expect(ollama.tag).toMatch(/^[a-z0-9][\w.-]*:[\w.-]+$/);
        expect(ollama.quantization.startsWith("gguf-")).toBe(true);
        expect(QUANTIZATIONS).toContain(ollama.quantization);
      }
    });

    it("names where its figures come from", () => {
      expect(m.source).toContain("huggingface.co");
      expect(m.source).toContain("2026-11-21");
    });

    it("is gated exactly when its publisher gates (meta-llama, google/gemma, mistralai)", () => {
      expect(m.gated).toBe(/^(meta-llama|google|mistralai)\//.test(m.id));
    });

    it("fine-tunes share their base's architecture when both are catalogued", () => {
      const base = m.baseModel === undefined ? undefined : byId.get(m.baseModel);
      if (base) expect(a).toEqual(base.arch);
    });
  });

  it("reasoning families", () => {
    for (const m of MODELS) {
      // Chat models of the Qwen3 family think; Qwen3-Embedding shares the architecture but emits no
      // text.
      const qwen3 = m.arch.model_type === "qwen3" && (m.task ?? "chat") === "chat";
      expect(m.reasoning === "qwen3", m.id).toBe(qwen3);
      expect(m.reasoning === "deepseek_r1", m.id).toBe(m.id.includes("DeepSeek-R1"));
    }
  });

  it("knows head_dim where it differs from hidden/heads", () => {
    expect(byId.get("google/gemma-3-27b-it")?.arch.head_dim).toBe(128); // 5376 / 32 would be 168
    expect(byId.get("google/gemma-3-27b-it")?.arch.sliding_window_pattern).toBe(6);
    expect(byId.get("Qwen/Qwen3-32B")?.arch.head_dim).toBe(128); // 5120 / 64 would be 80
    expect(byId.get("IlyaGusev/saiga_nemo_12b")?.arch.head_dim).toBe(128); // 5120 / 32 would be 160
  });

  it("points the saiga_mistral_7b LoRA repo at merged weights", () => {
    expect(byId.get("IlyaGusev/saiga_mistral_7b")?.artifacts.hf).toBe(
      "IlyaGusev/saiga_mistral_7b_merged",
    );
  });
});

describe("automatic model choice", () => {
  it("lists only catalog models whose repository was confirmed: an automatic choice must download at boot", () => {
    const listed = [...Object.values(MODEL_PRIORITY), ...Object.values(TASK_MODEL_PRIORITY)].flat();
    expect(listed.length).toBeGreaterThan(10);
    for (const id of listed) {
      const m = byId.get(id);
      expect(m, id).toBeDefined();
      expect(m!.unconfirmed, id).toBeUndefined();
    }
    // The unconfirmed seed model is still in the catalog, for a pin.
    expect(byId.get("IlyaGusev/saiga_gemma3_27b")?.unconfirmed).toMatch(/could not be confirmed/);
  });
});

describe("findModel", () => {
  it("finds by exact HF id, case-insensitively", () => {
    expect(findModel("Qwen/Qwen2.5-7B-Instruct")?.servedName).toBe("qwen2.5-7b-instruct");
    expect(findModel("qwen/qwen2.5-7b-instruct")?.id).toBe("Qwen/Qwen2.5-7B-Instruct");
    expect(findModel("  IlyaGusev/saiga_nemo_12b ")?.servedName).toBe("saiga-nemo-12b");
  });

  it("finds by served name", () => {
    expect(findModel("saiga-nemo-12b")?.id).toBe("IlyaGusev/saiga_nemo_12b");
    expect(findModel("qwen3-8b")?.id).toBe("Qwen/Qwen3-8B");
    expect(findModel("QVIKHR-3-8B-INSTRUCTION")?.id).toBe("Vikhrmodels/QVikhr-3-8B-Instruction");
  });

  it("does not match partial names", () => {
    expect(findModel("Qwen2.5-7B")).toBeUndefined();
    expect(findModel("Qwen/Qwen2.5-7B")).toBeUndefined();
    expect(findModel("qwen2.5")).toBeUndefined();
    expect(findModel("")).toBeUndefined();
  });

  it("searches extra models first", () => {
    const base = findModel("qwen3-8b");
    expect(base).toBeDefined();
    const mine: ModelSpec = { ...base!, id: "me/my-qwen3", servedName: "qwen3-8b" };
    expect(findModel("qwen3-8b", [mine])?.id).toBe("me/my-qwen3");
    expect(findModel("me/MY-QWEN3", [mine])?.id).toBe("me/my-qwen3");
    expect(findModel("Qwen/Qwen3-8B", [mine])?.id).toBe("Qwen/Qwen3-8B");
  });
});
