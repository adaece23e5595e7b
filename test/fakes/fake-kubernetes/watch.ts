import type { ServerResponse } from "node:http";
import type { Cluster } from "./cluster.ts";
import type { Obj } from "./json.ts";
import { selection } from "./reads.ts";
import { failureStatus } from "./status.ts";
import type { Change, ChangeType } from "./store.ts";
import type { Target } from "./writes.ts";

/** Which event a selected watcher sees: entering the selection is ADDED, leaving it DELETED. */
function eventType(change: Change, matches: (object: Obj) => boolean): ChangeType | undefined {
  const now = change.type !== "DELETED" && matches(change.object);
  const before = change.previous !== undefined && matches(change.previous);
  if (change.type === "DELETED") return before ? "DELETED" : undefined;
  if (now && before) return "MODIFIED";
  if (now) return "ADDED";
  return before ? "DELETED" : undefined;
}

/**
 * Streams `?watch=true` as newline-delimited `{"type","object"}` JSON, the way the client's `Watch`
 * reads it. Without `resourceVersion` (or with "0") current objects come first as ADDED; with one,
 * changes after it are replayed (410 `Expired` when history no longer reaches back).
 * `timeoutSeconds` ends the stream like the real server.
 */
export function serveWatch(cluster: Cluster, target: Target, res: ServerResponse): void {
  const matches = selection(target);
  res.writeHead(200, { "content-type": "application/json", "cache-control": "no-cache, private" });
  res.flushHeaders();
  const send = (type: string, object: Obj) => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const forward = (change: Change) => {
    if (change.resource !== target.resource) return;
    const type = eventType(change, matches);
    if (type !== undefined) send(type, change.object);
  };

  const since = target.query.resourceVersion;
  if (since === undefined || since === "" || since === "0") {
    for (const object of cluster.store.list(target.resource).filter(matches)) send("ADDED", object);
  } else {
    const changes = cluster.store.changesSince(Number(since));
    if (changes === undefined) {
      send(
        "ERROR",
        failureStatus(
          410,
          "Expired",
          `too old resource version: ${since} (${cluster.store.resourceVersion()})`,
        ),
      );
      res.end();
      return;
    }
    for (const change of changes) forward(change);
  }

  const unsubscribe = cluster.store.subscribe(forward);
  const timeoutSeconds = Number(target.query.timeoutSeconds ?? "0");
  const timer =
    timeoutSeconds > 0
      ? setTimeout(() => {
          res.end();
        }, timeoutSeconds * 1000)
      : undefined;
  res.on("close", () => {
    unsubscribe();
    clearTimeout(timer);
  });
}
