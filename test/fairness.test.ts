import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushPayload } from "./support/examples.ts";
import { controlledBuild } from "./support/fake-stages.ts";
import { startHarness, type Harness } from "./support/harness.ts";

const sha = (n: number) => n.toString(16).padStart(40, "f");

describe("fair share of build slots between installations", () => {
  let h: Harness;
  const build = controlledBuild();

  beforeAll(async () => {
    h = await startHarness({
      name: "fairness",
      overrides: { buildStage: build },
      env: { SLIPWAY_DEPLOY: "off", SLIPWAY_BUILD_CONCURRENCY: "2" },
    });
  });
  afterAll(async () => {
    build.releaseAll();
    await h.close();
  });

  it("lets one push of a quiet installation start before a busy installation's backlog", async () => {
    const busy = 101;
    const quiet = 202;
    // The busy installation pushes 50 commits to 50 branches (nothing supersedes anything).
    for (let i = 0; i < 50; i++) {
      await h.deliver(
        "push",
        pushPayload({ sha: sha(i), branch: `busy/${i}`, installationId: busy, repoId: 5000 + i }),
      );
    }
    await h.github.waitFor(
      () => h.github.checkRuns.filter((r) => r.status === "queued").length === 48 || undefined,
    );
    expect(build.started).toHaveLength(2); // both slots busy with its first two builds

    await h.deliver(
      "push",
      pushPayload({ sha: sha(999), branch: "main", installationId: quiet, repoId: 9999 }),
    );
    await h.github.waitFor(() => h.github.checkRuns.find((r) => r.head_sha === sha(999)));

    // Free the slots one at a time: the quiet installation's push may wait for at most one more
    // of the busy installation's builds, not for its backlog of 48.
    const before = build.started.length;
    for (
      let freed = 0;
      freed < 2 && !build.started.some((b) => b.target.installationId === quiet);
      freed++
    ) {
      const running = build.started.find((b) => !build.finished.includes(b));
      build.release(running?.target.sha ?? "");
      await h.github.waitFor(() => build.started.length > before + freed || undefined);
    }
    const startedAfter = build.started.slice(before).map((b) => b.target.installationId);
    expect(startedAfter).toContain(quiet);
    expect(startedAfter.indexOf(quiet)).toBeLessThanOrEqual(1);

    build.releaseAll();
    await h.github.waitFor(
      () => h.github.checkRuns.filter((r) => r.status === "completed").length === 51 || undefined,
      20_000,
    );
    expect(h.github.checkRuns.every((r) => r.conclusion === "success")).toBe(true);
  });
});
