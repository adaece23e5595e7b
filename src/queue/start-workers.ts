import { Worker, type ConnectionOptions, type Processor } from "bullmq";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import { BUILDS_QUEUE, EVENTS_QUEUE } from "./keys.ts";

export interface WorkerSettings {
  prefix: string;
  eventConcurrency: number;
  buildConcurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
}

/**
 * Starts the two BullMQ workers: a wide one for the light events queue and one with a slot per
 * concurrent build. A worker process that dies leaves its jobs locked until the lock expires;
 * another worker's stalled check then puts them back (twice at most, then they fail and the
 * sweeper concludes their check runs).
 */
export function startWorkers(options: {
  settings: WorkerSettings;
  connection: () => ConnectionOptions;
  processEvent: Processor;
  processPipeline: Processor;
  log: Logger;
  jobs: Counter<"queue" | "job" | "outcome">;
}) {
  const { settings, connection, log } = options;
  const common = {
    prefix: settings.prefix,
    lockDuration: settings.lockDurationMs,
    stalledInterval: settings.stalledIntervalMs,
    maxStalledCount: 2,
  };
  const events = new Worker(EVENTS_QUEUE, options.processEvent, {
    ...common,
    connection: connection(),
    concurrency: settings.eventConcurrency,
  });
  const builds = new Worker(BUILDS_QUEUE, options.processPipeline, {
    ...common,
    connection: connection(),
    concurrency: settings.buildConcurrency,
  });
  for (const worker of [events, builds]) {
    worker.on("error", (error) => {
      log.error({ err: error, queue: worker.name }, "queue worker error");
    });
    worker.on("completed", (job, result) => {
      options.jobs.inc({
        queue: worker.name,
        job: job.name,
        outcome: typeof result === "string" ? result : "done",
      });
    });
    worker.on("failed", (job) => {
      options.jobs.inc({ queue: worker.name, job: job?.name ?? "unknown", outcome: "error" });
    });
    worker.on("stalled", (jobId) => {
      log.warn({ jobId, queue: worker.name }, "job stalled (its worker died?); retrying it");
    });
  }
  return {
    events,
    builds,
    async close(force = false) {
      await Promise.all([events.close(force), builds.close(force)]);
    },
  };
}
