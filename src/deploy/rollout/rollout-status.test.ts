import { describe, expect, it } from "vitest";
import type { DeploymentState } from "./deployment-state.ts";
import { rolloutStatus, type RolloutStatus } from "./rollout-status.ts";

const PROGRESSING = {
  type: "Progressing",
  status: "True",
  reason: "ReplicaSetUpdated",
  message: 'ReplicaSet "web-7d9f8b6c5" is progressing.',
};
const COMPLETE = {
  type: "Progressing",
  status: "True",
  reason: "NewReplicaSetAvailable",
  message: 'ReplicaSet "web-7d9f8b6c5" has successfully progressed.',
};
const DEADLINE = {
  type: "Progressing",
  status: "False",
  reason: "ProgressDeadlineExceeded",
  message: 'ReplicaSet "web-7d9f8b6c5" has timed out progressing.',
};

function deployment(
  generation: number,
  replicas: number,
  status: NonNullable<DeploymentState["status"]>,
): DeploymentState {
  return { metadata: { name: "web", generation }, spec: { replicas }, status };
}

describe("rolloutStatus", () => {
  it.each<[string, DeploymentState, RolloutStatus]>([
    [
      "a spec change the controller has not seen yet",
      deployment(2, 1, {
        observedGeneration: 1,
        replicas: 1,
        updatedReplicas: 1,
        availableReplicas: 1,
        conditions: [COMPLETE],
      }),
      { done: false, reason: "Waiting for the deployment spec update to be observed" },
    ],
    [
      "a brand-new Deployment without status",
      { metadata: { generation: 1 }, spec: { replicas: 1 } },
      { done: false, reason: "Waiting for the deployment spec update to be observed" },
    ],
    [
      "no new replica yet (zero counts omitted)",
      deployment(2, 1, {
        observedGeneration: 2,
        replicas: 1,
        availableReplicas: 1,
        conditions: [PROGRESSING],
      }),
      { done: false, reason: "0 out of 1 new replicas have been updated" },
    ],
    [
      "the old pod still running beside the new one",
      deployment(2, 1, {
        observedGeneration: 2,
        replicas: 2,
        updatedReplicas: 1,
        availableReplicas: 1,
        unavailableReplicas: 1,
        conditions: [PROGRESSING],
      }),
      { done: false, reason: "1 old replicas are pending termination" },
    ],
    [
      "the new pod not yet available",
      deployment(1, 1, {
        observedGeneration: 1,
        replicas: 1,
        updatedReplicas: 1,
        unavailableReplicas: 1,
        conditions: [PROGRESSING],
      }),
      { done: false, reason: "0 of 1 updated replicas are available" },
    ],
    [
      "a complete rollout",
      deployment(3, 2, {
        observedGeneration: 3,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
        conditions: [COMPLETE],
      }),
      { done: true },
    ],
    [
      "a Deployment scaled to zero (every count omitted)",
      deployment(4, 0, { observedGeneration: 4, conditions: [COMPLETE] }),
      { done: true },
    ],
    [
      "an exceeded progress deadline",
      deployment(2, 1, {
        observedGeneration: 2,
        replicas: 2,
        updatedReplicas: 1,
        availableReplicas: 1,
        unavailableReplicas: 1,
        conditions: [DEADLINE],
      }),
      {
        done: false,
        failed: true,
        reason: "ProgressDeadlineExceeded",
        message: 'ReplicaSet "web-7d9f8b6c5" has timed out progressing.',
      },
    ],
    [
      "an exceeded deadline of a generation not yet observed (still waiting)",
      deployment(3, 1, { observedGeneration: 2, conditions: [DEADLINE] }),
      { done: false, reason: "Waiting for the deployment spec update to be observed" },
    ],
  ])("reports %s", (_case, input, expected) => {
    expect(rolloutStatus(input)).toEqual(expected);
  });
});
