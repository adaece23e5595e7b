/**
 * Ingestion: signed `push` deliveries over keep-alive HTTP against Slipway's web role (its own
 * process, real Redis) and against a bare Probot app (its own process), alternating A B A B per
 * concurrency after a warm-up. The load generator is this process.
 */
import { randomBytes } from "node:crypto";
import { startFakeGitHub } from "../test/fakes/fake-github.ts";
import { appPrivateKey, freePort } from "../test/support/harness.ts";
import { productionFlags, spawnNode, type NodeChild } from "./lib/child.ts";
import { pushDeliveries } from "./lib/deliveries.ts";
import { runLoad, type LoadResult } from "./lib/load.ts";
import { REDIS_URL, benchPrefix, deletePrefix, redisServerCpu } from "./lib/redis.ts";
import { median, percentile } from "./lib/stats.ts";
import { until } from "./lib/until.ts";

export type IngestionTarget = "slipway" | "bare";

export interface IngestionRun {
  target: IngestionTarget;
  concurrency: number;
  round: number;
  deliveries: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statuses: Record<string, number>;
  errors: number;
  /** CPU time of the server process per delivery, in µs (steadier than throughput on a busy machine). */
  serverCpuUs: number;
  /** CPU time of the (local) Redis server per delivery, in µs; NaN when Redis is remote. */
  redisCpuUs: number;
}

export interface IngestionFigures {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuUs: number;
  redisCpuUs: number;
}

export interface IngestionLevel {
  concurrency: number;
  slipway: IngestionFigures;
  bare: IngestionFigures;
  /** Slipway's median over bare's median. */
  throughputRatio: number;
  p99Ratio: number;
  /** The same ratios per round (A and B run back to back), for how stable they are. */
  roundRatios: Array<{ throughput: number; p99: number }>;
}

const WEBHOOK_PATH = "/api/github/webhooks";
/** Pushes cycle through these, so most of them supersede an earlier run of their branch. */
const SHAPE = { branches: 500, repositories: 7, installations: 5 };

async function waitUntilUp(port: number, child: NodeChild): Promise<void> {
  await until(
    async () => {
      if (child.process.exitCode !== null)
        throw new Error(`bench: server exited\n${child.stderr()}`);
      const response = await fetch(`http://127.0.0.1:${port}/ping`).catch(() => undefined);
      return response?.ok === true;
    },
    { timeoutMs: 30_000, everyMs: 100, what: `a server on port ${port}` },
  );
}

function summarise(
  target: IngestionTarget,
  round: number,
  {
    result,
    cpuSeconds,
    redisCpuSeconds,
  }: { result: LoadResult; cpuSeconds: number; redisCpuSeconds: number },
): IngestionRun {
  return {
    target,
    concurrency: result.concurrency,
    round,
    deliveries: result.requests,
    seconds: result.seconds,
    perSecond: result.requests / result.seconds,
    p50Ms: percentile(result.latencies, 50),
    p99Ms: percentile(result.latencies, 99),
    maxMs: percentile(result.latencies, 100),
    statuses: result.statuses,
    errors: result.errors,
    serverCpuUs: (cpuSeconds * 1e6) / Math.max(1, result.requests),
    redisCpuUs: (redisCpuSeconds * 1e6) / Math.max(1, result.requests),
  };
}

