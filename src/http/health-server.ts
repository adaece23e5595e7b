import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/**
 * A plain HTTP server for a worker-only process, which has no webhooks but is still probed by
 * the cluster and scraped by Prometheus. Returns its port and a function that closes it.
 */
export async function startHealthServer(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>,
  listen: { port: number; host: string },
): Promise<{ port: number | undefined; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    handler(req, res).then(
      (answered) => {
        if (!answered) res.writeHead(404).end();
      },
      () => {
        res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((resolve) => {
    server.listen(listen.port, listen.host, resolve);
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : undefined,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
