import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Slipway's Prometheus metrics, on a registry of their own (so two instances in one process —
 * as in tests — never share counters). Names follow Prometheus conventions.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "slipway_" });
  return {
    registry,
    deliveries: new Counter({
      name: "slipway_webhook_deliveries_total",
      help: "Webhook deliveries by event and outcome (queued, duplicate, ignored, error).",
      labelNames: ["event", "outcome"] as const,
      registers: [registry],
    }),
    jobs: new Counter({
      name: "slipway_jobs_total",
      help: "Finished jobs by queue, job name and outcome (the run's conclusion, or error).",
      labelNames: ["queue", "job", "outcome"] as const,
      registers: [registry],
    }),
    stageDuration: new Histogram({
      name: "slipway_stage_duration_seconds",
      help: "Duration of pipeline stages by stage and result.",
      labelNames: ["stage", "result"] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 900, 1800],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "slipway_queue_jobs",
      help: "Jobs in each queue by state, read when scraped.",
      labelNames: ["queue", "state"] as const,
      registers: [registry],
    }),
    githubCalls: new Counter({
      name: "slipway_github_api_calls_total",
      help: "GitHub API calls by method, route and status.",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    githubRateLimitRemaining: new Gauge({
      name: "slipway_github_rate_limit_remaining",
      help: "The x-ratelimit-remaining GitHub last reported, by installation (0 for the app).",
      labelNames: ["installation"] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
