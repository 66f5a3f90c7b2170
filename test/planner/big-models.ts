// Models larger than any single host, for the multi-node planner's tests (test/kubernetes and
// test/planner): their config.json (calibration/architectures.ts) as the stack's gpufleet:models
// would give them.
import { LLAMA_31_405B, QWEN3_235B_A22B } from "../../calibration/architectures";
import { modelSchema, toModelSpec } from "../../config";

export const LLAMA_405B = toModelSpec(
  modelSchema.parse({
    id: "meta-llama/Llama-3.1-405B-Instruct",
    gated: true,
    config: LLAMA_31_405B,
  }),
  0,
);
// The 2507 Instruct release: 262144 positions; total/active parameters from its model card
// (huggingface.co, checked 2026-12-01).
const { paramsB: _qwenParams, ...qwen3Config } = QWEN3_235B_A22B;
export const QWEN3_235B = toModelSpec(
  modelSchema.parse({
    id: "Qwen/Qwen3-235B-A22B-Instruct-2507",
    paramsB: 235.09,
    activeParamsB: 22.14,
    config: { ...qwen3Config, max_position_embeddings: 262144 },
  }),
  1,
);
export const BIG_MODELS = [LLAMA_405B, QWEN3_235B];
