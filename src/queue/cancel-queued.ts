import type { Logger } from "pino";
import { cancelledOutcome } from "./cancelled-outcome.ts";
import { jobId } from "./job-options.ts";
import { PipelineJob } from "./jobs.ts";
import type { CancelReason } from "./latest.ts";
import type { QueueDeps } from "./queue-deps.ts";
import { reportOutcome } from "./report-outcome.ts";

export type CancelQueuedResult = "cancelled" | "not queued" | "running" | "finished";

/**
 * Drops a run's build if it still waits for a slot and concludes its check run `cancelled`.
 * The saved outcome is the claim: it is written before the job is removed, so a worker that
 * grabs the job meanwhile reports the cancellation instead of building, and a retry after a
 * failed report reports it again. A build already running is left to its worker, which stops
 * on the published cancel. `report: false` when GitHub can no longer be told (app removed).
 */
export async function cancelQueued(
  deps: QueueDeps,
  runKey: string,
  reason: CancelReason,
  log: Logger,
  options: { report: boolean } = { report: true },
): Promise<CancelQueuedResult> {
  const state = await deps.runs.get(runKey);
  if (state.reported) return "finished";
  const build = await deps.builds.getJob(jobId("pipeline", runKey));
  if (state.outcome && state.target) {
    // Saved by an earlier attempt (or the run finished): only the report may be missing.
    if (state.outcome.conclusion === "cancelled" && build === undefined) {
      // No check run yet: the announce job saved this outcome and is creating the check run
      // with it right now; reporting here too would create a second one. (Its retry looks the
      // run up by external id, and the sweeper covers a crash.)
      if (options.report && state.checkRunId === undefined) return "finished";
      if (options.report) {
        await reportOutcome(
          deps,
          { runKey, target: state.target, checkRunId: state.checkRunId },
          state.outcome,
          log,
        );
      } else {
        await deps.runs.markReported(runKey);
      }
      return "cancelled";
    }
    return "finished";
  }
  if (build === undefined) return "not queued";
  const jobState = await build.getState();
  if (jobState !== "waiting" && jobState !== "prioritized" && jobState !== "delayed")
    return "running";
  const data = PipelineJob.parse(build.data);
  const outcome = await deps.runs.saveOutcome(
    runKey,
    data.target,
    cancelledOutcome(data.target, reason),
  );
  if (outcome.conclusion !== "cancelled") return "finished";
  await build.remove();
  await deps.fair.builds.forget(data.target.installationId, runKey);
  if (options.report) {
    await reportOutcome(
      deps,
      { runKey, target: data.target, checkRunId: data.checkRunId },
      outcome,
      log,
    );
  } else {
    await deps.runs.markReported(runKey);
  }
  log.info({ runKey, reason }, "queued run cancelled");
  return "cancelled";
}
