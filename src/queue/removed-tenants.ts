import type { Redis } from "ioredis";
import type { RedisKeys } from "./keys.ts";

/** Longer than any job of the installation could still be retried or redelivered. */
const REMEMBER_SECONDS = 30 * 24 * 3600;

/**
 * Installations whose app was uninstalled. A run of one that still reaches a worker (queued
 * before the removal, retried, or redelivered) runs nothing: building or deploying would recreate
 * the build and tenant namespaces the removal deleted. A reinstall is a new installation id.
 */
export function removedTenants(redis: Redis, keys: RedisKeys) {
  return {
    async mark(installationId: number): Promise<void> {
      await redis.set(keys.removedTenant(installationId), "1", "EX", REMEMBER_SECONDS);
    },
    async clear(installationId: number): Promise<void> {
      await redis.del(keys.removedTenant(installationId));
    },
    async isRemoved(installationId: number): Promise<boolean> {
      return (await redis.exists(keys.removedTenant(installationId))) === 1;
    },
  };
}

export type RemovedTenants = ReturnType<typeof removedTenants>;
