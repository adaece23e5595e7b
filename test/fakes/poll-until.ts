import { setTimeout as sleep } from "node:timers/promises";

/**
 * Polls `predicate` until it returns something other than `undefined`/`false`. Like vi.waitFor,
 * a throwing predicate is retried; on timeout the error says `explain()` (what the fake saw)
 * with the predicate's last error as its cause.
 */
export async function pollUntil<T>(
  predicate: () => T | undefined | false,
  options: { timeoutMs: number; intervalMs: number; explain: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = predicate();
      if (value !== undefined && value !== false) return value;
    } catch (cause) {
      lastError = cause;
    }
    if (Date.now() >= deadline) break;
    await sleep(options.intervalMs);
  }
  throw new Error(options.explain(), lastError === undefined ? {} : { cause: lastError });
}
