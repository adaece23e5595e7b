import { UnrecoverableError, type Job } from "bullmq";
import { z } from "zod";
import { isPermanentGitHubError } from "../github/github-error.ts";
import { announce } from "./announce.ts";
import { cancelQueued } from "./cancel-queued.ts";
import { checkAction } from "./check-action.ts";
import { deployCommand } from "./deploy-command.ts";
import { CancelJob, PullRequestJob, TeardownJob } from "./jobs.ts";
import { parseJob, type QueueDeps } from "./queue-deps.ts";
import { safeError } from "./safe-error.ts";
import { recoverDeliveries } from "./recover-deliveries.ts";
import { sweep } from "./sweep.ts";
import { tenantChange } from "./tenant-change.ts";

const LogFields = z.object({
  deliveryId: z.string().optional(),
  target: z.object({ owner: z.string(), repo: z.string(), sha: z.string().optional() }).optional(),
});

/** Delivery id, repository and sha on every line of a job, when the job has them. */
function logFields(data: unknown): Record<string, string> {
  const parsed = LogFields.safeParse(data);
  if (!parsed.success) return {};
  const { deliveryId, target } = parsed.data;
  return {
    ...(deliveryId === undefined ? {} : { deliveryId }),
    ...(target === undefined ? {} : { repository: `${target.owner}/${target.repo}` }),
    ...(target?.sha === undefined ? {} : { sha: target.sha }),
  };
}

/**
 * Processes the light, fast jobs of the events queue: announcing runs (the queued check run must
 * exist within seconds even while every build slot is busy), cancelling superseded queued runs,
 * branch teardowns, tenant changes, and the sweeper.
 */
export function createEventProcessor(deps: QueueDeps) {
  return async function processEvent(job: Job): Promise<unknown> {
    const log = deps.log.child({ jobId: job.id, job: job.name, ...logFields(job.data) });
    try {
      switch (job.name) {
        case "announce":
          return await announce(deps, job, log);
        case "cancel": {
          const data = parseJob(CancelJob, job);
          return await cancelQueued(deps, data.runKey, data.reason, log);
        }
        case "teardown": {
          const data = parseJob(TeardownJob, job);
          if (deps.deploy) {
            await deps.deploy.teardownBranch(data.target, {
              signal: AbortSignal.timeout(60_000),
              log,
            });
            // GitHub stops linking to the preview ("View deployment").
            const inactive = await deps.reporter.deploymentsInactive(data.target);
            log.info({ inactive }, "branch deployments marked inactive");
            await deps.images?.forget(data.target);
            await deps.comments?.tornDown(data.target).catch((error: unknown) => {
              log.warn(
                { error: safeError(error, deps.secrets()).message },
                "could not update the pull-request comment",
              );
            });
          }
          return "torn down";
        }
        case "pull-request": {
          const data = parseJob(PullRequestJob, job);
          if (deps.comments === undefined) return "comments off";
          const result =
            data.action === "opened"
              ? await deps.comments.opened(data.pullRequest)
              : await deps.comments.closed(data.pullRequest);
          log.info({ result, pullRequest: data.pullRequest.number }, "pull request comment");
          return result;
        }
        case "command":
          return await deployCommand(deps, job, log);
        case "check-action":
          return await checkAction(deps, job, log);
        case "tenant":
          return await tenantChange(deps, job, log);
        case "sweep":
          return await sweep(deps, log);
        case "recover":
          return await recoverDeliveries(deps, log);
        default:
          throw new UnrecoverableError(`unknown job ${job.name}`);
      }
    } catch (error) {
      const safe = safeError(error, deps.secrets(), isPermanentGitHubError(error));
      log.warn({ error: safe.message, attempt: job.attemptsMade + 1 }, "event job attempt failed");
      throw safe;
    }
  };
}
