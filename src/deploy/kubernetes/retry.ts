import { setTimeout as sleep } from "node:timers/promises";

export interface RetryOptions {
  /** Tries in all (default 4). */
  attempts?: number;
  /** The first wait; each next one doubles (default 250 ms: 250, 500, 1000). */
  baseMs?: number;
  /** Stops waiting (and trying) when it fires; the last error is thrown. */
  signal?: AbortSignal;
  retryable: (error: unknown) => boolean;
}

/**
 * Runs `task`, and again after a doubling backoff while it fails with a retryable error. Throws
 * the last error once the attempts are spent, the error is final, or the signal fires.
 */
export async function withRetry<T>(task: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 4;
  const baseMs = options.baseMs ?? 250;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await task();
    } catch (error) {
      const last = attempt >= attempts || options.signal?.aborted === true;
      if (last || !options.retryable(error)) throw error;
      const waited = await sleep(baseMs * 2 ** (attempt - 1), true, {
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }).catch(() => false);
      if (!waited) throw error;
    }
  }
}
