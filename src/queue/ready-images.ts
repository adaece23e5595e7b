import type { Redis } from "ioredis";
import { z } from "zod";
import type { AppSettings } from "../build/build-stage.ts";
import type { BranchTarget } from "./intent.ts";
import { LATEST_TTL_SECONDS, type RedisKeys } from "./keys.ts";
import { parseStored } from "./stored-json.ts";

/** An image that became ready on a branch, with how it ran. */
export interface ReadyImage {
  sha: string;
  image: string;
  app: AppSettings;
}

const Stored = z.object({
  sha: z.string(),
  image: z.string(),
  app: z.object({
    port: z.number(),
    healthcheckPath: z.string(),
    env: z.record(z.string(), z.string()),
    resources: z.object({ cpu: z.string().exactOptional(), memory: z.string().exactOptional() }),
    egress: z.enum(["none", "internet"]),
    comments: z.boolean().exactOptional(),
  }),
}) satisfies z.ZodType<ReadyImage>;

/** How far back "Roll back" can go. */
const KEEP = 20;

const parse = (text: string | undefined) => parseStored(Stored, text);

/**
 * The images that became ready on a branch, newest first, one entry per commit: a stack that
 * "Roll back" pops, so pressing it again goes one image further back. The newest entry is what
 * the branch runs.
 */
export function readyImages(redis: Redis, keys: RedisKeys) {
  const key = (target: BranchTarget) => keys.readyImages(target.repoId, target.branch);
  const all = async (target: BranchTarget) =>
    (await redis.lrange(key(target), 0, -1)).map((raw) => ({ raw, entry: parse(raw) }));
  return {
    /** Records a ready image on top; an earlier entry of the same commit (a redeploy) goes. */
    async record(target: BranchTarget, entry: ReadyImage): Promise<void> {
      const stale = (await all(target)).filter((e) => e.entry?.sha === entry.sha);
      const multi = redis.multi();
      for (const { raw } of stale) multi.lrem(key(target), 0, raw);
      await multi
        .lpush(key(target), JSON.stringify(entry))
        .ltrim(key(target), 0, KEEP - 1)
        .expire(key(target), LATEST_TTL_SECONDS)
        .exec();
    },
    /** The image that was ready before the one the branch runs now, if Slipway has it. */
    async previous(target: BranchTarget): Promise<ReadyImage | undefined> {
      const [, previous] = await redis.lrange(key(target), 0, 1);
      return parse(previous);
    },
    /** The recorded image of one commit of the branch. */
    async find(target: BranchTarget, sha: string): Promise<ReadyImage | undefined> {
      return (await all(target)).find((e) => e.entry?.sha === sha)?.entry;
    },
    /**
     * After a rollback to `sha` became ready: forgets the images recorded after it, so `sha` is on
     * top again. Idempotent, so a retried rollback pops nothing more.
     */
    async rolledBackTo(target: BranchTarget, sha: string): Promise<void> {
      const index = (await all(target)).findIndex((e) => e.entry?.sha === sha);
      if (index > 0) await redis.ltrim(key(target), index, -1);
    },
    async forget(target: BranchTarget): Promise<void> {
      await redis.del(key(target));
    },
  };
}

export type ReadyImages = ReturnType<typeof readyImages>;
