import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";

export interface HealthChecks {
  /** Resolves when the process can do its work; rejects with the reason. */
  ready: () => Promise<void>;
  /** Prometheus metrics, refreshed (queue depths) just before they are read. */
  metrics: { registry: Registry; refresh: () => Promise<void> };
}

function send(res: ServerResponse, status: number, body: object) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/**
 * `GET /healthz`: the process is up. `GET /readyz`: it can do its work. `GET /metrics`:
 * Prometheus text. A Probot server handler: returns true when it answered.
 */
export function healthHandler(checks: HealthChecks) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== "GET") return false;
    const path = req.url?.split("?")[0];
    if (path === "/healthz") {
      send(res, 200, { status: "ok" });
      return true;
    }
    if (path === "/readyz") {
      try {
        await checks.ready();
        send(res, 200, { status: "ready" });
      } catch (error) {
        send(res, 503, {
          status: "not ready",
          reason: error instanceof Error ? error.message : String(error),
        });
      }
      return true;
    }
    if (path === "/metrics") {
      await checks.metrics.refresh().catch(() => undefined); // stale depths beat no metrics
      const { registry } = checks.metrics;
      res.writeHead(200, { "content-type": registry.contentType }).end(await registry.metrics());
      return true;
    }
    return false;
  };
}
