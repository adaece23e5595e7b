import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { processCpuSeconds } from "./child.ts";

export const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";

/** Prefixes handed out and not yet deleted. */
const inUse = new Set<string>();

/** A key prefix of its own for one bench run (tests use `slipway-test:`). */
export function benchPrefix(name: string): string {
  const prefix = `slipway-bench:${name}:${randomBytes(4).toString("hex")}`;
  inUse.add(prefix);
  return prefix;
}

/** Deletes every prefix still in use (the bench is exiting early). */
export async function deletePrefixesInUse(): Promise<void> {
  await Promise.all([...inUse].map((prefix) => deletePrefix(prefix)));
}

const keepNothing = () => false;

/**
 * Unlinks the keys under `prefix` — never anything else on the shared server — except those
 * `keep` accepts (e.g. a queue's `meta` while its process still runs).
 */
export async function deletePrefix(
  prefix: string,
  keep: (key: string) => boolean = keepNothing,
): Promise<number> {
  const redis = new Redis(REDIS_URL);
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 2000);
      cursor = next;
      const doomed = keys.filter((key) => !keep(key));
      if (doomed.length > 0) deleted += await redis.unlink(...doomed);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
  if (keep === keepNothing) inUse.delete(prefix);
  return deleted;
}

/**
 * The CPU time the Redis server has used so far, when it runs on this machine (its pid from
 * INFO); `undefined` for a remote Redis. The whole server: other clients' work counts too.
 */
export async function redisServerCpu(): Promise<(() => Promise<number>) | undefined> {
  const host = new URL(REDIS_URL).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) return undefined;
  const redis = new Redis(REDIS_URL);
  try {
    const pid = Number(/process_id:(\d+)/.exec(await redis.info("server"))?.[1]);
    if (!Number.isInteger(pid)) return undefined;
    await processCpuSeconds(pid);
    return () => processCpuSeconds(pid);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}
