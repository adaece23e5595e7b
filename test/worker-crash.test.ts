import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChildWorker, type ChildWorker } from "./support/child-worker.ts";
import { pushPayload } from "./support/examples.ts";
import { startHarness, type Harness } from "./support/harness.ts";

const sha = (n: number) => n.toString(16).padStart(40, "d");

// Slow: real worker processes, killed with SIGKILL, and BullMQ's lock expiry (2 s here).
describe("a worker killed mid-build", { timeout: 60_000 }, () => {
  let h: Harness;
  const children: ChildWorker[] = [];
  const spawnWorker = async () => {
    const child = startChildWorker({ ...h.env, SLIPWAY_DEPLOY: "off", FAKE_BUILD_MS: "2500" });
    children.push(child);
    await child.ready;
    return child;
  };

  beforeAll(async () => {
    h = await startHarness({ name: "worker-crash", role: "web", env: { SLIPWAY_DEPLOY: "off" } });
  });
  afterAll(async () => {
    for (const child of children) await child.kill();
    await h.close();
  });

  it("is picked up by another worker and its check run concludes once", async () => {
    const first = await spawnWorker();
    await h.deliver("push", pushPayload({ sha: sha(1), branch: "crash" }));
    await h.github.waitFor(() => first.started.includes(sha(1)) || undefined);
    await first.kill();
    expect(first.finished).not.toContain(sha(1));

    const second = await spawnWorker();
    const run = await h.github.waitFor(
      () => h.github.checkRuns.find((r) => r.head_sha === sha(1) && r.status === "completed"),
      30_000,
    );
    expect(run.conclusion).toBe("success");
    expect(second.finished).toEqual([sha(1)]);
    expect(h.github.checkRuns.filter((r) => r.head_sha === sha(1))).toHaveLength(1);
  });
});
