import type { Job } from "bullmq";
import type { Logger } from "pino";
import { cancelQueued } from "./cancel-queued.ts";
import { PipelineJob, TenantJob } from "./jobs.ts";
import type { CancelReason } from "./latest.ts";
import { parseJob, type QueueDeps } from "./queue-deps.ts";

/**
 * Cancels the queued and running builds of an installation (or of some of its repositories).
 * Each run gets a cancel flag its worker polls, and a published cancel for speed. After a
 * removal GitHub can never be told, so those runs are closed silently; after a suspension the
 * outcome stays open and the sweeper reports it once the installation is back.
 */
async function cancelTenantRuns(deps: QueueDeps, data: TenantJob, log: Logger): Promise<number> {
  const repoIds = data.repositories?.map((r) => r.repoId);
  const reason: CancelReason =
    data.action === "suspend"
      ? { type: "tenant-suspended", installationId: data.installationId }
      : { type: "tenant-removed", installationId: data.installationId };
  const report = data.action === "suspend";
  const jobs = await deps.builds.getJobs(["prioritized", "waiting", "delayed", "active"]);
  let cancelled = 0;
  for (const build of jobs) {
    const parsed = PipelineJob.safeParse(build.data);
    if (!parsed.success || parsed.data.target.installationId !== data.installationId) continue;
    if (repoIds && !repoIds.includes(parsed.data.target.repoId)) continue;
    const { runKey } = parsed.data;
    cancelled += 1;
    await deps.runs.requestCancel(runKey, reason);
    const result = await cancelQueued(deps, runKey, reason, log, { report }).catch(
      (error: unknown) => {
        log.warn(
          { err: error, runKey },
          "could not cancel a queued build; its worker will see the flag",
        );
        return "running" as const;
      },
    );
    if (result === "running") {
      await deps.cancellation.publish({ runKey, reason });
      if (!report) await deps.runs.markReported(runKey);
    }
  }
  return cancelled;
}

/** `tenant`: an installation was created, changed, suspended or removed. */
export async function tenantChange(deps: QueueDeps, job: Job, log: Logger): Promise<string> {
  const data = parseJob(TenantJob, job);
  const context = { signal: AbortSignal.timeout(120_000), log };
  const wholeInstallation = data.repositories === undefined;
  if (data.action === "provision") {
    if (wholeInstallation) await deps.removedTenants?.clear(data.installationId);
    if (deps.deploy) await deps.deploy.provisionTenant(data.installationId, context);
    return "provisioned";
  }
  // First, so a run that reaches a worker from now on runs nothing.
  if (data.action === "remove" && wholeInstallation)
    await deps.removedTenants?.mark(data.installationId);
  const cancelled = await cancelTenantRuns(deps, data, log);
  log.info(
    { cancelled, action: data.action, installationId: data.installationId },
    "cancelled the tenant's runs",
  );
  if (deps.deploy && data.action === "suspend")
    await deps.deploy.suspendTenant(data.installationId, context);
  if (deps.deploy && data.action === "remove") {
    await deps.deploy.removeTenant(data.installationId, data.repositories, context);
  }
  if (deps.engines && data.action === "remove" && data.repositories === undefined) {
    // The build namespace goes with the installation: its engine and its layer cache.
    const deleted = await deps.engines.remove(data.installationId, context.signal);
    log.info({ installationId: data.installationId, deleted }, "build engine deleted");
  }
  return data.action;
}
