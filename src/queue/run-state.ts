import type { Redis } from "ioredis";
import { z } from "zod";
import type { RunOutcome } from "../report/outcome.ts";
import type { RunTarget } from "./intent.ts";
import { RUN_TTL_SECONDS, type RedisKeys } from "./keys.ts";
import { CancelMessage, type CancelReason } from "./latest.ts";

const StageName = z.enum(["build", "deploy"]);
const Annotation = z.object({
  path: z.string(),
  start_line: z.number(),
  end_line: z.number(),
  annotation_level: z.enum(["notice", "warning", "failure"]),
  message: z.string(),
  title: z.string().exactOptional(),
});
const StageOutcomeSchema = z.discriminatedUnion("result", [
  z.object({
    stage: StageName,
    result: z.literal("success"),
    durationMs: z.number(),
    detail: z.string().exactOptional(),
  }),
  z.object({
    stage: StageName,
    result: z.literal("failure"),
    durationMs: z.number(),
    reason: z.string(),
    log: z.string().exactOptional(),
    annotations: z.array(Annotation).exactOptional(),
  }),
  z.object({
    stage: StageName,
    result: z.literal("timed_out"),
    durationMs: z.number(),
    timeoutMs: z.number(),
  }),
  z.object({ stage: StageName, result: z.literal("cancelled"), durationMs: z.number() }),
  z.object({ stage: StageName, result: z.literal("skipped"), reason: z.string() }),
]);

/** A run's outcome as stored in Redis (our own data, still validated when read back). */
export const StoredOutcome = z.object({
  conclusion: z.enum(["success", "failure", "cancelled", "timed_out", "skipped"]),
  sha: z.string(),
  branch: z.string(),
  stages: z.array(StageOutcomeSchema),
  cancelReason: z.string().exactOptional(),
  image: z.string().exactOptional(),
  previewUrl: z.string().exactOptional(),
}) satisfies z.ZodType<RunOutcome>;

const StoredTarget = z.object({
  installationId: z.number(),
  owner: z.string(),
  repo: z.string(),
  repoId: z.number(),
  branch: z.string(),
  sha: z.string(),
  defaultBranch: z.string().exactOptional(),
}) satisfies z.ZodType<RunTarget>;

/** What Slipway remembers about one run between attempts and across worker crashes. */
export interface RunState {
  target?: RunTarget;
  checkRunId?: number;
  /** The outcome, saved before it is reported so a retry only reports it again. */
  outcome?: RunOutcome;
  /** A cancel asked for by a tenant change (superseding is read from the branch's latest). */
  cancel?: CancelReason;
  /** The check run shows the outcome: nothing is left to do for this run. */
  reported: boolean;
  /** When the run was opened (ms), for the sweeper's give-up rule. */
  openedAt?: number;
  /** The GitHub deployment opened for the run's deploy stage, and whether it was concluded. */
  deploymentId?: number;
  deploymentDone: boolean;
}

function parseJson<T>(schema: z.ZodType<T>, text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Per-run state in one Redis hash — identifiers and outcomes only, never a token — and the set
 * of open runs: every run with a check run or an outcome stays there until GitHub shows its
 * conclusion, so the sweeper can always finish what a crash or an outage left behind.
 */
export function runStateStore(redis: Redis, keys: RedisKeys, now: () => number) {
  const key = keys.run;
  return {
    async get(runKey: string): Promise<RunState> {
      const raw = await redis.hgetall(key(runKey));
      const target = parseJson(StoredTarget, raw["target"]);
      const outcome = parseJson(StoredOutcome, raw["outcome"]);
      const cancel = parseJson(CancelMessage.shape.reason, raw["cancel"]);
      const checkRunId = raw["checkRunId"] === undefined ? undefined : Number(raw["checkRunId"]);
      const openedAt = raw["openedAt"] === undefined ? undefined : Number(raw["openedAt"]);
      const deploymentId =
        raw["deploymentId"] === undefined ? undefined : Number(raw["deploymentId"]);
      return {
        ...(target === undefined ? {} : { target }),
        ...(checkRunId === undefined ? {} : { checkRunId }),
        ...(outcome === undefined ? {} : { outcome }),
        ...(cancel === undefined ? {} : { cancel }),
        ...(openedAt === undefined ? {} : { openedAt }),
        ...(deploymentId === undefined ? {} : { deploymentId }),
        deploymentDone: raw["deploymentDone"] === "1",
        reported: raw["reported"] === "1",
      };
    },

    /** Records the check run of a run and opens it. */
    async open(runKey: string, target: RunTarget, checkRunId: number | undefined): Promise<void> {
      const at = now();
      const multi = redis
        .multi()
        .hset(key(runKey), { target: JSON.stringify(target) })
        .hsetnx(key(runKey), "openedAt", String(at));
      if (checkRunId !== undefined) multi.hset(key(runKey), { checkRunId: String(checkRunId) });
      await multi.expire(key(runKey), RUN_TTL_SECONDS).zadd(keys.open, "NX", at, runKey).exec();
    },

    /**
     * Saves the outcome unless one is saved already (the first outcome wins, so two copies of a
     * job cannot conclude differently). Returns the outcome that is now saved.
     */
    async saveOutcome(runKey: string, target: RunTarget, outcome: RunOutcome): Promise<RunOutcome> {
      const at = now();
      const result = await redis
        .multi()
        .hsetnx(key(runKey), "outcome", JSON.stringify(outcome))
        .hsetnx(key(runKey), "target", JSON.stringify(target))
        .hsetnx(key(runKey), "openedAt", String(at))
        .hget(key(runKey), "outcome")
        .expire(key(runKey), RUN_TTL_SECONDS)
        .zadd(keys.open, "NX", at, runKey)
        .exec();
      const stored = result?.[3]?.[1];
      return parseJson(StoredOutcome, typeof stored === "string" ? stored : undefined) ?? outcome;
    },

    async setDeployment(runKey: string, deploymentId: number): Promise<void> {
      await redis
        .multi()
        .hset(key(runKey), { deploymentId: String(deploymentId) })
        .expire(key(runKey), RUN_TTL_SECONDS)
        .exec();
    },

    async markDeploymentDone(runKey: string): Promise<void> {
      await redis
        .multi()
        .hset(key(runKey), { deploymentDone: "1" })
        .expire(key(runKey), RUN_TTL_SECONDS)
        .exec();
    },

    async requestCancel(runKey: string, reason: CancelReason): Promise<void> {
      await redis
        .multi()
        .hset(key(runKey), { cancel: JSON.stringify(reason) })
        .expire(key(runKey), RUN_TTL_SECONDS)
        .exec();
    },

    async markReported(runKey: string): Promise<void> {
      await redis
        .multi()
        .hset(key(runKey), { reported: "1" })
        .expire(key(runKey), RUN_TTL_SECONDS)
        .zrem(keys.open, runKey)
        .exec();
    },

    /** Open runs opened before `before` (ms), oldest first. */
    listOpen: (before: number, limit: number) =>
      redis.zrangebyscore(keys.open, "-inf", before, "LIMIT", 0, limit),
  };
}

export type RunStateStore = ReturnType<typeof runStateStore>;
