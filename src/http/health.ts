import type { IncomingMessage, ServerResponse } from "node:http";

export interface HealthChecks {
  /** Resolves when the process can do its work (Redis answers); rejects with the reason. */
  ready: () => Promise<void>;
}

function send(res: ServerResponse, status: number, body: object) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

/**
 * `GET /healthz`: the process is up. `GET /readyz`: it can do its work. A Probot server handler:
 * returns true when it answered.
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
    return false;
  };
}
