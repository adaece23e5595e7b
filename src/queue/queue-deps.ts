import { UnrecoverableError, type Job, type Queue } from "bullmq";
import type { Logger } from "pino";
import type { z } from "zod";
import type { DeployStage } from "../deploy/deploy-stage.ts";
import type { Reporter } from "../github/reporter.ts";
import type { Metrics } from "../http/metrics.ts";
import type { HookDeliveriesClient } from "../github/hook-deliveries.ts";
import type { ConversationClient } from "../github/conversation.ts";
import type { Intake } from "./intake.ts";
import type { OnceStore } from "./once.ts";
import type { RemovedTenants } from "./removed-tenants.ts";
import type { PreviewComments } from "./preview-comments.ts";
import type { ReadyImages } from "./ready-images.ts";
import type { DeliveryLogStore } from "./delivery-log-store.ts";
import type { Cancellation } from "./cancellation.ts";
import type { FairScheduler } from "./fair.ts";
import type { RetryPolicy } from "./job-options.ts";
import type { RunStateStore } from "./run-state.ts";

/** Everything the queue processors share; built once in main.ts. */
export interface QueueDeps {
  reporter: Reporter;
  runs: RunStateStore;
  cancellation: Cancellation;
  fair: { events: FairScheduler; builds: FairScheduler };
  events: Queue;
  builds: Queue;
  /** Undefined in build-only mode: nothing is deployed, so tenants and teardowns need no work. */
  deploy: DeployStage | undefined;
  /** Each installation's build engine (`SLIPWAY_BUILD_ENGINE=kubernetes`): deleted on uninstall. */
  engines?: { remove(installationId: number, signal: AbortSignal): Promise<boolean> };
  retry: RetryPolicy;
  /** How long a queued build waits before it may start (bursts build their last push only). */
  buildCoalesceMs: number;
  log: Logger;
  now: () => number;
  /** Values never to be written anywhere (tokens, passwords, keys). */
  secrets: () => readonly string[];
  metrics: Metrics;
  /** Pull requests' conversations (`/slipway deploy`), per installation. */
  conversation?: (installationId: number) => Promise<ConversationClient>;
  /** The preview comment on pull requests. */
  comments?: PreviewComments;
  /** Queues runs from jobs (`/slipway deploy`), the way the web role queues deliveries. */
  intake?: Intake;
  /** Installations whose app was uninstalled: their late runs run nothing. */
  removedTenants?: RemovedTenants;
  /** Things done at most once (replies that anyone could otherwise make Slipway repeat). */
  once?: OnceStore;
  /** Images that became ready per branch, for "Roll back". */
  images?: ReadyImages;
  /** Missed-delivery recovery (the app's webhook log), when enabled. */
  recovery?: { client: () => Promise<HookDeliveriesClient>; store: DeliveryLogStore };
  sweep: {
    /** Open runs younger than this are left alone (their jobs are still being set up). */
    graceMs: number;
    /** Runs whose conclusion cannot be reported for this long are given up on. */
    giveUpMs: number;
    batch: number;
  };
}

/** Parses a job's data with its schema; a bad payload can never succeed, so it is unrecoverable. */
export function parseJob<T>(schema: z.ZodType<T>, job: Job): T {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid ${job.name} job: ${parsed.error.message}`);
  return parsed.data;
}

/** BullMQ counts a restart after a crash in attemptsStarted only, so both are needed. */
export function isRetry(job: Job): boolean {
  return job.attemptsMade > 0 || job.attemptsStarted > 1;
}
