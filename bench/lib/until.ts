/**
 * Polls `predicate` every `everyMs` until it returns something other than `undefined`/`false`;
 * rejects with `what` after `timeoutMs`.
 */
export async function until<T>(
  predicate: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs: number; everyMs?: number; what: string },
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value !== undefined && value !== false) return value;
    if (performance.now() >= deadline) {
      throw new Error(`bench: timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 10));
  }
}
