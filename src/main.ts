import { realpathSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { CoalescedRedis } from "./support/coalesced-redis.ts";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { Probot, ProbotOctokit, run } from "probot";
import type { BuildStage } from "./build/build-stage.ts";
import { ConfigError, parseEnv, type Config } from "./config/env.ts";
import { loadPrivateKey } from "./config/private-key.ts";
import type { DeployStage } from "./deploy/deploy-stage.ts";
import { healthHandler } from "./http/health.ts";
import { startHealthServer } from "./http/health-server.ts";
import { stopOnSignals } from "./stop-on-signals.ts";
import { startWebRole } from "./web-role.ts";
import { redisPassword } from "./config/redis-password.ts";
import { within } from "./support/within.ts";
import { createMetrics, type Metrics } from "./http/metrics.ts";
import { octokitMetrics } from "./github/octokit-metrics.ts";
import { createLogger } from "./logger.ts";
import { BUILDS_QUEUE, EVENTS_QUEUE, redisKeys } from "./queue/keys.ts";
import { withScripts } from "./queue/scripts.ts";

/** What tests (and only tests) replace: the stages, the logger, the clock and retry pacing. */
export interface Overrides {
  buildStage?: BuildStage;
  deployStage?: DeployStage;
  log?: Logger;
  now?: () => number;
  /** Octokit's retry delay unit (1 s by default: waits 1 s, 4 s, 9 s). */
  githubRetryBaseMs?: number;
  /**
   * Octokit's throttling spaces an installation's writes a second apart, as GitHub asks of
   * integrations; tests that push many commits switch it off to stay fast.
   */
  githubThrottle?: boolean;
  /** The cluster to deploy to (default: KUBECONFIG, ~/.kube/config or in-cluster). */
  kubeConfig?: KubeConfig;
  /** How often the rollout wait reads the Deployment (default 1 s). */
  rolloutPollMs?: number;
  /** How often a starting build engine's pod is read (default 1 s). */
  enginePollMs?: number;
  /** The sweeper's pace (every minute; open runs younger than 30 s are left alone). */
  sweep?: { everyMs?: number; graceMs?: number; giveUpMs?: number };
}

export interface Running {
  /** The HTTP port of the web role, if it runs. */
  port: number | undefined;
  metrics: Metrics;
  /**
   * Stops: the web role finishes the deliveries in flight and takes no more; the worker takes no
   * more jobs and lets running ones finish for up to `graceMs`, then hands them back to the
   * queue for another worker. `force` skips the wait (tests).
   */
  close(options?: { force?: boolean; graceMs?: number }): Promise<void>;
}

function redisConnection(config: Config, name: string, forWorker: boolean): Redis {
  return new CoalescedRedis(config.redis.url, {
    connectionName: `slipway-${name}`,
    // BullMQ's blocking worker connections must retry forever; request-path commands fail fast
    // so GitHub gets an error (and can redeliver) instead of a hang.
    maxRetriesPerRequest: forWorker ? null : 2,
    connectTimeout: 5_000,
  });
}

/**
 * Starts Slipway's roles for a parsed configuration. The composition root: every client, store
 * and processor is built and wired here.
 */
export async function startSlipway(config: Config, overrides: Overrides = {}): Promise<Running> {
  const log = overrides.log ?? createLogger(config.logLevel, config.logFormat);
  const metrics = createMetrics();
  const now = overrides.now ?? Date.now;
  const { appId, privateKey: keySource } = config.github;
  if (appId === undefined || keySource === undefined) {
    throw new ConfigError(
      "APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are required to receive and report events",
    );
  }
  const privateKey = await loadPrivateKey(keySource);
  const keys = redisKeys(config.redis.prefix);
  const retry = { attempts: config.queue.attempts, retryDelayMs: config.queue.retryDelayMs };
  const secretValues = [
    privateKey,
    config.github.webhookSecret,
    config.dagger?.sessionToken,
    config.registry?.credentials?.password,
    redisPassword(config.redis.url),
    config.adminToken,
  ].filter((s): s is string => s !== undefined && s !== "");
  // Installation tokens this process fetched (for builds): redacted wherever text is shown or
  // stored, whatever their format. Kept in memory only, the newest few hundred.
  const liveTokens = new Set<string>();
  const rememberToken = (token: string) => {
    liveTokens.delete(token);
    liveTokens.add(token);
    if (liveTokens.size > 500) liveTokens.delete(liveTokens.values().next().value ?? "");
    return token;
  };
  const secrets = () => [...secretValues, ...liveTokens];

  const connections: Redis[] = [];
  const closers: Array<(options: { force: boolean; graceMs: number }) => Promise<unknown>> = [];
  const connect = (name: string, forWorker = false) => {
    const connection = redisConnection(config, name, forWorker);
    connection.on("error", (error: Error) => {
      // The message only: ioredis errors carry the failed command, whose args hold AUTH's password.
      log.warn({ error: error.message, connection: name }, "redis connection error");
    });
    connections.push(connection);
    return connection;
  };
  async function close(options: { force: boolean; graceMs: number }) {
    for (const closer of closers) {
      await closer(options).catch((error: unknown) => {
        log.warn({ err: error }, "error while stopping");
      });
    }
    // QUIT waits for Redis; an unreachable one must not keep the process from exiting.
    await Promise.all(
      connections.map((c) =>
        within(2_000, "redis quit", c.quit()).catch(() => {
          c.disconnect();
        }),
      ),
    );
  }

  const SlipwayProbot = Probot.defaults({
    appId,
    privateKey,
    secret: config.github.webhookSecret ?? "development",
    baseUrl: config.github.baseUrl,
    log,
    // A function, so it applies after Probot's own defaults (which set `throttle`).
    Octokit: ProbotOctokit.plugin(octokitMetrics(metrics, log)).defaults(
      (options: Record<string, unknown>) => ({
        ...options,
        retry: { retryAfterBaseValue: overrides.githubRetryBaseMs ?? 1000 },
        ...(overrides.githubThrottle === false ? { throttle: { enabled: false } } : {}),
      }),
    ),
  });

  /** Checks /readyz runs besides Redis (the worker adds the cluster's). */
  const readiness: Array<() => Promise<void>> = [];
  try {
    // Queues for adding jobs; the web role's connection fails fast (see redisConnection).
    const queueConnection = connect("queues", config.role === "worker");
    const events = new Queue(EVENTS_QUEUE, { connection: queueConnection, prefix: keys.prefix });
    const builds = new Queue(BUILDS_QUEUE, { connection: queueConnection, prefix: keys.prefix });
    closers.push(() => Promise.all([events.close(), builds.close()]));
    for (const queue of [events, builds]) {
      queue.on("error", (error) => {
        log.warn({ err: error, queue: queue.name }, "queue connection error");
      });
    }

    if (config.role !== "web") {
      const { startWorkerRole } = await import("./worker-role.ts");
      await startWorkerRole({
        config,
        overrides,
        log,
        metrics,
        now,
        keys,
        retry,
        appId,
        SlipwayProbot,
        events,
        builds,
        connect,
        secrets,
        rememberToken,
        closers,
        readiness,
      });
    }

    const health = healthHandler({
      ready: async () => {
        await within(2_000, "Redis", queueConnection.ping());
        for (const check of readiness) await check();
      },
      metrics: {
        registry: metrics.registry,
        refresh: async () => {
          for (const queue of [events, builds]) {
            const counts = await within(
              2_000,
              "Redis",
              queue.getJobCounts("waiting", "prioritized", "active", "delayed", "failed"),
            );
            for (const [state, count] of Object.entries(counts)) {
              metrics.queueDepth.set({ queue: queue.name, state }, count);
            }
          }
        },
      },
    });

    let port: number | undefined;
    if (config.role === "worker") {
      const healthServer = await startHealthServer(health, {
        port: config.http.port,
        host: config.http.host ?? "0.0.0.0",
      });
      port = healthServer.port;
      // Closed last: probes keep answering while running jobs finish.
      closers.push(healthServer.close);
    }
    if (config.role !== "worker") {
      port = await startWebRole({
        config,
        log,
        metrics,
        keys,
        retry,
        SlipwayProbot,
        events,
        builds,
        health,
        // The queues' connection (fail-fast in this role): a delivery's script and its job add
        // then share one socket, so one turn's commands go out in one write, not one per socket.
        redis: withScripts(queueConnection),
        closers,
      });
    }

    return {
      port,
      metrics,
      close: (options = {}) =>
        close({
          force: options.force ?? false,
          graceMs: options.graceMs ?? config.shutdownGraceMs,
        }),
    };
  } catch (error) {
    await close({ force: true, graceMs: 0 });
    throw error;
  }
}

/** Entry point: parse the environment once, then start (or run Probot's setup page). */
export async function main(env: Record<string, string | undefined>): Promise<void> {
  const config = parseEnv(env);
  const missingCredentials =
    config.github.appId === undefined || config.github.privateKey === undefined;
  if (missingCredentials && !config.production && config.role !== "worker") {
    // Probot's setup page registers the GitHub App from app.yml and writes .env.
    await run(() => undefined, { env: { ...env, HOST: config.http.host ?? "0.0.0.0" } });
    return;
  }
  const log = createLogger(config.logLevel, config.logFormat);
  const running = await startSlipway(config, { log });
  stopOnSignals(running, log, config.shutdownGraceMs);
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main(process.env).catch((error: unknown) => {
    const message =
      error instanceof ConfigError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    console.error(`slipway: ${message}`);
    process.exit(1);
  });
}
