import { describe, expect, it } from "vitest";
import { describeCancel, supersededBy, type LatestRun } from "./latest.ts";

const latest = (
  runKey: string,
  receivedAt: number,
  kind: LatestRun["kind"] = "run",
): LatestRun => ({
  runKey,
  sha: "abcdef0123456789abcdef0123456789abcdef01",
  receivedAt,
  kind,
});

describe("supersededBy", () => {
  it.each([
    ["no latest yet", undefined, undefined],
    ["itself is latest", latest("a", 10), undefined],
    ["a newer run", latest("b", 11), "b"],
    ["a run received in the same millisecond", latest("b", 10), "b"],
    ["an older run not yet replaced by this one", latest("b", 9), undefined],
  ])("%s", (_label, current, expected) => {
    expect(supersededBy({ runKey: "a", receivedAt: 10 }, current)?.runKey).toBe(expected);
  });
});

describe("describeCancel", () => {
  it.each([
    [{ type: "superseded" as const, by: latest("b", 1) }, "superseded by abcdef0"],
    [{ type: "superseded" as const, by: latest("b", 1, "teardown") }, "the branch was deleted"],
    [
      { type: "tenant-removed" as const, installationId: 3 },
      "the app was removed from this repository",
    ],
  ])("%j → %s", (reason, text) => {
    expect(describeCancel(reason)).toBe(text);
  });
});
