import { timingSafeEqual, createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";

/** The adapter's router is an express app: a plain (req, res) handler. */
type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

export const ADMIN_PATH = "/admin/queues";

/** Constant-time comparison (of fixed-length digests, so lengths leak nothing either). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token from `Authorization: Bearer <token>`, or the password of HTTP basic auth. */
function presentedToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? "";
  const [scheme = "", value = ""] = header.split(" ", 2);
  if (scheme.toLowerCase() === "bearer") return value;
  if (scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    return decoded.slice(decoded.indexOf(":") + 1);
  }
  return undefined;
}

/**
 * The queue dashboard (bull-board) at /admin/queues, for operators holding SLIPWAY_ADMIN_TOKEN
 * (as a bearer token, or as the password of the browser's basic-auth prompt). Everything under
 * the path is refused without it. A Probot server handler: returns true when it answered.
 */
export function adminHandler(options: { token: string; queues: Queue[] }) {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(ADMIN_PATH);
  createBullBoard({ queues: options.queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  const router = serverAdapter.getRouter() as NodeHandler;

  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = req.url?.split("?")[0] ?? "";
    if (path !== ADMIN_PATH && !path.startsWith(`${ADMIN_PATH}/`)) return false;
    const token = presentedToken(req);
    if (token === undefined || !sameSecret(token, options.token)) {
      res
        .writeHead(401, {
          "www-authenticate": 'Basic realm="Slipway queues"',
          "content-type": "text/plain",
        })
        .end(
          "Unauthorized: send SLIPWAY_ADMIN_TOKEN as a bearer token or as the basic-auth password.\n",
        );
      return true;
    }
    // The router's routes are relative to where it is mounted.
    req.url = (req.url ?? "").slice(ADMIN_PATH.length) || "/";
    router(req, res);
    return true;
  };
}
