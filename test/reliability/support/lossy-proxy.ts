import { createServer, request, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface LossyProxy {
  /** `127.0.0.1:<port>`, for `GHE_HOST`. */
  host: string;
  /**
   * After `skip` matching requests pass, the next `times` (default 1) are forwarded and handled
   * upstream, but their answer never arrives: the client's connection is destroyed instead (a
   * reply lost in transit, the case where retrying a create would make a duplicate).
   */
  loseAnswer(
    match: { method: string; path: RegExp },
    options?: { times?: number; skip?: number },
  ): void;
  /** Requests whose answer was lost, as `METHOD path`. */
  lost: string[];
  close(): Promise<void>;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      resolve(Buffer.concat(chunks));
    });
    stream.on("error", reject);
  });
}

/** An HTTP proxy on 127.0.0.1 in front of `upstreamHost` (e.g. the fake GitHub). */
export async function startLossyProxy(upstreamHost: string): Promise<LossyProxy> {
  const [upstreamName = "127.0.0.1", upstreamPort = "80"] = upstreamHost.split(":");
  const rules: Array<{ method: string; path: RegExp; skip: number; remaining: number }> = [];
  const lost: string[] = [];

  function takeRule(method: string, path: string): boolean {
    const rule = rules.find((r) => r.remaining > 0 && r.method === method && r.path.test(path));
    if (rule === undefined) return false;
    if (rule.skip > 0) {
      rule.skip -= 1;
      return false;
    }
    rule.remaining -= 1;
    return true;
  }

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const method = (req.method ?? "GET").toUpperCase();
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      const lose = takeRule(method, path);
      const upstream = request({
        host: upstreamName,
        port: Number(upstreamPort),
        method,
        path: req.url,
        headers: { ...req.headers, host: upstreamHost },
      });
      upstream.on("response", (answer) => {
        void readAll(answer).then((text) => {
          if (lose) {
            lost.push(`${method} ${path}`);
            req.socket.destroy();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(text);
        });
      });
      upstream.on("error", () => {
        if (!res.headersSent) res.writeHead(502).end();
      });
      upstream.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    loseAnswer(match, { times = 1, skip = 0 } = {}) {
      rules.push({ method: match.method.toUpperCase(), path: match.path, skip, remaining: times });
    },
    lost,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
