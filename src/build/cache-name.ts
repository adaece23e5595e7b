import type { RunTarget } from "../queue/intent.ts";

/**
 * The engine cache volume of a repository for one kind of cache (`npm`, `pip`, …). A fork's
 * commit gets volumes of its own pull request: its install scripts run with the cache mounted
 * and writable, and must not leave files that trusted builds of the repository would read.
 */
export function cacheName(target: Pick<RunTarget, "repoId" | "fork">, key: string): string {
  return target.fork === undefined
    ? `slipway-${target.repoId}-${key}`
    : `slipway-${target.repoId}-pr${target.fork}-${key}`;
}
