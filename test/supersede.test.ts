import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Running } from "../src/main.ts";
import { examplePayload, pushPayload } from "./support/examples.ts";
import { controlledBuild } from "./support/fake-stages.ts";
import { startHarness, type Harness } from "./support/harness.ts";

const sha = (n: number) => n.toString(16).padStart(40, "c");
const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

describe("latest push wins per branch", () => {
  let h: Harness;
  // The web role here runs no worker: builds run only in the separate worker instance below,
  // so a cancel must cross from the web's Redis connection to another worker's.
  let build = controlledBuild();
  let worker: Running;

  beforeAll(async () => {
    h = await startHarness({
      name: "supersede",
      role: "web",
      env: { SLIPWAY_DEPLOY: "off", SLIPWAY_BUILD_CONCURRENCY: "4", SLIPWAY_CANCEL_POLL: "1h" },
    });
  });
  beforeEach(async () => {
    build = controlledBuild();
    worker = await h.start("worker", { buildStage: build });
  });
  afterEach(async () => {
    build.releaseAll();
    await worker.close();
  });
  afterAll(async () => {
    await h.close();
  });

  const run = (s: string) => h.github.checkRuns.find((r) => r.head_sha === s);
  const concluded = (s: string) =>
    h.github.waitFor(() => (run(s)?.status === "completed" ? run(s) : undefined));

  it("cancels a running build in another worker when a newer push arrives", async () => {
    await h.deliver("push", pushPayload({ sha: sha(1), branch: "feature/a" }));
    await h.github.waitFor(() => build.started.find((b) => b.target.sha === sha(1)));
    await h.deliver("push", pushPayload({ sha: sha(2), branch: "feature/a" }));
    const older = await concluded(sha(1));
    expect(older.conclusion).toBe("cancelled");
    expect(older.output?.title).toContain(`superseded by ${sha(2).slice(0, 7)}`);
    expect(build.aborted.map((b) => b.target.sha)).toContain(sha(1));
    build.release(sha(2));
    expect((await concluded(sha(2))).conclusion).toBe("success");
  });

  it("cancels a queued run before it builds, and builds only the newest", async () => {
    const branch = "burst";
    // Occupy every slot so the burst waits in the queue.
    for (let i = 0; i < 4; i++)
      await h.deliver("push", pushPayload({ sha: sha(100 + i), branch: `busy-${i}` }));
    await h.github.waitFor(
      () =>
        build.started.filter((b) => b.target.branch.startsWith("busy-")).length === 4 || undefined,
    );
    for (let i = 10; i < 15; i++) await h.deliver("push", pushPayload({ sha: sha(i), branch }));
    await h.github.waitFor(
      () => [10, 11, 12, 13].every((i) => run(sha(i))?.status === "completed") || undefined,
    );
    for (let i = 10; i < 14; i++) {
      expect(run(sha(i))).toMatchObject({ conclusion: "cancelled" });
      expect(run(sha(i))?.output?.title).toContain("superseded by");
    }
    build.releaseAll();
    expect((await concluded(sha(14))).conclusion).toBe("success");
    await settle();
    expect(
      build.started.filter((b) => b.target.branch === branch).map((b) => b.target.sha),
    ).toEqual([sha(14)]);
  });

  it("cancels a running build when its branch is deleted", async () => {
    await h.deliver("push", pushPayload({ sha: sha(20), branch: "to-delete" }));
    await h.github.waitFor(() => build.started.find((b) => b.target.sha === sha(20)));
    await h.deliver("push", pushPayload({ branch: "to-delete", deleted: true }));
    const older = await concluded(sha(20));
    expect(older.conclusion).toBe("cancelled");
    expect(older.output?.title).toContain("branch was deleted");
  });

  it("cancels an installation's queued and running builds when it is uninstalled", async () => {
    const installationId = 777;
    // Four builds take every slot; the fifth waits in the queue.
    for (let i = 0; i < 5; i++)
      await h.deliver("push", pushPayload({ sha: sha(30 + i), branch: `t${i}`, installationId }));
    await h.github.waitFor(() => build.started.length === 4 || undefined);
    const queued = [0, 1, 2, 3, 4]
      .map((i) => sha(30 + i))
      .find((s) => !build.started.some((b) => b.target.sha === s));
    const payload = examplePayload("installation", (p) => p["action"] === "deleted");
    (payload["installation"] as Record<string, unknown>)["id"] = installationId;
    expect((await h.deliver("installation", payload)).status).toBe(200);
    await h.github.waitFor(() => build.aborted.length === 4 || undefined);
    build.releaseAll();
    await settle(800);
    expect(build.finished).toEqual([]);
    expect(build.started.map((b) => b.target.sha)).not.toContain(queued);
  });
});
