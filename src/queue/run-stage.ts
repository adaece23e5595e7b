import type { Logger } from "pino";
import type { StageContext } from "./stage-context.ts";

export type StageRun<T> =
  | { kind: "done"; value: T; durationMs: number }
  | { kind: "timed_out"; durationMs: number }
  | { kind: "cancelled"; durationMs: number };

const ABORTED = Symbol("aborted");

/**
 * Runs one stage under a timeout and the run's cancel signal. The stage gets a signal that fires
 * on either; if it ignores the signal, the run still moves on when it fires (a stage can never
 * hold a check run `in_progress` forever). Errors the stage throws propagate, unless the signal
 * had fired, in which case the abort explains them.
 */
export async function runStage<T>(
  options: { timeoutMs: number; cancel: AbortSignal; log: Logger; now: () => number },
  stage: (context: StageContext) => Promise<T>,
): Promise<StageRun<T>> {
  const { timeoutMs, cancel, log, now } = options;
  const started = now();
  const timeout = new AbortController();
  const timer = setTimeout(() => {
    timeout.abort(new Error(`stage timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const signal = AbortSignal.any([cancel, timeout.signal]);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    onAbort = () => {
      resolve(ABORTED);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    if (signal.aborted) resolve(ABORTED);
  });
  const stopped = (): StageRun<T> => ({
    kind: cancel.aborted ? "cancelled" : "timed_out",
    durationMs: now() - started,
  });
  // A function, not the property: TypeScript would keep its narrowing across the await.
  const isAborted = () => signal.aborted;
  try {
    if (isAborted()) return stopped(); // never start work for a run already cancelled
    const result = await Promise.race([stage({ signal, log }), aborted]);
    if (result === ABORTED || isAborted()) return stopped();
    return { kind: "done", value: result, durationMs: now() - started };
  } catch (error) {
    if (signal.aborted) return stopped();
    throw error;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}
