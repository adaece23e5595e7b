import { UnrecoverableError, type Job } from "bullmq";
import type { Logger } from "pino";
import { isPermanentGitHubError } from "../github/github-error.ts";
import type { Reporter } from "../github/reporter.ts";
import type { RunOutcome } from "../report/outcome.ts";
import type { Cancellation } from "./cancellation.ts";
import { cancelledOutcome, internalFailureOutcome } from "./cancelled-outcome.ts";
import type { FairScheduler } from "./fair.ts";
import { PipelineJob } from "./jobs.ts";
import { CancelMessage, describeCancel } from "./latest.ts";
import { runPipeline, type PipelineStages } from "./run-pipeline.ts";
import type { RunStateStore } from "./run-state.ts";

export interface PipelineProcessorDeps {
  stages: PipelineStages;
  timeouts: { buildMs: number; deployMs: number };
  reporter: Reporter;
  runs: RunStateStore;
  cancellation: Cancellation;
  fair: FairScheduler;
  log: Logger;
  now: () => number;
}

/**
 * Processes `pipeline` jobs: runs the stages of one commit and concludes its check run, exactly
 * once even across retries and worker crashes (the outcome is saved before it is reported, so a
 * later attempt only reports it).
 */
export function createPipelineProcessor(deps: PipelineProcessorDeps) {
  const { stages, timeouts, reporter, runs, cancellation, fair, now } = deps;

  async function report(data: PipelineJob, outcome: RunOutcome, log: Logger) {
    try {
      await reporter.concluded(data.target, data.runKey, data.checkRunId, outcome);
    } catch (error) {
      if (!isPermanentGitHubError(error)) throw error;
      log.warn({ err: error }, "cannot report the outcome on GitHub; giving up on this check run");
    }
    await runs.markReported(data.runKey);
    log.info({ conclusion: outcome.conclusion }, "run concluded");
  }

  async function run(data: PipelineJob, log: Logger): Promise<RunOutcome> {
    const watched = {
      runKey: data.runKey,
      repoId: data.target.repoId,
      branch: data.target.branch,
      receivedAt: data.receivedAt,
    };
    const early = await cancellation.check(watched);
    if (early) return cancelledOutcome(data.target, early);
    const watch = cancellation.watch(watched);
    try {
      let shown = false;
      const outcome = await runPipeline(data, watch.signal, {
        stages,
        timeouts,
        log,
        now,
        // One in-progress update per run (the API budget is three check-run calls per push).
        // It is cosmetic: if GitHub fails it, the build goes on and the conclusion still lands.
        onStage: async (stage) => {
          if (shown) return;
          shown = true;
          await reporter.started(data.target, data.checkRunId, stage).catch((error: unknown) => {
            log.warn({ err: error }, "could not mark the check run in progress; continuing");
          });
        },
      });
      if (outcome.conclusion !== "cancelled") return outcome;
      const reason = CancelMessage.shape.reason.safeParse(watch.signal.reason);
      return reason.success ? { ...outcome, cancelReason: describeCancel(reason.data) } : outcome;
    } finally {
      watch.release();
    }
  }

  return async function processPipeline(job: Job): Promise<string> {
    const parsed = PipelineJob.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`invalid pipeline job: ${parsed.error.message}`);
    const data = parsed.data;
    const log = deps.log.child({
      jobId: job.id,
      deliveryId: data.deliveryId,
      repository: `${data.target.owner}/${data.target.repo}`,
      sha: data.target.sha,
    });
    await fair.started(job.opts.priority);
    const state = await runs.get(data.runKey);
    if (state.reported) return "already reported";
    try {
      if (state.outcome) {
        await report(data, JSON.parse(state.outcome.json) as RunOutcome, log);
        return state.outcome.conclusion;
      }
      const outcome = await run(data, log);
      await runs.setOutcome(data.runKey, outcome.conclusion, JSON.stringify(outcome));
      await report(data, outcome, log);
      return outcome.conclusion;
    } catch (error) {
      const permanent = error instanceof UnrecoverableError || isPermanentGitHubError(error);
      const last = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      log.error({ err: error, attempt: job.attemptsMade + 1, last }, "pipeline attempt failed");
      if (last) {
        const message = error instanceof Error ? error.message : String(error);
        await report(
          data,
          internalFailureOutcome(data.target, `Slipway could not run this commit: ${message}`),
          log,
        ).catch((reportError: unknown) => {
          log.error({ err: reportError }, "could not report the failure; the sweeper will retry");
        });
      }
      if (permanent && !(error instanceof UnrecoverableError)) {
        throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
      }
      throw error;
    }
  };
}
