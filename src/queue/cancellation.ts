import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { RedisKeys } from "./keys.ts";
import { CancelMessage, parseLatest, supersededBy, type CancelReason } from "./latest.ts";

export interface WatchedRun {
  runKey: string;
  repoId: number;
  branch: string;
  receivedAt: number;
}

export interface Cancellation {
  /** A signal that aborts, with a {@link CancelReason}, when the run is cancelled. */
  watch(run: WatchedRun): { signal: AbortSignal; release: () => void };
  /** Whether the run has been superseded already (read from Redis now). */
  check(run: WatchedRun): Promise<CancelReason | undefined>;
  /** Aborts every run this process is watching (the process is stopping). */
  abortAll(reason: CancelReason): void;
  /** Asks every worker process to cancel a run. */
  publish(message: CancelMessage): Promise<void>;
  close(): Promise<void>;
}

/**
 * Cancels runs in any worker process. BullMQ's own `cancelJob` only reaches the worker running
 * the job, so a cancel is published on a Redis channel every worker subscribes to. Pub/sub drops
 * messages while a subscriber reconnects, so each watched run also polls every `pollMs` — its
 * branch's latest entry and its own cancel flag — the message makes it fast, the poll certain.
 */
export async function createCancellation(deps: {
  redis: Redis;
  subscriber: Redis;
  keys: RedisKeys;
  pollMs: number;
  log: Logger;
}): Promise<Cancellation> {
  const { redis, subscriber, keys, pollMs, log } = deps;
  const watched = new Map<string, { run: WatchedRun; controller: AbortController }>();

  function abort(runKey: string, reason: CancelReason) {
    const entry = watched.get(runKey);
    if (entry === undefined || entry.controller.signal.aborted) return;
    log.info({ runKey, reason }, "cancelling run");
    entry.controller.abort(reason);
  }

  async function check(run: WatchedRun): Promise<CancelReason | undefined> {
    const [latestRaw, cancelRaw] = await Promise.all([
      redis.get(keys.latest(run.repoId, run.branch)),
      redis.hget(keys.run(run.runKey), "cancel"),
    ]);
    if (cancelRaw !== null) {
      const asked = CancelMessage.shape.reason.safeParse(JSON.parse(cancelRaw));
      if (asked.success) return asked.data;
    }
    const by = supersededBy(run, parseLatest(latestRaw));
    return by === undefined ? undefined : { type: "superseded", by };
  }

  subscriber.on("message", (channel: string, text: string) => {
    if (channel !== keys.cancelChannel) return;
    try {
      const message = CancelMessage.parse(JSON.parse(text));
      abort(message.runKey, message.reason);
    } catch (error) {
      log.warn({ err: error }, "ignoring a malformed cancel message");
    }
  });
  await subscriber.subscribe(keys.cancelChannel);

  const poller = setInterval(() => {
    for (const { run } of watched.values()) {
      check(run).then(
        (reason) => {
          if (reason) abort(run.runKey, reason);
        },
        (error: unknown) => {
          log.warn({ err: error, runKey: run.runKey }, "could not check for a newer run");
        },
      );
    }
  }, pollMs);
  poller.unref();

  return {
    watch(run) {
      const controller = new AbortController();
      watched.set(run.runKey, { run, controller });
      return {
        signal: controller.signal,
        release: () => {
          if (watched.get(run.runKey)?.controller === controller) watched.delete(run.runKey);
        },
      };
    },
    check,
    abortAll(reason) {
      for (const runKey of watched.keys()) abort(runKey, reason);
    },
    async publish(message) {
      await redis.publish(keys.cancelChannel, JSON.stringify(message));
    },
    async close() {
      clearInterval(poller);
      await subscriber.unsubscribe(keys.cancelChannel).catch(() => undefined);
    },
  };
}
