import { ANNOTATION, LABEL } from "../labels.ts";
import type { DeploymentState } from "./deployment-state.ts";
import { rolloutStatus } from "./rollout-status.ts";

/** The last image of a branch that became ready, and its commit when known. */
export interface ReadyImage {
  image: string;
  /** The commit whose objects carried this image, so a revert restores its pod template. */
  sha: string | undefined;
}

function currentImage(deployment: DeploymentState): string | undefined {
  return deployment.spec?.template?.spec?.containers?.[0]?.image;
}

/**
 * What a failed rollout of this branch can revert to, from its Deployment as it was before the
 * push: the image recorded after the last successful rollout; failing that (Slipway stopped
 * before recording it), the current image if the Deployment runs and its rollout is complete.
 * A Deployment scaled to zero after a failure has nothing to revert to.
 */
export function lastReadyImage(deployment: DeploymentState | undefined): ReadyImage | undefined {
  if (deployment === undefined) return undefined;
  const current = currentImage(deployment);
  const sha = deployment.metadata?.labels?.[LABEL.sha];
  const recorded = deployment.metadata?.annotations?.[ANNOTATION.previousImage];
  if (recorded !== undefined) {
    return { image: recorded, sha: recorded === current ? sha : undefined };
  }
  const running = (deployment.spec?.replicas ?? 1) > 0;
  if (current !== undefined && running && rolloutStatus(deployment).done) {
    return { image: current, sha };
  }
  return undefined;
}
