import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { REDACTED_PATHS } from "./logger.ts";

/** A logger with Slipway's redaction writing into memory. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const log = pino({ redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, stream);
  return { log, lines };
}

describe("log redaction", () => {
  it.each([
    ["a token field", { token: "ghs_SECRET" }],
    ["an installation auth object", { auth: { token: "ghs_SECRET" } }],
    ["a registry password", { credentials: { password: "SECRET" } }],
    ["a request's authorization header", { req: { headers: { authorization: "token SECRET" } } }],
    [
      "an Octokit error's request",
      { err: { request: { headers: { authorization: "token SECRET" } } } },
    ],
    ["an ioredis AUTH command", { err: { command: { name: "auth", args: ["SECRET"] } } }],
    ["a webhook signature", { req: { headers: { "x-hub-signature-256": "sha256=SECRET" } } }],
  ])("hides %s", (_name, fields) => {
    const { log, lines } = capture();
    log.info(fields, "line");
    expect(lines.join("")).not.toContain("SECRET");
    expect(lines.join("")).toContain("[redacted]");
  });
});
