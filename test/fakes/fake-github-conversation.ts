import { z } from "zod";
import type { Reply } from "./fake-github-deployments.ts";

/** A comment on an issue or pull request, as the fake keeps it (with every edit). */
export interface FakeComment {
  id: number;
  owner: string;
  repo: string;
  number: number;
  body: string;
  /** Every body the comment had, oldest first. */
  edits: string[];
  /** The app that wrote it (an installation token's app), or undefined for a person. */
  appId?: string;
  /** The person who wrote it, when not an app. */
  login?: string;
}

export interface FakePullRequest {
  number: number;
  state: "open" | "closed";
  head: { ref: string; sha: string; repoId: number };
  base: { ref: string; repoId: number };
}

const DOCS = "https://docs.github.com/rest";
const PERMISSION = /^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/;
const PULL = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/;
const REACTIONS = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)\/reactions$/;
const COMMENTS = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/;
const COMMENT = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/;

const Reaction = z.object({
  content: z.enum(["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]),
});
const CommentBody = z.object({ body: z.string().min(1).max(65_536) });
const ListQuery = z.object({
  per_page: z.coerce.number().int().min(1).max(100).default(30),
  page: z.coerce.number().int().min(1).default(1),
});

const notFound = (docs: string): Reply => ({
  status: 404,
  body: { message: "Not Found", documentation_url: docs },
});
const invalid = (error: z.ZodError, docs: string): Reply => ({
  status: 422,
  body: {
    message: `Invalid request.\n\n${error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n")}`,
    documentation_url: docs,
  },
});

/**
 * Pull requests and their conversations, as far as Slipway uses them: a pull request, a user's
 * permission on the repository, reactions to comments, and comments (list, create, edit).
 * Bodies are validated like GitHub's. Tests set `pulls` and `permissions` up.
 */
export function fakeConversation(baseUrl: () => string) {
  const comments: FakeComment[] = [];
  const reactions: Array<{ commentId: number; content: string }> = [];
  /** `owner/repo#number` (lower case) → pull request. */
  const pulls = new Map<string, FakePullRequest>();
  /** login → `admin` | `write` | `read` | `none`, or `missing` for a 404 (default `read`). */
  const permissions = new Map<string, string>();
  const key = (owner: string, repo: string) => `${owner}/${repo}`.toLowerCase();
  const render = (c: FakeComment) => ({
    id: c.id,
    body: c.body,
    html_url: `${baseUrl()}/${c.owner}/${c.repo}/pull/${c.number}#issuecomment-${c.id}`,
    user:
      c.appId === undefined
        ? { login: c.login ?? "someone", type: "User" }
        : { login: "slipway[bot]", type: "Bot" },
    performed_via_github_app: c.appId === undefined ? null : { id: Number(c.appId) },
  });

  return {
    comments,
    reactions,
    pulls,
    permissions,
    /** A comment written by a person (not through the API), e.g. one pasting Slipway's marker. */
    addComment(owner: string, repo: string, number: number, login: string, body: string) {
      const comment: FakeComment = {
        id: 9000 + comments.length + 1,
        owner,
        repo,
        number,
        body,
        edits: [body],
        login,
      };
      comments.push(comment);
      return comment;
    },
    /** Adds a pull request `owner/repo#number`. */
    addPull(owner: string, repo: string, pull: FakePullRequest) {
      pulls.set(`${key(owner, repo)}#${pull.number}`, pull);
    },
    matches: (path: string) =>
      [PERMISSION, PULL, REACTIONS, COMMENTS, COMMENT].some((re) => re.test(path)),
    handle(
      method: string,
      path: string,
      query: Record<string, string>,
      body: unknown,
      /** The app whose installation token made the request. */
      appId?: string,
    ): Reply | undefined {
      const permission = PERMISSION.exec(path);
      if (permission !== null && method === "GET") {
        const login = decodeURIComponent(permission[3] ?? "");
        const level = permissions.get(login.toLowerCase()) ?? "read";
        // GitHub answers 404 for a login that is not a user (or not visible to the app).
        if (level === "missing")
          return notFound(
            `${DOCS}/collaborators/collaborators#get-repository-permissions-for-a-user`,
          );
        return {
          status: 200,
          body: { permission: level, role_name: level, user: { login } },
        };
      }
      const pull = PULL.exec(path);
      if (pull !== null && method === "GET") {
        const [, owner = "", repo = "", number = ""] = pull;
        const found = pulls.get(`${key(owner, repo)}#${number}`);
        if (found === undefined) return notFound(`${DOCS}/pulls/pulls#get-a-pull-request`);
        return {
          status: 200,
          body: {
            number: found.number,
            state: found.state,
            head: { ref: found.head.ref, sha: found.head.sha, repo: { id: found.head.repoId } },
            base: { ref: found.base.ref, repo: { id: found.base.repoId } },
          },
        };
      }
      const reaction = REACTIONS.exec(path);
      if (reaction !== null && method === "POST") {
        const docs = `${DOCS}/reactions/reactions#create-reaction-for-an-issue-comment`;
        const parsed = Reaction.safeParse(body);
        if (!parsed.success) return invalid(parsed.error, docs);
        const commentId = Number(reaction[3]);
        const exists = reactions.some(
          (r) => r.commentId === commentId && r.content === parsed.data.content,
        );
        if (!exists) reactions.push({ commentId, content: parsed.data.content });
        return {
          status: exists ? 200 : 201,
          body: { id: reactions.length, content: parsed.data.content },
        };
      }
      const list = COMMENTS.exec(path);
      if (list !== null) {
        const [, owner = "", repo = "", number = ""] = list;
        const docs = `${DOCS}/issues/comments`;
        if (method === "GET") {
          const parsed = ListQuery.safeParse(query);
          if (!parsed.success) return invalid(parsed.error, docs);
          const { per_page: perPage, page } = parsed.data;
          const all = comments.filter(
            (c) => key(c.owner, c.repo) === key(owner, repo) && String(c.number) === number,
          );
          return {
            status: 200,
            body: all.slice((page - 1) * perPage, page * perPage).map(render),
          };
        }
        if (method !== "POST") return undefined;
        const parsed = CommentBody.safeParse(body);
        if (!parsed.success) return invalid(parsed.error, docs);
        const comment: FakeComment = {
          id: 9000 + comments.length + 1,
          owner,
          repo,
          number: Number(number),
          body: parsed.data.body,
          edits: [parsed.data.body],
          ...(appId === undefined ? {} : { appId }),
        };
        comments.push(comment);
        return { status: 201, body: render(comment) };
      }
      const one = COMMENT.exec(path);
      if (one !== null && method === "PATCH") {
        const [, owner = "", repo = "", id = ""] = one;
        const docs = `${DOCS}/issues/comments#update-an-issue-comment`;
        const comment = comments.find(
          (c) => String(c.id) === id && key(c.owner, c.repo) === key(owner, repo),
        );
        if (comment === undefined) return notFound(docs);
        // Like GitHub: an app may edit its own comments only (it has no admin rights here).
        if (comment.appId === undefined || comment.appId !== appId)
          return {
            status: 403,
            body: { message: "Resource not accessible by integration", documentation_url: docs },
          };
        const parsed = CommentBody.safeParse(body);
        if (!parsed.success) return invalid(parsed.error, docs);
        comment.body = parsed.data.body;
        comment.edits.push(parsed.data.body);
        return { status: 200, body: render(comment) };
      }
      return undefined;
    },
  };
}
