/**
 * Measures the foundation's acceptance figures on this machine (not a test: nothing asserted):
 * - ack latency of signed push deliveries (200 at concurrency 10, keep-alive) against the web
 *   role on real Redis;
 * - GitHub API calls one push costs, webhook to concluded check run;
 * - time from webhook to a visible (queued) check run while every build slot is busy.
 * Writes bench/results/latest.json and prints a table.
 */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { pushPayload } from "../test/support/examples.ts";
import { controlledBuild } from "../test/support/fake-stages.ts";
import { startHarness } from "../test/support/harness.ts";

const sha = (n: number, fill = "b") => n.toString(16).padStart(40, fill);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

async function ackLatency(total: number, concurrency: number) {
  const h = await startHarness({ name: "bench-ack", role: "web" });
  try {
    // Warm-up: connections, JIT, Lua scripts loaded.
    for (let i = 0; i < 20; i++)
      await h.deliver("push", pushPayload({ sha: sha(i, "9"), branch: `warm-${i}` }));
    const latencies: number[] = [];
    let next = 0;
    const statuses = new Map<number, number>();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const i = next++;
          const result = await h.deliver(
            "push",
            pushPayload({ sha: sha(i), branch: `bench-${i % 40}`, repoId: 1000 + (i % 7) }),
          );
          latencies.push(result.ms);
          statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      deliveries: total,
      concurrency,
      statuses: Object.fromEntries(statuses),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: Math.max(...latencies),
      perSecond: total / seconds,
      githubCallsOnRequestPath: h.github.calls.length,
    };
  } finally {
    await h.close();
  }
}

async function callsPerPush() {
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

async function visibleWhileBusy(samples: number, githubThrottle: boolean) {
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

const result = {
  machine: {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? "?",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
  at: new Date().toISOString(),
  ack: await ackLatency(200, 10),
  callsPerPush: await callsPerPush(),
  checkRunVisibleWhileBusy: await visibleWhileBusy(20, false),
  // With Octokit's real pacing (an installation's writes a second apart), as in production.
  checkRunVisibleWhileBusyPaced: await visibleWhileBusy(5, true),
};
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(
  new URL("./results/latest.json", import.meta.url),
  JSON.stringify(result, null, 2) + "\n",
);

const f = (n: number) => n.toFixed(1);
console.log(
  `machine: ${result.machine.cpus} cores, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}`,
);
console.log("| figure | value |\n| --- | --- |");
console.log(
  `| ack latency, ${result.ack.deliveries} signed pushes at concurrency ${result.ack.concurrency} | p50 ${f(result.ack.p50Ms)} ms, p99 ${f(result.ack.p99Ms)} ms, max ${f(result.ack.maxMs)} ms (${f(result.ack.perSecond)}/s) |`,
);
console.log(`| GitHub calls on the request path | ${result.ack.githubCallsOnRequestPath} |`);
console.log(
  `| GitHub calls per push (webhook → concluded) | ${result.callsPerPush.checkRunCalls} check-run calls + ${result.callsPerPush.total - result.callsPerPush.checkRunCalls} installation token (cached ~1 h) |`,
);
console.log(
  `| check run visible after the webhook, all build slots busy | p50 ${f(result.checkRunVisibleWhileBusy.p50Ms)} ms, max ${f(result.checkRunVisibleWhileBusy.maxMs)} ms |`,
);
console.log(
  `| the same with GitHub's write pacing on (as in production) | p50 ${f(result.checkRunVisibleWhileBusyPaced.p50Ms)} ms, max ${f(result.checkRunVisibleWhileBusyPaced.maxMs)} ms |`,
);
process.exit(0);
