/** Messages between the bench and its worker children. */
export type ChildMessage =
  | { type: "ready" }
  | { type: "done"; completed: number }
  | { type: "failed"; error: string }
  | { type: "stats"; redisCommands: Record<string, number> };

export function isChildMessage(message: unknown): message is ChildMessage {
  return typeof message === "object" && message !== null && "type" in message;
}

/** Calls `onStop` when the parent sends `{ type: "stop" }` or disconnects. */
export function onStopRequest(onStop: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    onStop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("message", (message: unknown) => {
    if (typeof message === "object" && message !== null && "type" in message) {
      if (message.type === "stop") stop();
    }
  });
  process.on("disconnect", stop);
  process.on("SIGTERM", stop);
}

/** Answers the parent's `{ type: "stats" }` requests with `stats()`. */
export function onStatsRequest(stats: () => Record<string, number>): void {
  process.on("message", (message: unknown) => {
    if (typeof message === "object" && message !== null && "type" in message) {
      if (message.type === "stats") tell({ type: "stats", redisCommands: stats() });
    }
  });
}

export function tell(message: ChildMessage): void {
  process.send?.(message);
}
