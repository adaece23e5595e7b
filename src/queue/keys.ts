import { createHash } from "node:crypto";

export const EVENTS_QUEUE = "events";
export const BUILDS_QUEUE = "builds";

/** Seven days: GitHub lets anyone redeliver a delivery for about that long. */
export const DELIVERY_TTL_SECONDS = 7 * 24 * 3600;
/** A branch's latest run is remembered for 30 days after its last push. */
export const LATEST_TTL_SECONDS = 30 * 24 * 3600;
/** Per-run state (check run id, outcome) outlives any retry or stalled-job recovery. */
export const RUN_TTL_SECONDS = 14 * 24 * 3600;

function branchHash(branch: string): string {
  return createHash("sha256").update(branch).digest("hex").slice(0, 32);
}

/**
 * Redis key names under one prefix. BullMQ's own keys use the same prefix, so a prefix holds
 * everything of one Slipway deployment (and one test file).
 */
export function redisKeys(prefix: string) {
  return {
    prefix,
    delivery: (deliveryId: string) => `${prefix}:delivery:${deliveryId}`,
    /** Branch names are arbitrary text; a hash keeps the key bounded and safe. */
    latest: (repoId: number, branch: string) => `${prefix}:latest:${repoId}:${branchHash(branch)}`,
    /** A branch's pull request, its preview comment and its last concluded run. */
    branch: (repoId: number, branch: string) => `${prefix}:branch:${repoId}:${branchHash(branch)}`,
    /** The images that became ready on a branch, newest first (for "Roll back"). */
    readyImages: (repoId: number, branch: string) =>
      `${prefix}:ready:${repoId}:${branchHash(branch)}`,
    /** An installation whose app was uninstalled. */
    removedTenant: (installationId: number) => `${prefix}:removed:${installationId}`,
    /** Something done at most once (e.g. one refusal reply per user and pull request). */
    once: (name: string) => `${prefix}:once:${name}`,
    run: (runKey: string) => `${prefix}:run:${runKey}`,
    /** Runs with a check run (or an outcome) not yet concluded on GitHub; score: when opened. */
    open: `${prefix}:open`,
    /** The fair-share table of a queue. */
    fair: (queue: string) => `${prefix}:fair:${queue}`,
    /** BullMQ's own key prefix for a queue (its lists and sets are `<this>:wait`, …). */
    queue: (queue: string) => `${prefix}:${queue}`,
    cancelChannel: `${prefix}:cancel`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