function medians(runs: IngestionRun[]): IngestionFigures {
  return {
    perSecond: median(runs.map((r) => r.perSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    serverCpuUs: median(runs.map((r) => r.serverCpuUs)),
    redisCpuUs: median(runs.map((r) => r.redisCpuUs)),
  };
}

export async function ingestion(options: {
  concurrencies: readonly number[];
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  profileDir?: string | undefined;
  progress: (line: string) => void;
}) {
  const github = await startFakeGitHub();
  const prefix = benchPrefix("ingestion");
  const secret = `whsec-${randomBytes(12).toString("hex")}`;
  const common = {
    APP_ID: "12345",
    PRIVATE_KEY: appPrivateKey(),
    WEBHOOK_SECRET: secret,
    HOST: "127.0.0.1",
    NODE_ENV: "production",
    LOG_LEVEL: "info",
  };
  const ports = { slipway: await freePort(), bare: await freePort() };
  const servers: Record<IngestionTarget, NodeChild> = {
    slipway: spawnNode("src/main.ts", {
      profileDir: options.profileDir,
      flags: productionFlags(),
      env: {
        ...common,
        PORT: String(ports.slipway),
        SLIPWAY_ROLE: "web",
        REDIS_URL,
        SLIPWAY_REDIS_PREFIX: prefix,
        // The web role must make no GitHub call; any it made would land here and be counted.
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
      },
    }),
    bare: spawnNode("bench/bare-probot.ts", {
      profileDir: options.profileDir,
      env: { ...common, PORT: String(ports.bare) },
    }),
  };
  // BullMQ's queue metadata is kept between runs; the rest of the prefix is cleared.
  const clearRedis = () => deletePrefix(prefix, (key) => key.endsWith(":meta"));

  try {
    await Promise.all([
      waitUntilUp(ports.slipway, servers.slipway),
      waitUntilUp(ports.bare, servers.bare),
    ]);
    const idle = {
      slipway: await servers.slipway.memory(),
      bare: await servers.bare.memory(),
    };
    const runs: IngestionRun[] = [];
    const redisCpu = await redisServerCpu();
    let salt = 0;
    const run = async (target: IngestionTarget, concurrency: number, seconds: number) => {
      const cpu0 = await servers[target].cpuSeconds();
      const redis0 = (await redisCpu?.()) ?? Number.NaN;
      const result = await runLoad({
        port: ports[target],
        path: WEBHOOK_PATH,
        concurrency,
        durationMs: seconds * 1000,
        maxRequests: 200_000,
        next: pushDeliveries(secret, SHAPE, salt++),
      });
      const cpuSeconds = (await servers[target].cpuSeconds()) - cpu0;
      const redisCpuSeconds = ((await redisCpu?.()) ?? Number.NaN) - redis0;
      if (target === "slipway") await clearRedis();
      return { result, cpuSeconds, redisCpuSeconds };
    };

    for (const concurrency of options.concurrencies) {
      for (const target of ["slipway", "bare"] as const)
        await run(target, concurrency, options.warmupSeconds);
      for (let round = 1; round <= options.rounds; round++) {
        for (const target of ["slipway", "bare"] as const) {
          const summary = summarise(target, round, await run(target, concurrency, options.seconds));
          runs.push(summary);
          options.progress(
            `ingestion c=${concurrency} round ${round} ${target}: ${summary.perSecond.toFixed(0)}/s, p50 ${summary.p50Ms.toFixed(1)} ms, p99 ${summary.p99Ms.toFixed(1)} ms`,
          );
        }
      }
    }

    const memory = {
      slipway: await servers.slipway.memory(),
      bare: await servers.bare.memory(),
    };
    const levels: IngestionLevel[] = options.concurrencies.map((concurrency) => {
      const of = (target: IngestionTarget) =>
        runs.filter((r) => r.concurrency === concurrency && r.target === target);
      const slipway = medians(of("slipway"));
      const bare = medians(of("bare"));
      const bareRuns = of("bare");
      return {
        concurrency,
        slipway,
        bare,
        throughputRatio: slipway.perSecond / bare.perSecond,
        p99Ratio: slipway.p99Ms / bare.p99Ms,
        roundRatios: of("slipway").map((a, i) => ({
          throughput: a.perSecond / (bareRuns[i]?.perSecond ?? Number.NaN),
          p99: a.p99Ms / (bareRuns[i]?.p99Ms ?? Number.NaN),
        })),
      };
    });
    const non200 = runs
      .filter((r) => r.errors > 0 || Object.keys(r.statuses).some((s) => s !== "200"))
      .map((r) => ({
        target: r.target,
        concurrency: r.concurrency,
        round: r.round,
        statuses: r.statuses,
        errors: r.errors,
      }));
    return {
      secondsPerRun: options.seconds,
      rounds: options.rounds,
      shape: SHAPE,
      levels,
      runs,
      non200,
      /** Peak (high-water) RSS of each server process over the whole ingestion run. */
      peakRssMB: { slipway: memory.slipway.peakRssMB, bare: memory.bare.peakRssMB },
      /** RSS of each server once it answers, before any delivery (what it loads at start). */
      idleRssMB: { slipway: idle.slipway.rssMB, bare: idle.bare.rssMB },
      githubCallsOnRequestPath: github.calls.length,
    };
  } finally {
    await Promise.all([servers.slipway.stop(), servers.bare.stop()]);
    await github.close();
    await deletePrefix(prefix);
  }
}

export type IngestionResult = Awaited<ReturnType<typeof ingestion>>;
