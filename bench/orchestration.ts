/**
 * Orchestration: push jobs through Slipway's worker role (its own process, instant fake build and
 * deploy stages, the fake GitHub in this process, throttling off) against a raw BullMQ worker that
 * does nothing per job (its own process, same Redis, same concurrency) — and, for reference, one
 * that makes the same six GitHub calls with plain fetch — alternating after a warm-up. Each
 * run fills a paused queue first and times from `resume` to the last job done.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createIntake } from "../src/queue/intake.ts";
import type { AnnounceJob } from "../src/queue/jobs.ts";
import { jobId, jobOptions } from "../src/queue/job-options.ts";
import { EVENTS_QUEUE, redisKeys } from "../src/queue/keys.ts";
import { withScripts } from "../src/queue/scripts.ts";
import type { RunTarget } from "../src/queue/intent.ts";
import { startFakeGitHub, type FakeGitHub } from "../test/fakes/fake-github.ts";
import { appPrivateKey } from "../test/support/harness.ts";
import { productionFlags, spawnNode, type NodeChild } from "./lib/child.ts";
import { isChildMessage } from "./lib/ipc.ts";
import { REDIS_URL, benchPrefix, deletePrefix } from "./lib/redis.ts";
import { median } from "./lib/stats.ts";
import { until } from "./lib/until.ts";

/** Slipway's own defaults for a job's retries; only the options matter here, not the timing. */
const RETRY = { attempts: 3, retryDelayMs: 5_000 };

export type OrchestrationTarget = "slipway" | "raw" | "raw-github";

export interface OrchestrationRun {
  target: OrchestrationTarget;
  round: number;
  jobs: number;
  seconds: number;
  perSecond: number;
  /** CPU time of the worker process per job, in ms. */
  workerCpuMsPerJob: number;
  peakRssMB: number;
  /** Redis commands the worker sent per job (EVALSHA counts once, whatever its script does). */
  redisCommandsPerJob: number;
}

/** The target of push `i`: its own branch (no superseding), spread over installations and repositories. */
export function pushTarget(i: number, salt: string): RunTarget {
  return {
    installationId: 100 + (i % 5),
    owner: "bench",
    repo: `repo-${i % 7}`,
    repoId: 1000 + (i % 7),
    branch: `orchestration-${salt}-${i}`,
    sha: createShaFor(i, salt),
  };
}

function createShaFor(i: number, salt: string): string {
  return `${salt}${i.toString(16)}`.padStart(40, "0").slice(-40);
}

