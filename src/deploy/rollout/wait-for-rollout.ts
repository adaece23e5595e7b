import { setTimeout as sleep } from "node:timers/promises";
import type { DeploymentState } from "./deployment-state.ts";
import { hopeless } from "./diagnose.ts";
import { rolloutStatus } from "./rollout-status.ts";

export type WaitOutcome<D> =
  | { kind: "ready"; deployment: D }
  /** Kubernetes gave up (ProgressDeadlineExceeded), or the pods can never be created. */
  | { kind: "failed"; deployment: D; reason: string }
  | { kind: "timed-out"; deployment: D | undefined }
  | { kind: "gone" }
  | { kind: "aborted" };

export interface WaitOptions {
  pollMs: number;
  timeoutMs: number;
  now: () => number;
  signal: AbortSignal;
}

/**
 * Polls the Deployment (`read`, undefined once deleted) every `pollMs` until its rollout is
 * done by kubectl's rules, fails, `timeoutMs` passes, or the signal fires — which ends the wait
 * at once, between two reads.
 */
export async function waitForRollout<D extends DeploymentState>(
  read: () => Promise<D | undefined>,
  options: WaitOptions,
): Promise<WaitOutcome<D>> {
  const { pollMs, timeoutMs, now, signal } = options;
  const deadline = now() + timeoutMs;
  // A function, not the property: TypeScript would keep its narrowing across the await.
  const aborted = () => signal.aborted;
  for (;;) {
    if (aborted()) return { kind: "aborted" };
    const last = await read();
    if (aborted()) return { kind: "aborted" };
    if (last === undefined) return { kind: "gone" };
    const status = rolloutStatus(last);
    if (status.done) return { kind: "ready", deployment: last };
    if (status.failed === true) return { kind: "failed", deployment: last, reason: status.reason };
    const refused = hopeless(last);
    if (refused !== undefined) return { kind: "failed", deployment: last, reason: refused.cause };
    const remaining = deadline - now();
    if (remaining <= 0) return { kind: "timed-out", deployment: last };
    const slept = await sleep(Math.min(pollMs, remaining), true, { signal }).catch(() => false);
    if (!slept) return { kind: "aborted" };
  }
}
