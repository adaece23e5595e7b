import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { CoalescedRedis } from "../src/support/coalesced-redis.ts";
import { REDIS_URL, deletePrefix, uniquePrefix } from "./support/redis.ts";

const prefix = uniquePrefix("coalesced");
const options = { maxRetriesPerRequest: 2 };
const opened: Redis[] = [];

function open<T extends Redis>(redis: T): T {
  opened.push(redis);
  return redis;
}

/** Counts the writes the connection's socket makes (one per write or writev it hands to the OS). */
function countSocketWrites(redis: Redis): () => number {
  const socket = redis.stream;
  let writes = 0;
  const write = socket._write.bind(socket);
  const writev = socket._writev?.bind(socket);
  socket._write = (...args) => {
    writes++;
    write(...args);
  };
  if (writev !== undefined) {
    socket._writev = (...args) => {
      writes++;
      writev(...args);
    };
  }
  return () => writes;
}

async function ready(redis: Redis) {
  if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
}

afterAll(async () => {
  for (const redis of opened) redis.disconnect();
  await deletePrefix(prefix);
});

describe("CoalescedRedis", () => {
  it("writes the commands of one turn of the event loop in one socket write, replies in order", async () => {
    const coalesced = open(new CoalescedRedis(REDIS_URL, options));
    const plain = open(new Redis(REDIS_URL, options));
    await Promise.all([ready(coalesced), ready(plain)]);
    const writes = { coalesced: countSocketWrites(coalesced), plain: countSocketWrites(plain) };

    const burst = (redis: Redis, name: string) =>
      Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          redis.incrby(`${prefix}:${name}`, i).then((total) => ({ i, total })),
        ),
      );
    const [fromCoalesced, fromPlain] = await Promise.all([
      burst(coalesced, "coalesced"),
      burst(plain, "plain"),
    ]);

    // Each reply is the running total after its own command: order kept.
    const expected = Array.from({ length: 50 }, (_, i) => ({ i, total: (i * (i + 1)) / 2 }));
    expect(fromCoalesced).toEqual(expected);
    expect(fromPlain).toEqual(expected);
    expect(writes.plain()).toBe(50);
    expect(writes.coalesced()).toBe(1);
  });

  it("keeps following replies with new writes: commands issued from replies go out together", async () => {
    const redis = open(new CoalescedRedis(REDIS_URL, options));
    await ready(redis);
    const writes = countSocketWrites(redis);
    // Ten chains of three dependent commands: three turns, so three writes rather than thirty.
    const chains = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const key = `${prefix}:chain:${i}`;
        await redis.set(key, String(i));
        const doubled = await redis.incrby(key, i);
        return Number(await redis.get(key)) + doubled;
      }),
    );
    expect(chains).toEqual(Array.from({ length: 10 }, (_, i) => 4 * i));
    expect(writes()).toBe(3);
  });

  it("queues commands sent before the connection is ready and recovers after it drops", async () => {
    const redis = open(new CoalescedRedis(REDIS_URL, options));
    // Sent while connecting: ioredis's offline queue holds them, nothing is corked.
    expect(await redis.set(`${prefix}:early`, "1")).toBe("OK");
    const id = await redis.client("ID");
    const killer = open(new Redis(REDIS_URL));
    await killer.client("KILL", "ID", String(id));
    // The socket is gone: the command waits for the reconnect and goes out on the new socket.
    expect(await redis.get(`${prefix}:early`)).toBe("1");
    expect(await redis.client("ID")).not.toBe(id);
  });
});
