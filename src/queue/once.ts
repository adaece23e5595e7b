import type { Redis } from "ioredis";
import type { RedisKeys } from "./keys.ts";

/** Remembers that something was done, so it is done at most once in `ttlSeconds`. */
export function onceStore(redis: Redis, keys: RedisKeys) {
  return {
    /** True the first time `name` is asked for (until it expires), false afterwards. */
    async first(name: string, ttlSeconds: number): Promise<boolean> {
      return (await redis.set(keys.once(name), "1", "EX", ttlSeconds, "NX")) === "OK";
    },
  };
}

export type OnceStore = ReturnType<typeof onceStore>;
