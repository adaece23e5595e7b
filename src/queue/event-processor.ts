import { UnrecoverableError, type Job, type Queue } from "bullmq";
import type { Logger } from "pino";
import type { DeployStage } from "../deploy/deploy-stage.ts";
import { isPermanentGitHubError } from "../github/github-error.ts";
import type { Reporter } from "../github/reporter.ts";
import type { Cancellation } from "./cancellation.ts";
import { cancelledOutcome, internalFailureOutcome } from "./cancelled-outcome.ts";
import type { FairScheduler } from "./fair.ts";
import { jobId, jobOptions, type RetryPolicy } from "./job-options.ts";
import { AnnounceJob, CancelJob, PipelineJob, TeardownJob, TenantJob } from "./jobs.ts";
import type { CancelReason } from "./latest.ts";
import type { RunStateStore } from "./run-state.ts";

export interface EventProcessorDeps {
  reporter: Reporter;
  runs: RunStateStore;
  cancellation: Cancellation;
  fair: FairScheduler;
  builds: Queue;
  /** Undefined in build-only mode: nothing is deployed, so tenants need no work. */
  deploy: DeployStage | undefined;
  retry: RetryPolicy;
  log: Logger;
  /** Failed runs older than this are given up on by the sweeper. */
  sweepGiveUpMs: number;
  now: () => number;
}

function parse<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: Error } },
  job: Job,
): T {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success)
    throw new UnrecoverableError(`invalid ${job.name} job: ${parsed.error.message}`);
  return parsed.data;
}

function permanentAsUnrecoverable(error: unknown): unknown {
  return isPermanentGitHubError(error) && error instanceof Error
    ? new UnrecoverableError(error.message)
    : error;
}

/**
 * Processes the light, fast jobs of the events queue: announcing runs (the queued check run must
 * exist within seconds even while every build slot is busy), branch teardowns, tenant changes,
 * and the sweeper that concludes check runs of runs that failed without reporting.
 */
