import { UnrecoverableError } from "bullmq";
import { redact } from "../report/redact.ts";

/**
 * An error safe to hand to BullMQ (which stores its message and stack in Redis) and to log: the
 * message redacted, no stack, no cause. Unrecoverable stays unrecoverable.
 */
export function safeError(error: unknown, secrets: readonly string[], permanent = false): Error {
  const message = redact(error instanceof Error ? error.message : String(error), secrets);
  const safe =
    permanent || error instanceof UnrecoverableError
      ? new UnrecoverableError(message)
      : new Error(message);
  safe.stack = `${safe.name}: ${message}`;
  return safe;
}
