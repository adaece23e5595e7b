import { routeEvent } from "../../src/github/route-event.ts";
import { request } from "node:http";
import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushPayload } from "../support/examples.ts";
import { sign, startHarness, type Harness } from "../support/harness.ts";
import { REDIS_URL, dumpPrefix } from "../support/redis.ts";
import { describeCase, fuzzCase, type FuzzCase } from "./support/hostile-payloads.ts";
import { fcSeed } from "./support/seed.ts";

const CASES = 10_000;
const CONCURRENCY = 20;
/** GitHub caps webhook payloads at 25 MB and does not deliver bigger ones. */
const GITHUB_CAP = 25 * 1024 * 1024;

interface Answer {
  status: number;
  body: string;
}

/** The job Slipway's pure router queues for a case, if any. */
/** The job an intent is queued as (intake.ts). */
const JOB_OF = {
  run: "announce",
  teardown: "teardown",
  tenant: "tenant",
  pull_request: "pull-request",
  command: "command",
  check_action: "check-action",
} as const;

function acceptedJob(c: FuzzCase): string | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(c.body);
  } catch {
    return undefined;
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return undefined;
  const intent = routeEvent(c.event, payload);
  return intent.kind === "ignore" ? undefined : JOB_OF[intent.kind];
}

async function post(h: Harness, event: string, body: string): Promise<Answer> {
  const response = await fetch(`${h.url}/api/github/webhooks`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": sign(body, h.secret),
      "user-agent": "GitHub-Hookshot/fuzz",
    },
    body,
  });
  return { status: response.status, body: await response.text() };
}

/** Every job under the prefix, by name (the web role alone runs here: nothing consumes them). */
async function jobsByName(prefix: string): Promise<Map<string, number>> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const events = new Queue("events", { connection, prefix });
  const builds = new Queue("builds", { connection, prefix });
  try {
    const counts = new Map<string, number>();
    for (const queue of [events, builds]) {
      const jobs = await queue.getJobs([
        "waiting",
        "prioritized",
        "delayed",
        "active",
        "failed",
        "completed",
      ]);
      for (const job of jobs) counts.set(job.name, (counts.get(job.name) ?? 0) + 1);
    }
    return counts;
  } finally {
    await events.close();
    await builds.close();
    connection.disconnect();
  }
}

