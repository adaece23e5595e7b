import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Running } from "../../src/main.ts";
import { pushPayload } from "../support/examples.ts";
import { controlledBuild } from "../support/fake-stages.ts";
import { startHarness, type Delivery, type Harness } from "../support/harness.ts";
import { startOwnRedis, type OwnRedis } from "./support/own-redis.ts";
import { until } from "./support/pool.ts";

const sha = (n: number) => n.toString(16).padStart(4, "0").padEnd(40, "e");
const OUTAGE_DELIVERIES = 3;

/** The status of `GET url`, or "no answer" when none comes within `ms`. */
async function probe(url: string, ms = 3_000): Promise<number | "no answer"> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(ms) });
    await response.text();
    return response.status;
  } catch {
    return "no answer";
  }
}

// Slow (~15 s): a Redis server of the test's own, crashed and restarted with its append-only file.
describe("a Redis crash and restart mid-flow", { timeout: 90_000 }, () => {
  let redis: OwnRedis;
  let h: Harness;
  let worker: Running;
  const build = controlledBuild();

  beforeAll(async () => {
    redis = await startOwnRedis();
    h = await startHarness({
      name: "rel-redis-restart",
      role: "web",
      env: { REDIS_URL: redis.url, SLIPWAY_DEPLOY: "off", SLIPWAY_BUILD_CONCURRENCY: "1" },
    });
    worker = await h.start("worker", { buildStage: build });
  });
  afterAll(async () => {
    build.releaseAll();
    await redis.restart().catch(() => undefined); // the instances close cleanly against a live server
    await h.close();
    await redis.close();
  });

  const completed = (s: string) =>
    h.github.checkRuns.find((r) => r.head_sha === s && r.status === "completed");

  it("loses nothing, refuses or keeps what arrives meanwhile, and recovers without a restart", async () => {
    const workerUrl = `http://127.0.0.1:${String(worker.port)}`;
    // In flight when Redis dies: one build running, one waiting for the build slot.
    const running = sha(1);
    const waiting = sha(2);
    expect((await h.deliver("push", pushPayload({ sha: running, branch: "running" }))).status).toBe(
      200,
    );
    await h.github.waitFor(() => build.started.some((b) => b.target.sha === running));
    expect((await h.deliver("push", pushPayload({ sha: waiting, branch: "waiting" }))).status).toBe(
      200,
    );
    await h.github.waitFor(() => h.github.checkRuns.find((r) => r.head_sha === waiting));
    expect(await probe(`${h.url}/readyz`)).toBe(200);
    expect(await probe(`${workerUrl}/readyz`)).toBe(200);

    await redis.kill();
    const outageStarted = Date.now();
    // Probed and delivered to at the same time, as GitHub and the kubelet would.
    const outageBranches = Array.from({ length: OUTAGE_DELIVERIES }, (_, i) => ({
      sha: sha(10 + i),
      branch: `outage-${i}`,
    }));
    const [[webReady, workerReady], answers] = await Promise.all([
      Promise.all([probe(`${h.url}/readyz`), probe(`${workerUrl}/readyz`)]),
      Promise.all(outageBranches.map((b) => h.deliver("push", pushPayload(b)))),
    ]);
    const readyDuring = { web: webReady, worker: workerReady };
    const duringOutage: Array<{
      sha: string;
      branch: string;
      first: Delivery;
      redelivered?: Delivery;
    }> = outageBranches.flatMap((b, i) => {
      const first = answers[i];
      return first === undefined ? [] : [{ ...b, first }];
    });
    // The running build finishes while Redis is down: its outcome must not be lost.
    build.release(running);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const outageMs = Date.now() - outageStarted;
    await redis.restart();

    // Back without restarting either process.
    await until(
      "the web role to be ready again",
      async () => (await probe(`${h.url}/readyz`)) === 200,
      15_000,
    );
    await until(
      "the worker to be ready again",
      async () => (await probe(`${workerUrl}/readyz`)) === 200,
      15_000,
    );
    // GitHub's recovery redelivers failed deliveries with their original delivery id.
    for (const delivery of duringOutage) {
      if (delivery.first.status >= 500) {
        delivery.redelivered = await h.deliver(
          "push",
          pushPayload({ sha: delivery.sha, branch: delivery.branch }),
          { deliveryId: delivery.first.deliveryId },
        );
      }
    }
    build.releaseAll();
    const after = sha(99);
    expect((await h.deliver("push", pushPayload({ sha: after, branch: "after" }))).status).toBe(
      200,
    );

    const all = [running, waiting, ...duringOutage.map((d) => d.sha), after];
    await until(
      "every run to conclude",
      () => all.every((s) => completed(s) !== undefined),
      30_000,
    );
    console.log(
      `[redis restart] outage ${outageMs} ms; /readyz during it: web ${String(readyDuring.web)}, worker ${String(readyDuring.worker)}; ` +
        `deliveries during it: ${duringOutage
          .map(
            (d) =>
              `${d.sha.slice(0, 7)} → ${d.first.status} in ${Math.round(d.first.ms)} ms` +
              (d.redelivered ? `, redelivered → ${d.redelivered.status}` : ", kept") +
              `, concluded ${String(completed(d.sha)?.conclusion)}`,
          )
          .join("; ")}`,
    );

    for (const delivery of duringOutage) {
      // Answered in time: a 5xx GitHub records as failed, or a 2xx for a delivery that was kept.
      expect(delivery.first.ms).toBeLessThan(9_000);
      expect([200, 202, 500, 502, 503, 504]).toContain(delivery.first.status);
      if (delivery.redelivered) expect(delivery.redelivered.status).toBe(200);
    }
    for (const s of all) {
      const runs = h.github.checkRuns.filter((r) => r.head_sha === s);
      expect(runs, `check runs of ${s}`).toHaveLength(1);
      expect(runs[0]?.conclusion, `conclusion of ${s}`).toBe("success");
    }
    // The build that finished during the outage was not run again.
    expect(build.finished.filter((b) => b.target.sha === running)).toHaveLength(1);
    expect(readyDuring.web).toBe(503);
    expect(readyDuring.worker).toBe(503);
  });
});
