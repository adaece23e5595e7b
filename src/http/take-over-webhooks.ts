import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Logger } from "pino";

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * Puts Slipway's webhook handler ahead of everything else on Probot's HTTP server: Probot's own
 * middleware would run its webhook code on a payload before Slipway validated it. Requests the
 * handler does not take (setup and static pages, health, the dashboard) go to Probot's listeners
 * as before; the smee proxy, if any, still forwards to the same path.
 */
export function takeOverWebhooks(http: Server, webhook: Handler, log: Logger): void {
  const probotListeners = http.listeners("request") as Array<
    (req: IncomingMessage, res: ServerResponse) => void
  >;
  http.removeAllListeners("request");
  http.on("request", (req: IncomingMessage, res: ServerResponse) => {
    webhook(req, res).then(
      (handled) => {
        if (!handled) for (const listener of probotListeners) listener.call(http, req, res);
      },
      (error: unknown) => {
        log.error(
          { error: error instanceof Error ? error.message : String(error) },
          "webhook handler failed",
        );
        if (!res.headersSent) res.writeHead(500).end();
      },
    );
  });
}
