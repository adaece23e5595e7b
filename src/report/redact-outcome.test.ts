import { describe, expect, it } from "vitest";
import type { RunOutcome } from "./outcome.ts";
import { redactOutcome } from "./redact-outcome.ts";

const SECRET = "registry-password-123456";
const TOKEN = "ghs_abcdefghijklmnopqrstuvwxyz012345";

describe("redactOutcome", () => {
  it("redacts reasons, logs and annotations, and keeps the rest", () => {
    const outcome: RunOutcome = {
      conclusion: "failure",
      sha: "a".repeat(40),
      branch: "main",
      image: "registry.test/o/r@sha256:" + "b".repeat(64),
      stages: [
        {
          stage: "build",
          result: "failure",
          durationMs: 5,
          reason: `push refused with ${SECRET}`,
          log: `git clone https://x-access-token:${TOKEN}@github.com/o/r\n${SECRET}`,
          annotations: [
            {
              path: ".slipway.yml",
              start_line: 1,
              end_line: 1,
              annotation_level: "failure",
              message: SECRET,
            },
          ],
        },
        { stage: "deploy", result: "skipped", reason: `because ${SECRET}` },
      ],
    };
    const safe = JSON.stringify(redactOutcome(outcome, [SECRET]));
    expect(safe).not.toContain(SECRET);
    expect(safe).not.toContain(TOKEN);
    expect(safe).toContain(outcome.image);
    expect(safe).toContain("push refused with");
  });
});
