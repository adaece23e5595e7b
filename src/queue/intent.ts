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
  | { kind: "run"; trigger: "push" | "rerun"; target: RunTarget }
  | { kind: "teardown"; target: BranchTarget }
  | {
      kind: "tenant";
      action: "provision" | "suspend" | "remove";
      installationId: number;
      /** Only these repositories; absent means the whole installation. */
      repositories?: TenantRepository[];
    }
  | { kind: "ignore"; reason: string };
