import { Redis } from "ioredis";
import { onStatsRequest } from "./ipc.ts";

/**
 * Counts the Redis commands this process sends, by name (every ioredis connection, BullMQ's
 * included, sends through `Redis.prototype.sendCommand`), and answers the bench's `stats`
 * requests with the counts. A measurement hook for bench children only.
 */
export function countRedisCommands(): void {
  const counts = new Map<string, number>();
  const prototype = Redis.prototype;
  const send = Object.getOwnPropertyDescriptor(prototype, "sendCommand")?.value as (
    this: Redis,
    ...args: Parameters<Redis["sendCommand"]>
  ) => unknown;
  prototype.sendCommand = function (this: Redis, ...args: Parameters<Redis["sendCommand"]>) {
    const name = args[0].name;
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return send.apply(this, args);
  };
  onStatsRequest(() => Object.fromEntries(counts));
}
