import type { z } from "zod";
import type { Intent } from "../queue/intent.ts";
import {
  CheckSuiteRerequestedPayload,
  InstallationPayload,
  InstallationRepositoriesPayload,
  PushPayload,
} from "./payloads.ts";
import {
  fromCheckRunRerun,
  fromIssueComment,
  fromPullRequest,
  fromRequestedAction,
} from "./route-conversation.ts";

const BRANCH_PREFIX = "refs/heads/";

function invalid(event: string, error: z.ZodError): Intent {
  const first = error.issues[0];
  const where = first ? first.path.join(".") || "payload" : "payload";
  return { kind: "ignore", reason: `invalid ${event} payload: ${where}: ${first?.message ?? "?"}` };
}

function fromPush(payload: unknown): Intent {
  const parsed = PushPayload.safeParse(payload);
  if (!parsed.success) return invalid("push", parsed.error);
  const { ref, after, deleted, repository, installation } = parsed.data;
  if (!ref.startsWith(BRANCH_PREFIX)) return { kind: "ignore", reason: `not a branch: ${ref}` };
  if (ref === BRANCH_PREFIX) return { kind: "ignore", reason: "a branch without a name" };
  const target = {
    installationId: installation.id,
    owner: repository.owner.login,
    repo: repository.name,
    repoId: repository.id,
    branch: ref.slice(BRANCH_PREFIX.length),
    ...(repository.default_branch === undefined
      ? {}
      : { defaultBranch: repository.default_branch }),
  };
  if (deleted) return { kind: "teardown", target };
  if (/^0{40}$/.test(after)) return { kind: "ignore", reason: "push without a commit" };
  return { kind: "run", trigger: "push", target: { ...target, sha: after } };
}

function fromRerun(
  parsed: z.infer<typeof CheckSuiteRerequestedPayload>,
  sha: string,
  branch: string | null,
): Intent {
  if (branch === null) return { kind: "ignore", reason: "rerun of a commit on no branch" };
  return {
    kind: "run",
    trigger: "rerun",
    target: {
      installationId: parsed.installation.id,
      owner: parsed.repository.owner.login,
      repo: parsed.repository.name,
      repoId: parsed.repository.id,
      branch,
      ...(parsed.repository.default_branch === undefined
        ? {}
        : { defaultBranch: parsed.repository.default_branch }),
      sha,
    },
  };
}

function splitFullName(fullName: string): { owner: string; repo: string } {
  const [owner = "", repo = ""] = fullName.split("/");
  return { owner, repo };
}

function fromInstallation(payload: unknown): Intent {
  const parsed = InstallationPayload.safeParse(payload);
  if (!parsed.success) return invalid("installation", parsed.error);
  const installationId = parsed.data.installation.id;
  switch (parsed.data.action) {
    case "created":
    case "unsuspend":
      return { kind: "tenant", action: "provision", installationId };
    case "suspend":
      return { kind: "tenant", action: "suspend", installationId };
    case "deleted":
      return { kind: "tenant", action: "remove", installationId };
    default:
      return { kind: "ignore", reason: `installation.${parsed.data.action} needs no work` };
  }
}

function fromInstallationRepositories(payload: unknown): Intent {
  const parsed = InstallationRepositoriesPayload.safeParse(payload);
  if (!parsed.success) return invalid("installation_repositories", parsed.error);
  const { action, installation, repositories_added, repositories_removed } = parsed.data;
  const toTenantRepos = (list: typeof repositories_added) =>
    list.map((r) => ({ repoId: r.id, ...splitFullName(r.full_name) }));
  if (action === "added") {
    return {
      kind: "tenant",
      action: "provision",
      installationId: installation.id,
      repositories: toTenantRepos(repositories_added),
    };
  }
  if (action === "removed") {
    return {
      kind: "tenant",
      action: "remove",
      installationId: installation.id,
      repositories: toTenantRepos(repositories_removed),
    };
  }
  return { kind: "ignore", reason: `installation_repositories.${action} needs no work` };
}

/**
 * Decides what a webhook delivery asks for, from its event name and payload alone. Pure: no IO,
 * no GitHub API call — the request path must answer GitHub quickly.
 */
export function routeEvent(name: string, payload: unknown): Intent {
  // Never String() an untrusted value: an object with a hostile toString would throw.
  const action =
    typeof payload === "object" &&
    payload !== null &&
    "action" in payload &&
    typeof payload.action === "string"
      ? payload.action
      : undefined;
  switch (name) {
    case "push":
      return fromPush(payload);
    case "installation":
      return fromInstallation(payload);
    case "installation_repositories":
      return fromInstallationRepositories(payload);
    case "pull_request":
      return fromPullRequest(payload, invalid);
    case "issue_comment":
      return fromIssueComment(payload, invalid);
    case "check_run": {
      if (action === "requested_action") return fromRequestedAction(payload, invalid);
      if (action !== "rerequested") return { kind: "ignore", reason: `check_run.${action}` };
      return fromCheckRunRerun(payload, invalid);
    }
    case "check_suite": {
      if (action !== "rerequested") return { kind: "ignore", reason: `check_suite.${action}` };
      const parsed = CheckSuiteRerequestedPayload.safeParse(payload);
      if (!parsed.success) return invalid("check_suite", parsed.error);
      const suite = parsed.data.check_suite;
      return fromRerun(parsed.data, suite.head_sha, suite.head_branch);
    }
    default:
      return { kind: "ignore", reason: `event ${name} is not handled` };
  }
}
