import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { executeQuery } from "./execute-query.ts";
import type { DaggerRequest, FakeDagger, FakeDaggerOptions } from "./types.ts";
import { createWorld, type World } from "./world.ts";

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += (chunk as Buffer).toString("utf8");
  return body;
}

function parseBody(
  body: string,
): { query: string; variables?: Record<string, unknown> } | undefined {
  try {
    const parsed = JSON.parse(body || "{}") as { query?: unknown; variables?: unknown };
    if (typeof parsed.query !== "string") return undefined;
    const variables =
      typeof parsed.variables === "object" && parsed.variables !== null
        ? (parsed.variables as Record<string, unknown>)
        : undefined;
    return { query: parsed.query, ...(variables && { variables }) };
  } catch {
    return undefined;
  }
}

async function handle(
  world: World,
  requests: DaggerRequest[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = parseBody(await readBody(req));
  const authorization = req.headers.authorization;
  requests.push({
    authorization,
    query: body?.query ?? "",
    ...(body?.variables !== undefined && { variables: body.variables }),
  });
  const expected = `Basic ${Buffer.from(`${world.options.token}:`).toString("base64")}`;
  if (req.method !== "POST" || req.url !== "/query" || authorization !== expected) {
    res.writeHead(401).end("unauthorized");
    return;
  }
  if (body === undefined) {
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ errors: [{ message: "body must be JSON with a query" }] }));
    return;
  }
  if (world.options.delayMs !== undefined) await sleep(world.options.delayMs);
  const answer = executeQuery(world, body.query, body.variables);
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
}

/**
 * A Dagger engine session as the SDK sees it: GraphQL over HTTP POST /query with basic auth (the
 * session token as user), answering from virtual repositories, recording the call chains it was
 * asked to evaluate, secrets, cache volumes and published images. See `FakeDagger`.
 */
export async function startFakeDagger(options: FakeDaggerOptions): Promise<FakeDagger> {
  const world = createWorld(options);
  const requests: DaggerRequest[] = [];
  const server = createServer((req, res) => {
    handle(world, requests, req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(error instanceof Error ? error.stack : String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    chains: world.chains,
    secrets: world.secrets,
    published: world.published,
    cacheVolumes: world.cacheVolumes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
