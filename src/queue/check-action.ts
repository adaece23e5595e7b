import { UnrecoverableError, type Job } from "bullmq";
import type { Logger } from "pino";
import type { RunOutcome } from "../report/outcome.ts";
import type { RunTarget } from "./intent.ts";
import { CheckActionJob } from "./jobs.ts";
import { parseJob, type QueueDeps } from "./queue-deps.ts";

const TRIGGER = { rerun: "rerun", redeploy: "redeploy", rollback: "rollback" } as const;

/** The run a check run belongs to, as Slipway recorded it (branch, fork), if it still knows it. */
async function recordedTarget(
  deps: QueueDeps,
  data: CheckActionJob,
): Promise<RunTarget | undefined> {
  if (data.runKey === undefined) return undefined;
  const { target } = await deps.runs.get(data.runKey);
  // The external id came with the event: the run must be of that repository and commit.
  if (target?.repoId !== data.repository.repoId || target.sha !== data.sha) return undefined;
  return target;
}

/**
 * `check-action`: a check run's Redeploy, Roll back or Tear down button, or GitHub's "Re-run".
 * Acts on the branch Slipway recorded for that run — not the check suite's branch, which is
 * where the commit was first pushed (a new branch of an existing commit would otherwise send
 * a Tear down to the default branch). Buttons are checked against the presser's permission.
 */
export async function checkAction(deps: QueueDeps, job: Job, log: Logger): Promise<string> {
  const data = parseJob(CheckActionJob, job);
  const { intake, conversation } = deps;
  if (intake === undefined || conversation === undefined)
    throw new UnrecoverableError("check-run actions are not wired in this worker");
  const recorded = await recordedTarget(deps, data);
  // A rerun of a run Slipway no longer remembers falls back to the suite's branch, as before.
  const target: RunTarget | undefined =
    recorded ??
    (data.action === "rerun" && data.suiteBranch !== null
      ? { ...data.repository, branch: data.suiteBranch, sha: data.sha }
      : undefined);
  const done = (result: string) => {
    log.info({ action: data.action, sender: data.sender, result }, "check-run action");
    return result;
  };
  if (target === undefined) return done("unknown run: nothing to do");
  if (target.fork !== undefined) return done("a fork's run: deploy it with /slipway deploy");
  if (data.action !== "rerun") {
    const client = await conversation(target.installationId);
    const where = { owner: target.owner, repo: target.repo };
    if (!(await client.canWrite(where, data.sender))) return done("refused: no write permission");
  }
  const deliveryId = `${data.deliveryId}:${data.action}`;
  switch (data.action) {
    case "teardown":
      if (target.branch === target.defaultBranch)
        return done("refused: the default branch's preview is production");
      return done(await intake.submit(deliveryId, { kind: "teardown", target }));
    case "rollback": {
      const previous = await deps.images?.previous(target);
      if (previous === undefined) {
        // Said on a check run of its own, concluded at once: nothing changes on the branch.
        const outcome: RunOutcome = {
          conclusion: "skipped",
          sha: target.sha,
          branch: target.branch,
          stages: [
            {
              stage: "build",
              result: "skipped",
              reason: `nothing to roll back to: no earlier image of ${target.branch} became ready (Slipway keeps the last 20 for 30 days)`,
            },
            { stage: "deploy", result: "skipped", reason: "nothing to roll back to" },
          ],
        };
        await deps.reporter.concluded(target, deliveryId, undefined, outcome);
        return done("nothing to roll back to");
      }
      return done(
        await intake.submit(deliveryId, {
          kind: "run",
          trigger: TRIGGER.rollback,
          target: { ...target, sha: previous.sha },
        }),
      );
    }
    case "rerun":
    case "redeploy":
      return done(
        await intake.submit(deliveryId, { kind: "run", trigger: TRIGGER[data.action], target }),
      );
  }
}
