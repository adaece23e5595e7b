import type { Logger } from "pino";
import type { Metrics } from "../http/metrics.ts";

interface HookedOctokit {
  hook: {
    after(
      name: "request",
      hook: (
        response: { status: number; headers: Record<string, unknown> },
        options: RequestOptions,
      ) => void,
    ): void;
    error(name: "request", hook: (error: unknown, options: RequestOptions) => never): void;
  };
}

interface RequestOptions {
  method?: string;
  url?: string;
}

/** Remaining calls under which the budget is logged at warn level. */
const LOW_BUDGET = 500;

/**
 * An Octokit plugin that counts every GitHub API call (by method, route template and status)
 * and tracks the remaining rate-limit budget, warning when it runs low.
 */
export function octokitMetrics(metrics: Metrics, log: Logger) {
  return (octokit: HookedOctokit, options: { auth?: unknown }) => {
    const auth = options.auth;
    const id =
      typeof auth === "object" && auth !== null && "installationId" in auth
        ? String(auth.installationId)
        : "app";
    const installation = () => id;
    octokit.hook.after("request", (response, options) => {
      metrics.githubCalls.inc({
        method: options.method ?? "GET",
        route: options.url ?? "",
        status: String(response.status),
      });
      const remaining = Number(response.headers["x-ratelimit-remaining"]);
      if (Number.isFinite(remaining)) {
        metrics.githubRateLimitRemaining.set({ installation: installation() }, remaining);
        if (remaining < LOW_BUDGET)
          log.warn({ remaining, installation: installation() }, "GitHub API budget is low");
      }
    });
    octokit.hook.error("request", (error, options) => {
      const status =
        typeof error === "object" && error !== null && "status" in error
          ? String(error.status)
          : "network";
      metrics.githubCalls.inc({
        method: options.method ?? "GET",
        route: options.url ?? "",
        status,
      });
      throw error;
    });
  };
}
