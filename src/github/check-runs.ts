import type { ProbotOctokit } from "probot";
import type { CheckRunAction } from "../report/check-run-actions.ts";
import type { CheckRunAnnotation, Conclusion } from "../report/outcome.ts";

/** The name GitHub shows for Slipway's check run. */
export const CHECK_NAME = "Slipway";

type Octokit = InstanceType<typeof ProbotOctokit>;

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
  /** At most 50 per request (GitHub's limit). */
  annotations?: CheckRunAnnotation[];
}

export interface CheckRunWhere {
  owner: string;
  repo: string;
}

export type CheckRunState =
  | { status: "queued" }
  | { status: "in_progress"; startedAt: Date }
  | { status: "completed"; conclusion: Conclusion; completedAt: Date };

function stateFields(state: CheckRunState) {
  switch (state.status) {
    case "queued":
      return { status: "queued" as const };
    case "in_progress":
      return { status: "in_progress" as const, started_at: state.startedAt.toISOString() };
    case "completed":
      return {
        status: "completed" as const,
        conclusion: state.conclusion,
        completed_at: state.completedAt.toISOString(),
      };
  }
}

/**
 * Check-run calls of one installation. Each call is bounded by `timeoutMs` (Octokit has no
 * timeout of its own, and a hung call would hold a build slot forever).
 */
export function checkRunsClient(octokit: Octokit, timeoutMs: number) {
  const request = () => ({ signal: AbortSignal.timeout(timeoutMs) });
  return {
    /**
     * Creates the check run. Not retried by Octokit: a 5xx may hide a run GitHub did create, so
     * the caller's next attempt looks it up by `externalId` first (see {@link find}).
     */
    async create(
      where: CheckRunWhere,
      input: {
        sha: string;
        externalId: string;
        state: CheckRunState;
        output: CheckRunOutput;
        actions?: CheckRunAction[];
      },
    ): Promise<number> {
      const response = await octokit.rest.checks.create({
        ...where,
        name: CHECK_NAME,
        head_sha: input.sha,
        external_id: input.externalId,
        ...stateFields(input.state),
        output: input.output,
        ...(input.actions === undefined ? {} : { actions: input.actions }),
        request: { ...request(), retries: 0 },
      });
      return response.data.id;
    },

    /** Finds a check run Slipway created for `externalId` on `sha`. */
    async find(where: CheckRunWhere, sha: string, externalId: string): Promise<number | undefined> {
      const response = await octokit.rest.checks.listForRef({
        ...where,
        ref: sha,
        check_name: CHECK_NAME,
        filter: "all",
        per_page: 100,
        request: request(),
      });
      return response.data.check_runs.find((run) => run.external_id === externalId)?.id;
    },

    async update(
      where: CheckRunWhere,
      checkRunId: number,
      input: { state: CheckRunState; output: CheckRunOutput; actions?: CheckRunAction[] },
    ): Promise<void> {
      await octokit.rest.checks.update({
        ...where,
        check_run_id: checkRunId,
        ...stateFields(input.state),
        output: input.output,
        ...(input.actions === undefined ? {} : { actions: input.actions }),
        request: request(),
      });
    },
  };
}

export type CheckRunsClient = ReturnType<typeof checkRunsClient>;
