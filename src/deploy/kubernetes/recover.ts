import type { Logger } from "pino";
import type { DeployInput, DeployResult } from "../deploy-stage.ts";
import { branchLabels, labelSelector } from "../labels.ts";
import type { DeploymentState, EventState, PodState } from "../rollout/deployment-state.ts";
import { diagnose } from "../rollout/diagnose.ts";
import {
  failureLog,
  recoveryNote,
  type FailureReport,
  type Recovery,
} from "../rollout/failure-report.ts";
import type { ReadyImage } from "../rollout/last-ready.ts";
import type { ClusterClient } from "./cluster-client.ts";
import { planBranch, type BranchPlan } from "./push-plan.ts";
import type { KubernetesSettings } from "./settings.ts";

/** How many log lines of a crashed container the check run shows. */
export const LOG_LINES = 50;

export interface FailedRollout {
  client: ClusterClient;
  settings: KubernetesSettings;
  input: DeployInput;
  plan: BranchPlan;
  /** The Deployment as last read, if it still exists. */
  deployment: DeploymentState | undefined;
  previous: ReadyImage | undefined;
  log: Logger;
}

async function logsOf(
  client: ClusterClient,
  namespace: string,
  pod: string,
  container: string,
): Promise<FailureReport["logs"]> {
  try {
    return {
      pod,
      container,
      text: await client.previousLogs(namespace, pod, container, LOG_LINES),
    };
  } catch (error) {
    return { pod, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Puts the branch back in a safe state: the last image that became ready if there is one (its own
 * commit's pod template, so Kubernetes re-uses the old ReplicaSet whose pods still serve); else
 * the failed Deployment scaled to zero, so a crash-looping pod does not keep running.
 */
async function recover(failed: FailedRollout): Promise<Recovery> {
  const { client, settings, input, plan, previous } = failed;
  try {
    if (previous === undefined) {
      await client.scaleDeployment(plan.namespace, plan.name, 0);
      return { kind: "scaled-down" };
    }
    if (previous.image === input.image) {
      return {
        kind: "none",
        why: "This image became ready before, so it was left in place: the change is probably in .slipway.yml (port, health check, env, resources).",
      };
    }
    const target = { ...input.target, sha: previous.sha ?? input.target.sha };
    const back = planBranch(settings, { ...input, target, image: previous.image }, previous.image);
    await client.apply(back.deployment);
    return { kind: "rolled-back", image: previous.image };
  } catch (error) {
    failed.log.warn({ err: error }, "could not revert the failed rollout");
    const message = error instanceof Error ? error.message : String(error);
    return { kind: "none", why: `Could not revert the failed rollout: ${message}` };
  }
}

/**
 * After a rollout failed or timed out: finds out why from the new pods and the namespace's
 * warning events (and the crashed container's last log lines), reverts, and describes it all.
 */
export async function reportFailedRollout(failed: FailedRollout): Promise<DeployResult> {
  const { client, settings, input, plan } = failed;
  // Without pods and events the diagnosis falls back to the Deployment's own conditions.
  const [pods, events]: [PodState[], EventState[]] = await Promise.all([
    client.listPods(plan.namespace, labelSelector(branchLabels(input.target))),
    client.listWarningEvents(plan.namespace),
  ]).catch((error: unknown) => {
    failed.log.warn({ err: error }, "could not read the failed rollout's pods and events");
    return [[], []];
  });
  const diagnosis = diagnose(pods, events, failed.deployment, {
    timeoutMs: settings.rolloutTimeoutMs,
  });
  const logs =
    diagnosis.logPodName === undefined
      ? undefined
      : await logsOf(client, plan.namespace, diagnosis.logPodName, diagnosis.logContainer ?? "app");
  const recovery = await recover(failed);
  failed.log.info({ cause: diagnosis.cause, recovery: recovery.kind }, "rollout failed");
  return {
    ok: false,
    reason: `${diagnosis.message}. ${recoveryNote(recovery)}`.trim(),
    log: failureLog({
      diagnosis,
      deployment: `${plan.namespace}/${plan.name}`,
      name: plan.name,
      pods,
      events,
      ...(logs === undefined ? {} : { logs }),
      recovery,
    }),
  };
}
