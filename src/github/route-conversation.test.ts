import { describe, expect, it } from "vitest";
import { routeEvent } from "./route-event.ts";

const repository = { id: 10, name: "shop", owner: { login: "acme" }, default_branch: "main" };
const installation = { id: 3 };
const SHA = "a".repeat(40);

function pullRequest(action: string, headRepoId: number | null) {
  return {
    action,
    number: 5,
    pull_request: {
      head: { ref: "feature", sha: SHA, repo: headRepoId === null ? null : { id: headRepoId } },
    },
    repository,
    installation,
  };
}

function comment(body: string, extra: { pr?: boolean; action?: string; type?: string } = {}) {
  return {
    action: extra.action ?? "created",
    issue: { number: 5, ...(extra.pr === false ? {} : { pull_request: { url: "x" } }) },
    comment: { id: 77, body },
    sender: { login: "writer", type: extra.type ?? "User" },
    repository,
    installation,
  };
}

function button(identifier: string, branch: string | null = "feature") {
  return {
    action: "requested_action",
    check_run: { head_sha: SHA, external_id: "run-1", check_suite: { head_branch: branch } },
    requested_action: { identifier },
    sender: { login: "writer" },
    repository,
    installation,
  };
}

describe("routing pull requests, comments and buttons", () => {
  it.each([
    ["opened", "opened"],
    ["reopened", "opened"],
    ["closed", "closed"],
  ])("pull_request.%s of an own branch → comment job (%s)", (action, expected) => {
    expect(routeEvent("pull_request", pullRequest(action, 10))).toEqual({
      kind: "pull_request",
      action: expected,
      pullRequest: {
        number: 5,
        target: {
          installationId: 3,
          owner: "acme",
          repo: "shop",
          repoId: 10,
          branch: "feature",
          defaultBranch: "main",
        },
      },
    });
  });

  it.each(["synchronize", "labeled", "edited"])("pull_request.%s needs no work", (action) => {
    expect(routeEvent("pull_request", pullRequest(action, 10)).kind).toBe("ignore");
  });

  it.each([
    ["a fork", 99],
    ["a deleted fork", null],
  ])("never builds a pull request from %s", (_name, headRepoId) => {
    for (const action of ["opened", "synchronize", "reopened"]) {
      const intent = routeEvent("pull_request", pullRequest(action, headRepoId));
      expect(intent.kind).toBe("ignore");
      expect(intent.kind === "ignore" ? intent.reason : "").toContain("fork");
    }
    expect(routeEvent("pull_request", pullRequest("closed", headRepoId))).toMatchObject({
      kind: "teardown",
      target: { branch: "pr:5", repoId: 10 },
    });
  });

  it.each(["/slipway deploy", "  /slipway   deploy \n"])(
    "takes %j as the deploy command",
    (body) => {
      expect(routeEvent("issue_comment", comment(body))).toEqual({
        kind: "command",
        command: "deploy",
        repository: {
          installationId: 3,
          owner: "acme",
          repo: "shop",
          repoId: 10,
          defaultBranch: "main",
        },
        pullRequest: 5,
        commentId: 77,
        sender: "writer",
      });
    },
  );

  it.each([
    ["another comment", comment("looks good")],
    ["the command inside a sentence", comment("please /slipway deploy")],
    ["another command", comment("/slipway destroy")],
    ["an edit", comment("/slipway deploy", { action: "edited" })],
    ["an issue, not a pull request", comment("/slipway deploy", { pr: false })],
    ["a bot", comment("/slipway deploy", { type: "Bot" })],
    ["no body", { ...comment("x"), comment: { id: 77, body: null } }],
  ])("ignores %s", (_name, payload) => {
    expect(routeEvent("issue_comment", payload).kind).toBe("ignore");
  });

  it.each(["redeploy", "rollback", "teardown"])(
    "button %s → a check action on the recorded run",
    (identifier) => {
      expect(routeEvent("check_run", button(identifier))).toEqual({
        kind: "check_action",
        action: identifier,
        runKey: "run-1",
        sha: SHA,
        repository: {
          installationId: 3,
          owner: "acme",
          repo: "shop",
          repoId: 10,
          defaultBranch: "main",
        },
        suiteBranch: "feature",
        sender: "writer",
      });
    },
  );

  it("ignores an unknown button", () => {
    expect(routeEvent("check_run", button("format-disk")).kind).toBe("ignore");
  });

  it("passes on a button of a fork's check suite (no branch) for the job to resolve", () => {
    expect(routeEvent("check_run", button("rollback", null))).toMatchObject({
      kind: "check_action",
      suiteBranch: null,
    });
  });

  it.each([
    ["/slipway deploy 0123abc", "0123abc"],
    ["/slipway deploy 0123ABCdef", "0123abcdef"],
  ])("reads the commit named in %j", (body, sha) => {
    expect(routeEvent("issue_comment", comment(body))).toMatchObject({ kind: "command", sha });
  });

  it.each(["/slipway deploy 0123", "/slipway deploy main", "/slipway deploy abcdefg extra"])(
    "ignores %j (not a commit)",
    (body) => {
      expect(routeEvent("issue_comment", comment(body)).kind).toBe("ignore");
    },
  );
});
