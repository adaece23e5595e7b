import { z } from "zod";

/**
 * The few webhook payload fields Slipway uses, validated at the boundary. Everything else GitHub
 * sends is ignored (zod strips unknown keys), so hostile extra keys never reach the queue.
 */
const Sha = z.string().regex(/^[0-9a-f]{40}$/, "must be a 40-character hex commit sha");
const Id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Login = z.string().min(1).max(100);
const RepoName = z.string().min(1).max(100);

const Installation = z.object({ id: Id });

export const Repository = z.object({
  id: Id,
  name: RepoName,
  owner: z.object({ login: Login }),
  default_branch: z.string().min(1).max(1024).optional(),
});
export type Repository = z.infer<typeof Repository>;

export const PushPayload = z.object({
  ref: z.string().min(1).max(1024),
  after: Sha,
  deleted: z.boolean().default(false),
  repository: Repository,
  installation: Installation,
});
export type PushPayload = z.infer<typeof PushPayload>;

/** Who pressed a button or asked for a rerun. */
const Sender = z.object({ login: Login });

export const CheckRunRerequestedPayload = z.object({
  check_run: z.object({
    head_sha: Sha,
    // Slipway's run key; GitHub sends "" or null for check runs made without one.
    external_id: z.string().max(200).nullish(),
    check_suite: z.object({ head_branch: z.string().min(1).max(1024).nullable() }),
  }),
  sender: Sender,
  repository: Repository,
  installation: Installation,
});

export const CheckSuiteRerequestedPayload = z.object({
  check_suite: z.object({ head_sha: Sha, head_branch: z.string().min(1).max(1024).nullable() }),
  repository: Repository,
  installation: Installation,
});

const RepositoryRef = z.object({
  id: Id,
  full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/, "must be owner/name"),
});

export const InstallationPayload = z.object({
  action: z.string(),
  installation: z.object({ id: Id, account: z.object({ login: Login }).nullish() }),
});

export const InstallationRepositoriesPayload = z.object({
  action: z.string(),
  installation: Installation,
  repositories_added: z.array(RepositoryRef).max(10_000).default([]),
  repositories_removed: z.array(RepositoryRef).max(10_000).default([]),
});

export const CheckRunRequestedActionPayload = CheckRunRerequestedPayload.extend({
  requested_action: z.object({ identifier: z.string().max(20) }),
});

export const PullRequestPayload = z.object({
  action: z.string(),
  number: Id,
  pull_request: z.object({
    head: z.object({
      ref: z.string().min(1).max(1024),
      sha: Sha,
      // null when the fork was deleted.
      repo: z.object({ id: Id }).nullable(),
    }),
  }),
  repository: Repository,
  installation: Installation,
});

export const IssueCommentPayload = z.object({
  action: z.string(),
  issue: z.object({
    number: Id,
    // Present only on pull requests' conversations.
    pull_request: z.object({}).optional(),
  }),
  comment: z.object({ id: Id, body: z.string().max(65_536).nullable() }),
  sender: z.object({ login: Login, type: z.string().max(50).optional() }),
  repository: Repository,
  installation: Installation,
});
