import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** A key prefix no other test file (or run) uses. */
export function uniquePrefix(name: string): string {
  return `slipway-test:${name}:${randomBytes(4).toString("hex")}`;
}

/** Deletes every key under the prefix — never anything else on the shared server. */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/** Every key and value under the prefix, as text (for leak searches and assertions). */
export async function dumpPrefix(prefix: string): Promise<Map<string, string>> {
  const redis = new Redis(REDIS_URL);
  const out = new Map<string, string>();
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === "string"
            ? await redis.get(key)
            : type === "hash"
              ? JSON.stringify(await redis.hgetall(key))
              : type === "list"
                ? JSON.stringify(await redis.lrange(key, 0, -1))
                : type === "zset"
                  ? JSON.stringify(await redis.zrange(key, 0, -1))
                  : type === "set"
                    ? JSON.stringify(await redis.smembers(key))
                    : type === "stream"
                      ? JSON.stringify(await redis.xrange(key, "-", "+"))
                      : "";
        out.set(key, value ?? "");
      }
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  return out;
}
