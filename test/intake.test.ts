import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fairScheduler } from "../src/queue/fair.ts";
import { createIntake } from "../src/queue/intake.ts";
import { BUILDS_QUEUE, EVENTS_QUEUE, redisKeys } from "../src/queue/keys.ts";
import { CancelMessage, parseLatest } from "../src/queue/latest.ts";
import { withScripts } from "../src/queue/scripts.ts";
import { REDIS_URL, deletePrefix, uniquePrefix } from "./support/redis.ts";

const prefix = uniquePrefix("intake");
const keys = redisKeys(prefix);
const redis = withScripts(new Redis(REDIS_URL));
const subscriber = new Redis(REDIS_URL);
const events = new Queue(EVENTS_QUEUE, { connection: { url: REDIS_URL }, prefix });
const builds = new Queue(BUILDS_QUEUE, { connection: { url: REDIS_URL }, prefix });
const intake = createIntake({ redis, events, keys, retry: { attempts: 1, retryDelayMs: 10 } });
const messages: CancelMessage[] = [];

const target = (branch: string, sha: string) => ({
  installationId: 1,
  owner: "o",
  repo: "r",
  repoId: 9,
  branch,
  sha,
});
const run = (branch: string, sha: string) => ({
  kind: "run" as const,
  trigger: "push" as const,
  target: target(branch, sha),
});

/** Waits until the predicate holds (pub/sub delivery is asynchronous). */
async function eventually(predicate: () => boolean) {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(predicate()).toBe(true);
}

beforeAll(async () => {
  subscriber.on("message", (_channel: string, text: string) =>
    messages.push(CancelMessage.parse(JSON.parse(text))),
  );
  await subscriber.subscribe(keys.cancelChannel);
});
afterAll(async () => {
  await Promise.all([events.close(), builds.close()]);
  redis.disconnect();
  subscriber.disconnect();
  await deletePrefix(prefix);
});

describe("intake", () => {
  it("queues a delivery once, however often it arrives", async () => {
    expect(await intake.submit("d-1", run("main", "1".repeat(40)))).toBe("queued");
    expect(await intake.submit("d-1", run("main", "1".repeat(40)))).toBe("duplicate");
    expect(await redis.ttl(keys.delivery("d-1"))).toBeGreaterThan(6 * 24 * 3600);
    expect(await events.getJobCounts("prioritized", "waiting")).toEqual({
      prioritized: 1,
      waiting: 0,
    });
  });

  it("records the newest run per branch and asks to cancel the one it replaces", async () => {
    // d-1 was announced (it has run state), so its build may be waiting for a slot.
    await redis.hset(keys.run("d-1"), "openedAt", "1");
    await intake.submit("d-2", run("main", "2".repeat(40)));
    const latest = parseLatest(await redis.get(keys.latest(9, "main")));
    expect(latest).toMatchObject({ runKey: "d-2", sha: "2".repeat(40), kind: "run" });
    await eventually(() => messages.some((m) => m.runKey === "d-1"));
    expect(messages).toContainEqual({ runKey: "d-1", reason: { type: "superseded", by: latest } });
    const cancel = await events.getJob("cancel-d-1");
    expect(cancel?.data).toMatchObject({ runKey: "d-1", reason: { type: "superseded" } });
  });

  it("queues no cancel job for a replaced run not announced yet (its announce finds it superseded)", async () => {
    await intake.submit("d-2b", run("main", "6".repeat(40)));
    await eventually(() => messages.some((m) => m.runKey === "d-2"));
    expect(await events.getJob("cancel-d-2")).toBeUndefined();
  });

  it("treats a run received earlier than the branch's latest as stale", async () => {
    const future = {
      runKey: "d-future",
      sha: "f".repeat(40),
      receivedAt: Date.now() + 3_600_000,
      kind: "run",
    };
    await redis.set(keys.latest(9, "stale"), JSON.stringify(future));
    await intake.submit("d-old", run("stale", "3".repeat(40)));
    expect(parseLatest(await redis.get(keys.latest(9, "stale")))?.runKey).toBe("d-future");
    await eventually(() => messages.some((m) => m.runKey === "d-old"));
  });

  it("keeps branches apart, whatever their names", async () => {
    await intake.submit("d-3", run("feature/x", "4".repeat(40)));
    await intake.submit("d-4", run("feature-x", "5".repeat(40)));
    expect(parseLatest(await redis.get(keys.latest(9, "feature/x")))?.runKey).toBe("d-3");
    expect(parseLatest(await redis.get(keys.latest(9, "feature-x")))?.runKey).toBe("d-4");
  });

  it("queues a redelivery of a push taken but never queued (the process died in between) once, with its first receive time", async () => {
    const dying = createIntake({
      redis,
      events: { add: () => Promise.reject(new Error("the web process died here")) },
      keys,
      retry: { attempts: 1, retryDelayMs: 10 },
    });
    await expect(dying.submit("d-crash", run("crash", "7".repeat(40)))).rejects.toThrow(
      "the web process died here",
    );
    const taken = parseLatest(await redis.get(keys.latest(9, "crash")));
    expect(taken?.runKey).toBe("d-crash");
    expect(await events.getJob("announce-d-crash")).toBeUndefined();

    expect(await intake.submit("d-crash", run("crash", "7".repeat(40)))).toBe("queued");
    const job = await events.getJob("announce-d-crash");
    expect(job?.data).toMatchObject({ runKey: "d-crash", receivedAt: taken?.receivedAt });
    expect(await intake.submit("d-crash", run("crash", "7".repeat(40)))).toBe("duplicate");
  });

  it("treats a push as handled once its run has state, after BullMQ trimmed its finished job", async () => {
    await intake.submit("d-done", run("done", "8".repeat(40)));
    await (await events.getJob("announce-d-done"))?.remove();
    await redis.hset(keys.run("d-done"), "openedAt", "1");
    expect(await intake.submit("d-done", run("done", "8".repeat(40)))).toBe("duplicate");
    expect(await events.getJob("announce-d-done")).toBeUndefined();
  });

  it("treats a delivery marked by an earlier Slipway version as handled", async () => {
    await redis.set(keys.delivery("d-legacy"), "d-legacy", "EX", 60);
    expect(await intake.submit("d-legacy", run("legacy", "9".repeat(40)))).toBe("duplicate");
  });

  it("ignores what needs no work without touching Redis", async () => {
    expect(await intake.submit("d-5", { kind: "ignore", reason: "tag" })).toBe("ignored");
    expect(await redis.exists(keys.delivery("d-5"))).toBe(0);
  });
});

