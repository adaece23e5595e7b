import type { Queue } from "bullmq";
import type { Intent } from "./intent.ts";
import type { AnnounceJob, CancelJob, JobData, TeardownJob } from "./jobs.ts";
import { jobId, jobOptions, type RetryPolicy } from "./job-options.ts";
import { DELIVERY_TTL_SECONDS, EVENTS_QUEUE, LATEST_TTL_SECONDS, type RedisKeys } from "./keys.ts";
import type { LatestRun } from "./latest.ts";
import type { ScriptedRedis } from "./scripts.ts";

export type IntakeResult = "queued" | "duplicate" | "ignored";

const TEARDOWN_DELAY_MS = 3_000;

export interface Intake {
  /** Queues what a delivery asks for, once per delivery id. Throws if Redis cannot take it. */
  submit(deliveryId: string, intent: Intent): Promise<IntakeResult>;
}

export interface IntakeDeps {
  redis: ScriptedRedis;
  events: Queue;
  keys: RedisKeys;
  retry: RetryPolicy;
}

/**
 * The web role's only side effect, in three Redis round trips. Order matters for "nothing lost,
 * nothing twice":
 * 1. one script answers whether the delivery was handled already, Redis's clock (one clock for
 *    every web process, so "latest" means the same everywhere) and the announce job's fair
 *    priority;
 * 2. the job is added under an id derived from the delivery, so a retry after a crash re-adds
 *    nothing while the job exists;
 * 3. one script marks the delivery handled and registers the run as its branch's latest,
 *    publishing a cancel for the run it replaces (and a `cancel` job is queued for it).
 * A failure before 3 answers GitHub with an error, so the delivery shows as failed and can be
 * redelivered.
 */
export function createIntake(deps: IntakeDeps): Intake {
  const { redis, events, keys, retry } = deps;

  async function begin(deliveryId: string, installationId: number | undefined) {
    const [duplicate, now, priority] = await redis.slipwayIntakeBegin(
      keys.delivery(deliveryId),
      keys.fair(EVENTS_QUEUE),
      keys.queue(EVENTS_QUEUE),
      installationId === undefined ? "" : String(installationId),
      deliveryId,
    );
    return { duplicate: duplicate === 1, receivedAt: now, priority };
  }

  async function claimLatest(
    deliveryId: string,
    repoId: number,
    branch: string,
    latest: LatestRun,
  ) {
    const [result, replaced, announced] = await redis.slipwayClaimLatest(
      keys.delivery(deliveryId),
      keys.latest(repoId, branch),
      latest.runKey,
      JSON.stringify(latest),
      latest.receivedAt,
      DELIVERY_TTL_SECONDS,
      LATEST_TTL_SECONDS,
      keys.cancelChannel,
      keys.run(""),
    );
    // A replaced run that still waits for a build slot is concluded by a `cancel` job now,
    // rather than when a slot frees up; a running one stops on the published cancel. One not
    // announced yet needs none: its announce job finds it superseded (it looks again after
    // queueing the build), which saves a job per push in a burst.
    if (result === "replaced" && announced === 1) {
      const data: CancelJob = { runKey: replaced, reason: { type: "superseded", by: latest } };
      await events.add("cancel", data, jobOptions(retry, jobId("cancel", replaced)));
    }
  }

  /**
   * Queues a job that involves no branch's latest run (a tenant change, a pull request's comment,
   * a command, a check-run button), once per delivery: dedupe, add, then mark handled.
   */
  async function queueOnce<N extends "tenant" | "pull-request" | "command" | "check-action">(
    deliveryId: string,
    name: N,
    build: (origin: { deliveryId: string; receivedAt: number }) => JobData<N>,
  ): Promise<IntakeResult> {
    const { duplicate, receivedAt } = await begin(deliveryId, undefined);
    if (duplicate) return "duplicate";
    await events.add(
      name,
      build({ deliveryId, receivedAt }),
      jobOptions(retry, jobId(name, deliveryId)),
    );
    await redis.set(keys.delivery(deliveryId), deliveryId, "EX", DELIVERY_TTL_SECONDS);
    return "queued";
  }

  return {
    async submit(deliveryId, intent) {
      if (intent.kind === "ignore") return "ignored";
      const runKey = deliveryId;
      switch (intent.kind) {
        case "run": {
          const { duplicate, receivedAt, priority } = await begin(
            deliveryId,
            intent.target.installationId,
          );
          if (duplicate) return "duplicate";
          const data: AnnounceJob = {
            deliveryId,
            receivedAt,
            runKey,
            trigger: intent.trigger,
            target: intent.target,
          };
          await events.add("announce", data, {
            ...jobOptions(retry, jobId("announce", deliveryId)),
            priority,
          });
          await claimLatest(deliveryId, intent.target.repoId, intent.target.branch, {
            runKey,
            sha: intent.target.sha,
            receivedAt,
            kind: "run",
          });
          return "queued";
        }
        case "teardown": {
          const { duplicate, receivedAt } = await begin(deliveryId, undefined);
          if (duplicate) return "duplicate";
          const data: TeardownJob = { deliveryId, receivedAt, runKey, target: intent.target };
          // A few seconds late on purpose: the published cancel stops a deploy of this branch
          // that is still running first, so it cannot re-create what the teardown removes.
          await events.add("teardown", data, {
            ...jobOptions(retry, jobId("teardown", deliveryId)),
            delay: TEARDOWN_DELAY_MS,
          });
          await claimLatest(deliveryId, intent.target.repoId, intent.target.branch, {
            runKey,
            sha: "0".repeat(40),
            receivedAt,
            kind: "teardown",
          });
          return "queued";
        }
        case "tenant":
          return queueOnce(deliveryId, "tenant", (origin) => ({
            ...origin,
            action: intent.action,
            installationId: intent.installationId,
            ...(intent.repositories === undefined ? {} : { repositories: intent.repositories }),
          }));
        case "pull_request":
          return queueOnce(deliveryId, "pull-request", (origin) => ({
            ...origin,
            action: intent.action,
            pullRequest: intent.pullRequest,
          }));
        case "command":
          return queueOnce(deliveryId, "command", (origin) => ({
            ...origin,
            command: intent.command,
            repository: intent.repository,
            pullRequest: intent.pullRequest,
            commentId: intent.commentId,
            sender: intent.sender,
            ...(intent.sha === undefined ? {} : { sha: intent.sha }),
          }));
        case "check_action":
          return queueOnce(deliveryId, "check-action", (origin) => ({
            ...origin,
            action: intent.action,
            ...(intent.runKey === undefined ? {} : { runKey: intent.runKey }),
            sha: intent.sha,
            repository: intent.repository,
            suiteBranch: intent.suiteBranch,
            sender: intent.sender,
          }));
      }
    },
  };
}
