import type { Job } from "bullmq";
import type { Logger } from "pino";
import { isPermanentGitHubError } from "../github/github-error.ts";
import { internalFailureOutcome } from "./cancelled-outcome.ts";
import { jobId } from "./job-options.ts";
import type { QueueDeps } from "./queue-deps.ts";
import { reportOutcome } from "./report-outcome.ts";

const ALIVE = new Set(["active", "waiting", "prioritized", "delayed", "waiting-children"]);

/** The run's newest job (its build, else its announce), and whether it can still report. */
async function runJob(
  deps: QueueDeps,
  runKey: string,
): Promise<{ alive: boolean; job: Job | undefined }> {
  const job =
    (await deps.builds.getJob(jobId("pipeline", runKey))) ??
    (await deps.events.getJob(jobId("announce", runKey)));
  if (job === undefined) return { alive: false, job };
  return { alive: ALIVE.has(await job.getState()), job };
}

/**
 * The sweeper: every open run (a check run, or an outcome, that GitHub does not show concluded
 * yet) whose job can no longer report is concluded here — a saved outcome as it is, otherwise
 * a failure naming why the job ended (crashed workers past their retries, errors while GitHub
 * was down). Runs GitHub keeps refusing are given up on after `giveUpMs`, with a log line.
 */
export async function sweep(deps: QueueDeps, log: Logger): Promise<number> {
  const { runs, now } = deps;
  const open = await runs.listOpen(now() - deps.sweep.graceMs, deps.sweep.batch);
  let concluded = 0;
  for (const runKey of open) {
    const state = await runs.get(runKey);
    if (state.reported || state.target === undefined) {
      await runs.markReported(runKey);
      continue;
    }
    const target = state.target;
    // A job that can still report is left to do so, even with its outcome saved already.
    const { alive, job } = await runJob(deps, runKey);
    if (alive) continue;
    let outcome = state.outcome;
    if (outcome === undefined) {
      const why = job?.failedReason ? job.failedReason : "its job ended without reporting";
      outcome = await runs.saveOutcome(
        runKey,
        target,
        internalFailureOutcome(target, `Slipway could not finish this run: ${why}`),
      );
    }
    try {
      await reportOutcome(deps, { runKey, target, checkRunId: state.checkRunId }, outcome, log);
      concluded += 1;
    } catch (error) {
      const tooOld = now() - (state.openedAt ?? 0) > deps.sweep.giveUpMs;
      if (tooOld || isPermanentGitHubError(error)) {
        await runs.markReported(runKey);
        log.warn({ err: error, runKey }, "giving up on concluding a run");
      } else {
        log.warn({ err: error, runKey }, "could not conclude a run yet; will retry");
      }
    }
  }
  if (concluded > 0) log.info({ concluded }, "concluded open runs");
  return concluded;
}
