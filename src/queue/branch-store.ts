import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { BranchStatus } from "../report/render-preview-comment.ts";
import type { BranchTarget } from "./intent.ts";
import { LATEST_TTL_SECONDS, type RedisKeys } from "./keys.ts";
import { parseStored } from "./stored-json.ts";

const Status = z.object({
  sha: z.string(),
  conclusion: z.enum(["success", "failure", "cancelled", "timed_out", "skipped", "torn_down"]),
  previewUrl: z.string().exactOptional(),
  checkRunUrl: z.string().exactOptional(),
}) satisfies z.ZodType<BranchStatus>;

const PositiveInt = z.coerce.number().int().positive();
const Latest = z.object({ runKey: z.string() });

/** Deletes the lock only if it is still ours (it may have expired and been taken). */
const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;
/** Longer than a comment update can take (each GitHub call is bounded by its timeout). */
const LOCK_MS = 90_000;

/** What Slipway remembers about a branch for its pull request's comment. */
export interface BranchRecord {
  pullRequest?: number;
  commentId?: number;
  /** Slipway looked for its comment on the pull request and there was none. */
  noComment: boolean;
  status?: BranchStatus;
  /** `.slipway.yml` `comments` at the branch's last build (absent: yes). */
  comments: boolean;
}

/**
 * A branch's pull request, the id of its preview comment and its last concluded run, in one
 * Redis hash (identifiers and URLs only). Forgotten 30 days after the last change, like the
 * branch's latest run.
 */
export function branchStore(redis: Redis, keys: RedisKeys) {
  const key = (target: BranchTarget) => keys.branch(target.repoId, target.branch);
  const write = async (target: BranchTarget, fields: Record<string, string>) => {
    await redis.multi().hset(key(target), fields).expire(key(target), LATEST_TTL_SECONDS).exec();
  };
  return {
    /**
     * Runs `fn` alone for this branch across every worker: the pull-request job and a run's
     * conclusion must not both find no comment and both create one.
     */
    async exclusive<T>(target: BranchTarget, fn: () => Promise<T>): Promise<T> {
      const lock = `${key(target)}:lock`;
      const token = randomUUID();
      const deadline = Date.now() + LOCK_MS;
      while ((await redis.set(lock, token, "PX", LOCK_MS, "NX")) !== "OK") {
        if (Date.now() > deadline) throw new Error("the branch's comment is busy; retrying later");
        await sleep(50);
      }
      try {
        return await fn();
      } finally {
        await redis.eval(RELEASE, 1, lock, token);
      }
    },
    /** Whether `runKey` is still its branch's latest run (a newer push or teardown says more). */
    async isLatest(target: BranchTarget, runKey: string): Promise<boolean> {
      const latest = parseStored(
        Latest,
        (await redis.get(keys.latest(target.repoId, target.branch))) ?? undefined,
      );
      return latest === undefined || latest.runKey === runKey;
    },
    async get(target: BranchTarget): Promise<BranchRecord> {
      const raw = await redis.hgetall(key(target));
      const pullRequest = PositiveInt.safeParse(raw["pr"]);
      const commentId = PositiveInt.safeParse(raw["comment"]);
      const status = parseStored(Status, raw["status"]);
      return {
        ...(pullRequest.success ? { pullRequest: pullRequest.data } : {}),
        ...(commentId.success ? { commentId: commentId.data } : {}),
        noComment: raw["comment"] === "none",
        ...(status === undefined ? {} : { status }),
        comments: raw["comments"] !== "0",
      };
    },
    async hasPullRequest(target: BranchTarget): Promise<boolean> {
      return (await redis.hexists(key(target), "pr")) === 1;
    },
    async setPullRequest(target: BranchTarget, number: number): Promise<void> {
      const current = await redis.hget(key(target), "pr");
      // Another pull request of the same branch has a comment of its own.
      if (current !== String(number)) await redis.hdel(key(target), "comment");
      await write(target, { pr: String(number) });
    },
    async forgetPullRequest(target: BranchTarget): Promise<void> {
      await redis.hdel(key(target), "pr", "comment");
    },
    /** The pull request's comment, or `none` when Slipway looked and there was none. */
    async setComment(target: BranchTarget, commentId: number | "none"): Promise<void> {
      await write(target, { comment: String(commentId) });
    },
    async setStatus(target: BranchTarget, status: BranchStatus, comments: boolean): Promise<void> {
      await write(target, { status: JSON.stringify(status), comments: comments ? "1" : "0" });
    },
  };
}

export type BranchStore = ReturnType<typeof branchStore>;
