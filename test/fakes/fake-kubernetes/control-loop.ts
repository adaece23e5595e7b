import type { Cluster } from "./cluster.ts";
import {
  DEPLOYMENTS,
  deploymentStatus,
  rolloutStarted,
  syncDeployment,
} from "./deployment-controller.ts";
import { arrAt, strAt } from "./json.ts";
import { createKubelet, type Kubelet } from "./kubelet.ts";
import { REPLICA_SETS, syncReplicaSet } from "./replicaset-controller.ts";
import { requireResource } from "./resources.ts";
import { STATEFUL_SETS, syncStatefulSet } from "./statefulset-controller.ts";

const NAMESPACES = requireResource("v1", "namespaces");

/** Namespaces whose deletion began a delay ago lose their contents, then themselves. */
function finishNamespaceDeletions(cluster: Cluster, now: number): void {
  for (const [namespace, since] of cluster.terminating) {
    if (now - since < cluster.delayMs) continue;
    for (const { resource, object } of cluster.store.entries()) {
      if (strAt(object, "metadata", "namespace") !== namespace) continue;
      cluster.store.remove(resource, namespace, strAt(object, "metadata", "name") ?? "");
    }
    cluster.store.remove(NAMESPACES, undefined, namespace);
    cluster.terminating.delete(namespace);
  }
}

/** Background garbage collection: dependents whose owners are all gone are deleted. */
function collectGarbage(cluster: Cluster): void {
  const entries = cluster.store.entries();
  const uids = new Set(entries.map(({ object }) => strAt(object, "metadata", "uid")));
  for (const { resource, object } of entries) {
    const owners = arrAt(object, "metadata", "ownerReferences") ?? [];
    if (owners.length === 0 || owners.some((owner) => uids.has(strAt(owner, "uid")))) continue;
    cluster.store.remove(
      resource,
      strAt(object, "metadata", "namespace"),
      strAt(object, "metadata", "name") ?? "",
    );
  }
}

export interface ControlLoop {
  kubelet: Kubelet;
  tick(now: number): void;
}

/** The controllers and the kubelet, advanced together on every tick. */
export function createControlLoop(cluster: Cluster): ControlLoop {
  const kubelet = createKubelet(cluster);
  return {
    kubelet,
    tick(now) {
      finishNamespaceDeletions(cluster, now);
      collectGarbage(cluster);
      kubelet.tick(now);
      const live = new Set<string>();
      const started = cluster.store.list(DEPLOYMENTS).filter((deployment) => {
        live.add(strAt(deployment, "metadata", "uid") ?? "");
        return rolloutStarted(cluster, deployment, now);
      });
      for (const deployment of started) syncDeployment(cluster, deployment);
      for (const replicaSet of cluster.store.list(REPLICA_SETS))
        syncReplicaSet(cluster, replicaSet);
      for (const statefulSet of cluster.store.list(STATEFUL_SETS))
        syncStatefulSet(cluster, statefulSet);
      for (const deployment of started) {
        const namespace = strAt(deployment, "metadata", "namespace");
        const fresh = cluster.store.get(
          DEPLOYMENTS,
          namespace,
          strAt(deployment, "metadata", "name") ?? "",
        );
        if (fresh !== undefined) deploymentStatus(cluster, fresh, now);
      }
      for (const uid of cluster.rollouts.keys()) if (!live.has(uid)) cluster.rollouts.delete(uid);
    },
  };
}
