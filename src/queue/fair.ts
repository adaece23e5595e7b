import type { RedisKeys } from "./keys.ts";
import type { ScriptedRedis } from "./scripts.ts";

export type FairQueue = "events" | "builds";

/**
 * Fair share of a queue's slots between installations, on BullMQ priorities (see FAIR_ASSIGN in
 * scripts.ts for the rule). `assign` gives a new job its priority; `started` and `forget` take
 * a job out of its installation's waiting set when it starts or is cancelled.
 */
export function fairScheduler(redis: ScriptedRedis, keys: RedisKeys, queue: FairQueue) {
  const base = keys.fair(queue);
  const queueKey = keys.queue(queue);
  return {
    assign: (installationId: number, member: string) =>
      redis.slipwayFairAssign(base, queueKey, installationId, member),
    started: async (installationId: number, member: string, priority: number | undefined) => {
      await redis.slipwayFairDone(base, installationId, member, priority ?? 0);
    },
    forget: async (installationId: number, member: string) => {
      await redis.slipwayFairDone(base, installationId, member, 0);
    },
  };
}

export type FairScheduler = ReturnType<typeof fairScheduler>;
