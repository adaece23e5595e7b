import { describe, expect, it } from "vitest";
import type { DeploymentState } from "./deployment-state.ts";
import { lastReadyImage, type ReadyImage } from "./last-ready.ts";

const A = `registry.test/acme/web@sha256:${"a".repeat(64)}`;
const B = `registry.test/acme/web@sha256:${"b".repeat(64)}`;
const SHA = "1".repeat(40);
const COMPLETE = {
  observedGeneration: 1,
  replicas: 1,
  updatedReplicas: 1,
  availableReplicas: 1,
};

function deployment(
  image: string,
  options: { recorded?: string; replicas?: number; status?: DeploymentState["status"] } = {},
): DeploymentState {
  return {
    metadata: {
      generation: 1,
      labels: { "slipway.dev/sha": SHA },
      annotations:
        options.recorded === undefined ? {} : { "slipway.dev/previous-image": options.recorded },
    },
    spec: {
      replicas: options.replicas ?? 1,
      template: { spec: { containers: [{ name: "app", image }] } },
    },
    status: options.status ?? COMPLETE,
  };
}

describe("lastReadyImage", () => {
  it.each<[string, DeploymentState | undefined, ReadyImage | undefined]>([
    ["no Deployment yet", undefined, undefined],
    ["the recorded image, running now", deployment(A, { recorded: A }), { image: A, sha: SHA }],
    [
      "the recorded image while a newer one is applied",
      deployment(B, { recorded: A, status: { observedGeneration: 1 } }),
      { image: A, sha: undefined },
    ],
    ["a complete rollout that was never recorded", deployment(A), { image: A, sha: SHA }],
    [
      "an unrecorded rollout still in progress",
      deployment(A, { status: { observedGeneration: 1, replicas: 1 } }),
      undefined,
    ],
    [
      "a Deployment scaled to zero after a failure",
      deployment(A, { replicas: 0, status: { observedGeneration: 1 } }),
      undefined,
    ],
  ])("for %s", (_case, input, expected) => {
    expect(lastReadyImage(input)).toEqual(expected);
  });
});
