import { expect, it } from "vitest";
import type { StageName, StageOutcome } from "./outcome.ts";
import { renderStageTable } from "./render-stage-table.ts";

const HEADER = "| Stage | Result | Duration |\n| --- | --- | --- |";

it.each([
  [
    "a success",
    { stage: "build", result: "success", durationMs: 850 },
    "| Build | ✅ Success | 850 ms |",
  ],
  [
    "a success with detail",
    { stage: "deploy", result: "success", durationMs: 12_300, detail: "2/2 pods *ready*" },
    "| Deploy | ✅ Success: 2/2 pods \\*ready\\* | 12.3 s |",
  ],
  [
    "a failure",
    { stage: "build", result: "failure", durationMs: 125_000, reason: "exit 1" },
    "| Build | ❌ Failure | 2 min 5 s |",
  ],
  [
    "a timeout",
    { stage: "deploy", result: "timed_out", durationMs: 900_100, timeoutMs: 900_000 },
    "| Deploy | ⏱️ Timed out (limit 15 min) | 15 min |",
  ],
  [
    "a cancellation",
    { stage: "build", result: "cancelled", durationMs: 4_000 },
    "| Build | 🚫 Cancelled | 4.0 s |",
  ],
  [
    "a skip with a pipe and a newline in its reason",
    { stage: "deploy", result: "skipped", reason: "no preview for `a|b`\nbranches" },
    "| Deploy | ⏭️ Skipped: no preview for \\`a\\|b\\` branches | — |",
  ],
  [
    "a skip without a reason",
    { stage: "deploy", result: "skipped", reason: " " },
    "| Deploy | ⏭️ Skipped | — |",
  ],
] satisfies [string, StageOutcome, string][])("renders %s", (_name, stage, row) => {
  expect(renderStageTable([stage], [])).toBe(`${HEADER}\n${row}`);
});

it.each([
  ["nothing yet", [], "build", ["| Build | ⏳ Running | — |"]],
  [
    "a finished build",
    [{ stage: "build", result: "success", durationMs: 61_000 }],
    "deploy",
    ["| Build | ✅ Success | 1 min 1 s |", "| Deploy | ⏳ Running | — |"],
  ],
] satisfies [string, StageOutcome[], StageName, string[]][])(
  "adds the running stage after %s",
  (_name, stages, running, rows) => {
    expect(renderStageTable(stages, [], running)).toBe([HEADER, ...rows].join("\n"));
  },
);

it("redacts cell text", () => {
  const table = renderStageTable(
    [{ stage: "deploy", result: "skipped", reason: "registry password hunter22 rejected" }],
    ["hunter22"],
  );
  expect(table).toContain("registry password \\*\\*\\* rejected");
  expect(table).not.toContain("hunter22");
});
