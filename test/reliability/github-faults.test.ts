import { afterAll, beforeAll, describe, it } from "vitest";
import { controlledBuild } from "../support/fake-stages.ts";
import { startHarness, type Harness } from "../support/harness.ts";
import {
  callsTo,
  concluded,
  createPath,
  expectOneRun,
  logMessages,
  pushTo,
  updatePath,
} from "./support/github-helpers.ts";
import { startLossyProxy, type LossyProxy } from "./support/lossy-proxy.ts";
import { SwitchablePattern } from "./support/switchable.ts";

describe.concurrent(
  "GitHub failing, with Octokit's retries (throttling off)",
  { timeout: 40_000 },
  () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({
        name: "rel-gh-faults",
        overrides: {
          buildStage: controlledBuild({ autoReleaseMs: 10 }),
          // Runs GitHub keeps refusing are given up on after 2.5 s here (a day in production).
          sweep: { everyMs: 500, graceMs: 300, giveUpMs: 2_500 },
        },
        env: { SLIPWAY_DEPLOY: "off" },
      });
    });
    afterAll(async () => {
      await h.close();
    });

    it("retries a create that failed with 500 then 502 as a new attempt that looks up first", async ({
      expect,
    }) => {
      h.github.failNext({ method: "POST", path: createPath("create-5xx") }, { status: 500 });
      h.github.failNext({ method: "POST", path: createPath("create-5xx") }, { status: 502 });
      const { sha } = await pushTo(h, "create-5xx", 101);
      await concluded(h, sha);
      expectOneRun(h, sha);
      const creates = callsTo(h, "POST", createPath("create-5xx"));
      expect(creates.map((c) => c.status)).toEqual([500, 502, 201]);
      // Each retry asked GitHub whether the failed create had happened after all.
      const lookups = h.github.calls.filter(
        (c) => c.method === "GET" && c.path.includes("/create-5xx/commits/"),
      );
      expect(lookups.length).toBeGreaterThanOrEqual(2);
    });

    it("retries updates that fail with 502 within Octokit's limit", async ({ expect }) => {
      h.github.failNext(
        { method: "PATCH", path: updatePath("update-502") },
        { status: 502, times: 3 },
      );
      const { sha } = await pushTo(h, "update-502", 102);
      await concluded(h, sha);
      expectOneRun(h, sha);
      const updates = callsTo(h, "PATCH", updatePath("update-502"));
      // Three 502s and the retry that worked, then the conclusion.
      expect(updates.map((c) => c.status)).toEqual([502, 502, 502, 200, 200]);
    });

    it("survives connection resets on the create and the updates", async ({ expect }) => {
      h.github.failNext({ method: "POST", path: createPath("resets") }, { reset: true });
      h.github.failNext({ method: "PATCH", path: updatePath("resets") }, { reset: true, times: 2 });
      const { sha } = await pushTo(h, "resets", 103);
      await concluded(h, sha);
      expectOneRun(h, sha);
      expect(callsTo(h, "POST", createPath("resets")).filter((c) => c.status === 201)).toHaveLength(
        1,
      );
      expect(callsTo(h, "PATCH", updatePath("resets")).length).toBeLessThanOrEqual(2 + 2 * 4);
    });

    it("waits out slow answers without creating anything twice", async ({ expect }) => {
      h.github.failNext({ method: "POST", path: createPath("slow") }, { delayMs: 1_500 });
      h.github.failNext(
        { method: "PATCH", path: updatePath("slow") },
        { delayMs: 1_000, times: 2 },
      );
      const started = Date.now();
      const { sha } = await pushTo(h, "slow", 104);
      await concluded(h, sha);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500 + 2 * 1_000);
      expectOneRun(h, sha);
      expect(callsTo(h, "POST", createPath("slow"))).toHaveLength(1);
      expect(callsTo(h, "PATCH", updatePath("slow"))).toHaveLength(2);
    });

    it("retries an installation token that GitHub failed to issue", async ({ expect }) => {
      const tokenPath = /^\/app\/installations\/7001\/access_tokens$/;
      h.github.failNext({ method: "POST", path: tokenPath }, { status: 502 });
      h.github.failNext({ method: "POST", path: tokenPath }, { reset: true });
      const { sha } = await pushTo(h, "token-faults", 105, { installationId: 7001 });
      await concluded(h, sha);
      expectOneRun(h, sha);
      // One token fetched for the installation in the end, however many attempts it took.
      expect(callsTo(h, "POST", tokenPath).filter((c) => c.status === 201)).toHaveLength(1);
    });

    it("gives up cleanly, with a log line, on a run GitHub refuses for good (404)", async ({
      expect,
    }) => {
      const path = new SwitchablePattern(updatePath("gone").source);
      h.github.failNext({ method: "PATCH", path }, { status: 404, times: 1_000 });
      const { sha, runKey } = await pushTo(h, "gone", 106);
      await h.github.waitFor(() =>
        logMessages(h).some(
          (l) =>
            l.msg === "GitHub refuses the report; giving up on this check run" &&
            l.line.includes(runKey),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // nothing more is tried
      path.on = false;
      const updates = callsTo(h, "PATCH", updatePath("gone"));
      // The in-progress update and the conclusion, each once: 404 is not retried.
      expect(updates.map((c) => c.status)).toEqual([404, 404]);
      expect(h.github.checkRuns.filter((r) => r.head_sha === sha)).toHaveLength(1);
    });

    it("stops retrying a run GitHub keeps failing (500) after the give-up time, with a log line", async ({
      expect,
    }) => {
      const path = new SwitchablePattern(updatePath("down").source);
      h.github.failNext({ method: "PATCH", path }, { status: 500, times: 10_000 });
      const { sha, runKey } = await pushTo(h, "down", 107);
      await h.github.waitFor(
        () =>
          logMessages(h).some(
            (l) => l.msg === "giving up on concluding a run" && l.line.includes(runKey),
          ),
        15_000,
      );
      const atGiveUp = callsTo(h, "PATCH", updatePath("down")).length;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const later = callsTo(h, "PATCH", updatePath("down")).length;
      path.on = false;
      console.log(
        `[github faults] a run GitHub kept failing cost ${later} PATCH calls before Slipway gave up`,
      );
      expect(later).toBe(atGiveUp);
      expect(later).toBeLessThanOrEqual(80);
      expect(
        logMessages(h).some(
          (l) => l.msg === "could not report; the sweeper will retry" && l.line.includes(runKey),
        ),
      ).toBe(true);
      expect(h.github.checkRuns.filter((r) => r.head_sha === sha)).toHaveLength(1);
    });
  },
);

