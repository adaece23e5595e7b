/**
 * Burst coalescing: 20 pushes to one branch within one second, through the web role and the
 * worker (one in-process Slipway on real Redis, fake GitHub, builds that take `buildMs`). Counts
 * the builds that started and checks that every superseded push's check run concluded
 * `cancelled`, the last one `success`, and that no push got two check runs.
 */
import { parseEnv } from "../src/config/env.ts";
import { pushPayload } from "../test/support/examples.ts";
import { controlledBuild, recordingDeploy } from "../test/support/fake-stages.ts";
import { startHarness } from "../test/support/harness.ts";
import { setTimeout as sleep } from "node:timers/promises";

export type BurstPattern = "spread" | "back-to-back";

/** Production's build coalescing (the test harness switches it off). */
const COALESCE_MS = parseEnv({}).queue.buildCoalesceMs;

async function burst(pattern: BurstPattern, pushes: number, withinMs: number, buildMs: number) {
  const build = controlledBuild({ autoReleaseMs: buildMs });
  const h = await startHarness({
    name: `bench-burst-${pattern}`,
    overrides: { buildStage: build, deployStage: recordingDeploy() },
    env: { SLIPWAY_BUILD_COALESCE: `${COALESCE_MS}ms` },
  });
  try {
    const shas = Array.from({ length: pushes }, (_, i) => (i + 1).toString(16).padStart(40, "e"));
    const t0 = performance.now();
    const answers: Array<Promise<{ status: number }>> = [];
    for (const [i, sha] of shas.entries()) {
      if (pattern === "spread") {
        // Evenly over the window, each sent on time whether or not the previous was answered.
        await sleep(Math.max(0, t0 + (i * withinMs) / pushes - performance.now()));
        answers.push(h.deliver("push", pushPayload({ sha, branch: "burst" })));
      } else {
        const answer = h.deliver("push", pushPayload({ sha, branch: "burst" }));
        answers.push(answer);
        await answer;
      }
    }
    const statuses = (await Promise.all(answers)).map((a) => a.status);
    const sentWithinMs = performance.now() - t0;
    await h.github.waitFor(
      () =>
        shas.every((sha) =>
          h.github.checkRuns.some((r) => r.head_sha === sha && r.status === "completed"),
        ),
      30_000,
    );
    const conclusionOf = (sha: string) =>
      h.github.checkRuns.filter((r) => r.head_sha === sha).map((r) => r.conclusion ?? r.status);
    const superseded = shas.slice(0, -1).map(conclusionOf);
    const last = conclusionOf(shas.at(-1) ?? "");
    const isCancelled = (c: string[]) => c.length > 0 && c.every((x) => x === "cancelled");
    return {
      pattern,
      coalesceMs: COALESCE_MS,
      pushes,
      sentWithinMs,
      acked: statuses.filter((s) => s === 200).length,
      buildsStarted: build.started.length,
      buildsFinished: build.finished.length,
      /** Superseded pushes whose check run(s) all concluded `cancelled`. */
      supersededCancelled: superseded.filter(isCancelled).length,
      supersededOther: superseded.filter((c) => !isCancelled(c)),
      /** Pushes with more than one check run (DESIGN.md: one check run per push). */
      pushesWithSeveralCheckRuns: shas.filter((sha) => conclusionOf(sha).length > 1).length,
      lastConclusion: last.join(","),
      checkRuns: h.github.checkRuns.length,
      githubCalls: h.github.apiCalls().length,
    };
  } finally {
    build.releaseAll();
    await h.close();
  }
}

export async function burstCoalescing(options: { progress: (line: string) => void }) {
  const results = [];
  for (const pattern of ["spread", "back-to-back"] as const) {
    const result = await burst(pattern, 20, 950, 1500);
    results.push(result);
    options.progress(
      `burst ${pattern}: ${result.buildsStarted} builds started, ${result.supersededCancelled}/19 superseded cancelled, last ${result.lastConclusion}`,
    );
  }
  return results;
}

export type BurstResult = Awaited<ReturnType<typeof burstCoalescing>>;
