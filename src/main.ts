import { realpathSync } from "node:fs";
import type { KubeConfig } from "@kubernetes/client-node";
import { fileURLToPath } from "node:url";
import { Queue, type ConnectionOptions } from "bullmq";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { z } from "zod";
import { Probot, ProbotOctokit, Server, run } from "probot";
import type { BuildStage } from "./build/build-stage.ts";
import { ConfigError, parseEnv, type Config } from "./config/env.ts";
import { loadPrivateKey } from "./config/private-key.ts";
import type { DeployStage } from "./deploy/deploy-stage.ts";
import type { KubernetesDeployStage } from "./deploy/kubernetes-deploy-stage.ts";
import { webhookHandler } from "./github/webhook-handler.ts";
import { cachedReadiness } from "./http/cached-readiness.ts";
import { healthHandler } from "./http/health.ts";
import { startHealthServer } from "./http/health-server.ts";
import { stopOnSignals } from "./stop-on-signals.ts";
import { takeOverWebhooks } from "./http/take-over-webhooks.ts";
import { redisPassword } from "./config/redis-password.ts";
import { within } from "./support/within.ts";
import { perKey } from "./support/per-key.ts";
import { createMetrics, type Metrics } from "./http/metrics.ts";
import { octokitMetrics } from "./github/octokit-metrics.ts";
import { createLogger } from "./logger.ts";
import type { QueueDeps } from "./queue/queue-deps.ts";
import { createIntake } from "./queue/intake.ts";
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

const GITHUB_TIMEOUT_MS = 60_000;

/** What Octokit's installation auth resolves to (only the token is used, never stored). */
const InstallationToken = z.object({ token: z.string().min(1) });

