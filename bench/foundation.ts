/**
 * The foundation's figures beside issue 7's (ack latency now comes from bench/ingestion.ts):
 * - GitHub API calls one push costs, webhook to concluded check run;
 * - time from webhook to a visible (queued) check run while every build slot is busy, without
 *   and with Octokit's write pacing.
 */
import { pushPayload } from "../test/support/examples.ts";
import { controlledBuild } from "../test/support/fake-stages.ts";
import { startHarness } from "../test/support/harness.ts";
import { percentile } from "./lib/stats.ts";

const sha = (n: number, fill = "b") => n.toString(16).padStart(40, fill);

export async function callsPerPush() {
  const h = await startHarness({
    name: "bench-calls",
    overrides: { buildStage: controlledBuild({ autoReleaseMs: 10 }) },
    env: { SLIPWAY_DEPLOY: "off" },
  });
  try {
    await h.deliver("push", pushPayload({ sha: sha(1, "c"), branch: "calls" }));
    await h.github.waitFor(() => h.github.checkRuns.find((r) => r.status === "completed"));
    await new Promise((r) => setTimeout(r, 300));
    const calls = h.github.calls.map(
      (c) => `${c.method} ${c.path.replace(/\/\d+($|\/)/g, "/:id$1")}`,
    );
    return { total: calls.length, checkRunCalls: h.github.apiCalls().length, calls };
  } finally {
    await h.close();
  }
}

export async function visibleWhileBusy(samples: number, githubThrottle: boolean) {
  const build = controlledBuild();
  const h = await startHarness({
    name: "bench-busy",
    overrides: { buildStage: build, githubThrottle },
    env: { SLIPWAY_DEPLOY: "off", SLIPWAY_BUILD_CONCURRENCY: "2" },
  });
  try {
    for (let i = 0; i < 2; i++)
      await h.deliver("push", pushPayload({ sha: sha(i, "d"), branch: `hold-${i}` }));
    await h.github.waitFor(() => build.started.length === 2 || undefined);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const target = sha(100 + i, "d");
      const t0 = performance.now();
      await h.deliver("push", pushPayload({ sha: target, branch: `waits-${i}` }));
      await h.github.waitFor(() =>
        h.github.checkRuns.find((r) => r.head_sha === target && r.status === "queued"),
      );
      times.push(performance.now() - t0);
    }
    return {
      samples,
      slotsBusy: 2,
      githubThrottle,
      p50Ms: percentile(times, 50),
      maxMs: Math.max(...times),
    };
  } finally {
    build.releaseAll();
    await h.close();
  }
}

export async function foundation() {
  return {
    callsPerPush: await callsPerPush(),
    checkRunVisibleWhileBusy: await visibleWhileBusy(20, false),
    // With Octokit's real pacing (an installation's writes a second apart), as in production.
    checkRunVisibleWhileBusyPaced: await visibleWhileBusy(5, true),
  };
}

export type FoundationResult = Awaited<ReturnType<typeof foundation>>;
