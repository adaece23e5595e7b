import type { ProbotOctokit } from "probot";
import type { CheckRunWhere } from "./check-runs.ts";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** A pull request as Slipway needs it to deploy its head commit. */
export interface PullRequestHead {
  open: boolean;
  sha: string;
  ref: string;
  /** Whether the head branch lives in another repository (a fork, or a deleted one). */
  fork: boolean;
}

/** GitHub sends `null` for the head repository of a deleted fork, whatever the types say. */
function sameRepository(repo: { id: number } | null, id: number): boolean {
  return repo !== null && repo.id === id;
}

export type Reaction = "rocket" | "-1" | "eyes" | "confused";

/** Permissions that may deploy a fork's pull request (GitHub's `permission` answer). */
const WRITERS = new Set(["admin", "write"]);

/**
 * Pull requests and their conversations, for one installation: the preview comment, reactions and
 * replies to `/slipway deploy`, and the permission check behind it. Each call is bounded by
 * `timeoutMs`.
 */
export function conversationClient(octokit: Octokit, timeoutMs: number, appId: string) {
  const request = () => ({ signal: AbortSignal.timeout(timeoutMs) });
  return {
    /**
     * Whether `login` may push to the repository, asked of GitHub (never taken from the
     * comment's `author_association`, which says nothing about permissions on the repository).
     * `maintain` answers as `write` in this endpoint's `permission` field.
     */
    async canWrite(where: CheckRunWhere, login: string): Promise<boolean> {
      try {
        const response = await octokit.rest.repos.getCollaboratorPermissionLevel({
          ...where,
          username: login,
          request: request(),
        });
        return WRITERS.has(response.data.permission);
      } catch (error) {
        // 404: not a user GitHub shows this app — certainly not a writer.
        if (
          typeof error === "object" &&
          error !== null &&
          "status" in error &&
          error.status === 404
        )
          return false;
        throw error;
      }
    },

    async pullRequest(where: CheckRunWhere, number: number): Promise<PullRequestHead> {
      const response = await octokit.rest.pulls.get({
        ...where,
        pull_number: number,
        request: request(),
      });
      const { state, head, base } = response.data;
      return {
        open: state === "open",
        sha: head.sha,
        ref: head.ref,
        fork: !sameRepository(head.repo, base.repo.id),
      };
    },

    async react(where: CheckRunWhere, commentId: number, content: Reaction): Promise<void> {
      await octokit.rest.reactions.createForIssueComment({
        ...where,
        comment_id: commentId,
        content,
        request: request(),
      });
    },

    async comment(where: CheckRunWhere, number: number, body: string): Promise<number> {
      const response = await octokit.rest.issues.createComment({
        ...where,
        issue_number: number,
        body,
        request: request(),
      });
      return response.data.id;
    },

    async editComment(where: CheckRunWhere, commentId: number, body: string): Promise<void> {
      await octokit.rest.issues.updateComment({
        ...where,
        comment_id: commentId,
        body,
        request: request(),
      });
    },

    /**
     * The first comment this app wrote on the pull request whose body contains `marker`, if any.
     * Anyone can paste the marker into a comment of their own, so the author must be the app.
     */
    async findComment(
      where: CheckRunWhere,
      number: number,
      marker: string,
    ): Promise<number | undefined> {
      for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, {
        ...where,
        issue_number: number,
        per_page: 100,
        request: request(),
      })) {
        const found = page.data.find(
          (comment) =>
            String(comment.performed_via_github_app?.id) === appId &&
            comment.body?.includes(marker) === true,
        );
        if (found !== undefined) return found.id;
      }
      return undefined;
    },
  };
}

export type ConversationClient = ReturnType<typeof conversationClient>;
