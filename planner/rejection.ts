// Why a combination was not planned, as data: the search collects these, the error messages and
// the plan's reasons read them by stage, never by searching their text.
import type { EngineId, KvCacheDtype, Quantization } from "./types";

/**
 * Where a combination failed: "pin" a pinned value that cannot hold for this model, "artifact" the
 * model has no weights in a format the engine loads, "support" the engine cannot run the
 * combination on this GPU, "fit" it runs but does not fit the memory budget.
 */
export type RejectionStage = "pin" | "artifact" | "support" | "fit";

export interface Rejection {
  stage: RejectionStage;
  /** Model id. */
  model: string;
  engine: EngineId;
  tp: number;
  quantization: Quantization | null;
  kvCacheDtype: KvCacheDtype | null;
  /** What is wrong, in a sentence a person reads (with what would work, where known). */
  message: string;
}

/** A rejection as one line of an error or a reason. */
export function describeRejection(r: Rejection): string {
  if (r.stage !== "fit") return r.message;
  return `${r.engine} ${r.quantization ?? "none"} kv ${r.kvCacheDtype ?? "auto"} TP ${r.tp}: ${r.message}`;
}

/** Each distinct line once, in order. */
export function describeRejections(rs: readonly Rejection[]): string[] {
  return [...new Set(rs.map(describeRejection))];
}
