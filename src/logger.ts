import { pino, type Logger } from "pino";
import { PinoPretty } from "pino-pretty";

/**
 * Paths whose values are secrets wherever Slipway or its libraries put them in a log line:
 * credentials in headers, tokens, passwords, keys. Messages are redacted separately where errors
 * are turned into text. Exact paths only: a `*.` wildcard makes pino walk every field of every
 * line (it cost 7 µs a line, on every delivery and job); add the path a new field is logged at.
 */
export const REDACTED_PATHS = [
  "token",
  "password",
  "privateKey",
  "secret",
  "plaintext",
  "auth.token",
  "credentials.password",
  "headers.authorization",
  "req.headers.authorization",
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature"]',
  "request.headers.authorization",
  "err.request.headers.authorization",
  "err.response.headers.authorization",
  "error.request.headers.authorization",
  "error.response.headers.authorization",
  // ioredis puts the failed command on its errors: for AUTH, the password.
  "command.args",
  "err.command.args",
  "error.command.args",
];

/** Log lines are written in batches of this many bytes at least, or after FLUSH_MS. */
const BATCH_BYTES = 4096;
const FLUSH_MS = 250;

/**
 * The one logger; everything else gets children of it carrying ids. JSON lines by default (for
 * log collectors), written to stdout in batches: a write per line was a tenth of the web role's
 * CPU under load. A line waits at most FLUSH_MS; pino flushes what is left when the process
 * exits. `format: "pretty"` for people reading a terminal (unbuffered).
 */
export function createLogger(level: string, format: "json" | "pretty" = "json"): Logger {
  const options = {
    level,
    base: { name: "slipway" },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
  return format === "pretty"
    ? pino(options, PinoPretty({ colorize: true, sync: true }))
    : pino(options, pino.destination({ dest: 1, minLength: BATCH_BYTES, periodicFlush: FLUSH_MS }));
}
