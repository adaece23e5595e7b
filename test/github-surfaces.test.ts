import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_APP, type BuildInput } from "../src/build/build-stage.ts";
import type { RecordedCall } from "./fakes/fake-github.ts";
import {
  buttonPayload,
  pullRequestCommentPayload,
  pullRequestPayload,
  type RepoRef,
} from "./support/conversation-payloads.ts";
import { pushPayload } from "./support/examples.ts";
import { controlledBuild, recordingDeploy } from "./support/fake-stages.ts";
import { startHarness, type Harness } from "./support/harness.ts";

const sha = (n: number) => n.toString(16).padStart(40, "c");
const REPO: RepoRef = {
  installationId: 31,
  repoId: 3100,
  owner: "acme",
  repo: "shop",
  // As in the push example's repository.
  defaultBranch: "master",
};
const imageOf = (s: string) => `registry.test/acme/shop@sha256:${s}${s.slice(0, 24)}`;

/** Groups calls as `METHOD /path-pattern` → count, ids and names replaced by placeholders. */
function byEndpoint(calls: RecordedCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) {
    const route = call.path
      .replace(/^\/repos\/[^/]+\/[^/]+/, "/repos/{owner}/{repo}")
      .replace(/\/\d+(?=\/|$)/g, "/{id}")
      .replace(/\/collaborators\/[^/]+/, "/collaborators/{user}");
    const name = `${call.method} ${route}`;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

describe("GitHub surfaces: comment, buttons, forks", { timeout: 30_000 }, () => {
  let h: Harness;
  // `.slipway.yml` says `comments: false` on branch "quiet" and `egress: internet` everywhere.
  const build = controlledBuild({
    autoReleaseMs: 20,
    result: (input: BuildInput) => ({
      ok: true,
      image: imageOf(input.target.sha),
      app: {
        ...DEFAULT_APP,
        egress: "internet",
        ...(input.target.branch === "quiet" ? { comments: false } : {}),
      },
    }),
  });
  const deploy = recordingDeploy();

  const push = (branch: string, s: string) =>
    h.deliver(
      "push",
      pushPayload({
        sha: s,
        branch,
        installationId: REPO.installationId,
        repoId: REPO.repoId,
        owner: REPO.owner,
        repo: REPO.repo,
      }),
    );
  /** The newest concluded check run on `s` after `count` runs on it concluded already. */
  const concluded = (s: string, count = 1) =>
    h.github.waitFor(() => {
      const done = h.github.checkRuns.filter((r) => r.head_sha === s && r.status === "completed");
      return done.length >= count ? done[count - 1] : undefined;
    });
  const commentsOn = (number: number) =>
    h.github.conversation.comments.filter((c) => c.number === number);
  /** Waits until the pull request's comment has had `edits` bodies, and returns it. */
  const comment = (number: number, edits: number) =>
    h.github.waitFor(() => {
      const [only] = commentsOn(number);
      return only !== undefined && only.edits.length >= edits ? only : undefined;
    });

  beforeAll(async () => {
    h = await startHarness({
      name: "github-surfaces",
      overrides: { buildStage: build, deployStage: deploy },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  describe("pull-request comment", () => {
    it("comments once on the branch's pull request and edits that comment as pushes land", async () => {
      await push("feature/cart", sha(1));
      await concluded(sha(1));
      const opened = await h.deliver(
        "pull_request",
        pullRequestPayload(REPO, {
          action: "opened",
          number: 7,
          branch: "feature/cart",
          sha: sha(1),
        }),
      );
      expect(opened.status).toBe(200);
      const first = await comment(7, 1);
      expect(first.body).toContain("<!-- slipway:preview -->");
      expect(first.body).toContain("https://feature/cart.preview.test");
      expect(first.body).toContain(sha(1).slice(0, 7));
      expect(first.body).toContain("Ready");
      expect(first.body).toMatch(/\[details\]\(http:\/\/127\.0\.0\.1:\d+\/acme\/shop\/runs\/\d+\)/);

      const before = h.github.apiCalls().length;
      await push("feature/cart", sha(2));
      const run = await concluded(sha(2));
      const edited = await comment(7, 2);
      expect(edited.body).toContain(sha(2).slice(0, 7));
      expect(edited.body).toContain(`/runs/${run.id})`);
      expect(commentsOn(7)).toHaveLength(1);

      // The API budget of one successful push deploy on a branch with a pull request.
      await h.github.waitFor(
        () =>
          byEndpoint(h.github.apiCalls().slice(before))[
            "PATCH /repos/{owner}/{repo}/issues/comments/{id}"
          ],
      );
      expect(byEndpoint(h.github.apiCalls().slice(before))).toEqual({
        "POST /repos/{owner}/{repo}/check-runs": 1,
        "PATCH /repos/{owner}/{repo}/check-runs/{id}": 2,
        "POST /repos/{owner}/{repo}/deployments": 1,
        "POST /repos/{owner}/{repo}/deployments/{id}/statuses": 2,
        "PATCH /repos/{owner}/{repo}/issues/comments/{id}": 1,
      });
    });

    it("says so when the pull request closes, and finds its comment again by its marker on reopen", async () => {
      await h.deliver(
        "pull_request",
        pullRequestPayload(REPO, {
          action: "closed",
          number: 7,
          branch: "feature/cart",
          sha: sha(2),
        }),
      );
      const closed = await comment(7, 3);
      expect(closed.body).toContain("This pull request is closed");

      // Reopening starts from no remembered comment id: the marker finds the same comment.
      const before = h.github.apiCalls().length;
      await h.deliver(
        "pull_request",
        pullRequestPayload(REPO, {
          action: "reopened",
          number: 7,
          branch: "feature/cart",
          sha: sha(2),
        }),
      );
      const reopened = await comment(7, 4);
      expect(reopened.body).not.toContain("closed");
      expect(commentsOn(7)).toHaveLength(1);
      expect(byEndpoint(h.github.apiCalls().slice(before))).toEqual({
        "GET /repos/{owner}/{repo}/issues/{id}/comments": 1,
        "PATCH /repos/{owner}/{repo}/issues/comments/{id}": 1,
      });
    });

    it("waits for the first build of a pull request opened early, then comments once (one call)", async () => {
      await h.deliver(
        "pull_request",
        pullRequestPayload(REPO, { action: "opened", number: 8, branch: "early", sha: sha(3) }),
      );
      await h.github.waitFor(() =>
        h.logs.some((l) => l.includes('"pull request comment"') && l.includes('"pullRequest":8')),
      );
      expect(commentsOn(8)).toHaveLength(0);
      const before = h.github.apiCalls().length;
      await push("early", sha(3));
      const filled = await comment(8, 1);
      expect(filled.body).toContain("https://early.preview.test");
      expect(commentsOn(8)).toHaveLength(1);
      const calls = byEndpoint(h.github.apiCalls().slice(before));
      expect(calls["POST /repos/{owner}/{repo}/issues/{id}/comments"]).toBe(1);
      expect(calls["GET /repos/{owner}/{repo}/issues/{id}/comments"]).toBeUndefined();
    });

    it("never comments when .slipway.yml says comments: false, even on a pull request opened first", async () => {
      await h.deliver(
        "pull_request",
        pullRequestPayload(REPO, { action: "opened", number: 9, branch: "quiet", sha: sha(4) }),
      );
      await push("quiet", sha(4));
      await concluded(sha(4));
      await push("quiet", sha(5));
      await concluded(sha(5));
      await h.deliver(
        "pull_request",
        pullRequestPayload(REPO, { action: "reopened", number: 9, branch: "quiet", sha: sha(5) }),
      );
      await h.github.waitFor(() =>
        h.logs.some((l) => l.includes('"pull request comment"') && l.includes('"comments off"')),
      );
      expect(commentsOn(9)).toHaveLength(0);
    });

    it("writes one comment when the pull request opens as its first build concludes", async () => {
      for (let i = 0; i < 5; i += 1) {
        const branch = `race-${i}`;
        const number = 100 + i;
        await Promise.all([
          push(branch, sha(70 + i)),
          h.deliver(
            "pull_request",
            pullRequestPayload(REPO, { action: "opened", number, branch, sha: sha(70 + i) }),
          ),
        ]);
      }
      for (let i = 0; i < 5; i += 1) {
        const only = await h.github.waitFor(() => {
          const list = commentsOn(100 + i);
          return list.length > 0 && list.every((c) => c.body.includes("Ready")) ? list : undefined;
        });
        expect(only).toHaveLength(1);
      }
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 5; i += 1) expect(commentsOn(100 + i)).toHaveLength(1);
    });

    it("never takes over a comment someone else wrote with Slipway's marker", async () => {
      const spoof = h.github.conversation.addComment(
        REPO.owner,
        REPO.repo,
        11,
        "mallory",
        "<!-- slipway:preview --> totally the preview: https://evil.test",
      );
      await push("spoofed", sha(6));
      await concluded(sha(6));
      await h.deliver(
        "pull_request",
        pullRequestPayload(REPO, { action: "opened", number: 11, branch: "spoofed", sha: sha(6) }),
      );
      const own = await h.github.waitFor(() => commentsOn(11).find((c) => c.id !== spoof.id));
      expect(own.body).toContain("https://spoofed.preview.test");
      expect(spoof.edits).toHaveLength(1);
    });
  });

  describe("check-run buttons", () => {
    /** Presses `identifier` on check run `run`; its suite names `suiteBranch` (default: master). */
    const press = (
      identifier: string,
      run: { head_sha: string; external_id?: string },
      options: { suiteBranch?: string | null; sender?: string } = {},
    ) =>
      h.deliver(
        "check_run",
        buttonPayload(REPO, {
          identifier,
          sha: run.head_sha,
          // GitHub names the branch the commit was first pushed to: here, another one.
          suiteBranch: options.suiteBranch === undefined ? "master" : options.suiteBranch,
          ...(run.external_id === undefined ? {} : { externalId: run.external_id }),
          ...(options.sender === undefined ? {} : { sender: options.sender }),
        }),
      );
    const actionLogged = (deliveryId: string) =>
      h.github.waitFor(() => {
        const line = h.logs.find((l) => l.includes('"check-run action"') && l.includes(deliveryId));
        return line === undefined ? undefined : (JSON.parse(line) as { result: string }).result;
      });

    beforeAll(() => {
      h.github.conversation.permissions.set("maintainer", "write");
      h.github.conversation.permissions.set("passerby", "read");
    });

    it("offers Redeploy, Roll back and Tear down; no Tear down on the default branch", async () => {
      const run = await concluded(sha(2));
      expect(run.actions?.map((a) => a.identifier)).toEqual(["redeploy", "rollback", "teardown"]);
      await push("master", sha(10));
      const production = await concluded(sha(10));
      expect(production.actions?.map((a) => a.label)).toEqual(["Redeploy", "Roll back"]);
    });

    it("rolls back to the previous ready image without a build, then further back, then says there is nothing left", async () => {
      await push("rb", sha(20));
      await concluded(sha(20));
      await push("rb", sha(21));
      await concluded(sha(21));
      await push("rb", sha(22));
      const newest = await concluded(sha(22));
      const builds = build.started.length;

      // Pressed on rb's newest run, whose check suite names another branch: the recorded run's
      // branch is what rolls back.
      await press("rollback", newest);
      const first = await concluded(sha(21), 2);
      expect(first.conclusion).toBe("success");
      expect(deploy.inputs.at(-1)).toMatchObject({
        image: imageOf(sha(21)),
        target: { branch: "rb", sha: sha(21) },
      });
      expect(`${first.output?.summary ?? ""}${first.output?.text ?? ""}`).toContain(
        `roll back to ${sha(21).slice(0, 7)}`,
      );

      await press("rollback", first);
      const second = await concluded(sha(20), 2);
      expect(second.conclusion).toBe("success");
      expect(deploy.inputs.at(-1)?.image).toBe(imageOf(sha(20)));

      await press("rollback", second);
      const nothing = await concluded(sha(20), 3);
      expect(nothing.conclusion).toBe("skipped");
      expect(nothing.output?.title).toContain("nothing to roll back to");
      expect(nothing.actions).toEqual([]);
      expect(build.started.length).toBe(builds);
      expect(deploy.inputs.at(-1)?.image).toBe(imageOf(sha(20)));
      expect(deploy.teardowns.some((t) => t.branch === "master")).toBe(false);
    });

    it("redeploys the same commit with a new build", async () => {
      const builds = build.started.length;
      const run = await concluded(sha(20));
      await press("redeploy", run);
      const again = await concluded(sha(20), 4);
      expect(again.conclusion).toBe("success");
      expect(build.started.slice(builds).map((b) => [b.target.sha, b.target.branch])).toEqual([
        [sha(20), "rb"],
      ]);
      expect(deploy.inputs.at(-1)?.image).toBe(imageOf(sha(20)));
    });

    it("refuses buttons from someone who cannot write, and Tear down on the default branch", async () => {
      const run = await concluded(sha(20));
      const stranger = await press("teardown", run, { sender: "passerby" });
      expect(await actionLogged(stranger.deliveryId)).toBe("refused: no write permission");
      const production = await concluded(sha(10));
      const main = await press("teardown", production);
      expect(await actionLogged(main.deliveryId)).toBe(
        "refused: the default branch's preview is production",
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(deploy.teardowns.map((t) => t.branch)).not.toContain("master");
      expect(deploy.teardowns.map((t) => t.branch)).not.toContain("rb");
    });

    it("tears the branch's preview down and marks its deployments inactive", async () => {
      const run = await concluded(sha(20));
      await press("teardown", run);
      await h.github.waitFor(() => deploy.teardowns.find((t) => t.branch === "rb"));
      expect(deploy.teardowns.some((t) => t.branch === "master")).toBe(false);
      await h.github.waitFor(() => {
        const rb = h.github.deployments.filter((d) => d.environment === "preview/rb");
        return rb.length > 0 && rb.every((d) => d.statuses.at(-1)?.state === "inactive");
      });
    });

    it("does nothing for a button on a check run Slipway does not know", async () => {
      const unknown = await press(
        "redeploy",
        { head_sha: sha(20), external_id: "not-a-run" },
        { suiteBranch: "rb" },
      );
      expect(await actionLogged(unknown.deliveryId)).toBe("unknown run: nothing to do");
    });
  });

  describe("fork pull requests", () => {
    const forkHead = sha(40);
    beforeAll(() => {
      h.github.conversation.addPull(REPO.owner, REPO.repo, {
        number: 12,
        state: "open",
        head: { ref: "master", sha: forkHead, repoId: REPO.repoId + 1_000_000 },
        base: { ref: "master", repoId: REPO.repoId },
      });
      h.github.conversation.permissions.set("maintainer", "write");
      h.github.conversation.permissions.set("passerby", "read");
    });

    it("never builds a fork's pull request on its own", async () => {
      const opened = await h.deliver(
        "pull_request",
        pullRequestPayload(REPO, {
          action: "opened",
          number: 12,
          branch: "master",
          sha: forkHead,
          fork: true,
        }),
      );
      expect(opened.status).toBe(200);
      const handled = await h.github.waitFor(() =>
        h.logs.find((l) => l.includes('"delivery handled"') && l.includes(opened.deliveryId)),
      );
      expect(JSON.parse(handled)).toMatchObject({ result: "ignored" });
      expect(handled).toContain("comes from a fork");
      await new Promise((r) => setTimeout(r, 300));
      expect(build.started.some((b) => b.target.sha === forkHead)).toBe(false);
      expect(h.github.checkRuns.some((r) => r.head_sha === forkHead)).toBe(false);
    });

    it("refuses /slipway deploy from someone without write access, with a reply", async () => {
      const before = h.github.apiCalls().length;
      await h.deliver(
        "issue_comment",
        pullRequestCommentPayload(REPO, {
          number: 12,
          id: 501,
          body: "/slipway deploy",
          login: "passerby",
        }),
      );
      const reply = await h.github.waitFor(() =>
        commentsOn(12).find((c) => c.body.includes("write access")),
      );
      expect(reply.body).toContain("@passerby");
      expect(h.github.conversation.reactions).toContainEqual({ commentId: 501, content: "-1" });
      expect(byEndpoint(h.github.apiCalls().slice(before))).toMatchObject({
        "GET /repos/{owner}/{repo}/collaborators/{user}/permission": 1,
      });
      // Asking again gets 👎 but no second reply; nor does someone GitHub answers 404 for.
      await h.deliver(
        "issue_comment",
        pullRequestCommentPayload(REPO, {
          number: 12,
          id: 505,
          body: "/slipway deploy",
          login: "passerby",
        }),
      );
      h.github.conversation.permissions.set("ghost", "missing");
      await h.deliver(
        "issue_comment",
        pullRequestCommentPayload(REPO, {
          number: 12,
          id: 506,
          body: "/slipway deploy",
          login: "ghost",
        }),
      );
      await h.github.waitFor(() =>
        [505, 506].every((id) =>
          h.github.conversation.reactions.some((r) => r.commentId === id && r.content === "-1"),
        ),
      );
      expect(commentsOn(12).filter((c) => c.body.includes("@passerby"))).toHaveLength(1);
      await h.github.waitFor(() => commentsOn(12).find((c) => c.body.includes("@ghost")));
      expect(commentsOn(12).filter((c) => c.body.includes("@ghost"))).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(build.started.some((b) => b.target.sha === forkHead)).toBe(false);
    });

    it("deploys nothing when the head moved past the commit the writer named", async () => {
      await h.deliver(
        "issue_comment",
        pullRequestCommentPayload(REPO, {
          number: 12,
          id: 507,
          body: "/slipway deploy deadbee",
          login: "maintainer",
        }),
      );
      const reply = await h.github.waitFor(() =>
        commentsOn(12).find((c) => c.body.includes("nothing was deployed")),
      );
      expect(reply.body).toContain(`/slipway deploy ${forkHead.slice(0, 7)}`);
      expect(h.github.conversation.reactions).toContainEqual({
        commentId: 507,
        content: "confused",
      });
      expect(build.started.some((b) => b.target.sha === forkHead)).toBe(false);
    });

    it("deploys the head commit once for a writer, without egress, and never on 'master'", async () => {
      const before = h.github.apiCalls().length;
      await h.deliver(
        "issue_comment",
        pullRequestCommentPayload(REPO, {
          number: 12,
          id: 502,
          body: "/slipway deploy",
          login: "maintainer",
        }),
      );
      const run = await concluded(forkHead);
      expect(run.conclusion).toBe("success");
      expect(run.actions).toEqual([]);
      expect(h.github.conversation.reactions).toContainEqual({ commentId: 502, content: "rocket" });
      const deployed = deploy.inputs.find((d) => d.target.sha === forkHead);
      expect(deployed).toMatchObject({
        target: { branch: "pr:12", fork: 12 },
        app: { egress: "none" },
      });
      expect(build.started.filter((b) => b.target.sha === forkHead)).toHaveLength(1);
      // Its preview shows on the fork's pull request like any other.
      await h.github.waitFor(() =>
        commentsOn(12).find((c) => c.body.includes("slipway:preview") && c.body.includes("Ready")),
      );
      const calls = byEndpoint(h.github.apiCalls().slice(before));
      expect(calls["GET /repos/{owner}/{repo}/collaborators/{user}/permission"]).toBe(1);
      expect(calls["GET /repos/{owner}/{repo}/pulls/{id}"]).toBe(1);
    });

    it("never reruns a fork's run from GitHub's Re-run (only /slipway deploy runs fork code)", async () => {
      const run = await concluded(forkHead);
      const payload = buttonPayload(REPO, {
        identifier: "redeploy",
        sha: forkHead,
        suiteBranch: null,
        ...(run.external_id === undefined ? {} : { externalId: run.external_id }),
      });
      payload["action"] = "rerequested";
      const rerun = await h.deliver("check_run", payload);
      const line = await h.github.waitFor(() =>
        h.logs.find((l) => l.includes('"check-run action"') && l.includes(rerun.deliveryId)),
      );
      expect(JSON.parse(line)).toMatchObject({
        result: "a fork's run: deploy it with /slipway deploy",
      });
      expect(build.started.filter((b) => b.target.sha === forkHead)).toHaveLength(1);
    });

    it("ignores a command from a bot and comments that are not the command", async () => {
      const bot = await h.deliver(
        "issue_comment",
        pullRequestCommentPayload(REPO, {
          number: 12,
          id: 503,
          body: "/slipway deploy",
          login: "slipway[bot]",
          bot: true,
        }),
      );
      const chat = await h.deliver(
        "issue_comment",
        pullRequestCommentPayload(REPO, {
          number: 12,
          id: 504,
          body: "please /slipway deploy this",
          login: "maintainer",
        }),
      );
      expect([bot.status, chat.status]).toEqual([200, 200]);
      await new Promise((r) => setTimeout(r, 300));
      expect(
        h.github.conversation.reactions.filter((r) => r.commentId === 503 || r.commentId === 504),
      ).toEqual([]);
    });

    it("tears the fork's preview down when its pull request closes", async () => {
      await h.deliver(
        "pull_request",
        pullRequestPayload(REPO, {
          action: "closed",
          number: 12,
          branch: "master",
          sha: forkHead,
          fork: true,
        }),
      );
      await h.github.waitFor(() => deploy.teardowns.find((t) => t.branch === "pr:12"));
      expect(deploy.teardowns.some((t) => t.branch === "master")).toBe(false);
    });
  });

  it("reuses one installation token and warns when GitHub's budget runs low", async () => {
    h.github.failNext(
      { method: "POST", path: /\/deployments\/\d+\/statuses$/ },
      {
        status: 201,
        body: { id: 1, state: "in_progress" },
        headers: { "x-ratelimit-remaining": "42" },
      },
    );
    await push("low-budget", sha(60));
    await concluded(sha(60));
    const warning = await h.github.waitFor(() =>
      h.logs.find((l) => l.includes("GitHub API budget is low")),
    );
    expect(JSON.parse(warning)).toMatchObject({ level: 40, remaining: 42, installation: "31" });
    // Every call of this file's installation used the token fetched for its first push.
    const tokens = h.github.calls.filter((c) => /\/installations\/31\/access_tokens$/.test(c.path));
    expect(tokens).toHaveLength(1);
  });

  it("costs a known number of calls per endpoint for push → preview → teardown", async () => {
    // The pull request already has its comment (from an earlier push), as it usually does.
    await push("cycle", sha(49));
    await concluded(sha(49));
    await h.deliver(
      "pull_request",
      pullRequestPayload(REPO, { action: "opened", number: 30, branch: "cycle", sha: sha(49) }),
    );
    await comment(30, 1);
    const before = h.github.apiCalls().length;
    await push("cycle", sha(50));
    await concluded(sha(50));
    await comment(30, 2);
    await h.deliver(
      "push",
      pushPayload({
        branch: "cycle",
        deleted: true,
        installationId: REPO.installationId,
        repoId: REPO.repoId,
        owner: REPO.owner,
        repo: REPO.repo,
      }),
    );
    await h.github.waitFor(() => deploy.teardowns.find((t) => t.branch === "cycle"));
    await comment(30, 3);
    const calls = byEndpoint(h.github.apiCalls().slice(before));
    console.log(`[api budget] push → preview → teardown: ${JSON.stringify(calls)}`);
    expect(calls).toEqual({
      "POST /repos/{owner}/{repo}/check-runs": 1,
      "PATCH /repos/{owner}/{repo}/check-runs/{id}": 2,
      "POST /repos/{owner}/{repo}/deployments": 1,
      // in_progress and success for the push; inactive for each of the branch's two deployments.
      "POST /repos/{owner}/{repo}/deployments/{id}/statuses": 4,
      "GET /repos/{owner}/{repo}/deployments": 1,
      "PATCH /repos/{owner}/{repo}/issues/comments/{id}": 2,
    });
    expect(commentsOn(30).at(0)?.body).toContain("Torn down");
  });
});
