import type { DeployStage } from "./deploy-stage.ts";

/**
 * The deploy stage until the Kubernetes deployer lands: deploys fail with a message that says so,
 * and tenant and branch clean-ups have nothing to remove because nothing was ever deployed.
 */
export function unavailableDeployStage(): DeployStage {
  return {
    deploy() {
      return Promise.resolve({
        ok: false,
        reason: "Deploying is not available in this Slipway version",
        log:
          "This Slipway version has no Kubernetes deployer yet. " +
          "Set SLIPWAY_DEPLOY=off to stop after the build.",
      });
    },
    teardownBranch(target, { log }) {
      log.info(
        { repo: `${target.owner}/${target.repo}` },
        "branch deleted; nothing deployed to remove",
      );
      return Promise.resolve();
    },
    provisionTenant(installationId, { log }) {
      log.info({ installationId }, "tenant provisioning skipped: no deployer configured");
      return Promise.resolve();
    },
    suspendTenant(installationId, { log }) {
      log.info({ installationId }, "tenant suspended; nothing deployed to scale down");
      return Promise.resolve();
    },
    removeTenant(installationId, _repositories, { log }) {
      log.info({ installationId }, "tenant removed; nothing deployed to delete");
      return Promise.resolve();
    },
  };
}
