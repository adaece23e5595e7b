import type { ProbotOctokit } from "probot";
import type { CheckRunWhere } from "./check-runs.ts";

type Octokit = InstanceType<typeof ProbotOctokit>;

export type DeploymentState = "in_progress" | "success" | "failure" | "error" | "inactive";

/** GitHub Deployments API calls of one installation, each bounded by `timeoutMs`. */
export function deploymentsClient(octokit: Octokit, timeoutMs: number) {
  const request = () => ({ signal: AbortSignal.timeout(timeoutMs) });
  return {
    /** A deployment of exactly `sha`; nothing merged, no status contexts required. */
    async create(
      where: CheckRunWhere,
      input: { sha: string; environment: string; production: boolean; runKey: string },
    ): Promise<number> {
      const response = await octokit.rest.repos.createDeployment({
        ...where,
        ref: input.sha,
        environment: input.environment,
        auto_merge: false,
        required_contexts: [],
        transient_environment: !input.production,
        production_environment: input.production,
        payload: { slipway: input.runKey },
        description: "Slipway preview",
        request: request(),
      });
      if (!("id" in response.data))
        throw new Error(
          `GitHub did not create the deployment: ${response.data.message ?? "no id"}`,
        );
      return response.data.id;
    },

    async status(
      where: CheckRunWhere,
      deploymentId: number,
      input: {
        state: DeploymentState;
        environmentUrl?: string;
        logUrl?: string;
        description?: string;
      },
    ): Promise<void> {
      await octokit.rest.repos.createDeploymentStatus({
        ...where,
        deployment_id: deploymentId,
        state: input.state,
        ...(input.environmentUrl === undefined ? {} : { environment_url: input.environmentUrl }),
        ...(input.logUrl === undefined ? {} : { log_url: input.logUrl }),
        ...(input.description === undefined
          ? {}
          : { description: input.description.slice(0, 140) }),
        request: request(),
      });
    },

    /** The environment's recent deployments (newest first). */
    async list(where: CheckRunWhere, environment: string): Promise<number[]> {
      const response = await octokit.rest.repos.listDeployments({
        ...where,
        environment,
        per_page: 30,
        request: request(),
      });
      return response.data.map((d) => d.id);
    },
  };
}

export type DeploymentsClient = ReturnType<typeof deploymentsClient>;
