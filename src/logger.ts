import { pino, type Logger } from "pino";
import { PinoPretty } from "pino-pretty";

/**
 * Paths whose values are secrets wherever they appear in a log line: credentials in headers,
 * tokens, passwords, keys. Messages are redacted separately where errors are turned into text.
 */
export const REDACTED_PATHS = [
  "token",
  "*.token",
  "password",
  "*.password",
  "privateKey",
  "*.privateKey",
  "secret",
  "*.secret",
  "plaintext",
  "*.plaintext",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-hub-signature"]',
  "request.headers.authorization",
  "err.request.headers.authorization",
  "err.response.headers.authorization",
  "error.request.headers.authorization",
  // ioredis puts the failed command on its errors: for AUTH, the password.
  "command.args",
  "*.command.args",
];

/**
 * The one logger; everything else gets children of it carrying ids. JSON lines by default (for
 * log collectors); `format: "pretty"` for people reading a terminal.
 */
export function createLogger(level: string, format: "json" | "pretty" = "json"): Logger {
  const options = {
    level,
    base: { name: "slipway" },
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
  };
  return format === "pretty"
    ? pino(options, PinoPretty({ colorize: true, sync: true }))
    : pino(options);
}
