import type { BranchTarget, TenantRepository } from "../../queue/intent.ts";
import { LABEL, labelSelector, selectorLabels, tenantLabels } from "../labels.ts";
import { namespaceFor } from "../names.ts";
import type { ClusterClient } from "./cluster-client.ts";
import { tenantObjects } from "./push-plan.ts";
import type { KubernetesSettings } from "./settings.ts";

/** The kinds a branch owns, in deletion order: its pods stop first, its routes and policy after. */
const BRANCH_KINDS = [
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "networking.k8s.io/v1", kind: "Ingress" },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy" },
] as const;

/** Deletes every branch object the selector picks in the namespace; returns how many. */
async function deleteSelected(
  client: ClusterClient,
  namespace: string,
  selector: string,
): Promise<number> {
  let deleted = 0;
  for (const { apiVersion, kind } of BRANCH_KINDS) {
    const names = await client.listNames(apiVersion, kind, namespace, selector);
    for (const name of names) {
      if (await client.remove({ apiVersion, kind, namespace, name })) deleted += 1;
    }
  }
  return deleted;
}

/** Applies the tenant's namespace, quota, limits and network policies, in that order. */
export async function provisionTenant(
  client: ClusterClient,
  settings: KubernetesSettings,
  installationId: number,
): Promise<void> {
  for (const object of tenantObjects(settings, installationId)) await client.apply(object);
}

/**
 * Deletes a branch's Deployment, Service, Ingress and NetworkPolicies, found by their repository
 * id and branch labels (names change when a repository is renamed; labels do not).
 */
export function teardownBranch(client: ClusterClient, target: BranchTarget): Promise<number> {
  const namespace = namespaceFor(target.installationId);
  return deleteSelected(client, namespace, labelSelector(selectorLabels(target)));
}

/** Scales every Slipway Deployment of the tenant to zero; returns how many were running. */
export async function suspendTenant(
  client: ClusterClient,
  installationId: number,
): Promise<number> {
  const namespace = namespaceFor(installationId);
  const deployments = await client.listDeployments(
    namespace,
    labelSelector(tenantLabels(installationId)),
  );
  let scaled = 0;
  for (const deployment of deployments) {
    const name = deployment.metadata?.name;
    if (name === undefined || deployment.spec?.replicas === 0) continue;
    await client.scaleDeployment(namespace, name, 0);
    scaled += 1;
  }
  return scaled;
}

/**
 * Without repositories, deletes the tenant namespace (and with it everything in it); with them,
 * deletes those repositories' branch objects and keeps the tenant.
 */
export async function removeTenant(
  client: ClusterClient,
  installationId: number,
  repositories: TenantRepository[] | undefined,
): Promise<number> {
  const namespace = namespaceFor(installationId);
  if (repositories === undefined) return (await client.deleteNamespace(namespace)) ? 1 : 0;
  if (repositories.length === 0) return 0;
  const ids = repositories.map((repository) => String(repository.repoId)).join(",");
  const selector = `${labelSelector(tenantLabels(installationId))},${LABEL.repository} in (${ids})`;
  return deleteSelected(client, namespace, selector);
}
