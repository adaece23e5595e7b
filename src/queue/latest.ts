import { z } from "zod";

/** What a branch's latest run is, as kept in Redis and published when it supersedes another. */
export const LatestRun = z.object({
  runKey: z.string(),
  sha: z.string(),
  receivedAt: z.number(),
  kind: z.enum(["run", "teardown"]),
});
export type LatestRun = z.infer<typeof LatestRun>;

/** A message on the cancel channel: stop `runKey`, because of `reason`. */
export const CancelMessage = z.object({
  runKey: z.string(),
  reason: z.discriminatedUnion("type", [
    z.object({ type: z.literal("superseded"), by: LatestRun }),
    z.object({ type: z.literal("tenant-removed"), installationId: z.number() }),
    z.object({ type: z.literal("tenant-suspended"), installationId: z.number() }),
    /** This worker process is stopping: the run goes back to the queue for another worker. */
    z.object({ type: z.literal("shutdown") }),
  ]),
});
export type CancelMessage = z.infer<typeof CancelMessage>;
export type CancelReason = CancelMessage["reason"];

/**
 * Whether `own` has been superseded by the branch's `latest` run. Newer wins by receive time;
 * a latest entry older than `own` means `own` has not been registered yet (it is not superseded).
 */
export function supersededBy(
  own: { runKey: string; receivedAt: number },
  latest: LatestRun | undefined,
) {
  if (latest === undefined || latest.runKey === own.runKey) return undefined;
  return latest.receivedAt >= own.receivedAt ? latest : undefined;
}

/** The words the check run uses for a cancellation. */
export function describeCancel(reason: CancelReason): string {
  if (reason.type === "tenant-removed") return "the app was removed from this repository";
  if (reason.type === "tenant-suspended") return "the app was suspended for this account";
  if (reason.type === "shutdown") return "the worker stopped; another worker resumes the run";
  if (reason.by.kind === "teardown") return "the branch was deleted";
  return `superseded by ${reason.by.sha.slice(0, 7)}`;
}

export function parseLatest(raw: string | null): LatestRun | undefined {
  if (raw === null) return undefined;
  const parsed = LatestRun.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : undefined;
}