function redisConnection(config: Config, name: string, forWorker: boolean): Redis {
  return new Redis(config.redis.url, {
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
      // The worker's modules load only here, so a web-only process never holds them (the
      // Kubernetes client and the Dagger SDK load further down, only when they are used).
      const { createReporter } = await import("./github/reporter.ts");
      const { checkRunsClient } = await import("./github/check-runs.ts");
      const { deploymentsClient } = await import("./github/deployments.ts");
      const { hookDeliveriesClient } = await import("./github/hook-deliveries.ts");
      const { deliveryLogStore } = await import("./queue/delivery-log-store.ts");
      const { createCancellation } = await import("./queue/cancellation.ts");
      const { createEventProcessor } = await import("./queue/event-processor.ts");
      const { fairScheduler } = await import("./queue/fair.ts");
      const { createPipelineProcessor } = await import("./queue/pipeline-processor.ts");
      const { runStateStore } = await import("./queue/run-state.ts");
      const { startWorkers } = await import("./queue/start-workers.ts");
      const { conversationClient } = await import("./github/conversation.ts");
      const { branchStore } = await import("./queue/branch-store.ts");
      const { previewComments } = await import("./queue/preview-comments.ts");
      const { readyImages } = await import("./queue/ready-images.ts");
      const { onceStore } = await import("./queue/once.ts");
      const { removedTenants } = await import("./queue/removed-tenants.ts");
      // Worker state must survive a Redis restart: its connection waits instead of failing.
      const redis = withScripts(connect("worker-commands", true));
      const probot = new SlipwayProbot({});
      // One Octokit per installation, kept (its auth hook renews the token): building one per
      // call (plugins, hooks, request defaults) was about a tenth of the worker's CPU.
      const octokitFor = perKey((installationId: number) => probot.auth(installationId));
      const checkRunUrl = (target: { owner: string; repo: string }, checkRunId: number) =>
        `${config.github.webUrl}/${target.owner}/${target.repo}/runs/${checkRunId}`;
      const reporter = createReporter({
        clientFor: async (installationId) =>
          checkRunsClient(await octokitFor(installationId), GITHUB_TIMEOUT_MS),
        deploymentsFor: async (installationId) =>
          deploymentsClient(await octokitFor(installationId), GITHUB_TIMEOUT_MS),
        checkRunUrl,
        secrets,
        now: () => new Date(now()),
        deploys: config.deploy,
      });
      const conversation = async (installationId: number) =>
        conversationClient(await octokitFor(installationId), GITHUB_TIMEOUT_MS, appId);
      const cancellation = await createCancellation({
        redis,
        subscriber: connect("cancel-subscriber", true),
        keys,
        pollMs: config.queue.cancelPollMs,
        log,
      });
      closers.unshift(() => cancellation.close());
      let kubernetes: KubernetesDeployStage | undefined;
      if (config.deploy && overrides.deployStage === undefined) {
        const { createKubernetesDeployStage, DEFAULT_TENANT_LIMITS } =
          await import("./deploy/kubernetes-deploy-stage.ts");
        const { defaultKubeConfig } = await import("./deploy/default-kube-config.ts");
        const cluster = createKubernetesDeployStage({
          kubeConfig: overrides.kubeConfig ?? defaultKubeConfig(),
          settings: { ...config.kubernetes, tenant: DEFAULT_TENANT_LIMITS },
          ...(overrides.rolloutPollMs === undefined ? {} : { pollMs: overrides.rolloutPollMs }),
        });
        kubernetes = cluster;
        // Only a worker's readiness depends on the cluster: in `all`, a cluster problem must not
        // take webhook intake out of service (GitHub does not redeliver by itself).
        if (config.role === "worker") {
          readiness.push(cachedReadiness(() => cluster.checkReadiness(), 60_000));
        }
        // Say at start-up what is missing, rather than on the first push.
        cluster.checkReadiness().then(
          (result) => {
            if (!result.ok) {
              for (const problem of result.problems) log.error({ problem }, "deploys will fail");
            }
          },
          (error: unknown) => {
            log.error({ err: error }, "cannot reach the Kubernetes API");
          },
        );
      }
      const deploy = config.deploy ? (overrides.deployStage ?? kubernetes) : undefined;
      // Where builds run: one session engine, or each installation's own engine in a Kata VM.
      const { createBuildEngine, startIdleSweep } = await import("./build/engine/build-engine.ts");
      const engines = await createBuildEngine({
        engine: config.buildEngine,
        dagger: config.dagger,
        clusterCidrs: config.kubernetes.clusterCidrs,
        ...(overrides.kubeConfig === undefined ? {} : { kubeConfig: overrides.kubeConfig }),
        log,
        now,
        ...(overrides.enginePollMs === undefined ? {} : { pollMs: overrides.enginePollMs }),
      });
      const engineManager = engines.manager;
      if (engineManager !== undefined) {
        const stopSweep = startIdleSweep(engineManager, 60_000, log);
        closers.push(() => {
          stopSweep();
          return Promise.resolve();
        });
        if (config.role === "worker") {
          readiness.push(cachedReadiness(() => engineManager.checkReadiness(), 60_000));
        }
      }
      const build =
        overrides.buildStage ??
        (engines.connector === undefined
          ? (await import("./build/no-engine-build-stage.ts")).noEngineBuildStage()
          : (await import("./build/dagger-build-stage.ts")).daggerBuildStage({
              engine: engines.connector,
              registry: config.registry,
              client: (await import("./build/dagger-client.ts")).daggerClient,
              tokenFor: async (installationId) => {
                // The installation's cached token (refreshed shortly before it expires). A run
                // of an uninstalled app never gets here: see removedTenants.
                const octokit = await octokitFor(installationId);
                const auth = await octokit.auth({ type: "installation" });
                return rememberToken(InstallationToken.parse(auth).token);
              },
              cloneUrl: (owner, repo) => `${config.github.webUrl}/${owner}/${repo}.git`,
              webUrl: (owner, repo) => `${config.github.webUrl}/${owner}/${repo}`,
            }));
      const deps: QueueDeps = {
        reporter,
        runs: runStateStore(redis, keys, now),
        cancellation,
        fair: {
          events: fairScheduler(redis, keys, EVENTS_QUEUE),
          builds: fairScheduler(redis, keys, BUILDS_QUEUE),
        },
        events,
        builds,
        deploy,
        ...(engines.manager === undefined ? {} : { engines: engines.manager }),
        retry,
        buildCoalesceMs: config.queue.buildCoalesceMs,
        conversation,
        comments: previewComments({
          store: branchStore(redis, keys),
          conversationFor: conversation,
          checkRunUrl,
        }),
        intake: createIntake({ redis, events, keys, retry }),
        images: readyImages(redis, keys),
        once: onceStore(redis, keys),
        removedTenants: removedTenants(redis, keys),
        log,
        now,
        secrets,
        metrics,
        ...(config.redeliverIntervalMs === undefined
          ? {}
          : {
              recovery: {
                // The app's own JWT: the delivery log belongs to the app, not an installation.
                client: async () => hookDeliveriesClient(await probot.auth(), GITHUB_TIMEOUT_MS),
                store: deliveryLogStore(redis, keys, now),
              },
            }),
        sweep: {
          graceMs: overrides.sweep?.graceMs ?? 30_000,
          giveUpMs: overrides.sweep?.giveUpMs ?? 24 * 3600 * 1000,
          batch: 200,
        },
      };
      const workers = startWorkers({
        settings: {
          prefix: keys.prefix,
          eventConcurrency: config.queue.eventConcurrency,
          buildConcurrency: config.queue.buildConcurrency,
          lockDurationMs: config.queue.lockDurationMs,
          stalledIntervalMs: config.queue.stalledIntervalMs,
        },
        connection: (): ConnectionOptions => connect("worker", true),
        processEvent: createEventProcessor(deps),
        processPipeline: createPipelineProcessor(deps, {
          stages: { build, deploy },
          timeouts: config.timeouts,
        }),
        log,
        jobs: metrics.jobs,
      });
      closers.unshift(async ({ force, graceMs }) => {
        const closing = workers.close(force);
        const finished = await Promise.race([
          closing.then(() => true),
          new Promise<false>((resolve) =>
            setTimeout(() => {
              resolve(false);
            }, graceMs).unref(),
          ),
        ]);
        if (finished) return;
        log.warn({ graceMs }, "jobs still running after the grace period; handing them back");
        cancellation.abortAll({ type: "shutdown" });
        await closing;
      });
      await events.upsertJobScheduler(
        "sweep",
        { every: overrides.sweep?.everyMs ?? 60_000 },
        { name: "sweep", data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
      if (config.redeliverIntervalMs === undefined) {
        await events.removeJobScheduler("recover-deliveries");
      } else {
        await events.upsertJobScheduler(
          "recover-deliveries",
          { every: config.redeliverIntervalMs },
          { name: "recover", data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
        );
      }
      log.info({ buildSlots: config.queue.buildConcurrency }, "worker started");
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
      const redis = withScripts(connect("web-commands"));
      const intake = createIntake({ redis, events, keys, retry });
      const webhook = webhookHandler({
        path: config.github.webhookPath,
        secret: config.github.webhookSecret ?? "development",
        intake,
        log,
        deliveries: metrics.deliveries,
      });
      const server = new Server({
        host: config.http.host ?? "0.0.0.0",
        port: config.http.port,
        webhookPath: config.github.webhookPath,
        ...(config.github.webhookProxyUrl === undefined
          ? {}
          : { webhookProxy: config.github.webhookProxyUrl }),
        log,
        Probot: SlipwayProbot,
      });
      // The queue dashboard (bull-board, express) loads only when it is switched on.
      const admin =
        config.adminToken === undefined
          ? undefined
          : (await import("./http/admin.ts")).adminHandler({
              token: config.adminToken,
              queues: [events, builds],
            });
      await server.load((_app, { addHandler }) => {
        addHandler(health);
        if (admin !== undefined) addHandler(admin);
      });
      // Stop taking deliveries before anything else closes.
      closers.unshift(() => server.stop());
      const http = await server.start();
      takeOverWebhooks(http, webhook, log);
      port = server.port;
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
