import type { KubeConfig } from "@kubernetes/client-node";
import type { DeployStage } from "./deploy-stage.ts";
import { createCluster } from "./kubernetes/cluster-client.ts";
import { deployBranch } from "./kubernetes/deploy-branch.ts";
import { checkReadiness, type ReadinessResult } from "./kubernetes/readiness.ts";
import type { KubernetesSettings } from "./kubernetes/settings.ts";
import {
  provisionTenant,
  removeTenant,
  suspendTenant,
  teardownBranch,
} from "./kubernetes/tenant-ops.ts";

export { REQUIRED_ACCESS, type AccessRule } from "./kubernetes/required-access.ts";
export type { ReadinessResult } from "./kubernetes/readiness.ts";
export {
  DEFAULT_TENANT_LIMITS,
  type KubernetesSettings,
  type TenantLimits,
} from "./kubernetes/settings.ts";

export interface KubernetesDeployDeps {
  kubeConfig: KubeConfig;
  settings: KubernetesSettings;
  /** The clock of the rollout timeout (default `Date.now`). */
  now?: () => number;
  /** How often the rollout wait reads the Deployment (default 1000 ms). */
  pollMs?: number;
  /** The first delay of a retried request (default 250 ms, doubling, 4 tries). */
  retryBaseMs?: number;
}

export type KubernetesDeployStage = DeployStage & {
  /** For `/readyz` and start-up: the RuntimeClass exists and RBAC allows what the deployer does. */
  checkReadiness(): Promise<ReadinessResult>;
};

/**
 * The deploy stage on Kubernetes: every push becomes a Deployment on the sandbox RuntimeClass in
 * its installation's tenant namespace, applied with server-side apply (field manager `slipway`)
 * through one shared client, with the rollout awaited by kubectl's rules and a failed one
 * diagnosed and reverted. Branch, suspension and uninstall clean-ups select objects by label.
 */
export function createKubernetesDeployStage(deps: KubernetesDeployDeps): KubernetesDeployStage {
  const session = createCluster(deps.kubeConfig, {
    ...(deps.retryBaseMs === undefined ? {} : { retryBaseMs: deps.retryBaseMs }),
  });
  const { settings } = deps;
  const now = deps.now ?? Date.now;
  const pollMs = deps.pollMs ?? 1000;

  return {
    deploy(input, { signal, log }) {
      const client = session(signal);
      return deployBranch({ client, settings, now, pollMs, signal, log }, input);
    },
    async teardownBranch(target, { signal, log }) {
      const deleted = await teardownBranch(session(signal), target);
      log.info({ repository: target.repoId, branch: target.branch, deleted }, "branch torn down");
    },
    async provisionTenant(installationId, { signal, log }) {
      await provisionTenant(session(signal), settings, installationId);
      log.info({ installationId }, "tenant provisioned");
    },
    async suspendTenant(installationId, { signal, log }) {
      const scaled = await suspendTenant(session(signal), installationId);
      log.info({ installationId, scaled }, "tenant suspended: previews scaled to zero");
    },
    async removeTenant(installationId, repositories, { signal, log }) {
      const deleted = await removeTenant(session(signal), installationId, repositories);
      log.info(
        { installationId, repositories: repositories?.map((r) => r.repoId), deleted },
        repositories === undefined ? "tenant namespace deleted" : "repositories' previews deleted",
      );
    },
    checkReadiness() {
      return checkReadiness(session(AbortSignal.timeout(30_000)), settings.runtimeClass);
    },
  };
}
