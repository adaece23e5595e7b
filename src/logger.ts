import { pino, type Logger } from "pino";

/** Paths whose values are secrets wherever they appear in a log line. */
const REDACT = [
  "token",
  "*.token",
  "password",
  "*.password",
  "privateKey",
  "*.privateKey",
  "secret",
  "*.secret",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  'req.headers["x-hub-signature-256"]',
  "request.headers.authorization",
  "err.request.headers.authorization",
];

/** The one logger; everything else gets children of it carrying ids. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { name: "slipway" },
    redact: { paths: REDACT, censor: "[redacted]" },
  });
}
