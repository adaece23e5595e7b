import { UnrecoverableError, WaitingError, type Job } from "bullmq";
import type { Logger } from "pino";
import { isPermanentGitHubError } from "../github/github-error.ts";
import type { RunOutcome } from "../report/outcome.ts";
import { cancelledOutcome, internalFailureOutcome } from "./cancelled-outcome.ts";
import { PipelineJob } from "./jobs.ts";
import { CancelMessage, describeCancel } from "./latest.ts";
import { parseJob, type QueueDeps } from "./queue-deps.ts";
import { reportOutcome } from "./report-outcome.ts";
import { runPipeline, type PipelineStages } from "./run-pipeline.ts";
import { safeError } from "./safe-error.ts";
import { redactOutcome } from "../report/redact-outcome.ts";

export interface PipelineSettings {
  stages: PipelineStages;
  timeouts: { buildMs: number; deployMs: number };
}

/**
 * Processes `pipeline` jobs: runs the stages of one commit and concludes its check run once,
 * even across retries, crashes and two copies of a job running at once: the first outcome saved
 * wins, and a job that finds an outcome saved only reports it.
 */
export function createPipelineProcessor(deps: QueueDeps, settings: PipelineSettings) {
  const { reporter, runs, cancellation, fair, now } = deps;

  /** The run's outcome, or "handed back" when this worker is stopping and the run must resume elsewhere. */
  async function run(data: PipelineJob, log: Logger): Promise<RunOutcome | "handed back"> {
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
        ...settings,
        log,
        now,
        // One in-progress update per run (the API budget is three check-run calls per push).
        // It is cosmetic: if GitHub fails it, the build goes on and the conclusion still lands.
        onStage: async (stage) => {
          if (stage === "deploy") {
            // A GitHub deployment for the preview (best effort: the deploy goes on without it).
            await reporter
              .deploymentStarted(data.target, data.runKey, data.checkRunId)
              .then((id) => runs.setDeployment(data.runKey, id))
              .catch((error: unknown) => {
                log.warn(
                  { error: safeError(error, deps.secrets()).message },
                  "could not open a GitHub deployment",
                );
              });
          }
          if (shown) return;
          shown = true;
          await reporter.started(data.target, data.checkRunId, stage).catch((error: unknown) => {
            log.warn(
              { error: safeError(error, deps.secrets()).message },
              "could not mark the check run in progress",
            );
          });
        },
      });
      if (outcome.conclusion !== "cancelled") return outcome;
      const reason = CancelMessage.shape.reason.safeParse(watch.signal.reason);
      if (reason.success && reason.data.type === "shutdown") return "handed back";
      return reason.success ? { ...outcome, cancelReason: describeCancel(reason.data) } : outcome;
    } finally {
      watch.release();
    }
  }

  /** Concludes the run's GitHub deployment, if its deploy stage opened one (once, best effort). */
  async function concludeDeployment(data: PipelineJob, outcome: RunOutcome, log: Logger) {
    const state = await runs.get(data.runKey);
    if (state.deploymentId === undefined || state.deploymentDone) return;
    try {
      await reporter.deploymentFinished(data.target, state.deploymentId, data.checkRunId, outcome);
      await runs.markDeploymentDone(data.runKey);
    } catch (error) {
      log.warn(
        { error: safeError(error, deps.secrets()).message },
        "could not conclude the GitHub deployment",
      );
    }
  }

  /**
   * Puts a run this stopping worker was building back in the queue, so another worker resumes
   * it from the start (same commit), and says so on the check run.
   */
  async function handBack(
    job: Job,
    token: string | undefined,
    data: PipelineJob,
    log: Logger,
  ): Promise<never> {
    // Back in the queue first: a slow GitHub must not push this past the pod's grace period.
    await job.moveToWait(token);
    await reporter.requeued(data.target, data.checkRunId).catch((error: unknown) => {
      log.warn(
        { error: safeError(error, deps.secrets()).message },
        "could not mark the check run requeued",
      );
    });
    log.info({ runKey: data.runKey }, "worker stopping: run handed back to the queue");
    throw new WaitingError();
  }

  return async function processPipeline(job: Job, token?: string): Promise<string> {
    const data = parseJob(PipelineJob, job);
    const { runKey, target, checkRunId } = data;
    const log = deps.log.child({
      jobId: job.id,
      deliveryId: data.deliveryId,
      repository: `${target.owner}/${target.repo}`,
      sha: target.sha,
    });
    await fair.builds.started(target.installationId, runKey, job.opts.priority);
    const state = await runs.get(runKey);
    if (state.reported) return "already reported";
    try {
      let outcome = state.outcome;
      if (outcome === undefined) {
        const result = await run(data, log);
        if (result === "handed back") return await handBack(job, token, data, log);
        outcome = await runs.saveOutcome(runKey, target, redactOutcome(result, deps.secrets()));
        for (const stage of result.stages) {
          if (stage.result !== "skipped") {
            deps.metrics.stageDuration.observe(
              { stage: stage.stage, result: stage.result },
              stage.durationMs / 1000,
            );
          }
        }
      }
      await concludeDeployment(data, outcome, log);
      await reportOutcome(deps, { runKey, target, checkRunId }, outcome, log);
      return outcome.conclusion;
    } catch (error) {
      if (error instanceof WaitingError) throw error;
      const permanent = error instanceof UnrecoverableError || isPermanentGitHubError(error);
      const last = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const safe = safeError(error, deps.secrets(), permanent);
      log.error(
        { error: safe.message, attempt: job.attemptsMade + 1, last },
        "pipeline attempt failed",
      );
      if (last) {
        // Keep an outcome saved earlier (e.g. a success whose report failed); else say why.
        const reason = `Slipway could not run this commit: ${safe.message}`;
        const outcome = await runs.saveOutcome(
          runKey,
          target,
          internalFailureOutcome(target, reason),
        );
        await reportOutcome(deps, { runKey, target, checkRunId }, outcome, log).catch(
          (reportError: unknown) => {
            log.error(
              { error: safeError(reportError, deps.secrets()).message },
              "could not report; the sweeper will retry",
            );
          },
        );
      }
      throw safe;
    }
  };
}
