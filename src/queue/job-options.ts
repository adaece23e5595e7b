import type { JobsOptions } from "bullmq";

export interface RetryPolicy {
  attempts: number;
  retryDelayMs: number;
}

/**
 * Options every Slipway job gets: exponential backoff for transient errors, and finished jobs
 * trimmed so Redis stays small (idempotency does not rely on them: delivery markers do).
 */
export function jobOptions(policy: RetryPolicy, jobId: string): JobsOptions {
  return {
    jobId,
    attempts: policy.attempts,
    backoff: { type: "exponential", delay: policy.retryDelayMs },
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
  };
}

/** BullMQ refuses ':' in custom ids; delivery ids are UUIDs, so this only guards odd input. */
export function jobId(kind: string, key: string): string {
  return `${kind}-${key.replaceAll(":", "_")}`;
}
