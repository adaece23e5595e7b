import type { Deployment } from "kubernetes-models/apps/v1";
import type { Ingress, NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import type { LimitRange, Namespace, ResourceQuota, Service } from "kubernetes-models/v1";
import { renderBranch, type BranchInput } from "./branch.ts";
import { RenderInputError } from "./render-input-error.ts";
import { renderTenant, type TenantSettings } from "./tenant.ts";

export { renderBranch, type BranchInput, type BranchObjects } from "./branch.ts";
export { renderTenant, type TenantObjects, type TenantSettings } from "./tenant.ts";
export { RenderInputError } from "./render-input-error.ts";

/** Every kind of object Slipway applies. */
export type SlipwayObject =
  Namespace | ResourceQuota | LimitRange | NetworkPolicy | Deployment | Service | Ingress;

/**
 * Every object one push needs, in apply order: the namespace first, then what constrains the
 * pods (quota, limits, network policies — the branch's egress policy included, so a new pod
 * starts with its egress in place), then the Deployment, its Service and its Ingress. Shared by
 * the deployer and `slipway render`.
 */
export function renderAll(tenant: TenantSettings, branch: BranchInput): SlipwayObject[] {
  if (tenant.installationId !== branch.target.installationId) {
    throw new RenderInputError(
      "installationId",
      `the tenant is installation ${tenant.installationId} but the branch belongs to ` +
        `installation ${branch.target.installationId}`,
    );
  }
  const t = renderTenant(tenant);
  const b = renderBranch(branch);
  return [
    t.namespace,
    t.resourceQuota,
    t.limitRange,
    ...t.networkPolicies,
    ...(b.egressPolicy === undefined ? [] : [b.egressPolicy]),
    b.deployment,
    b.service,
    b.ingress,
  ];
}

/** `apiVersion/kind/namespace/name`, the namespace segment empty for cluster-scoped objects. */
export function objectKey(object: SlipwayObject): string {
  const { namespace = "", name = "" } = object.metadata ?? {};
  return `${object.apiVersion}/${object.kind}/${namespace}/${name}`;
}
