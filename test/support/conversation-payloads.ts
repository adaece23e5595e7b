import { examplePayload } from "./examples.ts";

/** The repository and installation the payloads below happen in. */
export interface RepoRef {
  installationId: number;
  repoId: number;
  owner: string;
  repo: string;
  defaultBranch?: string;
}

function repository(ref: RepoRef) {
  return {
    id: ref.repoId,
    name: ref.repo,
    full_name: `${ref.owner}/${ref.repo}`,
    owner: { login: ref.owner, type: "Organization" },
    default_branch: ref.defaultBranch ?? "main",
  };
}

/** A real `pull_request` example, moved to `ref`; `fork` makes its head another repository. */
export function pullRequestPayload(
  ref: RepoRef,
  pr: { action: string; number: number; branch: string; sha: string; fork?: boolean },
): Record<string, unknown> {
  const payload = examplePayload("pull_request", (p) => p["action"] === "opened");
  const pullRequest = payload["pull_request"] as Record<string, unknown>;
  const headRepo =
    pr.fork === true ? { ...repository(ref), id: ref.repoId + 1_000_000 } : repository(ref);
  payload["action"] = pr.action;
  payload["number"] = pr.number;
  pullRequest["number"] = pr.number;
  pullRequest["state"] = pr.action === "closed" ? "closed" : "open";
  pullRequest["head"] = { ref: pr.branch, sha: pr.sha, repo: headRepo };
  pullRequest["base"] = { ref: ref.defaultBranch ?? "main", repo: repository(ref) };
  payload["repository"] = repository(ref);
  payload["installation"] = { id: ref.installationId, node_id: "x" };
  return payload;
}

/** A real `issue_comment.created` example on pull request `number`, by `login`. */
export function pullRequestCommentPayload(
  ref: RepoRef,
  comment: { number: number; id: number; body: string; login: string; bot?: boolean },
): Record<string, unknown> {
  const payload = examplePayload("issue_comment", (p) => p["action"] === "created");
  const issue = payload["issue"] as Record<string, unknown>;
  issue["number"] = comment.number;
  issue["pull_request"] = { url: `https://api.github.test/pulls/${comment.number}` };
  payload["comment"] = {
    ...(payload["comment"] as Record<string, unknown>),
    id: comment.id,
    body: comment.body,
  };
  payload["sender"] = { login: comment.login, type: comment.bot === true ? "Bot" : "User" };
  payload["repository"] = repository(ref);
  payload["installation"] = { id: ref.installationId, node_id: "x" };
  return payload;
}

/**
 * A real `check_run.requested_action` example: the button `identifier` pressed by `sender` on the
 * check run with `externalId` on `sha`, whose check suite names `suiteBranch` (GitHub names the
 * branch the commit was first pushed to, not necessarily the run's).
 */
export function buttonPayload(
  ref: RepoRef,
  button: {
    identifier: string;
    sha: string;
    suiteBranch: string | null;
    externalId?: string;
    sender?: string;
  },
): Record<string, unknown> {
  const payload = examplePayload("check_run", (p) => p["action"] === "requested_action");
  const run = payload["check_run"] as Record<string, unknown>;
  run["head_sha"] = button.sha;
  run["external_id"] = button.externalId ?? "";
  run["check_suite"] = {
    ...(run["check_suite"] as Record<string, unknown>),
    head_sha: button.sha,
    head_branch: button.suiteBranch,
  };
  payload["requested_action"] = { identifier: button.identifier };
  payload["sender"] = { login: button.sender ?? "maintainer", type: "User" };
  payload["repository"] = repository(ref);
  payload["installation"] = { id: ref.installationId, node_id: "x" };
  return payload;
}
