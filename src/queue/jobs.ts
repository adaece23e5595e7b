import { z } from "zod";
import { CancelMessage } from "./latest.ts";

const Sha = z.string().regex(/^[0-9a-f]{40}$/);
const Id = z.number().int().positive();

const BranchTargetSchema = z.object({
  installationId: Id,
  owner: z.string().min(1),
  repo: z.string().min(1),
  repoId: Id,
  branch: z.string().min(1),
  defaultBranch: z.string().min(1).exactOptional(),
});

const RunTargetSchema = BranchTargetSchema.extend({ sha: Sha, fork: Id.exactOptional() });

/** Fields every job carries: which delivery caused it and when Slipway received it. */
const Origin = {
  deliveryId: z.string().min(1).max(200),
  receivedAt: z.number().int().nonnegative(),
};

/** `announce`: create the check run for a run, then hand the run to the builds queue. */
export const AnnounceJob = z.object({
  ...Origin,
  runKey: z.string().min(1),
  trigger: z.enum(["push", "rerun", "redeploy", "rollback", "command"]),
  target: RunTargetSchema,
});
export type AnnounceJob = z.infer<typeof AnnounceJob>;

/** `pipeline`: run the stages of a run whose check run exists. */
export const PipelineJob = AnnounceJob.extend({ checkRunId: Id });
export type PipelineJob = z.infer<typeof PipelineJob>;

/** `teardown`: a branch was deleted. */
export const TeardownJob = z.object({
  ...Origin,
  runKey: z.string().min(1),
  target: BranchTargetSchema,
});
export type TeardownJob = z.infer<typeof TeardownJob>;

/** `tenant`: an installation was created, changed, suspended or removed. */
export const TenantJob = z.object({
  ...Origin,
  action: z.enum(["provision", "suspend", "remove"]),
  installationId: Id,
  repositories: z
    .array(z.object({ repoId: Id, owner: z.string().min(1), repo: z.string().min(1) }))
    .optional(),
});
export type TenantJob = z.infer<typeof TenantJob>;

/** `pull-request`: a pull request of the repository's own branch opened or closed. */
export const PullRequestJob = z.object({
  ...Origin,
  action: z.enum(["opened", "closed"]),
  pullRequest: z.object({ target: BranchTargetSchema, number: Id }),
});
export type PullRequestJob = z.infer<typeof PullRequestJob>;

/** `command`: `/slipway deploy` on a pull request; its sender's permission is not checked yet. */
export const CommandJob = z.object({
  ...Origin,
  command: z.literal("deploy"),
  repository: BranchTargetSchema.omit({ branch: true }),
  pullRequest: Id,
  commentId: Id,
  sender: z.string().min(1).max(100),
  sha: z
    .string()
    .regex(/^[0-9a-f]{7,40}$/)
    .exactOptional(),
});
export type CommandJob = z.infer<typeof CommandJob>;

/** `check-action`: a button on a check run, or its "Re-run"; resolved from the recorded run. */
export const CheckActionJob = z.object({
  ...Origin,
  action: z.enum(["rerun", "redeploy", "rollback", "teardown"]),
  runKey: z.string().min(1).max(200).exactOptional(),
  sha: Sha,
  repository: BranchTargetSchema.omit({ branch: true }),
  suiteBranch: z.string().min(1).max(1024).nullable(),
  sender: z.string().min(1).max(100),
});
export type CheckActionJob = z.infer<typeof CheckActionJob>;

/** `cancel`: a run was superseded; if its build still waits in the queue, drop it and say so. */
export const CancelJob = z.object({
  runKey: z.string().min(1),
  reason: CancelMessage.shape.reason,
});
export type CancelJob = z.infer<typeof CancelJob>;

/** The job catalogue: every job name Slipway queues, with its payload schema. */
export const JOB_SCHEMAS = {
  announce: AnnounceJob,
  pipeline: PipelineJob,
  teardown: TeardownJob,
  tenant: TenantJob,
  cancel: CancelJob,
  "pull-request": PullRequestJob,
  command: CommandJob,
  "check-action": CheckActionJob,
  sweep: z.object({}),
  recover: z.object({}),
} as const;

export type JobName = keyof typeof JOB_SCHEMAS;
export type JobData<N extends JobName> = z.infer<(typeof JOB_SCHEMAS)[N]>;
