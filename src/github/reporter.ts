import type { RunTarget } from "../queue/intent.ts";
import type { RunOutcome, StageName } from "../report/outcome.ts";
import { renderCheckRun, renderProgress } from "../report/render-check-run.ts";
import type { CheckRunsClient } from "./check-runs.ts";

export interface ReporterDeps {
  /** The check-run client of an installation (its token is fetched and cached by Probot). */
  clientFor: (installationId: number) => Promise<CheckRunsClient>;
  /** Values that must never appear in a check run (tokens, passwords). */
  secrets: () => readonly string[];
  now: () => Date;
}

/**
 * Shows a run on GitHub as one check run on its exact commit. A run costs three calls: created
 * (queued), started (in progress), concluded.
 */
export function createReporter(deps: ReporterDeps) {
  const { clientFor, secrets, now } = deps;
  const where = (target: RunTarget) => ({ owner: target.owner, repo: target.repo });

  return {
    /** Creates the queued check run; `lookupFirst` after a failed attempt that may have created it. */
    async queued(target: RunTarget, runKey: string, lookupFirst: boolean): Promise<number> {
      const client = await clientFor(target.installationId);
      if (lookupFirst) {
        const found = await client.find(where(target), target.sha, runKey);
        if (found !== undefined) return found;
      }
      return client.create(where(target), {
        sha: target.sha,
        externalId: runKey,
        state: { status: "queued" },
        output: renderProgress({ sha: target.sha, branch: target.branch, stages: [] }),
      });
    },

    /** The check run Slipway created for this run, if GitHub has one. */
    async find(target: RunTarget, runKey: string): Promise<number | undefined> {
      const client = await clientFor(target.installationId);
      return client.find(where(target), target.sha, runKey);
    },

    async started(target: RunTarget, checkRunId: number, stage: StageName): Promise<void> {
      const client = await clientFor(target.installationId);
      await client.update(where(target), checkRunId, {
        state: { status: "in_progress", startedAt: now() },
        output: renderProgress({
          sha: target.sha,
          branch: target.branch,
          currentStage: stage,
          stages: [],
        }),
      });
    },

    /** Shows a run as queued again: its worker stopped and another one will resume it. */
    async requeued(target: RunTarget, checkRunId: number): Promise<void> {
      const client = await clientFor(target.installationId);
      const progress = renderProgress({ sha: target.sha, branch: target.branch, stages: [] });
      await client.update(where(target), checkRunId, {
        state: { status: "queued" },
        output: { title: "Requeued: its worker stopped", summary: progress.summary },
      });
    },

    /** Concludes the check run, creating it when the run ended before it had one. */
    async concluded(
      target: RunTarget,
      runKey: string,
      checkRunId: number | undefined,
      outcome: RunOutcome,
    ) {
      const client = await clientFor(target.installationId);
      const state = {
        status: "completed" as const,
        conclusion: outcome.conclusion,
        completedAt: now(),
      };
      const failed = outcome.stages.find((stage) => stage.result === "failure");
      const annotations =
        failed?.result === "failure" ? (failed.annotations ?? []).slice(0, 50) : [];
      const output = {
        ...renderCheckRun(outcome, { secrets: secrets() }),
        ...(annotations.length > 0 ? { annotations } : {}),
      };
      if (checkRunId === undefined) {
        await client.create(where(target), { sha: target.sha, externalId: runKey, state, output });
      } else {
        await client.update(where(target), checkRunId, { state, output });
      }
    },
  };
}

export type Reporter = ReturnType<typeof createReporter>;
