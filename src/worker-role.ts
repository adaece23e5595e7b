import { type ConnectionOptions, type Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { z } from "zod";
import type { Probot } from "probot";
import type { Config } from "./config/env.ts";
import type { KubernetesDeployStage } from "./deploy/kubernetes-deploy-stage.ts";
import { cachedReadiness } from "./http/cached-readiness.ts";
import type { Metrics } from "./http/metrics.ts";
import type { Overrides } from "./main.ts";
import { createIntake } from "./queue/intake.ts";
import type { RetryPolicy } from "./queue/job-options.ts";
import { BUILDS_QUEUE, EVENTS_QUEUE, type RedisKeys } from "./queue/keys.ts";
import type { QueueDeps } from "./queue/queue-deps.ts";
import { withScripts } from "./queue/scripts.ts";
import { perKey } from "./support/per-key.ts";
import { createReporter } from "./github/reporter.ts";
import { checkRunsClient } from "./github/check-runs.ts";
import { deploymentsClient } from "./github/deployments.ts";
import { hookDeliveriesClient } from "./github/hook-deliveries.ts";
import { deliveryLogStore } from "./queue/delivery-log-store.ts";
import { createCancellation } from "./queue/cancellation.ts";
import { createEventProcessor } from "./queue/event-processor.ts";
import { fairScheduler } from "./queue/fair.ts";
import { createPipelineProcessor } from "./queue/pipeline-processor.ts";
import { runStateStore } from "./queue/run-state.ts";
import { startWorkers } from "./queue/start-workers.ts";
import { conversationClient } from "./github/conversation.ts";
import { branchStore } from "./queue/branch-store.ts";
import { previewComments } from "./queue/preview-comments.ts";
import { readyImages } from "./queue/ready-images.ts";
import { onceStore } from "./queue/once.ts";
import { removedTenants } from "./queue/removed-tenants.ts";

const GITHUB_TIMEOUT_MS = 60_000;

/** What Octokit's installation auth resolves to (only the token is used, never stored). */
const InstallationToken = z.object({ token: z.string().min(1) });

/** What main.ts has built by the time the worker role starts. */
export interface WorkerRoleContext {
  config: Config;
  overrides: Overrides;
  log: Logger;
  metrics: Metrics;
  now: () => number;
  keys: RedisKeys;
  retry: RetryPolicy;
  appId: string;
  SlipwayProbot: typeof Probot;
  events: Queue;
  builds: Queue;
  /** A new Redis connection (`forWorker`: retries forever instead of failing fast). */
  connect: (name: string, forWorker?: boolean) => Redis;
  /** Values never to be written anywhere. */
  secrets: () => readonly string[];
  /** Adds an installation token to those secrets; returns it. */
  rememberToken: (token: string) => string;
  /** Run in order at shutdown; the worker adds its own. */
  closers: Array<(options: { force: boolean; graceMs: number }) => Promise<unknown>>;
  /** Checks /readyz runs besides Redis. */
  readiness: Array<() => Promise<void>>;
}

/**
 * The worker role's wiring, part of the composition root: main.ts imports this module only when
 * the process runs a worker, so a web-only process never loads the worker's modules (the
 * Kubernetes client and the Dagger SDK load further down, only when they are used).
 */
export async function startWorkerRole(context: WorkerRoleContext): Promise<void> {
  const {
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
  } = context;
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