describe("fair priorities", () => {
  const fair = fairScheduler(redis, keys, BUILDS_QUEUE);

  it("put a quiet installation's first build right behind what is running", async () => {
    const busy = [];
    for (let i = 0; i < 5; i++) busy.push(await fair.assign(1, `busy-${i}`));
    await fair.started(1, "busy-0", busy[0]);
    await fair.started(1, "busy-1", busy[1]);
    const quiet = await fair.assign(2, "quiet-0");
    expect(busy).toEqual([1, 2, 3, 4, 5]);
    expect(quiet).toBe(2); // ties with the running one, ahead of the busy backlog (3, 4, 5)
    expect(await fair.assign(2, "quiet-1")).toBe(3);
  });

  it("do not hold cancelled builds against their installation", async () => {
    // Installation 3 queued 9 builds that were then superseded and cancelled.
    for (let i = 0; i < 9; i++) await fair.assign(3, `gone-${i}`);
    for (let i = 0; i < 9; i++) await fair.forget(3, `gone-${i}`);
    const next = await fair.assign(3, "survivor");
    expect(next).toBeLessThanOrEqual(3); // behind what runs, not behind its own cancelled builds
  });

  it("never reset while assignments are in flight, even before their jobs are added", async () => {
    const other = fairScheduler(redis, redisKeys(`${prefix}:concurrent`), BUILDS_QUEUE);
    const priorities = await Promise.all(
      Array.from({ length: 10 }, (_, i) => other.assign(7, `c-${i}`)),
    );
    expect([...priorities].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("start a new generation once the queue is idle", async () => {
    const idle = fairScheduler(redis, redisKeys(`${prefix}:idle`), BUILDS_QUEUE);
    expect(await idle.assign(1, "a")).toBe(1);
    await idle.started(1, "a", 1);
    // "a" started, so nothing waits, runs or is being assigned: the next job starts afresh.
    expect(await idle.assign(1, "b")).toBe(1);
  });
});