// Slow-ish (~20 s): 10,000 signed deliveries over real HTTP to the web role.
describe("signed but malformed or hostile webhook deliveries", { timeout: 120_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: "rel-fuzz-webhooks", role: "web" });
  });
  afterAll(async () => {
    await h.close();
  });

  it(`answer ${CASES} fuzzed deliveries without a 5xx and queue only the valid ones`, async () => {
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    const seed = fcSeed("webhook payloads");
    const failures: Array<{ key: string; example: string }> = [];
    const perKind = new Map<string, number>();
    let repoId = 1_000_000;
    const expectedJobs = new Map<string, number>();

    const send = async (c: FuzzCase) => {
      let body = c.body;
      // Valid pushes get repositories of their own, so none supersedes another.
      if (c.job === "announce") {
        const payload = JSON.parse(body) as { repository: { id: number } };
        repoId += 1;
        payload.repository.id = repoId;
        body = JSON.stringify(payload);
      }
      perKind.set(c.kind, (perKind.get(c.kind) ?? 0) + 1);
      const answer = await post(h, c.event, body).catch((error: unknown) => ({
        status: 0,
        body: `no answer: ${String(error)}`,
      }));
      if (answer.status >= 500 || answer.status === 0) {
        // Grouped by answer and kind of input: each group is one way to break the web role.
        const key = `${answer.status} ${answer.body.slice(0, 120) || "(empty body)"} ← [${c.kind}]`;
        failures.push({ key, example: describeCase(c) });
      } else if (c.expected === "queued" && answer.status !== 200) {
        failures.push({ key: `${answer.status} for a valid delivery`, example: describeCase(c) });
      } else if (answer.status === 200) {
        // What is queued must be exactly what Slipway's own router accepts (the generator's idea
        // of "broken" can miss a value that is in fact valid, e.g. a field Slipway never reads).
        const job = acceptedJob(c);
        if (job !== undefined) expectedJobs.set(job, (expectedJobs.get(job) ?? 0) + 1);
        if (c.job !== undefined && job !== c.job) {
          failures.push({
            key: "a valid delivery the router did not accept",
            example: describeCase(c),
          });
        }
      }
    };

    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fuzzCase, { minLength: CONCURRENCY, maxLength: CONCURRENCY }),
        async (batch) => {
          await Promise.all(batch.map(send));
        },
      ),
      { seed, numRuns: CASES / CONCURRENCY, verbose: true, endOnFailure: true },
    );
    const ms = Math.round(performance.now() - started);
    const jobs = await jobsByName(h.prefix);
    const deliveryKeys = [...(await dumpPrefix(h.prefix)).keys()].filter((k) =>
      k.includes(":delivery:"),
    );
    console.log(
      `[fuzz webhooks] ${CASES} deliveries in ${ms} ms: ${JSON.stringify(Object.fromEntries(perKind))}; ` +
        `jobs queued ${JSON.stringify(Object.fromEntries(jobs))}; 5xx or wrong answers: ${failures.length}`,
    );

    // A few examples of each group: the seed above replays them all.
    const grouped = new Map<string, string[]>();
    for (const { key, example } of failures)
      grouped.set(key, [...(grouped.get(key) ?? []), example]);
    expect
      .soft(
        [...grouped].map(
          ([key, list]) => `${list.length} × ${key}, e.g. ${list.slice(0, 2).join(" | ")}`,
        ),
      )
      .toEqual([]);
    expect
      .soft(Object.fromEntries([...jobs].filter(([name]) => name !== "cancel")))
      .toEqual(Object.fromEntries(expectedJobs));
    expect
      .soft(deliveryKeys)
      .toHaveLength([...expectedJobs.values()].reduce((sum, count) => sum + count, 0));
    // Nothing reached Object.prototype in this process (the web role runs in it).
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  // Each of these is a class the fuzzer finds; named here so a fix can be checked one by one.
  it.each([
    ["a JSON null body", "push", "null"],
    ["a JSON number body", "push", "5"],
    ["a JSON string body", "installation", '"installation"'],
    ["a JSON boolean body", "push", "true"],
    ["an installation id that is a string", "push", '{"installation":{"id":"abc"}}'],
    [
      "an installation id that is an object",
      "installation",
      '{"action":"created","installation":{"id":{}}}',
    ],
    [
      "an action whose toString is not a function",
      "check_run",
      '{"action":{"toString":1,"valueOf":1}}',
    ],
    ["an event named `constructor`", "constructor", "{}"],
    ["an event named `valueOf`", "valueOf", '{"action":"x"}'],
  ])("answers %s with a 2xx or 4xx, never a 5xx", async (_case, event, body) => {
    const answer = await post(h, event, body);
    expect(answer.status, answer.body).toBeLessThan(500);
  });

  it("queues nothing for a push to `refs/heads/` (an empty branch name)", async () => {
    const before = (await jobsByName(h.prefix)).get("announce") ?? 0;
    const payload = pushPayload({ sha: "d".repeat(40), repoId: 42 });
    payload["ref"] = "refs/heads/";
    expect((await h.deliver("push", payload)).status).toBe(200);
    expect((await jobsByName(h.prefix)).get("announce") ?? 0).toBe(before);
  });

  it("refuses a body over GitHub's 25 MB cap with 413", async () => {
    const body = JSON.stringify({ zen: "x".repeat(GITHUB_CAP) });
    const answer = await post(h, "ping", body);
    expect(answer.status).toBe(413);
  });

  /**
   * Starts a ping delivery that never ends: `body` headers, then `megabytes` of 1 MB chunks.
   * Resolves with the status of the answer, or "no answer" after `timeoutMs`.
   */
  function unfinishedPing(
    bodyHeaders: Record<string, string>,
    megabytes: number,
    timeoutMs: number,
  ) {
    const url = new URL(h.url);
    return new Promise<number | "no answer">((resolve) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        method: "POST",
        path: "/api/github/webhooks",
        headers: {
          "content-type": "application/json",
          ...bodyHeaders,
          "x-github-event": "ping",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": sign("{}", h.secret),
        },
      });
      const timer = setTimeout(() => {
        req.destroy();
        resolve("no answer");
      }, timeoutMs);
      req.on("response", (response) => {
        clearTimeout(timer);
        response.resume();
        resolve(response.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", () => undefined);
      const chunk = "x".repeat(1024 * 1024);
      for (let i = 0; i < megabytes; i++) req.write(chunk);
    });
  }

  it("answers 413 from the Content-Length alone, before reading (or parsing) the body", async () => {
    // Only the first megabyte is sent: a server that waits for the rest never answers.
    const status = await unfinishedPing({ "content-length": String(GITHUB_CAP + 1) }, 1, 2_000);
    expect(status).toBe(413);
  });

  it("answers 413 once a chunked body (no Content-Length) grows past the cap, without reading the rest", async () => {
    // 26 MB and the request never ends: only the cap can answer it.
    const status = await unfinishedPing({ "transfer-encoding": "chunked" }, 26, 10_000);
    expect(status).toBe(413);
  });
});
