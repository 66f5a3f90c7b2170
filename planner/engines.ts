// Engine facts, support rules and launch arguments, re-exported from where each lives:
// catalog/engines.ts (the catalog), support.ts (what runs where), launch/ (how it starts).
export {
  ENGINES,
  isGgufEngine,
  needsIpcHost,
  type EngineSpec,
  type KvRule,
} from "./catalog/engines";
export {
  ccValue,
  checkEngineSupport,
  computeDtype,
  imageFor,
  refusesFp16,
  supportedKvCacheDtypes,
  supportedQuantizations,
  tensorParallelOptions,
  tensorParallelProblem,
  type SupportQuery,
} from "./support";
export { buildLaunch, floor2, memoryKnobFor } from "./launch";
