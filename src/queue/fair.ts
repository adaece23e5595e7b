import type { RedisKeys } from "./keys.ts";
import type { ScriptedRedis } from "./scripts.ts";

/**
 * Fair share of build slots between installations, on BullMQ priorities (see the FAIR_ASSIGN
 * script for the rule). `assign` gives a new build its priority; `started` records each start.
 */
export function fairScheduler(redis: ScriptedRedis, keys: RedisKeys) {
  return {
    assign: (installationId: number) =>
      redis.slipwayFairAssign(
        keys.fair,
        keys.prioritized,
        keys.active,
        keys.delayed,
        installationId,
      ),
    started: async (priority: number | undefined) => {
      if (priority !== undefined && priority > 0)
        await redis.slipwayFairStarted(keys.fair, priority);
    },
  };
}

export type FairScheduler = ReturnType<typeof fairScheduler>;
