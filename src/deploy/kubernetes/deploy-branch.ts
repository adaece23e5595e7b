import type { Logger } from "pino";
import type { DeployInput, DeployResult } from "../deploy-stage.ts";
import { RenderInputError } from "../manifests/index.ts";
import { formatDuration } from "../rollout/format-duration.ts";
import { lastReadyImage } from "../rollout/last-ready.ts";
import { waitForRollout } from "../rollout/wait-for-rollout.ts";
import { KubernetesApiError } from "./api-error.ts";
import type { ClusterClient } from "./cluster-client.ts";
import { planBranch, tenantObjects, type BranchPlan } from "./push-plan.ts";
import { reportFailedRollout } from "./recover.ts";
import type { KubernetesSettings } from "./settings.ts";

export interface DeployContext {
  client: ClusterClient;
  settings: KubernetesSettings;
  now: () => number;
  pollMs: number;
  signal: AbortSignal;
  log: Logger;
}

/** What the caller ignores (it reports the cancellation itself), returned without more requests. */
const CANCELLED: DeployResult = { ok: false, reason: "The deploy was cancelled" };

const NO_DOMAIN =
  "No preview URL: set SLIPWAY_BASE_DOMAIN (e.g. preview.example.com, with a wildcard DNS record for the ingress controller) to give every branch an Ingress and a URL.";

/** Applies in order, stopping (quietly) once the signal fires. */
async function applyAll(context: DeployContext, objects: BranchPlan["objects"]): Promise<void> {
  for (const object of objects) {
    if (context.signal.aborted) return;
    await context.client.apply(object);
  }
}

function refused(action: string, error: KubernetesApiError): DeployResult {
  const hint = error.retryable
    ? " The cluster may be overloaded or unreachable: re-run the check to try again."
    : "";
  return { ok: false, reason: `${action}: ${error.message}`, log: `${error.message}${hint}` };
}

async function rollOut(context: DeployContext, input: DeployInput): Promise<DeployResult> {
  const { client, settings, signal, log } = context;
  const { namespace, name } = planBranch(settings, input);
  try {
    await applyAll(context, tenantObjects(settings, input.target.installationId));
  } catch (error) {
    if (error instanceof KubernetesApiError && !signal.aborted) {
      return refused("Could not prepare the installation's namespace", error);
    }
    throw error;
  }
  if (signal.aborted) return CANCELLED;
  const before = await client.readDeployment(namespace, name);
  const previous = lastReadyImage(before);
  const plan = planBranch(settings, input, previous?.image);
  for (const ref of plan.prune) await client.remove(ref);
  await applyAll(context, plan.objects);
  log.info(
    { namespace, name, image: input.image, previous: previous?.image },
    "applied; waiting for the rollout",
  );

  const outcome = await waitForRollout(() => client.readDeployment(namespace, name), {
    pollMs: context.pollMs,
    timeoutMs: settings.rolloutTimeoutMs,
    now: context.now,
    signal,
  });
  switch (outcome.kind) {
    case "aborted":
      return CANCELLED;
    case "gone":
      return {
        ok: false,
        reason: "The Deployment was deleted during its rollout (was the branch deleted?)",
      };
    case "failed":
    case "timed-out":
      return reportFailedRollout({
        ...context,
        input,
        plan,
        deployment: outcome.deployment,
        previous,
      });
    case "ready":
      break;
  }
  // Record the image as the branch's last ready one (unless it already is): the next failed
  // rollout reverts to it. Not once cancelled: a teardown may be removing the branch right now,
  // and this apply would re-create its Deployment.
  if (previous?.image !== input.image && !context.signal.aborted) {
    await client
      .apply(planBranch(settings, input, input.image).deployment)
      .catch((error: unknown) => {
        log.warn({ err: error }, "could not record the ready image");
      });
  }
  const ready = `Deployment ${namespace}/${name} is ready with ${input.image}.`;
  if (plan.host === undefined) {
    log.info({ namespace, name }, NO_DOMAIN);
    return { ok: true, log: `${ready}\n${NO_DOMAIN}` };
  }
  const previewUrl = `https://${plan.host}`;
  return { ok: true, previewUrl, log: `${ready}\nPreview: ${previewUrl}` };
}

/**
 * Deploys one push: provisions the tenant (idempotently), applies the branch's objects with
 * server-side apply, waits for the rollout by kubectl's rules, and on failure diagnoses it and
 * reverts. Expected failures — inputs that make no valid object, objects Kubernetes refuses,
 * rollouts that do not become ready — are `{ ok: false }` results; programming errors throw.
 */
export async function deployBranch(
  context: DeployContext,
  input: DeployInput,
): Promise<DeployResult> {
  const started = context.now();
  try {
    const result = await rollOut(context, input);
    context.log.info(
      { ok: result.ok, took: formatDuration(context.now() - started) },
      "deploy finished",
    );
    return result;
  } catch (error) {
    if (context.signal.aborted) return CANCELLED;
    if (error instanceof RenderInputError) {
      return { ok: false, reason: `Cannot deploy this commit: ${error.message}` };
    }
    if (error instanceof KubernetesApiError) return refused("Could not deploy", error);
    throw error;
  }
}
