// A stack with two multi-node EC2 pools (EFA and TCP) beside a single-node one, for the mocked
// program (test/components/multinode.test.ts) and the monitoring check (test/cloud-init).
import { LLAMA_405B, QWEN3_235B } from "../planner/big-models";
import { SECRETS } from "./harness";

const MODELS = [LLAMA_405B, QWEN3_235B].map((m) => ({
  id: m.id,
  gated: m.gated,
  ...(m.id === QWEN3_235B.id ? { paramsB: 235.09, activeParamsB: 22.14 } : {}),
  config: { ...m.arch },
}));

export const MULTI_NODE_STACK = {
  hfToken: SECRETS.hfToken,
  models: MODELS,
  monitoring: { enabled: false },
  pools: [
    { name: "small", instanceType: "g5.xlarge", model: "auto", engine: "auto" },
    {
      name: "big",
      instanceType: "p5.48xlarge",
      count: 4,
      model: LLAMA_405B.id,
      quantization: "none",
    },
    {
      name: "tcp",
      instanceType: "g6.48xlarge",
      count: 4,
      model: QWEN3_235B.id,
      quantization: "fp8",
    },
  ],
};
