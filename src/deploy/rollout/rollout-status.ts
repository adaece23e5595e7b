import type { Condition, DeploymentState } from "./deployment-state.ts";

export type RolloutStatus =
  | { done: true }
  | { done: false; failed?: false; reason: string }
  | { done: false; failed: true; reason: "ProgressDeadlineExceeded"; message: string };

function condition(deployment: DeploymentState, type: string): Condition | undefined {
  return deployment.status?.conditions?.find((entry) => entry.type === type);
}

/**
 * Whether a Deployment's rollout is complete, by the rules of `kubectl rollout status`: the
 * controller has observed the current generation, every desired replica is updated, no old
 * replica is left, and every updated replica is available. A `Progressing` condition with reason
 * `ProgressDeadlineExceeded` means the rollout failed (Kubernetes gave up waiting for progress).
 */
export function rolloutStatus(deployment: DeploymentState): RolloutStatus {
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  if ((status.observedGeneration ?? 0) < generation) {
    return { done: false, reason: "Waiting for the deployment spec update to be observed" };
  }
  const progressing = condition(deployment, "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return {
      done: false,
      failed: true,
      reason: "ProgressDeadlineExceeded",
      message: progressing.message ?? "the rollout exceeded its progress deadline",
    };
  }
  const desired = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < desired) {
    return {
      done: false,
      reason: `${updated} out of ${desired} new replicas have been updated`,
    };
  }
  if (replicas > updated) {
    return { done: false, reason: `${replicas - updated} old replicas are pending termination` };
  }
  if (available < updated) {
    return { done: false, reason: `${available} of ${updated} updated replicas are available` };
  }
  return { done: true };
}
