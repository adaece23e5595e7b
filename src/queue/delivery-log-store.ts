import type { Redis } from "ioredis";
import type { RedisKeys } from "./keys.ts";

/** GitHub keeps deliveries for a few days; asking twice within a week is never needed. */
const ASKED_TTL_MS = 7 * 24 * 3600 * 1000;

/** What the recovery job remembers: the newest delivery it has seen, and what it asked for. */
export function deliveryLogStore(redis: Redis, keys: RedisKeys, now: () => number) {
  const lastSeenKey = `${keys.prefix}:hooks:last-seen`;
  const askedKey = `${keys.prefix}:hooks:asked`;
  return {
    lastSeen: async () => Number((await redis.get(lastSeenKey)) ?? "0"),
    setLastSeen: async (id: number) => {
      await redis.set(lastSeenKey, String(id));
    },
    asked: async () => new Set(await redis.zrangebyscore(askedKey, now() - ASKED_TTL_MS, "+inf")),
    markAsked: async (guid: string) => {
      await redis
        .multi()
        .zadd(askedKey, now(), guid)
        .zremrangebyscore(askedKey, "-inf", now() - ASKED_TTL_MS)
        .exec();
    },
  };
}

export type DeliveryLogStore = ReturnType<typeof deliveryLogStore>;
