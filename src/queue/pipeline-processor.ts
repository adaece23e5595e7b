import { UnrecoverableError, WaitingError, type Job } from "bullmq";
import type { Logger } from "pino";
import { isPermanentGitHubError } from "../github/github-error.ts";
import type { RunOutcome } from "../report/outcome.ts";
import { cancelledOutcome, internalFailureOutcome } from "./cancelled-outcome.ts";
import { PipelineJob } from "./jobs.ts";
import { CancelMessage, describeCancel, type CancelReason } from "./latest.ts";
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

  const watchedRun = (data: PipelineJob) => ({
    runKey: data.runKey,
    repoId: data.target.repoId,
    branch: data.target.branch,
    receivedAt: data.receivedAt,
  });

  /**
   * The run's outcome, or "handed back" when this worker is stopping and the run must resume
   * elsewhere. `early`: whether the run was cancelled before this job started.
   */
  async function run(
    data: PipelineJob,
    log: Logger,
    early: CancelReason | undefined,
    deploymentOpened: (id: number) => void,
  ): Promise<RunOutcome | "handed back"> {
    if (early) return cancelledOutcome(data.target, early);
    const watched = watchedRun(data);
    const watch = cancellation.watch(watched);
    try {
      let shown = false;
      const outcome = await runPipeline(data, watch.signal, {
        ...settings,
        log,
        now,
        ...(deps.images === undefined ? {} : { images: deps.images }),
        // One in-progress update per run (the API budget is three check-run calls per push).
        // It is cosmetic: if GitHub fails it, the build goes on and the conclusion still lands.
        onStage: async (stage) => {
          if (stage === "deploy") {
            // A GitHub deployment for the preview (best effort: the deploy goes on without it).
            await reporter
              .deploymentStarted(data.target, data.runKey, data.checkRunId)
              .then((id) => {
                deploymentOpened(id);
                return runs.setDeployment(data.runKey, id);
              })
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
        // A wait worth a fourth call, e.g. the installation's build engine starting (cosmetic).
        onProgress: async (stage, message) => {
          await reporter
            .started(data.target, data.checkRunId, stage, message)
            .catch((error: unknown) => {
              log.warn(
                { error: safeError(error, deps.secrets()).message },
                "could not show the run's progress",
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

  /**
   * Concludes the run's GitHub deployment, if its deploy stage opened one (once, best effort).
   * `deployment` is what the run state said when the job started, or the one this attempt opened.
   */
  async function concludeDeployment(
    data: PipelineJob,
    outcome: RunOutcome,
    deployment: { id: number | undefined; done: boolean },
    log: Logger,
  ) {
    if (deployment.id === undefined || deployment.done) return;
    try {
      await reporter.deploymentFinished(data.target, deployment.id, data.checkRunId, outcome);
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
    // Independent, so sent together (one wait instead of three); the
    // cancel check is only used when the run has no outcome yet, which is nearly always.
    const [, state, early, removed] = await Promise.all([
      fair.builds.started(target.installationId, runKey, job.opts.priority),
      runs.get(runKey),
      cancellation.check(watchedRun(data)),
      deps.removedTenants?.isRemoved(target.installationId) ?? false,
    ]);
    if (state.reported) return "already reported";
    if (removed) {
      // The app was uninstalled: GitHub cannot be told, and building or deploying would only
      // recreate the namespaces the removal deleted.
      await runs.markReported(runKey);
      log.info({ runKey }, "installation removed: nothing to run");
      return "installation removed";
    }
    // Read once: the deploy stage of this attempt replaces it when it opens a deployment.
    let deployment = { id: state.deploymentId, done: state.deploymentDone };
    try {
      let outcome = state.outcome;
      if (outcome === undefined) {
        const result = await run(data, log, early, (id) => {
          deployment = { id, done: false };
        });
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
      await concludeDeployment(data, outcome, deployment, log);
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
