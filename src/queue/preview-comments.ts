import type { ConversationClient } from "../github/conversation.ts";
import type { RunOutcome } from "../report/outcome.ts";
import {
  PREVIEW_COMMENT_MARKER,
  renderPreviewComment,
  type BranchStatus,
} from "../report/render-preview-comment.ts";
import type { BranchRecord, BranchStore } from "./branch-store.ts";
import type { BranchTarget, PullRequestRef } from "./intent.ts";

export interface PreviewCommentsDeps {
  store: BranchStore;
  conversationFor: (installationId: number) => Promise<ConversationClient>;
  /** The web page of a check run. */
  checkRunUrl: (target: BranchTarget, checkRunId: number) => string;
}

export type CommentResult =
  "no pull request" | "comments off" | "nothing to show yet" | "edited" | "created";

function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && "status" in error && error.status === 404;
}

/**
 * The one comment per pull request that shows its branch's preview. Found again by its id, or
 * by its hidden marker when the id is unknown (never a second comment); edited in place, so a
 * concluded push costs one call.
 */
export function previewComments(deps: PreviewCommentsDeps) {
  const { store, conversationFor, checkRunUrl } = deps;

  async function show(
    target: BranchTarget,
    closed = false,
    known?: BranchRecord,
  ): Promise<CommentResult> {
    const record = known ?? (await store.get(target));
    if (record.pullRequest === undefined) return "no pull request";
    if (!record.comments) return "comments off";
    // Whether the branch wants comments is only known once a build read its `.slipway.yml`.
    if (record.status === undefined) return "nothing to show yet";
    const client = await conversationFor(target.installationId);
    const where = { owner: target.owner, repo: target.repo };
    const body = renderPreviewComment({ branch: target.branch, status: record.status, closed });
    const existing =
      record.commentId ??
      (record.noComment
        ? undefined
        : await client.findComment(where, record.pullRequest, PREVIEW_COMMENT_MARKER));
    if (existing !== undefined) {
      try {
        await client.editComment(where, existing, body);
        if (record.commentId !== existing) await store.setComment(target, existing);
        return "edited";
      } catch (error) {
        // Someone deleted it: write a new one.
        if (!isNotFound(error)) throw error;
      }
    }
    const created = await client.comment(where, record.pullRequest, body);
    await store.setComment(target, created);
    return "created";
  }

  return {
    /**
     * Remembers a run's conclusion as its branch's state and shows it on the branch's pull
     * request — only while the run is its branch's latest: a cancelled run, or a late report of
     * a run a newer push replaced, says nothing about what the branch runs now.
     */
    async concluded(
      target: BranchTarget,
      run: { runKey: string; checkRunId: number | undefined },
      outcome: RunOutcome,
    ): Promise<CommentResult | "not the branch's latest"> {
      if (outcome.conclusion === "cancelled") return "not the branch's latest";
      const [previous, latest] = await Promise.all([
        store.get(target),
        store.isLatest(target, run.runKey),
      ]);
      if (!latest) return "not the branch's latest";
      const status: BranchStatus = {
        sha: outcome.sha,
        conclusion: outcome.conclusion,
        ...(outcome.previewUrl === undefined ? {} : { previewUrl: outcome.previewUrl }),
        ...(run.checkRunId === undefined
          ? {}
          : { checkRunUrl: checkRunUrl(target, run.checkRunId) }),
      };
      await store.setStatus(target, status, outcome.comments ?? previous.comments);
      // Most branches have no pull request: no lock, no GitHub call. A pull request opened
      // meanwhile is seen here (its job finds no status yet, so this conclusion comments).
      if (previous.pullRequest === undefined && !(await store.hasPullRequest(target)))
        return "no pull request";
      // Alone for this branch, from what is stored now (the latest conclusion is stored last).
      return store.exclusive(target, () => show(target));
    },

    /** The branch's preview was removed ("Tear down", a deleted branch, a closed fork). */
    async tornDown(target: BranchTarget): Promise<CommentResult> {
      return store.exclusive(target, async () => {
        const record = await store.get(target);
        if (record.status === undefined) return "nothing to show yet";
        const status: BranchStatus = { sha: record.status.sha, conclusion: "torn_down" };
        await store.setStatus(target, status, record.comments);
        return show(target, false, { ...record, status });
      });
    },

    /**
     * A pull request of the branch opened: comment with what the branch shows now, or, before
     * any build finished, remember it so the first conclusion writes the comment.
     */
    async opened(pullRequest: PullRequestRef): Promise<CommentResult> {
      const { target, number } = pullRequest;
      return store.exclusive(target, async () => {
        await store.setPullRequest(target, number);
        const record = await store.get(target);
        if (record.status !== undefined || record.commentId !== undefined) return show(target);
        // Look for an earlier comment now, so the first conclusion costs one call, not two.
        const client = await conversationFor(target.installationId);
        const where = { owner: target.owner, repo: target.repo };
        const found = await client.findComment(where, number, PREVIEW_COMMENT_MARKER);
        await store.setComment(target, found ?? "none");
        return "nothing to show yet";
      });
    },

    /** The pull request closed: say so on its comment, then stop updating it. */
    async closed(pullRequest: PullRequestRef): Promise<CommentResult> {
      return store.exclusive(pullRequest.target, async () => {
        const record = await store.get(pullRequest.target);
        if (record.pullRequest !== pullRequest.number) return "no pull request";
        const result = await show(pullRequest.target, true, record);
        await store.forgetPullRequest(pullRequest.target);
        return result;
      });
    },
  };
}

export type PreviewComments = ReturnType<typeof previewComments>;
