/** One repository and branch, identified the way every later stage needs it. */
export interface BranchTarget {
  installationId: number;
  owner: string;
  repo: string;
  repoId: number;
  branch: string;
  /** The repository's default branch, when the event said (its deploys are `production`). */
  defaultBranch?: string;
}

/** A commit of a branch to build and deploy. */
export interface RunTarget extends BranchTarget {
  sha: string;
  /**
   * The number of the fork pull request this commit came from. Its code is the least trusted:
   * it is deployed only when a writer asks, and always without network egress.
   */
  fork?: number;
}

/** Why a run was asked for. */
export type RunTrigger =
  /** A push to the branch. */
  | "push"
  /** GitHub's "Re-run" on the check run or suite. */
  | "rerun"
  /** The check run's "Redeploy" button: the same commit again. */
  | "redeploy"
  /** The check run's "Roll back" button: the branch's previous ready image, without a build. */
  | "rollback"
  /** `/slipway deploy` on a pull request, from someone with write access. */
  | "command";

/** A pull request whose head branch is in the repository itself (not a fork). */
export interface PullRequestRef {
  target: BranchTarget;
  number: number;
}

/** The branch name under which a fork pull request is deployed: never a valid git branch name. */
export function forkBranch(pullRequest: number): string {
  return `pr:${pullRequest}`;
}

export interface TenantRepository {
  repoId: number;
  owner: string;
  repo: string;
}

/**
 * What a webhook delivery asks Slipway to do: the pure result of routing an event, before anything
 * is queued. Holds identifiers only — never a token.
 */
export type Intent =
  | { kind: "run"; trigger: RunTrigger; target: RunTarget }
  | { kind: "teardown"; target: BranchTarget }
  /** A pull request of the repository's own branch was opened (or reopened) or closed. */
  | { kind: "pull_request"; action: "opened" | "closed"; pullRequest: PullRequestRef }
  /**
   * A button on one of Slipway's check runs, or GitHub's "Re-run" of one. Resolved in a job from
   * the run Slipway recorded under `runKey` (the check run's external id): the check suite's
   * branch is where the commit was first pushed, not necessarily the run's branch.
   */
  | {
      kind: "check_action";
      action: "rerun" | "redeploy" | "rollback" | "teardown";
      runKey: string | undefined;
      sha: string;
      repository: Omit<BranchTarget, "branch">;
      /** The check suite's branch: used for a rerun only, when the run is not known any more. */
      suiteBranch: string | null;
      sender: string;
    }
  /** `/slipway deploy` commented on a pull request; the permission check happens in a job. */
  | {
      kind: "command";
      command: "deploy";
      repository: Omit<BranchTarget, "branch">;
      pullRequest: number;
      commentId: number;
      sender: string;
      /** The commit the commenter named (`/slipway deploy <sha>`), at least 7 hex digits. */
      sha?: string;
    }
  | {
      kind: "tenant";
      action: "provision" | "suspend" | "remove";
      installationId: number;
      /** Only these repositories; absent means the whole installation. */
      repositories?: TenantRepository[];
    }
  | { kind: "ignore"; reason: string };
