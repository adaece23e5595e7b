import { describe, expect, it } from "vitest";
import { checkRunActions } from "./check-run-actions.ts";

const target = {
  installationId: 1,
  owner: "acme",
  repo: "shop",
  repoId: 2,
  branch: "feature",
  defaultBranch: "main",
  sha: "a".repeat(40),
};
const ids = (actions: Array<{ identifier: string }>) => actions.map((a) => a.identifier);

describe("check-run buttons", () => {
  it.each([
    ["a preview", target, "success", true, ["redeploy", "rollback", "teardown"]],
    ["a failed preview", target, "failure", true, ["redeploy", "rollback", "teardown"]],
    ["production", { ...target, branch: "main" }, "success", true, ["redeploy", "rollback"]],
    ["a cancelled run", target, "cancelled", true, []],
    ["a skipped run", target, "skipped", true, []],
    ["a fork's run", { ...target, fork: 4 }, "success", true, []],
    ["build-only mode", target, "success", false, ["redeploy"]],
  ] as const)("%s", (_name, runTarget, conclusion, deploys, expected) => {
    expect(ids(checkRunActions(runTarget, conclusion, deploys))).toEqual(expected);
  });

  it("stays within GitHub's limits (3 buttons; 20/40/20 characters)", () => {
    const actions = checkRunActions(target, "success", true);
    expect(actions.length).toBeLessThanOrEqual(3);
    for (const action of actions) {
      expect(action.label.length).toBeLessThanOrEqual(20);
      expect(action.description.length).toBeLessThanOrEqual(40);
      expect(action.identifier.length).toBeLessThanOrEqual(20);
    }
  });
});
