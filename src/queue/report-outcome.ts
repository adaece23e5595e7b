import type { Logger } from "pino";
import { isPermanentGitHubError } from "../github/github-error.ts";
import type { RunOutcome } from "../report/outcome.ts";
import type { RunTarget } from "./intent.ts";
import type { QueueDeps } from "./queue-deps.ts";

/**
 * Shows a saved outcome on the run's check run and closes the run. Reporting twice is harmless
 * (same content). A permanent GitHub refusal (installation or repository gone) closes the run
 * too, with a log line: nothing will ever be able to show it. Transient errors propagate.
 */
export async function reportOutcome(
  deps: Pick<QueueDeps, "reporter" | "runs" | "comments">,
  run: { runKey: string; target: RunTarget; checkRunId: number | undefined },
  outcome: RunOutcome,
  log: Logger,
): Promise<void> {
  try {
    await deps.reporter.concluded(run.target, run.runKey, run.checkRunId, outcome);
  } catch (error) {
    if (!isPermanentGitHubError(error)) throw error;
    log.warn(
      { err: error, runKey: run.runKey },
      "GitHub refuses the report; giving up on this check run",
    );
  }
  // The pull request's comment is a convenience: it never holds up the check run.
  await deps.comments?.concluded(run.target, run, outcome).catch((error: unknown) => {
    log.warn({ err: error, runKey: run.runKey }, "could not update the pull-request comment");
  });
  await deps.runs.markReported(run.runKey);
  log.info({ runKey: run.runKey, conclusion: outcome.conclusion }, "run concluded");
}
