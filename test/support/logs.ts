import { Writable } from "node:stream";
import { pino, type Logger } from "pino";

/** A real pino logger whose lines are kept in memory, so tests can read what was logged. */
export function captureLogger(level = "info"): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(
        ...chunk
          .toString("utf8")
          .split("\n")
          .filter((l) => l.length > 0),
      );
      callback();
    },
  });
  return { log: pino({ level }, stream), lines };
}
