// Types of what standin/engine.mjs exports for in-process use (tests).
export interface InProcessEngine {
  port: number;
  /** Each finished request's [ttftMs, e2eMs] by the engine's own clock. */
  timings: () => [number, number][];
  close: () => Promise<void>;
}

/** Starts the stand-in in this process with command-line style arguments. */
export function startEngine(argv: string[]): Promise<InProcessEngine>;
