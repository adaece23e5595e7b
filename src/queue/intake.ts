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
  /** The events queue (only its `add` is used). */
  events: Pick<Queue, "add">;
  keys: RedisKeys;
  retry: RetryPolicy;
}

/**
 * The web role's only side effect. A push (the hot path) takes two Redis round trips:
 * 1. one script answers whether the delivery was handled already, takes Redis's clock (one clock
 *    for every web process, so "latest" means the same everywhere) and the announce job's fair
 *    priority, marks the delivery taken and registers the run as its branch's latest, publishing
 *    a cancel for the run it replaces;
 * 2. the announce job is added under an id derived from the delivery (and, for a replaced run
 *    that was announced already, a `cancel` job).
 * A crash between the two leaves a taken delivery without a job; its redelivery passes the script
 * and is queued (see INTAKE_RUN), so nothing is lost, and nothing runs twice because a taken
 * delivery whose job or run state exists is a duplicate. A failure answers GitHub with an error,
 * so the delivery shows as failed and can be redelivered.
 *
 * The rarer deliveries (a deleted branch, tenant changes, pull requests, commands, buttons) take
 * three: the duplicate check, the job added, then the delivery marked handled (with a deleted
 * branch's teardown registered as its latest in the same script).
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
    await cancelReplaced(result, replaced, announced, latest);
  }

  /**
   * A replaced run that still waits for a build slot is concluded by a `cancel` job now, rather
   * than when a slot frees up; a running one stops on the published cancel. One not announced yet
   * needs none: its announce job finds it superseded (it looks again after queueing the build),
   * which saves a job per push in a burst.
   */
  async function cancelReplaced(
    result: string,
    replaced: string,
    announced: 0 | 1,
    latest: LatestRun,
  ) {
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
          const { target } = intent;
          const announceId = jobId("announce", deliveryId);
          const [duplicate, receivedAt, priority, result, replaced, announced] =
            await redis.slipwayIntakeRun(
              keys.delivery(deliveryId),
              keys.latest(target.repoId, target.branch),
              `${keys.queue(EVENTS_QUEUE)}:${announceId}`,
              keys.run(runKey),
              keys.fair(EVENTS_QUEUE),
              keys.queue(EVENTS_QUEUE),
              String(target.installationId),
              runKey,
              target.sha,
              DELIVERY_TTL_SECONDS,
              LATEST_TTL_SECONDS,
              keys.cancelChannel,
              keys.run(""),
            );
          if (duplicate === 1) return "duplicate";
          const data: AnnounceJob = {
            deliveryId,
            receivedAt,
            runKey,
            trigger: intent.trigger,
            target,
          };
          const latest: LatestRun = { runKey, sha: target.sha, receivedAt, kind: "run" };
          // Sent together: both are written in one turn of the event loop.
          await Promise.all([
            events.add("announce", data, { ...jobOptions(retry, announceId), priority }),
            cancelReplaced(result, replaced, announced, latest),
          ]);
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
