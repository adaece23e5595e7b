import { createServer, type IncomingMessage } from "node:http";

export interface DaggerRequest {
  authorization: string | undefined;
  query: string;
}

/**
 * The smallest Dagger engine session the SDK can talk to: GraphQL over HTTP POST /query with
 * basic auth (the session token as user). Answers `version`; anything else is a GraphQL error.
 */
export async function startFakeDagger(options: { token: string; version?: string }) {
  const requests: DaggerRequest[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const parsed = JSON.parse(body || "{}") as { query?: string };
      const query = parsed.query ?? "";
      requests.push({ authorization: req.headers.authorization, query });
      const expected = `Basic ${Buffer.from(`${options.token}:`).toString("base64")}`;
      if (req.url !== "/query" || req.headers.authorization !== expected) {
        res.writeHead(401).end("unauthorized");
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      if (/\bversion\b/.test(query)) {
        res.end(JSON.stringify({ data: { version: options.version ?? "v0.21.9" } }));
      } else {
        res.end(JSON.stringify({ errors: [{ message: "not supported by the fake engine" }] }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  };
}
