import type { Cluster } from "./cluster.ts";
import { recordEvent } from "./events.ts";
import { arrAt, clone, isObj, numAt, objAt, strAt, type Obj } from "./json.ts";
import { PODS } from "./kubelet.ts";
import { podAdmissionError } from "./pod-security.ts";
import { ownedBy, ownerReference } from "./replicaset-controller.ts";
import { requireResource } from "./resources.ts";

export const STATEFUL_SETS = requireResource("apps/v1", "statefulsets");
const CLAIMS = requireResource("v1", "persistentvolumeclaims");
const NAMESPACES = requireResource("v1", "namespaces");

function isReady(pod: Obj): boolean {
  return (arrAt(pod, "status", "conditions") ?? []).some(
    (condition) => strAt(condition, "type") === "Ready" && strAt(condition, "status") === "True",
  );
}

/** `<template>-<set>-<ordinal>` claims, created once and kept (retention `Retain` on scale). */
function ensureClaims(cluster: Cluster, set: Obj, podName: string): Obj[] {
  const namespace = strAt(set, "metadata", "namespace") ?? "";
  const volumes: Obj[] = [];
  for (const template of (arrAt(set, "spec", "volumeClaimTemplates") ?? []).filter(isObj)) {
    const templateName = strAt(template, "metadata", "name") ?? "";
    const claimName = `${templateName}-${podName}`;
    if (cluster.store.get(CLAIMS, namespace, claimName) === undefined) {
      cluster.store.create(CLAIMS, {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
          ...clone(objAt(template, "metadata") ?? {}),
          name: claimName,
          namespace,
        },
        spec: clone(objAt(template, "spec") ?? {}),
        status: { phase: "Bound" },
      });
    }
    volumes.push({ name: templateName, persistentVolumeClaim: { claimName } });
  }
  return volumes;
}

/**
 * The StatefulSet controller, simplified: pods `<name>-0 … <name>-(n-1)` with stable names and
 * a claim per volume claim template (kept when scaled down, deleted with the namespace), pods
 * above `spec.replicas` deleted, pod admission (Pod Security, RuntimeClass) as for ReplicaSets.
 */
export function syncStatefulSet(cluster: Cluster, set: Obj): void {
  const { store } = cluster;
  const namespace = strAt(set, "metadata", "namespace") ?? "";
  const name = strAt(set, "metadata", "name") ?? "";
  const desired = numAt(set, "spec", "replicas") ?? 1;
  const template = objAt(set, "spec", "template") ?? {};
  const podSpec = objAt(template, "spec") ?? {};
  const pods = store.list(PODS, namespace).filter((pod) => ownedBy(pod, set));
  for (let ordinal = 0; ordinal < desired; ordinal += 1) {
    const podName = `${name}-${ordinal}`;
    if (pods.some((pod) => strAt(pod, "metadata", "name") === podName)) continue;
    const failure = podAdmissionError(
      podName,
      podSpec,
      store.get(NAMESPACES, undefined, namespace),
      cluster.runtimeClasses,
    );
    if (failure !== undefined) {
      recordEvent(store, set, {
        type: "Warning",
        reason: "FailedCreate",
        message: `create Pod ${podName} in StatefulSet ${name} failed error: ${failure}`,
        component: "statefulset-controller",
      });
      continue;
    }
    const claimVolumes = ensureClaims(cluster, set, podName);
    const spec = clone(podSpec);
    spec.volumes = [...(arrAt(spec, "volumes") ?? []), ...claimVolumes];
    pods.push(
      store.create(PODS, {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          ...clone(objAt(template, "metadata") ?? {}),
          name: podName,
          namespace,
          labels: {
            ...(objAt(template, "metadata", "labels") ?? {}),
            "statefulset.kubernetes.io/pod-name": podName,
          },
          ownerReferences: [ownerReference(set)],
        },
        spec: {
          restartPolicy: "Always",
          terminationGracePeriodSeconds: 30,
          dnsPolicy: "ClusterFirst",
          schedulerName: "default-scheduler",
          hostname: podName,
          ...spec,
        },
        status: { phase: "Pending" },
      }),
    );
  }
  const kept: Obj[] = [];
  for (const pod of pods) {
    const podName = strAt(pod, "metadata", "name") ?? "";
    const ordinal = Number(podName.slice(name.length + 1));
    if (ordinal >= desired) store.remove(PODS, namespace, podName);
    else kept.push(pod);
  }
  const ready = kept.filter(isReady).length;
  set.status = {
    replicas: kept.length,
    ...(ready === 0 ? {} : { readyReplicas: ready, availableReplicas: ready }),
    currentReplicas: kept.length,
    observedGeneration: numAt(set, "metadata", "generation") ?? 1,
  };
  store.update(STATEFUL_SETS, set);
}