// Its pushes use an installation of their own: @octokit/auth-app shares token requests in flight
// process-wide by installation id, and this file runs two fake GitHubs side by side.
describe.concurrent("an answer lost after GitHub applied the request", { timeout: 30_000 }, () => {
  let h: Harness;
  let proxy: LossyProxy;
  beforeAll(async () => {
    h = await startHarness({
      name: "rel-gh-lost",
      overrides: { buildStage: controlledBuild({ autoReleaseMs: 10 }) },
      env: { SLIPWAY_DEPLOY: "off" },
      deferStart: true,
    });
    proxy = await startLossyProxy(h.github.host);
    await h.start("all", {}, { GHE_HOST: proxy.host });
  });
  afterAll(async () => {
    await h.close();
    await proxy.close();
  });

  it("does not create a second check run when the create's answer was lost", async ({ expect }) => {
    proxy.loseAnswer({ method: "POST", path: /\/repos\/[^/]+\/lost-create\/check-runs$/ });
    const { sha } = await pushTo(h, "lost-create", 201, { installationId: 4001 });
    await concluded(h, sha);
    expect(proxy.lost.filter((l) => l.includes("lost-create"))).toHaveLength(1);
    expectOneRun(h, sha);
  });

  it("concludes once when the conclusion's answer was lost", async ({ expect }) => {
    // The first update (in progress) passes; the conclusion's answer is lost, twice.
    const path = /\/repos\/[^/]+\/lost-update\/check-runs\/\d+$/;
    proxy.loseAnswer({ method: "PATCH", path }, { skip: 1, times: 2 });
    const { sha } = await pushTo(h, "lost-update", 202, { installationId: 4001 });
    const run = await concluded(h, sha);
    // GitHub shows the conclusion from the first (lost) answer on: wait for the retries too.
    await h.github.waitFor(
      () => callsTo(h, "PATCH", path).filter((c) => c.status === 200).length >= 4,
    );
    expect(proxy.lost.filter((l) => l.includes("lost-update"))).toHaveLength(2);
    expectOneRun(h, sha);
    // The conclusion reached GitHub more than once (its answers were lost), always the same.
    const done = run.history.filter((entry) => entry.status === "completed");
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(new Set(done.map((entry) => entry.conclusion))).toEqual(new Set(["success"]));
    expect(run.history.at(-1)?.status).toBe("completed");
  });
});

// Slow (~10 s): Octokit's throttling as in production, which paces writes a second apart.
describe.concurrent(
  "GitHub rate limits, with throttling as in production",
  { timeout: 40_000 },
  () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({
        name: "rel-gh-limits",
        overrides: { buildStage: controlledBuild({ autoReleaseMs: 10 }), githubThrottle: true },
        env: { SLIPWAY_DEPLOY: "off" },
      });
    });
    afterAll(async () => {
      await h.close();
    });

    const SECONDARY = {
      message:
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    };

    it("waits `retry-after` after a 403 secondary rate limit, then succeeds", async ({
      expect,
    }) => {
      h.github.failNext(
        { method: "PATCH", path: updatePath("secondary-403") },
        { status: 403, body: SECONDARY, headers: { "retry-after": "1" } },
      );
      const { sha } = await pushTo(h, "secondary-403", 301, { installationId: 3001 });
      await concluded(h, sha);
      expectOneRun(h, sha);
      const [limited, retried] = callsTo(h, "PATCH", updatePath("secondary-403"));
      expect(limited?.status).toBe(403);
      expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950);
    });

    it("waits `retry-after` after a 429 secondary rate limit on the create, creating once", async ({
      expect,
    }) => {
      h.github.failNext(
        { method: "POST", path: createPath("secondary-429") },
        { status: 429, body: SECONDARY, headers: { "retry-after": "1" } },
      );
      const { sha } = await pushTo(h, "secondary-429", 302, { installationId: 3001 });
      await concluded(h, sha);
      expectOneRun(h, sha);
      const creates = callsTo(h, "POST", createPath("secondary-429"));
      expect(creates.map((c) => c.status)).toEqual([429, 201]);
      expect((creates[1]?.at ?? 0) - (creates[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    });

    it("waits for the reset after a 429 with the primary budget spent", async ({ expect }) => {
      const reset = Math.ceil(Date.now() / 1000) + 1;
      h.github.failNext(
        { method: "PATCH", path: updatePath("primary-429") },
        {
          status: 429,
          body: { message: "API rate limit exceeded for installation ID 1." },
          headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
        },
      );
      const { sha } = await pushTo(h, "primary-429", 303, { installationId: 3001 });
      await concluded(h, sha);
      expectOneRun(h, sha);
      const [limited, retried] = callsTo(h, "PATCH", updatePath("primary-429"));
      expect(limited?.status).toBe(429);
      expect(retried?.at ?? 0).toBeGreaterThanOrEqual(reset * 1000);
    });
  },
);
