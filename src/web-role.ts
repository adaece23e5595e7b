import type { Queue } from "bullmq";
import type { Logger } from "pino";
import { Server, type Probot } from "probot";
import type { Config } from "./config/env.ts";
import { webhookHandler } from "./github/webhook-handler.ts";
import type { healthHandler } from "./http/health.ts";
import type { Metrics } from "./http/metrics.ts";
import { takeOverWebhooks } from "./http/take-over-webhooks.ts";
import { createIntake } from "./queue/intake.ts";
import type { RetryPolicy } from "./queue/job-options.ts";
import type { RedisKeys } from "./queue/keys.ts";
import type { ScriptedRedis } from "./queue/scripts.ts";

/** What main.ts has built by the time the web role starts. */
export interface WebRoleContext {
  config: Config;
  log: Logger;
  metrics: Metrics;
  keys: RedisKeys;
  retry: RetryPolicy;
  SlipwayProbot: typeof Probot;
  events: Queue;
  builds: Queue;
  health: ReturnType<typeof healthHandler>;
  /** The web role's own connection (fails fast, so GitHub gets an error and can redeliver). */
  redis: ScriptedRedis;
  /** Run in order at shutdown; the web role puts its own first. */
  closers: Array<(options: { force: boolean; graceMs: number }) => Promise<unknown>>;
}

/**
 * The web role's wiring, part of the composition root: Slipway's own webhook endpoint ahead of
 * Probot's server (which keeps the setup page, health and the optional queue dashboard).
 * Returns the HTTP port.
 */
export async function startWebRole(context: WebRoleContext): Promise<number> {
  const { config, log, metrics, keys, retry, SlipwayProbot, events, builds, health, redis } =
    context;
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
  context.closers.unshift(() => server.stop());
  const http = await server.start();
  takeOverWebhooks(http, webhook, log);
  return server.port;
}
