import { describe, expect, it } from "vitest";
import { examplePayload, pushPayload } from "../../test/support/examples.ts";
import { routeEvent } from "./route-event.ts";

const SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";

describe("routeEvent", () => {
  it("turns a branch push into a run of exactly its `after` commit", () => {
    const intent = routeEvent("push", pushPayload({ branch: "feature/x", installationId: 7 }));
    expect(intent).toEqual({
      kind: "run",
      trigger: "push",
      target: {
        installationId: 7,
        owner: "Codertocat",
        repo: "Hello-World",
        repoId: 186853002,
        branch: "feature/x",
        defaultBranch: "master",
        sha: SHA,
      },
    });
  });

  it("turns a branch deletion into a teardown, never a build", () => {
    const intent = routeEvent("push", pushPayload({ deleted: true }));
    expect(intent.kind).toBe("teardown");
  });

  it.each([
    [
      "tag push",
      examplePayload(
        "push",
        (p) =>
          p["ref"] === "refs/tags/simple-tag" &&
          p["deleted"] === false &&
          p["installation"] === undefined,
      ),
    ],
    [
      "tag deletion",
      examplePayload(
        "push",
        (p) => p["ref"] === "refs/tags/simple-tag" && p["installation"] !== undefined,
      ),
    ],
  ])("ignores a %s", (_label, payload) => {
    payload["installation"] = { id: 1 };
    expect(routeEvent("push", payload).kind).toBe("ignore");
  });

  it.each<[string, (p: Record<string, unknown>) => void]>([
    ["missing installation", (p) => delete p["installation"]],
    ["sha not hex", (p) => (p["after"] = "not-a-sha")],
    ["repository id a string", (p) => ((p["repository"] as Record<string, unknown>)["id"] = "1")],
    ["owner missing", (p) => delete (p["repository"] as Record<string, unknown>)["owner"]],
    ["ref a number", (p) => (p["ref"] = 5)],
  ])("ignores an invalid push (%s) and says which field", (_label, mutate) => {
    const payload = pushPayload({});
    mutate(payload);
    const intent = routeEvent("push", payload);
    expect(intent.kind).toBe("ignore");
    expect(intent.kind === "ignore" && intent.reason).toMatch(/^invalid push payload: /);
  });

  it("reruns a rerequested check run from the run Slipway recorded (resolved in a job)", () => {
    const intent = routeEvent(
      "check_run",
      examplePayload("check_run", (p) => p["action"] === "rerequested"),
    );
    expect(intent).toMatchObject({ kind: "check_action", action: "rerun", suiteBranch: "master" });
  });

  it("reruns the commit of a rerequested check suite", () => {
    const intent = routeEvent(
      "check_suite",
      examplePayload("check_suite", (p) => p["action"] === "rerequested"),
    );
    expect(intent).toMatchObject({ kind: "run", trigger: "rerun", target: { branch: "changes" } });
  });

  it.each(["created", "completed", "requested_action"])("ignores check_run.%s", (action) => {
    const payload = examplePayload("check_run", (p) => p["action"] === action);
    expect(routeEvent("check_run", payload).kind).toBe("ignore");
  });

  it.each([
    ["created", "provision"],
    ["unsuspend", "provision"],
    ["suspend", "suspend"],
    ["deleted", "remove"],
  ])("installation.%s → tenant %s", (action, expected) => {
    const intent = routeEvent(
      "installation",
      examplePayload("installation", (p) => p["action"] === action),
    );
    expect(intent).toMatchObject({ kind: "tenant", action: expected });
  });

  it("installation_repositories.removed names the repositories", () => {
    const payload = examplePayload("installation_repositories", (p) => p["action"] === "removed");
    const intent = routeEvent("installation_repositories", payload);
    expect(intent.kind).toBe("tenant");
    if (intent.kind !== "tenant") return;
    expect(intent.action).toBe("remove");
    expect(intent.repositories?.length).toBeGreaterThan(0);
    expect(intent.repositories?.[0]?.owner).toMatch(/^\S+$/);
    expect(intent.repositories?.[0]?.repo).toMatch(/^\S+$/);
  });

  it("ignores events it does not handle", () => {
    expect(routeEvent("star", {}).kind).toBe("ignore");
  });
});
