import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { parse as parseYaml } from "yaml";
import type { Cluster } from "./cluster.ts";
import type { Kubelet } from "./kubelet.ts";
import { route, type Reply } from "./router.ts";
import { failureStatus, reasonForCode, StatusError } from "./status.ts";

/** One request the fake received, with the status it was answered. */
export interface RecordedRequest {
  method: string;
  /** The URL path, without the query string. */
  path: string;
  query: Record<string, string>;
  contentType?: string;
  /** Parsed JSON (or YAML for apply patches); raw text when unparseable; undefined when empty. */
  body: unknown;
  /** HTTP status answered; a watch records 200 when its stream opens. */
  status: number;
  /** `Date.now()` when the request arrived. */
  at: number;
}

export interface KubeFaultMatch {
  method: string;
  /** Tested against the URL path without the query, e.g. /\/deployments\/web$/. */
  path: RegExp;
}

export interface KubeFault {
  status: number;
  /** Status `reason` (default from the code: 409 Conflict, 500 InternalError, …). */
  reason?: string;
  message?: string;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface ServerState {
  cluster: Cluster;
  kubelet: Kubelet;
  /** The bearer token every API request must carry. */
  token: string;
  requests: RecordedRequest[];
  faults: Array<{ match: KubeFaultMatch; fault: KubeFault; remaining: number }>;
  /** Bugs of the fake itself (500s), reported by waitFor's timeout message. */
  internalErrors: unknown[];
  closing: AbortSignal;
  /** `127.0.0.1:<port>`, known once listening. */
  host(): string;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
  });
}

function parseBody(text: string, contentType: string | undefined): { ok: boolean; value: unknown } {
  if (text.trim() === "") return { ok: true, value: undefined };
  try {
    const yaml = contentType?.includes("yaml") === true;
    const value: unknown = yaml ? parseYaml(text) : JSON.parse(text);
    return { ok: true, value };
  } catch {
    return { ok: false, value: text };
  }
}

/**
 * The HTTP side of the fake: records every request, injects faults, authenticates the bearer
 * token, and answers API errors as Status objects.
 */
export function createRequestHandler(
  state: ServerState,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { cluster, requests, faults, internalErrors, token } = state;
  const { closing } = state;

  function takeFault(method: string, path: string): KubeFault | undefined {
    const entry = faults.find(
      (candidate) =>
        candidate.remaining > 0 &&
        candidate.match.method.toUpperCase() === method &&
        path.search(candidate.match.path) !== -1,
    );
    if (entry === undefined) return undefined;
    entry.remaining -= 1;
    if (entry.remaining === 0) faults.splice(faults.indexOf(entry), 1);
    return entry.fault;
  }

  function send(res: ServerResponse, call: RecordedRequest, reply: Reply): void {
    call.status = reply.status;
    requests.push(call);
    if (res.destroyed) return;
    const text = reply.text === true && typeof reply.body === "string";
    res.writeHead(reply.status, {
      "content-type": text ? "text/plain" : "application/json",
      "audit-id": randomBytes(16).toString("hex"),
      ...reply.headers,
    });
    res.end(text ? String(reply.body) : JSON.stringify(reply.body));
  }

  function statusReply(error: StatusError): Reply {
    return { status: error.code, body: error.toStatus(), headers: error.headers };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const contentType = req.headers["content-type"];
    const text = await readBody(req);
    const parsed = parseBody(text, contentType);
    const call: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(contentType === undefined ? {} : { contentType }),
      body: parsed.value,
      status: 0,
      at,
    };

    const fault = takeFault(method, url.pathname);
    if (fault !== undefined) {
      if (fault.delayMs !== undefined) {
        await sleep(fault.delayMs, undefined, { signal: closing }).catch(() => undefined);
        if (closing.aborted) return;
      }
      const reason = fault.reason ?? reasonForCode(fault.status);
      const body = failureStatus(
        fault.status,
        reason,
        fault.message ?? `injected fault: ${reason}`,
        {},
      );
      const retry: Record<string, string> =
        fault.status === 429 || fault.status === 503 ? { "retry-after": "1" } : {};
      send(res, call, { status: fault.status, body, headers: retry });
      return;
    }
    if (["/healthz", "/livez", "/readyz"].includes(url.pathname)) {
      send(res, call, { status: 200, body: "ok", text: true });
      return;
    }
    if (url.pathname === "/version") {
      send(res, call, {
        status: 200,
        body: { major: "1", minor: "33", gitVersion: "v1.33.0-fake", platform: "linux/amd64" },
      });
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      send(res, call, statusReply(new StatusError(401, "Unauthorized", "Unauthorized")));
      return;
    }
    if (!parsed.ok) {
      send(
        res,
        call,
        statusReply(
          new StatusError(
            400,
            "BadRequest",
            `error decoding request body: invalid ${contentType ?? "JSON"}`,
          ),
        ),
      );
      return;
    }
    try {
      const request = {
        method,
        path: url.pathname,
        query: call.query,
        contentType,
        body: parsed.value,
        userAgent: req.headers["user-agent"],
      };
      const reply = route(cluster, state.kubelet, request, res, state.host());
      if (reply === undefined) {
        call.status = 200;
        requests.push(call);
        return;
      }
      send(res, call, reply);
    } catch (error) {
      if (error instanceof StatusError) {
        send(res, call, statusReply(error));
        return;
      }
      internalErrors.push(error);
      send(res, call, {
        status: 500,
        body: failureStatus(500, "InternalError", `Internal error occurred: ${String(error)}`),
      });
    }
  }

  return handle;
}
