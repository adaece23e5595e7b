import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushPayload } from "./support/examples.ts";
import { controlledBuild } from "./support/fake-stages.ts";
import { startHarness, type Harness } from "./support/harness.ts";

const sha = (n: number) => n.toString(16).padStart(40, "d");

describe("build coalescing (SLIPWAY_BUILD_COALESCE)", () => {
  let h: Harness;
  // Builds finish on their own, so a build that started for a superseded push would show up.
  const build = controlledBuild({ autoReleaseMs: 50 });

  beforeAll(async () => {
    h = await startHarness({
      name: "build-coalesce",
      overrides: { buildStage: build },
      env: { SLIPWAY_DEPLOY: "off", SLIPWAY_BUILD_COALESCE: "1500ms" },
    });
  });
  afterAll(async () => {
    build.releaseAll();
    await h.close();
  });

  const runsOf = (s: string) => h.github.checkRuns.filter((r) => r.head_sha === s);

  it("builds only the last of a burst; the others wait, are superseded and conclude cancelled", async () => {
    const shas = [1, 2, 3, 4, 5].map(sha);
    for (const s of shas) {
      await h.deliver("push", pushPayload({ sha: s, branch: "coalesce" }));
      await new Promise((r) => setTimeout(r, 100));
    }
    const last = shas.at(-1) ?? "";
    await h.github.waitFor(
      () => shas.every((s) => runsOf(s)[0]?.status === "completed") || undefined,
      15_000,
    );
    for (const s of shas.slice(0, -1)) {
      expect(runsOf(s)).toHaveLength(1);
      expect(runsOf(s)[0]).toMatchObject({ conclusion: "cancelled" });
      expect(runsOf(s)[0]?.output?.title).toContain(`superseded by`);
    }
    expect(runsOf(last)).toMatchObject([{ conclusion: "success" }]);
    expect(build.started.map((b) => b.target.sha)).toEqual([last]);
  });
});
