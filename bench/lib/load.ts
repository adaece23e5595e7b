import { Agent, request } from "node:http";

export interface LoadRequest {
  body: string;
  headers: Record<string, string>;
}

export interface LoadResult {
  concurrency: number;
  requests: number;
  seconds: number;
  /** Latency of every completed request, in ms, in completion order. */
  latencies: Float64Array;
  statuses: Record<string, number>;
  /** Requests that got no HTTP answer (reset, refused). */
  errors: number;
}

/**
 * A closed-loop HTTP load: `concurrency` clients on keep-alive connections to 127.0.0.1, each
 * sending its next POST as soon as the previous one is answered, until `durationMs` has passed
 * or `maxRequests` were sent (both bounds always apply).
 */
export async function runLoad(options: {
  port: number;
  path: string;
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  next: (index: number) => LoadRequest;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies = new Float64Array(options.maxRequests);
  const statuses: Record<string, number> = {};
  let sent = 0;
  let completed = 0;
  let errors = 0;

  const post = (item: LoadRequest) =>
    new Promise<number>((resolve) => {
      const req = request(
        {
          agent,
          host: "127.0.0.1",
          port: options.port,
          path: options.path,
          method: "POST",
          headers: { ...item.headers, "content-length": String(Buffer.byteLength(item.body)) },
        },
        (res) => {
          res.resume();
          res.once("end", () => {
            resolve(res.statusCode ?? 0);
          });
          res.once("error", () => {
            resolve(0);
          });
        },
      );
      req.once("error", () => {
        resolve(0);
      });
      req.end(item.body);
    });

  const started = performance.now();
  const deadline = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (sent < options.maxRequests && performance.now() < deadline) {
        const item = options.next(sent++);
        const t0 = performance.now();
        const status = await post(item);
        if (status === 0) {
          errors++;
          continue;
        }
        latencies[completed++] = performance.now() - t0;
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    concurrency: options.concurrency,
    requests: completed,
    seconds,
    latencies: latencies.subarray(0, completed),
    statuses,
    errors,
  };
}
