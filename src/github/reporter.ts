import type { BranchTarget, RunTarget } from "../queue/intent.ts";
import type { DeploymentsClient } from "./deployments.ts";
import { environmentFor } from "./environment.ts";
import type { RunOutcome, StageName } from "../report/outcome.ts";
import { checkRunActions } from "../report/check-run-actions.ts";
import { renderCheckRun, renderProgress } from "../report/render-check-run.ts";
import type { CheckRunsClient } from "./check-runs.ts";

export interface ReporterDeps {
  /** The check-run client of an installation (its token is fetched and cached by Probot). */
  clientFor: (installationId: number) => Promise<CheckRunsClient>;
  /** The Deployments API client of an installation. */
  deploymentsFor: (installationId: number) => Promise<DeploymentsClient>;
  /** The web page of a check run, for deployments' log links. */
  checkRunUrl: (target: BranchTarget, checkRunId: number) => string;
  /** Values that must never appear in a check run (tokens, passwords). */
  secrets: () => readonly string[];
  now: () => Date;
  /** Whether runs deploy (else build only): decides the check run's buttons. */
  deploys: boolean;
}

/**
 * Shows a run on GitHub as one check run on its exact commit. A run costs three calls: created
 * (queued), started (in progress), concluded.
 */
export function createReporter(deps: ReporterDeps) {
  const { clientFor, deploymentsFor, checkRunUrl, secrets, now, deploys } = deps;
  const where = (target: BranchTarget) => ({ owner: target.owner, repo: target.repo });

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

    /** In progress at `stage`; `note` says what it waits for (e.g. a build engine starting). */
    async started(
      target: RunTarget,
      checkRunId: number,
      stage: StageName,
      note?: string,
    ): Promise<void> {
      const client = await clientFor(target.installationId);
      const progress = renderProgress({
        sha: target.sha,
        branch: target.branch,
        currentStage: stage,
        stages: [],
      });
      await client.update(where(target), checkRunId, {
        state: { status: "in_progress", startedAt: now() },
        output:
          note === undefined
            ? progress
            : { title: `${note}…`, summary: `${note}.\n\n${progress.summary}` },
      });
    },

    /**
     * Opens a GitHub deployment of the run's commit as the deploy stage starts, in progress, with
     * the check run as its log (two calls). Returns its id.
     */
    async deploymentStarted(
      target: RunTarget,
      runKey: string,
      checkRunId: number,
    ): Promise<number> {
      const client = await deploymentsFor(target.installationId);
      const environment = environmentFor(target.branch, target.defaultBranch);
      const id = await client.create(where(target), {
        sha: target.sha,
        environment: environment.name,
        production: environment.production,
        runKey,
      });
      await client.status(where(target), id, {
        state: "in_progress",
        logUrl: checkRunUrl(target, checkRunId),
      });
      return id;
    },

    /** Concludes the run's deployment: success with the preview URL, or failure (one call). */
    async deploymentFinished(
      target: RunTarget,
      deploymentId: number,
      checkRunId: number,
      outcome: RunOutcome,
    ): Promise<void> {
      const client = await deploymentsFor(target.installationId);
      const state =
        outcome.conclusion === "success"
          ? "success"
          : outcome.conclusion === "failure"
            ? "failure"
            : "error";
      await client.status(where(target), deploymentId, {
        state,
        logUrl: checkRunUrl(target, checkRunId),
        ...(outcome.previewUrl === undefined ? {} : { environmentUrl: outcome.previewUrl }),
        description: state === "success" ? "Preview ready" : `Preview ${outcome.conclusion}`,
      });
    },

    /** Marks a torn-down branch's deployments inactive, so GitHub stops linking to them. */
    async deploymentsInactive(target: BranchTarget): Promise<number> {
      const client = await deploymentsFor(target.installationId);
      const ids = await client.list(
        where(target),
        environmentFor(target.branch, target.defaultBranch).name,
      );
      for (const id of ids)
        await client.status(where(target), id, {
          state: "inactive",
          description: "Preview torn down",
        });
      return ids.length;
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
      // Always sent, so a concluded run replaced by a newer one loses its buttons too.
      const actions = checkRunActions(target, outcome.conclusion, deploys);
      if (checkRunId === undefined) {
        await client.create(where(target), {
          sha: target.sha,
          externalId: runKey,
          state,
          output,
          actions,
        });
      } else {
        await client.update(where(target), checkRunId, { state, output, actions });
      }
    },
  };
}

export type Reporter = ReturnType<typeof createReporter>;
