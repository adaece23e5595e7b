import { z } from "zod";
import type { RunOutcome } from "../report/outcome.ts";
import type { RunTarget } from "./intent.ts";
import { RUN_TTL_SECONDS, type RedisKeys } from "./keys.ts";
import { CancelMessage, type CancelReason } from "./latest.ts";
import { parseStored } from "./stored-json.ts";
import type { ScriptedRedis } from "./scripts.ts";

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
  comments: z.boolean().exactOptional(),
}) satisfies z.ZodType<RunOutcome>;

const StoredTarget = z.object({
  installationId: z.number(),
  owner: z.string(),
  repo: z.string(),
  repoId: z.number(),
  branch: z.string(),
  sha: z.string(),
  defaultBranch: z.string().exactOptional(),
  fork: z.number().exactOptional(),
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

/**
 * Per-run state in one Redis hash — identifiers and outcomes only, never a token — and the set
 * of open runs: every run with a check run or an outcome stays there until GitHub shows its
 * conclusion, so the sweeper can always finish what a crash or an outage left behind.
 */
export function runStateStore(redis: ScriptedRedis, keys: RedisKeys, now: () => number) {
  const key = keys.run;
  type Field = ["set" | "setnx", string, string];
  /** One atomic update of a run's hash (see RUN_UPDATE in scripts.ts), TTL refreshed. */
  const update = (
    runKey: string,
    fields: Field[],
    open: { op: "add"; at: number } | { op: "remove" } | undefined,
    readBack = "",
  ) =>
    redis.slipwayRunUpdate(
      key(runKey),
      keys.open,
      RUN_TTL_SECONDS,
      open?.op ?? "",
      open?.op === "add" ? open.at : 0,
      runKey,
      readBack,
      ...fields.flat(),
    );
  return {
    async get(runKey: string): Promise<RunState> {
      const raw = await redis.hgetall(key(runKey));
      const target = parseStored(StoredTarget, raw["target"]);
      const outcome = parseStored(StoredOutcome, raw["outcome"]);
      const cancel = parseStored(CancelMessage.shape.reason, raw["cancel"]);
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
      const fields: Field[] = [
        ["set", "target", JSON.stringify(target)],
        ["setnx", "openedAt", String(at)],
      ];
      if (checkRunId !== undefined) fields.push(["set", "checkRunId", String(checkRunId)]);
      await update(runKey, fields, { op: "add", at });
    },

    /**
     * Saves the outcome unless one is saved already (the first outcome wins, so two copies of a
     * job cannot conclude differently). Returns the outcome that is now saved.
     */
    async saveOutcome(runKey: string, target: RunTarget, outcome: RunOutcome): Promise<RunOutcome> {
      const at = now();
      const text = JSON.stringify(outcome);
      const stored = await update(
        runKey,
        [
          ["setnx", "outcome", text],
          ["setnx", "target", JSON.stringify(target)],
          ["setnx", "openedAt", String(at)],
        ],
        { op: "add", at },
        "outcome",
      );
      // Ours was saved: no need to parse back what was just written.
      if (stored === null || stored === text) return outcome;
      return parseStored(StoredOutcome, stored) ?? outcome;
    },

    async setDeployment(runKey: string, deploymentId: number): Promise<void> {
      await update(runKey, [["set", "deploymentId", String(deploymentId)]], undefined);
    },

    async markDeploymentDone(runKey: string): Promise<void> {
      await update(runKey, [["set", "deploymentDone", "1"]], undefined);
    },

    async requestCancel(runKey: string, reason: CancelReason): Promise<void> {
      await update(runKey, [["set", "cancel", JSON.stringify(reason)]], undefined);
    },

    async markReported(runKey: string): Promise<void> {
      await update(runKey, [["set", "reported", "1"]], { op: "remove" });
    },

    /** Open runs opened before `before` (ms), oldest first. */
    listOpen: (before: number, limit: number) =>
      redis.zrangebyscore(keys.open, "-inf", before, "LIMIT", 0, limit),
  };
}

export type RunStateStore = ReturnType<typeof runStateStore>;
