import type { Job } from "bullmq";
import type { Logger } from "pino";
import { cancelQueued } from "./cancel-queued.ts";
import { cancelledOutcome } from "./cancelled-outcome.ts";
import { jobId, jobOptions } from "./job-options.ts";
import { AnnounceJob, type PipelineJob } from "./jobs.ts";
import { isRetry, parseJob, type QueueDeps } from "./queue-deps.ts";
import { reportOutcome } from "./report-outcome.ts";

/**
 * `announce`: creates the run's check run on its exact commit as `queued`, then queues its build
 * with a fair priority. A run superseded before this point is concluded `cancelled` instead.
 * On a retry (including a restart after a crash) the check run is looked up by its external id
 * first, so a create that GitHub applied but did not confirm is not repeated.
 */
export async function announce(deps: QueueDeps, job: Job, log: Logger): Promise<string> {
  const { reporter, runs, cancellation, fair, builds, retry } = deps;
  const data = parseJob(AnnounceJob, job);
  const { runKey, target } = data;
  const watched = {
    runKey,
    repoId: target.repoId,
    branch: target.branch,
    receivedAt: data.receivedAt,
  };
  // Independent, so sent together (one wait instead of three); the
  // cancel check is only used when the run has no outcome yet, which is nearly always.
  const [, state, cancel] = await Promise.all([
    fair.events.started(target.installationId, runKey, job.opts.priority),
    runs.get(runKey),
    cancellation.check(watched),
  ]);
  if (state.reported) return "already reported";

  let outcome = state.outcome;
  if (outcome === undefined && cancel) {
    outcome = await runs.saveOutcome(runKey, target, cancelledOutcome(target, cancel));
  }
  if (outcome) {
    const checkRunId =
      state.checkRunId ?? (isRetry(job) ? await reporter.find(target, runKey) : undefined);
    await reportOutcome(deps, { runKey, target, checkRunId }, outcome, log);
    return outcome.conclusion;
  }

  const checkRunId = state.checkRunId ?? (await reporter.queued(target, runKey, isRetry(job)));
  const [, priority] = await Promise.all([
    runs.open(runKey, target, checkRunId),
    fair.builds.assign(target.installationId, runKey),
  ]);
  const pipeline: PipelineJob = { ...data, checkRunId };
  // Delayed a moment (SLIPWAY_BUILD_COALESCE): a burst of pushes to one branch supersedes its
  // earlier runs while they wait, and their `cancel` jobs drop them, so only the last one builds.
  await builds.add("pipeline", pipeline, {
    ...jobOptions(retry, jobId("pipeline", runKey)),
    priority,
    ...(deps.buildCoalesceMs > 0 ? { delay: deps.buildCoalesceMs } : {}),
  });

  // A newer push may have landed while this one was being announced; its `cancel` job could
  // have run before the build was queued, so look again.
  const late = await cancellation.check(watched);
  if (late && (await cancelQueued(deps, runKey, late, log)) === "cancelled") return "cancelled";
  log.info({ checkRunId, priority }, "run queued");
  return "queued";
}
