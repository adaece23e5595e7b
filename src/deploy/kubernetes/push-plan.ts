import type { Deployment } from "kubernetes-models/apps/v1";
import type { AppSettings } from "../../build/build-stage.ts";
import { parseQuantity } from "../../config/repo-config-quantity.ts";
import type { RunTarget } from "../../queue/intent.ts";
import {
  renderBranch,
  renderTenant,
  RenderInputError,
  type BranchInput,
  type SlipwayObject,
  type TenantSettings,
} from "../manifests/index.ts";
import { progressDeadlineSeconds, type KubernetesSettings, type TenantLimits } from "./settings.ts";

/** What one push deploys. */
export interface PushInput {
  target: RunTarget;
  /** Pinned by digest. */
  image: string;
  app: AppSettings;
}

/** An object to delete if it exists (what an earlier push applied and this one does not). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface BranchPlan {
  /** The name of the branch's Deployment, Service and Ingress. */
  name: string;
  namespace: string;
  /** The preview host, when a base domain is configured. */
  host: string | undefined;
  /** Everything to apply for the branch, in order (egress policy first, Deployment next). */
  objects: SlipwayObject[];
  deployment: Deployment;
  /** Leftovers of earlier pushes to delete: the egress policy once `egress` is back to `none`. */
  prune: ObjectRef[];
}

/**
 * Renders no Ingress without a base domain, but `renderBranch` still needs a host to compute:
 * `.invalid` is reserved (RFC 2606) and can never resolve.
 */
const NO_DOMAIN = "preview.invalid";

export function tenantSettings(
  settings: KubernetesSettings,
  installationId: number,
): TenantSettings {
  return { installationId, ingressNamespace: settings.ingressNamespace, ...settings.tenant };
}

/** The tenant's objects in apply order: namespace, quota, limits, network policies. */
export function tenantObjects(
  settings: KubernetesSettings,
  installationId: number,
): SlipwayObject[] {
  const tenant = renderTenant(tenantSettings(settings, installationId));
  return [tenant.namespace, tenant.resourceQuota, tenant.limitRange, ...tenant.networkPolicies];
}

function checkMax(field: string, value: string, max: string, unit: string): void {
  const amount = parseQuantity(value);
  const limit = parseQuantity(max);
  if (amount !== undefined && limit !== undefined && amount > limit) {
    throw new RenderInputError(
      field,
      `${value} is more than the ${max}${unit} a container may use on this Slipway (ask the operator, or lower it in .slipway.yml)`,
    );
  }
}

/**
 * Requests and limits from `.slipway.yml` `resources`: a value given is both the request and the
 * limit (the app gets what it asked for); the tenant's defaults fill in the rest.
 */
export function containerResources(
  resources: AppSettings["resources"],
  limits: TenantLimits,
): BranchInput["resources"] {
  const { cpu, memory } = resources;
  if (cpu !== undefined) checkMax("resources.cpu", cpu, limits.max.cpu, " CPU");
  if (memory !== undefined) checkMax("resources.memory", memory, limits.max.memory, "");
  return {
    cpuRequest: cpu ?? limits.defaults.cpuRequest,
    cpuLimit: cpu ?? limits.defaults.cpuLimit,
    memoryRequest: memory ?? limits.defaults.memoryRequest,
    memoryLimit: memory ?? limits.defaults.memoryLimit,
  };
}

export function branchInput(
  settings: KubernetesSettings,
  push: PushInput,
  previousImage: string | undefined,
): BranchInput {
  return {
    target: push.target,
    image: push.image,
    port: push.app.port,
    healthcheckPath: push.app.healthcheckPath,
    env: push.app.env,
    resources: containerResources(push.app.resources, settings.tenant),
    egress: push.app.egress,
    runtimeClassName: settings.runtimeClass,
    baseDomain: settings.baseDomain ?? NO_DOMAIN,
    ingressClassName: settings.ingressClass,
    progressDeadlineSeconds: progressDeadlineSeconds(settings.rolloutTimeoutMs),
    ...(previousImage === undefined ? {} : { previousImage }),
    ...(settings.clusterCidrs === undefined ? {} : { blockedCidrs: settings.clusterCidrs }),
  };
}

/**
 * The branch's objects for one push, in apply order, and what to prune. Throws a
 * {@link RenderInputError} for settings that cannot make valid objects (an image not pinned by
 * digest, resources over the tenant's maximum).
 */
export function planBranch(
  settings: KubernetesSettings,
  push: PushInput,
  previousImage?: string,
): BranchPlan {
  const input = branchInput(settings, push, previousImage);
  const rendered = renderBranch(input);
  const { name, namespace, egressPolicy, deployment, service, ingress } = rendered;
  const withIngress = settings.baseDomain !== undefined;
  // The policy an `egress: internet` push would have applied, named by the same renderer.
  const internetPolicy =
    egressPolicy ?? renderBranch({ ...input, egress: "internet" }).egressPolicy;
  const policyName = internetPolicy?.metadata?.name;
  return {
    name,
    namespace,
    host: withIngress ? rendered.host : undefined,
    objects: [
      ...(egressPolicy === undefined ? [] : [egressPolicy]),
      deployment,
      service,
      ...(withIngress ? [ingress] : []),
    ],
    deployment,
    prune:
      egressPolicy === undefined && policyName !== undefined
        ? [
            {
              apiVersion: "networking.k8s.io/v1",
              kind: "NetworkPolicy",
              namespace,
              name: policyName,
            },
          ]
        : [],
  };
}
