import type { IncomingMessage, ServerResponse } from "node:http";
import { verify } from "@octokit/webhooks-methods";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import type { Intake } from "../queue/intake.ts";
import type { Intent } from "../queue/intent.ts";
import { routeEvent } from "./route-event.ts";

/** GitHub caps webhook payloads at 25 MB; anything larger is not GitHub. */
export const MAX_BODY_BYTES = 25 * 1024 * 1024;

/** GitHub's delivery ids are GUIDs; anything else cannot be deduplicated safely. */
const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;

function answer(res: ServerResponse, status: number, text: string, close = false): true {
  res
    .writeHead(status, { "content-type": "text/plain", ...(close ? { connection: "close" } : {}) })
    .end(`${text}\n`);
  return true;
}

/**
 * The body, or undefined once it grows past the cap (the rest is not read). Plain `data`/`end`
 * listeners rather than `for await`: the async iterator costs a promise per chunk on the hot path.
 */
function readCapped(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off("data", onData);
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => {
      resolve(Buffer.concat(chunks, size).toString("utf8"));
    });
    req.once("error", reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The webhook endpoint: size cap (413, before anything is parsed), signature check (401),
 * a JSON object body (400), then the pure router and the intake. No GitHub API call, and no
 * library code runs on the payload before Slipway's own validation: a signed but malformed
 * delivery is answered 400 or ignored, never 5xx. 5xx only when Redis cannot take a valid
 * delivery, so GitHub records it as failed and it can be redelivered.
 */
export function webhookHandler(deps: {
  path: string;
  secret: string;
  intake: Intake;
  log: Logger;
  deliveries: Counter<"event" | "outcome">;
}) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.url?.split("?")[0] !== deps.path) return false;
    if (req.method !== "POST") return answer(res, 405, "webhooks are POSTed");
    if (Number(req.headers["content-length"] ?? 0) > MAX_BODY_BYTES) {
      req.resume();
      return answer(res, 413, "payload larger than GitHub's 25 MB limit", true);
    }
    const body = await readCapped(req);
    if (body === undefined)
      return answer(res, 413, "payload larger than GitHub's 25 MB limit", true);
    const event = header(req, "x-github-event");
    const deliveryId = header(req, "x-github-delivery");
    const signature = header(req, "x-hub-signature-256");
    if (
      event === undefined ||
      deliveryId === undefined ||
      signature === undefined ||
      signature === ""
    ) {
      return answer(
        res,
        400,
        "X-GitHub-Event, X-GitHub-Delivery and X-Hub-Signature-256 are required",
      );
    }
    const valid = await verify(deps.secret, body, signature).catch(() => false);
    if (!valid) return answer(res, 401, "signature does not match");
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return answer(res, 400, "the body is not JSON");
    }
    if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
      return answer(res, 400, "the body is not a JSON object");
    }
    const intent: Intent = DELIVERY_ID.test(deliveryId)
      ? routeEvent(event, payload)
      : { kind: "ignore", reason: "malformed X-GitHub-Delivery" };
    const metricEvent = /^[a-z_]{1,64}$/.test(event) ? event : "other";
    try {
      const result = await deps.intake.submit(deliveryId, intent);
      deps.deliveries.inc({ event: metricEvent, outcome: result });
      deps.log.info(
        {
          deliveryId,
          event: metricEvent,
          result,
          ...(intent.kind === "ignore" ? { reason: intent.reason } : {}),
        },
        "delivery handled",
      );
      return answer(res, 200, "ok");
    } catch (error) {
      deps.deliveries.inc({ event: metricEvent, outcome: "error" });
      deps.log.error(
        {
          deliveryId,
          event: metricEvent,
          error: error instanceof Error ? error.message : String(error),
        },
        "could not queue a delivery; GitHub will show it as failed",
      );
      return answer(res, 503, "could not queue the delivery; redeliver it later");
    }
  };
}