/** Runs `task(i)` for i < count with `concurrency` in flight. */
export async function forEachConcurrently(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

export interface SlipwayQueueFill {
  prefix: string;
  github: FakeGitHub;
  events: Queue;
  close(): Promise<void>;
}

/**
 * Queues `count` pushes the way the web role does (the same intake, so dedupe markers, fair
 * priorities and latest-run entries exist) into a paused events queue under a fresh prefix.
 */
export async function fillSlipwayQueue(name: string, count: number): Promise<SlipwayQueueFill> {
  const github = await startFakeGitHub();
  const prefix = benchPrefix(name);
  const keys = redisKeys(prefix);
  const redis = withScripts(new Redis(REDIS_URL));
  const events = new Queue(EVENTS_QUEUE, { connection: new Redis(REDIS_URL), prefix });
  await events.pause();
  const intake = createIntake({ redis, events, keys, retry: RETRY });
  const salt = randomBytes(3).toString("hex");
  await forEachConcurrently(count, 50, async (i) => {
    const result = await intake.submit(randomUUID(), {
      kind: "run",
      trigger: "push",
      target: pushTarget(i, salt),
    });
    if (result !== "queued") throw new Error(`bench: push ${i} was ${result}`);
  });
  redis.disconnect();
  return {
    prefix,
    github,
    events,
    async close() {
      await events.close();
      await github.close();
      await deletePrefix(prefix);
    },
  };
}

/** Starts Slipway's worker role (bench/lib/slipway-worker.ts) on a prefix and a fake GitHub. */
export async function startSlipwayWorker(options: {
  prefix: string;
  github: FakeGitHub;
  env?: Record<string, string>;
  profileDir?: string | undefined;
}): Promise<NodeChild> {
  const child = spawnNode("bench/lib/slipway-worker.ts", {
    ipc: true,
    profileDir: options.profileDir,
    // Measured as `npm start` runs it.
    flags: productionFlags(),
    env: {
      APP_ID: "12345",
      PRIVATE_KEY: appPrivateKey(),
      WEBHOOK_SECRET: "unused-by-workers",
      GHE_HOST: options.github.host,
      GHE_PROTOCOL: "http",
      HOST: "127.0.0.1",
      PORT: "0",
      NODE_ENV: "production",
      LOG_LEVEL: "info",
      REDIS_URL,
      SLIPWAY_ROLE: "worker",
      SLIPWAY_REDIS_PREFIX: options.prefix,
      ...options.env,
    },
  });
  await child.message((m) => (isChildMessage(m) && m.type === "ready" ? m : undefined));
  return child;
}

/** The Redis commands a worker child has sent so far, by name. */
async function redisCommands(child: NodeChild): Promise<Record<string, number>> {
  const answer = child.message((m) => (isChildMessage(m) && m.type === "stats" ? m : undefined));
  child.send({ type: "stats" });
  return (await answer).redisCommands;
}

/** Commands per job between two counts: the total and the busiest commands. */
function perJob(before: Record<string, number>, after: Record<string, number>, jobs: number) {
  const byName = Object.entries(after)
    .map(([name, n]) => [name, (n - (before[name] ?? 0)) / jobs] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  return {
    total: byName.reduce((sum, [, n]) => sum + n, 0),
    byName: Object.fromEntries(byName.map(([name, n]) => [name, Math.round(n * 100) / 100])),
  };
}

function completedRuns(github: FakeGitHub): number {
  let n = 0;
  for (const run of github.checkRuns) if (run.status === "completed") n++;
  return n;
}

async function slipwayRun(jobs: number, concurrency: number, profileDir: string | undefined) {
  const fill = await fillSlipwayQueue("orchestration", jobs);
  const child = await startSlipwayWorker({
    prefix: fill.prefix,
    github: fill.github,
    profileDir,
    env: {
      SLIPWAY_EVENT_CONCURRENCY: String(concurrency),
      SLIPWAY_BUILD_CONCURRENCY: String(concurrency),
    },
  });
  try {
    const commands0 = await redisCommands(child);
    const cpu0 = await child.cpuSeconds();
    const t0 = performance.now();
    await fill.events.resume();
    await until(() => completedRuns(fill.github) >= jobs, {
      timeoutMs: 180_000,
      everyMs: 5,
      what: `${jobs} concluded check runs`,
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = (await child.cpuSeconds()) - cpu0;
    const memory = await child.memory();
    const redis = perJob(commands0, await redisCommands(child), jobs);
    const calls = fill.github.calls;
    const conclusions: Record<string, number> = {};
    for (const run of fill.github.checkRuns) {
      const key = run.conclusion ?? run.status;
      conclusions[key] = (conclusions[key] ?? 0) + 1;
    }
    const count = (test: (method: string, path: string) => boolean) =>
      calls.filter((c) => test(c.method, c.path)).length;
    return {
      seconds,
      cpuMsPerJob: (cpu * 1000) / jobs,
      peakRssMB: memory.peakRssMB,
      redis,
      conclusions,
      calls: {
        checkRuns: count((_, path) => /\/check-runs(\/|$)/.test(path)),
        deployments: count((_, path) => /\/deployments(\/|$)/.test(path)),
        installationTokens: count((_, path) => /\/access_tokens$/.test(path)),
        other: count(
          (_, path) => !/\/check-runs(\/|$)|\/deployments(\/|$)|\/access_tokens$/.test(path),
        ),
        /** The other calls, as `METHOD /path` with ids as :id, and how often. */
        otherCalls: Object.fromEntries(
          [
            ...calls
              .filter(
                (c) => !/\/check-runs(\/|$)|\/deployments(\/|$)|\/access_tokens$/.test(c.path),
              )
              .reduce((m, c) => {
                const key = `${c.method} ${c.path.replace(/\/\d+(?=\/|$)/g, "/:id")}`;
                return m.set(key, (m.get(key) ?? 0) + 1);
              }, new Map<string, number>()),
          ].sort((x, y) => y[1] - x[1]),
        ),
        failed: calls.filter((c) => c.status >= 400).length,
      },
    };
  } finally {
    await child.stop();
    await fill.close();
  }
}

/**
 * A raw BullMQ worker doing nothing per job, or (`withGitHub`) the six GitHub calls Slipway's
 * worker makes per push here (three check-run calls, three Deployments API calls).
 */
async function rawRun(jobs: number, concurrency: number, withGitHub: boolean) {
  const github = withGitHub ? await startFakeGitHub() : undefined;
  const prefix = benchPrefix("orchestration-raw");
  const queue = new Queue("raw", { connection: new Redis(REDIS_URL), prefix });
  await queue.pause();
  const salt = randomBytes(3).toString("hex");
  for (let start = 0; start < jobs; start += 500) {
    await queue.addBulk(
      Array.from({ length: Math.min(500, jobs - start) }, (_, k) => {
        const deliveryId = randomUUID();
        const data: AnnounceJob = {
          deliveryId,
          receivedAt: Date.now(),
          runKey: deliveryId,
          trigger: "push",
          target: pushTarget(start + k, salt),
        };
        // The same options Slipway's jobs get (retries, trimming of finished jobs).
        return { name: "announce", data, opts: jobOptions(RETRY, jobId("announce", deliveryId)) };
      }),
    );
  }
  const child = spawnNode("bench/lib/raw-worker.ts", {
    ipc: true,
    env: {
      REDIS_URL,
      BENCH_PREFIX: prefix,
      BENCH_QUEUE: "raw",
      BENCH_JOBS: String(jobs),
      BENCH_CONCURRENCY: String(concurrency),
      ...(github === undefined
        ? {}
        : { BENCH_GITHUB_URL: github.baseUrl, BENCH_DEPLOYMENTS: "on" }),
    },
  });
  try {
    await child.message((m) => (isChildMessage(m) && m.type === "ready" ? m : undefined));
    const commands0 = await redisCommands(child);
    const cpu0 = await child.cpuSeconds();
    const t0 = performance.now();
    const done = child.message(
      (m) => (isChildMessage(m) && m.type !== "ready" ? m : undefined),
      180_000,
    );
    await queue.resume();
    const outcome = await done;
    if (outcome.type === "failed") throw new Error(`bench: raw worker: ${outcome.error}`);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = (await child.cpuSeconds()) - cpu0;
    const memory = await child.memory();
    const redis = perJob(commands0, await redisCommands(child), jobs);
    return { seconds, cpuMsPerJob: (cpu * 1000) / jobs, peakRssMB: memory.peakRssMB, redis };
  } finally {
    await child.stop();
    await queue.close();
    await github?.close();
    await deletePrefix(prefix);
  }
}

export async function orchestration(options: {
  jobs: number;
  warmupJobs: number;
  rounds: number;
  concurrency: number;
  profileDir?: string | undefined;
  progress: (line: string) => void;
}) {
  const { jobs, concurrency } = options;
  await slipwayRun(options.warmupJobs, concurrency, undefined);
  await rawRun(options.warmupJobs, concurrency, false);
  await rawRun(options.warmupJobs, concurrency, true);
  const runs: OrchestrationRun[] = [];
  let details: Awaited<ReturnType<typeof slipwayRun>> | undefined;
  for (let round = 1; round <= options.rounds; round++) {
    const a = await slipwayRun(jobs, concurrency, round === 1 ? options.profileDir : undefined);
    details = a;
    runs.push({
      target: "slipway",
      round,
      jobs,
      seconds: a.seconds,
      perSecond: jobs / a.seconds,
      workerCpuMsPerJob: a.cpuMsPerJob,
      peakRssMB: a.peakRssMB,
      redisCommandsPerJob: a.redis.total,
    });
    for (const target of ["raw", "raw-github"] as const) {
      const b = await rawRun(jobs, concurrency, target === "raw-github");
      runs.push({
        target,
        round,
        jobs,
        seconds: b.seconds,
        perSecond: jobs / b.seconds,
        workerCpuMsPerJob: b.cpuMsPerJob,
        peakRssMB: b.peakRssMB,
        redisCommandsPerJob: b.redis.total,
      });
    }
    const last = (target: OrchestrationTarget) =>
      runs.findLast((r) => r.target === target)?.perSecond.toFixed(0) ?? "?";
    options.progress(
      `orchestration round ${round}: slipway ${last("slipway")} jobs/s, raw ${last("raw")}, raw + the same 6 GitHub calls ${last("raw-github")}`,
    );
  }
  const of = (target: OrchestrationTarget) => runs.filter((r) => r.target === target);
  const figures = (target: OrchestrationTarget) => ({
    perSecond: median(of(target).map((r) => r.perSecond)),
    workerCpuMsPerJob: median(of(target).map((r) => r.workerCpuMsPerJob)),
    redisCommandsPerJob: median(of(target).map((r) => r.redisCommandsPerJob)),
  });
  const slipway = figures("slipway");
  const raw = figures("raw");
  const rawGitHub = figures("raw-github");
  const calls = details?.calls;
  return {
    jobs,
    rounds: options.rounds,
    concurrency,
    slipway,
    raw,
    /** Not a target: the floor of the IO a push needs (same calls, plain fetch, no Slipway). */
    rawGitHub,
    ratio: slipway.perSecond / raw.perSecond,
    ratioToRawGitHub: slipway.perSecond / rawGitHub.perSecond,
    /** From the last Slipway round: what GitHub saw, per push. */
    githubPerJob:
      calls === undefined
        ? undefined
        : {
            checkRuns: calls.checkRuns / jobs,
            deployments: calls.deployments / jobs,
            total: (calls.checkRuns + calls.deployments + calls.other) / jobs,
            /** Calls neither check runs, deployments nor tokens, in absolute numbers. */
            otherCalls: calls.otherCalls,
            installationTokens: calls.installationTokens,
            failedCalls: calls.failed,
          },
    conclusions: details?.conclusions,
    /** From the last Slipway round: Redis commands per push by name. */
    slipwayRedisCommands: details?.redis.byName,
    runs,
  };
}

export type OrchestrationResult = Awaited<ReturnType<typeof orchestration>>;