export function createEventProcessor(deps: EventProcessorDeps) {
  const { reporter, runs, cancellation, fair, builds, deploy, retry, now } = deps;

  async function announce(job: Job, log: Logger) {
    const data = parse(AnnounceJob, job);
    const state = await runs.get(data.runKey);
    if (state.reported) return "already reported";
    const cancel = await cancellation.check({
      runKey: data.runKey,
      repoId: data.target.repoId,
      branch: data.target.branch,
      receivedAt: data.receivedAt,
    });
    if (cancel) {
      await reporter.concluded(
        data.target,
        data.runKey,
        state.checkRunId,
        cancelledOutcome(data.target, cancel),
      );
      await runs.markReported(data.runKey);
      log.info({ reason: cancel }, "run superseded before it was queued");
      return "cancelled";
    }
    const checkRunId =
      state.checkRunId ?? (await reporter.queued(data.target, data.runKey, job.attemptsMade > 0));
    await runs.setCheckRun(data.runKey, checkRunId);
    const priority = await fair.assign(data.target.installationId);
    const pipeline: PipelineJob = { ...data, checkRunId };
    await builds.add("pipeline", pipeline, {
      ...jobOptions(retry, jobId("pipeline", data.runKey)),
      priority,
    });
    // A newer push may have landed while this one was being announced; its `cancel` job could
    // have run before the build was queued, so look again.
    const late = await cancellation.check({
      runKey: data.runKey,
      repoId: data.target.repoId,
      branch: data.target.branch,
      receivedAt: data.receivedAt,
    });
    if (late && (await cancelQueued(data.runKey, late, log)) === "cancelled") return "cancelled";
    log.info({ checkRunId, priority }, "run queued");
    return "queued";
  }

  /**
   * Drops a run's build if it still waits for a slot and concludes its check run `cancelled`.
   * A build already running is left to its worker, which stops on the published cancel.
   */
  async function cancelQueued(runKey: string, reason: CancelReason, log: Logger, report = true) {
    const build = await builds.getJob(jobId("pipeline", runKey));
    if (build === undefined) return "not queued";
    const state = await build.getState();
    if (state !== "waiting" && state !== "prioritized" && state !== "delayed") return state;
    try {
      await build.remove();
    } catch {
      return "started meanwhile"; // locked by a worker: it will see the cancel itself
    }
    const data = PipelineJob.parse(build.data);
    if (report && !(await runs.get(runKey)).reported) {
      await reporter.concluded(
        data.target,
        runKey,
        data.checkRunId,
        cancelledOutcome(data.target, reason),
      );
    }
    await runs.markReported(runKey);
    log.info({ runKey, reason }, "queued run cancelled");
    return "cancelled";
  }

  async function cancel(job: Job, log: Logger) {
    const data = parse(CancelJob, job);
    return cancelQueued(data.runKey, data.reason, log);
  }

  async function teardown(job: Job, log: Logger) {
    const data = parse(TeardownJob, job);
    if (deploy)
      await deploy.teardownBranch(data.target, { signal: AbortSignal.timeout(60_000), log });
    return "torn down";
  }

  /** Cancels the queued and running builds of an installation (or of some of its repositories). */
  async function cancelTenantRuns(data: TenantJob, log: Logger) {
    const repoIds = data.repositories?.map((r) => r.repoId);
    const jobs = await builds.getJobs(["prioritized", "waiting", "delayed", "active"]);
    let cancelled = 0;
    for (const build of jobs) {
      const parsed = PipelineJob.safeParse(build.data);
      if (!parsed.success || parsed.data.target.installationId !== data.installationId) continue;
      if (repoIds && !repoIds.includes(parsed.data.target.repoId)) continue;
      cancelled += 1;
      const reason = { type: "tenant-removed" as const, installationId: data.installationId };
      // The app can no longer write to these repositories: nothing is left to report.
      const result = await cancelQueued(parsed.data.runKey, reason, log, false);
      if (result !== "cancelled") {
        await runs.markReported(parsed.data.runKey);
        await cancellation.publish({ runKey: parsed.data.runKey, reason });
      }
    }
    return cancelled;
  }

  async function tenant(job: Job, log: Logger) {
    const data = parse(TenantJob, job);
    const context = { signal: AbortSignal.timeout(120_000), log };
    if (data.action === "provision") {
      if (deploy) await deploy.provisionTenant(data.installationId, context);
      return "provisioned";
    }
    const cancelled = await cancelTenantRuns(data, log);
    log.info({ cancelled, action: data.action }, "cancelled the tenant's runs");
    if (deploy && data.action === "suspend")
      await deploy.suspendTenant(data.installationId, context);
    if (deploy && data.action === "remove")
      await deploy.removeTenant(data.installationId, data.repositories, context);
    return data.action;
  }

  /** Concludes check runs of runs whose jobs failed for good without reporting (crashes). */
  async function sweep(log: Logger) {
    const failed = await builds.getJobs(["failed"], 0, 500);
    let concluded = 0;
    for (const build of failed) {
      const parsed = PipelineJob.safeParse(build.data);
      if (!parsed.success) continue;
      const data = parsed.data;
      const state = await runs.get(data.runKey);
      if (state.reported) continue;
      const reason = `Slipway could not finish this run: ${build.failedReason || "the job failed"}`;
      try {
        await reporter.concluded(
          data.target,
          data.runKey,
          data.checkRunId,
          internalFailureOutcome(data.target, reason),
        );
        await runs.markReported(data.runKey);
        concluded += 1;
      } catch (error) {
        const tooOld = now() - (build.finishedOn ?? build.timestamp) > deps.sweepGiveUpMs;
        if (isPermanentGitHubError(error) || tooOld) {
          await runs.markReported(data.runKey);
          log.warn({ err: error, runKey: data.runKey }, "giving up on concluding a failed run");
        } else {
          log.warn(
            { err: error, runKey: data.runKey },
            "could not conclude a failed run; will retry",
          );
        }
      }
    }
    if (concluded > 0) log.info({ concluded }, "concluded failed runs");
    return concluded;
  }

  return async function processEvent(job: Job): Promise<unknown> {
    const log = deps.log.child({
      jobId: job.id,
      job: job.name,
      deliveryId: (job.data as { deliveryId?: unknown }).deliveryId,
    });
    try {
      switch (job.name) {
        case "announce":
          return await announce(job, log);
        case "teardown":
          return await teardown(job, log);
        case "tenant":
          return await tenant(job, log);
        case "cancel":
          return await cancel(job, log);
        case "sweep":
          return await sweep(log);
        default:
          throw new UnrecoverableError(`unknown job ${job.name}`);
      }
    } catch (error) {
      log.warn({ err: error, attempt: job.attemptsMade + 1 }, "event job attempt failed");
      throw permanentAsUnrecoverable(error);
    }
  };
}
