/**
 * Memory of a worker holding a backlog: 10,000 pushes queued the way the web role queues them;
 * Slipway's worker (its own process, builds that never finish, 2 build slots) announces every one
 * — 10,000 queued check runs — and then holds 9,998 builds waiting for a slot.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { BUILDS_QUEUE } from "../src/queue/keys.ts";
import { fillSlipwayQueue, startSlipwayWorker } from "./orchestration.ts";
import { REDIS_URL } from "./lib/redis.ts";
import { until } from "./lib/until.ts";

export async function workerMemory(options: { jobs: number; progress: (line: string) => void }) {
  const { jobs } = options;
  const filled = performance.now();
  const fill = await fillSlipwayQueue("memory", jobs);
  const fillSeconds = (performance.now() - filled) / 1000;
  const builds = new Queue(BUILDS_QUEUE, { connection: new Redis(REDIS_URL), prefix: fill.prefix });
  const child = await startSlipwayWorker({
    prefix: fill.prefix,
    github: fill.github,
    env: { BENCH_BUILDS: "blocked", SLIPWAY_BUILD_CONCURRENCY: "2" },
  });
  try {
    const atStart = await child.memory();
    const t0 = performance.now();
    await fill.events.resume();
    await until(() => fill.github.checkRuns.length >= jobs, {
      timeoutMs: 120_000,
      everyMs: 50,
      what: `${jobs} check runs`,
    });
    const waitingBuilds = await until(
      async () => {
        const counts = await builds.getJobCounts("waiting", "prioritized", "delayed", "active");
        // Delayed counts too: a build may wait a moment on purpose before it may start.
        const waiting =
          (counts["waiting"] ?? 0) + (counts["prioritized"] ?? 0) + (counts["delayed"] ?? 0);
        return waiting + (counts["active"] ?? 0) >= jobs ? waiting : undefined;
      },
      { timeoutMs: 30_000, everyMs: 100, what: `${jobs} queued builds` },
    );
    const announceSeconds = (performance.now() - t0) / 1000;
    const holding = await child.memory();
    options.progress(
      `memory: worker holding ${waitingBuilds} queued builds: RSS ${holding.rssMB.toFixed(0)} MB (peak ${holding.peakRssMB.toFixed(0)} MB)`,
    );
    return {
      pushes: jobs,
      queuedBuilds: waitingBuilds,
      fillSeconds,
      announceSeconds,
      rssAtStartMB: atStart.rssMB,
      rssHoldingMB: holding.rssMB,
      peakRssMB: holding.peakRssMB,
    };
  } finally {
    await child.stop();
    await builds.close();
    await fill.close();
  }
}

export type WorkerMemoryResult = Awaited<ReturnType<typeof workerMemory>>;
