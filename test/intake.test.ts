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
let clock = 1_000;
const intake = createIntake({
  redis,
  events,
  keys,
  retry: { attempts: 1, retryDelayMs: 10 },
  now: () => clock,
});
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
    expect(await events.getJobCounts("waiting")).toMatchObject({ waiting: 1 });
  });

  it("records the newest run per branch and asks to cancel the one it replaces", async () => {
    clock += 10;
    await intake.submit("d-2", run("main", "2".repeat(40)));
    const latest = parseLatest(await redis.get(keys.latest(9, "main")));
    expect(latest).toMatchObject({ runKey: "d-2", sha: "2".repeat(40), kind: "run" });
    await new Promise((r) => setTimeout(r, 100));
    expect(messages).toContainEqual({ runKey: "d-1", reason: { type: "superseded", by: latest } });
    const cancel = await events.getJob("cancel-d-1");
    expect(cancel?.data).toMatchObject({ runKey: "d-1", reason: { type: "superseded" } });
  });

  it("treats a run received earlier than the branch's latest as stale", async () => {
    const before = clock;
    clock = 5; // an out-of-order delivery, e.g. from a second web process with a slower clock
    await intake.submit("d-old", run("main", "3".repeat(40)));
    clock = before;
    expect(parseLatest(await redis.get(keys.latest(9, "main")))?.runKey).toBe("d-2");
    await new Promise((r) => setTimeout(r, 100));
    expect(messages.some((m) => m.runKey === "d-old")).toBe(true);
  });

  it("keeps branches apart, whatever their names", async () => {
    clock += 10;
    await intake.submit("d-3", run("feature/x", "4".repeat(40)));
    await intake.submit("d-4", run("feature-x", "5".repeat(40)));
    expect(parseLatest(await redis.get(keys.latest(9, "feature/x")))?.runKey).toBe("d-3");
    expect(parseLatest(await redis.get(keys.latest(9, "feature-x")))?.runKey).toBe("d-4");
  });

  it("ignores what needs no work without touching Redis", async () => {
    expect(await intake.submit("d-5", { kind: "ignore", reason: "tag" })).toBe("ignored");
    expect(await redis.exists(keys.delivery("d-5"))).toBe(0);
  });
});

describe("fair priorities", () => {
  it("put a quiet installation's first build right behind what is running", async () => {
    const fair = fairScheduler(redis, keys);
    // Keep the prioritized set non-empty so the table does not reset between assignments.
    await builds.add("placeholder", {}, { priority: 1000 });
    const busy = [];
    for (let i = 0; i < 5; i++) busy.push(await fair.assign(1));
    await fair.started(busy[0]);
    await fair.started(busy[1]);
    const quiet = await fair.assign(2);
    expect(busy).toEqual([1, 2, 3, 4, 5]);
    expect(quiet).toBe(2); // ties with the running one, ahead of the busy backlog (3, 4, 5)
    expect(await fair.assign(2)).toBe(3);
  });

  it("reset when no build waits", async () => {
    await builds.obliterate({ force: true });
    const fair = fairScheduler(redis, keys);
    expect(await fair.assign(1)).toBe(1);
  });
});
