import { describe, expect, it } from "vitest";
import type { DeploymentState } from "./deployment-state.ts";
import { waitForRollout } from "./wait-for-rollout.ts";

const WAITING: DeploymentState = {
  metadata: { generation: 2 },
  spec: { replicas: 1 },
  status: { observedGeneration: 1 },
};
const READY: DeploymentState = {
  metadata: { generation: 2 },
  spec: { replicas: 1 },
  status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
};
const DEADLINE: DeploymentState = {
  ...WAITING,
  status: {
    observedGeneration: 2,
    conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" }],
  },
};
const NO_RUNTIME: DeploymentState = {
  ...WAITING,
  status: {
    observedGeneration: 2,
    conditions: [
      {
        type: "ReplicaFailure",
        status: "True",
        reason: "FailedCreate",
        message: 'pods "w-" is forbidden: pod rejected: RuntimeClass "kata-fc" not found',
      },
    ],
  },
};

function script(...states: Array<DeploymentState | undefined>) {
  let reads = 0;
  return {
    reads: () => reads,
    read: () => {
      const state = states[Math.min(reads, states.length - 1)];
      reads += 1;
      return Promise.resolve(state);
    },
  };
}

const options = () => ({
  pollMs: 1,
  timeoutMs: 5_000,
  now: Date.now,
  signal: new AbortController().signal,
});

describe("waitForRollout", () => {
  it.each([
    ["ready after a few polls", [WAITING, WAITING, READY], "ready", 3],
    ["failed on ProgressDeadlineExceeded", [WAITING, DEADLINE], "failed", 2],
    ["failed at once when no pod can be created", [NO_RUNTIME], "failed", 1],
    ["gone when the Deployment disappears", [WAITING, undefined], "gone", 2],
  ])("is %s", async (_case, states, kind, reads) => {
    const run = script(...states);
    const outcome = await waitForRollout(run.read, options());
    expect(outcome.kind).toBe(kind);
    expect(run.reads()).toBe(reads);
  });

  it("times out by its own clock", async () => {
    let clock = 0;
    const run = script(WAITING);
    const outcome = await waitForRollout(run.read, {
      ...options(),
      timeoutMs: 10,
      now: () => (clock += 4),
    });
    expect(outcome).toEqual({ kind: "timed-out", deployment: WAITING });
  });

  it("stops between polls when the signal fires", async () => {
    const controller = new AbortController();
    const run = script(WAITING);
    setTimeout(() => {
      controller.abort();
    }, 30);
    const started = Date.now();
    const outcome = await waitForRollout(run.read, {
      ...options(),
      pollMs: 60_000,
      signal: controller.signal,
    });
    expect(outcome).toEqual({ kind: "aborted" });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(run.reads()).toBe(1);
  });
});
