import { UnrecoverableError, type Job } from "bullmq";
import type { Logger } from "pino";
import { forkBranch, type RunTarget } from "./intent.ts";
import { CommandJob } from "./jobs.ts";
import { parseJob, type QueueDeps } from "./queue-deps.ts";

/** A refusal is explained once per person and pull request; later ones only get 👎. */
const REPLY_ONCE_SECONDS = 7 * 24 * 3600;

/**
 * `/slipway deploy [sha]` on a pull request: deploys its current head commit once, if the
 * commenter may write to the repository (asked of GitHub's API, never read from the comment).
 * A fork's commit runs as branch `pr:<number>` without network egress, whatever its
 * `.slipway.yml` says. With a sha, the head must still be that commit, so a push made after the
 * writer reviewed cannot ride on their approval. The comment gets 🚀 when the deploy is queued,
 * 👎 (and a reply, once) when it is refused, 😕 when the pull request is closed or moved on.
 */
export async function deployCommand(deps: QueueDeps, job: Job, log: Logger): Promise<string> {
  const data = parseJob(CommandJob, job);
  const { repository, pullRequest, commentId, sender } = data;
  const { conversation, intake } = deps;
  if (conversation === undefined || intake === undefined)
    throw new UnrecoverableError("pull-request commands are not wired in this worker");
  const client = await conversation(repository.installationId);
  const where = { owner: repository.owner, repo: repository.repo };
  // Logins are letters, digits and dashes (and `[bot]`): nothing markdown can misread.
  const who = `@${sender.replace(/[^A-Za-z0-9-]/g, "")}`;
  const replyOnce = async (reason: string, body: string) => {
    const name = `reply:${repository.repoId}:${pullRequest}:${sender}:${reason}`;
    if ((await deps.once?.first(name, REPLY_ONCE_SECONDS)) ?? true)
      await client.comment(where, pullRequest, body);
  };

  if (!(await client.canWrite(where, sender))) {
    await client.react(where, commentId, "-1");
    await replyOnce(
      "refused",
      `${who} only people with write access to this repository can deploy a pull request with \`/slipway deploy\`. Ask a maintainer to review the changes and comment it.`,
    );
    log.info({ sender, pullRequest }, "deploy command refused: no write permission");
    return "refused";
  }
  const head = await client.pullRequest(where, pullRequest);
  if (!head.open || (data.sha !== undefined && !head.sha.startsWith(data.sha))) {
    await client.react(where, commentId, "confused");
    await replyOnce(
      `stale:${data.sha ?? "closed"}`,
      head.open
        ? `${who} the pull request's head is now \`${head.sha.slice(0, 7)}\`, not \`${data.sha ?? ""}\`: nothing was deployed. Review the new commits, then comment \`/slipway deploy ${head.sha.slice(0, 7)}\`.`
        : `${who} this pull request is closed: nothing was deployed.`,
    );
    return head.open ? "head moved" : "closed";
  }
  const target: RunTarget = head.fork
    ? { ...repository, branch: forkBranch(pullRequest), sha: head.sha, fork: pullRequest }
    : { ...repository, branch: head.ref, sha: head.sha };
  // A fork's preview gets the same pull-request comment as a branch of the repository.
  if (head.fork) {
    await deps.comments?.opened({ target, number: pullRequest }).catch((error: unknown) => {
      log.warn({ err: error }, "could not prepare the fork's pull-request comment");
    });
  }
  // One run per command, even if this job is retried.
  const result = await intake.submit(`${data.deliveryId}:deploy`, {
    kind: "run",
    trigger: "command",
    target,
  });
  await client.react(where, commentId, "rocket");
  log.info(
    { sender, pullRequest, sha: head.sha, fork: head.fork, result },
    "deploy command accepted",
  );
  return result;
}
