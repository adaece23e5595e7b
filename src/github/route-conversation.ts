import type { z } from "zod";
import { forkBranch, type Intent } from "../queue/intent.ts";
import {
  CheckRunRequestedActionPayload,
  CheckRunRerequestedPayload,
  IssueCommentPayload,
  PullRequestPayload,
  type Repository,
} from "./payloads.ts";

/** The identifiers of the check run's buttons (GitHub allows 20 characters). */
export const ACTIONS = {
  redeploy: "redeploy",
  rollback: "rollback",
  teardown: "teardown",
} as const;

/** The comment that asks Slipway to deploy a pull request's head commit (optionally naming it). */
const DEPLOY_COMMAND = /^\/slipway\s+deploy(?:\s+([0-9a-f]{7,40}))?\s*$/i;

type Invalid = (event: string, error: z.ZodError) => Intent;

function repositoryOf(repository: Repository, installationId: number) {
  return {
    installationId,
    owner: repository.owner.login,
    repo: repository.name,
    repoId: repository.id,
    ...(repository.default_branch === undefined
      ? {}
      : { defaultBranch: repository.default_branch }),
  };
}

/**
 * `pull_request`: a pull request of the repository's own branch gets the preview comment when it
 * opens (the push to its branch builds it). A fork's pull request is never built on its own; when
 * it closes, whatever a writer deployed from it is torn down.
 */
export function fromPullRequest(payload: unknown, invalid: Invalid): Intent {
  const parsed = PullRequestPayload.safeParse(payload);
  if (!parsed.success) return invalid("pull_request", parsed.error);
  const { action, number, pull_request: pr, repository, installation } = parsed.data;
  const base = repositoryOf(repository, installation.id);
  const fork = pr.head.repo?.id !== repository.id;
  if (fork) {
    if (action === "closed")
      return { kind: "teardown", target: { ...base, branch: forkBranch(number) } };
    return {
      kind: "ignore",
      reason: `pull request #${number} comes from a fork: deployed only when a writer comments /slipway deploy`,
    };
  }
  const pullRequest = { target: { ...base, branch: pr.head.ref }, number };
  if (action === "opened" || action === "reopened")
    return { kind: "pull_request", action: "opened", pullRequest };
  if (action === "closed") return { kind: "pull_request", action: "closed", pullRequest };
  return { kind: "ignore", reason: `pull_request.${action} needs no work` };
}

/** `issue_comment`: `/slipway deploy` on a pull request (the sender's permission is checked later). */
export function fromIssueComment(payload: unknown, invalid: Invalid): Intent {
  const parsed = IssueCommentPayload.safeParse(payload);
  if (!parsed.success) return invalid("issue_comment", parsed.error);
  const { action, issue, comment, sender, repository, installation } = parsed.data;
  if (action !== "created") return { kind: "ignore", reason: `issue_comment.${action}` };
  const command = DEPLOY_COMMAND.exec((comment.body ?? "").trim());
  if (command === null) return { kind: "ignore", reason: "not a Slipway command" };
  const sha = command[1]?.toLowerCase();
  if (issue.pull_request === undefined) {
    return { kind: "ignore", reason: "/slipway deploy on an issue, not a pull request" };
  }
  // Bots (Slipway's own replies included) never trigger deploys.
  if (sender.type === "Bot") return { kind: "ignore", reason: "command from a bot" };
  return {
    kind: "command",
    command: "deploy",
    repository: repositoryOf(repository, installation.id),
    pullRequest: issue.number,
    commentId: comment.id,
    sender: sender.login,
    ...(sha === undefined ? {} : { sha }),
  };
}

/** `check_run.requested_action`: one of the check run's buttons was pressed. */
export function fromRequestedAction(payload: unknown, invalid: Invalid): Intent {
  const parsed = CheckRunRequestedActionPayload.safeParse(payload);
  if (!parsed.success) return invalid("check_run", parsed.error);
  const identifier = parsed.data.requested_action.identifier;
  const action = Object.values(ACTIONS).find((known) => known === identifier);
  if (action === undefined) return { kind: "ignore", reason: `unknown button ${identifier}` };
  return checkAction(parsed.data, action);
}

/** `check_run.rerequested`: GitHub's "Re-run" on one of Slipway's check runs. */
export function fromCheckRunRerun(payload: unknown, invalid: Invalid): Intent {
  const parsed = CheckRunRerequestedPayload.safeParse(payload);
  if (!parsed.success) return invalid("check_run", parsed.error);
  return checkAction(parsed.data, "rerun");
}

function checkAction(
  data: z.infer<typeof CheckRunRerequestedPayload>,
  action: "rerun" | "redeploy" | "rollback" | "teardown",
): Intent {
  const { check_run: run, sender, repository, installation } = data;
  const runKey = run.external_id ?? "";
  return {
    kind: "check_action",
    action,
    runKey: runKey === "" ? undefined : runKey,
    sha: run.head_sha,
    repository: repositoryOf(repository, installation.id),
    suiteBranch: run.check_suite.head_branch,
    sender: sender.login,
  };
}
