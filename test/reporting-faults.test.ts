import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushPayload } from "./support/examples.ts";
import { controlledBuild } from "./support/fake-stages.ts";
import { startHarness, type Harness } from "./support/harness.ts";

const sha = (n: number) => n.toString(16).padStart(40, "7");
const PATCH = { method: "PATCH", path: /\/check-runs\/\d+$/ };

describe("when GitHub fails the reports", () => {
  const harnesses: Harness[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.close();
  });

  it("still concludes a superseded queued run `cancelled`", async () => {
    const build = controlledBuild();
    const h = await startHarness({
      name: "cancel-report",
      overrides: { buildStage: build },
      env: { SLIPWAY_DEPLOY: "off", SLIPWAY_BUILD_CONCURRENCY: "1" },
    });
    harnesses.push(h);
    await h.deliver("push", pushPayload({ sha: sha(1), branch: "slot" }));
    await h.github.waitFor(() => build.started.length === 1 || undefined);
    await h.deliver("push", pushPayload({ sha: sha(2), branch: "x" }));
    await h.github.waitFor(() => h.github.checkRuns.find((r) => r.head_sha === sha(2)));
    h.github.failNext(PATCH, { status: 502, times: 8 }); // two report attempts, each retried by Octokit
    await h.deliver("push", pushPayload({ sha: sha(3), branch: "x" }));
    const older = await h.github.waitFor(
      () => h.github.checkRuns.find((r) => r.head_sha === sha(2) && r.status === "completed"),
      15_000,
    );
    expect(older.conclusion).toBe("cancelled");
    build.releaseAll();
  });

  it("never turns a successful build into a failure because its report failed", async () => {
    const h = await startHarness({
      name: "success-kept",
      overrides: { buildStage: controlledBuild({ autoReleaseMs: 10 }) },
      env: { SLIPWAY_DEPLOY: "off", SLIPWAY_JOB_ATTEMPTS: "2" },
    });
    harnesses.push(h);
    h.github.failNext(PATCH, { status: 502, times: 12 });
    await h.deliver("push", pushPayload({ sha: sha(4), branch: "ok" }));
    const run = await h.github.waitFor(
      () => h.github.checkRuns.find((r) => r.head_sha === sha(4) && r.status === "completed"),
      15_000,
    );
    expect(run.conclusion).toBe("success");
  });
});

// Slow (seconds): Octokit's real throttling spaces an installation's writes a second apart.
describe("with GitHub's write pacing on", { timeout: 30_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      name: "pacing",
      overrides: { buildStage: controlledBuild({ autoReleaseMs: 10 }), githubThrottle: true },
      env: { SLIPWAY_DEPLOY: "off", SLIPWAY_EVENT_CONCURRENCY: "2" },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("one installation's burst does not hold back another installation's check run", async () => {
    for (let i = 0; i < 5; i++) {
      await h.deliver(
        "push",
        pushPayload({
          sha: sha(100 + i),
          branch: `burst-${i}`,
          installationId: 1,
          repoId: 100 + i,
        }),
      );
    }
    await h.deliver(
      "push",
      pushPayload({ sha: sha(200), branch: "main", installationId: 2, repoId: 200 }),
    );
    await h.github.waitFor(() => h.github.checkRuns.find((r) => r.head_sha === sha(200)), 20_000);
    const creates = h.github.calls.filter(
      (c) => c.method === "POST" && c.path.endsWith("/check-runs"),
    );
    const order = creates.map((c) => (c.body as { head_sha: string }).head_sha);
    // Behind at most the busy installation's jobs already holding event slots, not its backlog.
    expect(order).toContain(sha(200));
    expect(order.indexOf(sha(200))).toBeLessThanOrEqual(2);
  });
});
