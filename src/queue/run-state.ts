import type { Redis } from "ioredis";
import { z } from "zod";
import { RUN_TTL_SECONDS, type RedisKeys } from "./keys.ts";

const StoredOutcome = z.object({
  conclusion: z.enum(["success", "failure", "cancelled", "timed_out"]),
  json: z.string(),
});

/** What Slipway remembers about one run between attempts and across worker crashes. */
export interface RunState {
  checkRunId?: number;
  /** The outcome, saved before it is reported so a retry only reports it again. */
  outcome?: { conclusion: string; json: string };
  /** The check run shows the outcome: nothing is left to do for this run. */
  reported: boolean;
}

/** Per-run state in one Redis hash: identifiers and outcomes only, never a token. */
export function runStateStore(redis: Redis, keys: RedisKeys) {
  async function write(runKey: string, fields: Record<string, string>) {
    await redis
      .multi()
      .hset(keys.run(runKey), fields)
      .expire(keys.run(runKey), RUN_TTL_SECONDS)
      .exec();
  }
  return {
    async get(runKey: string): Promise<RunState> {
      const raw = await redis.hgetall(keys.run(runKey));
      const checkRunId = raw["checkRunId"] === undefined ? undefined : Number(raw["checkRunId"]);
      const outcome = StoredOutcome.safeParse({
        conclusion: raw["conclusion"],
        json: raw["outcome"],
      });
      return {
        ...(checkRunId === undefined ? {} : { checkRunId }),
        ...(outcome.success ? { outcome: outcome.data } : {}),
        reported: raw["reported"] === "1",
      };
    },
    setCheckRun: (runKey: string, checkRunId: number) =>
      write(runKey, { checkRunId: String(checkRunId) }),
    setOutcome: (runKey: string, conclusion: string, outcomeJson: string) =>
      write(runKey, { conclusion, outcome: outcomeJson }),
    markReported: (runKey: string) => write(runKey, { reported: "1" }),
  };
}

export type RunStateStore = ReturnType<typeof runStateStore>;
