import { POD_TEMPLATE_HASH, randomSuffix, type Cluster } from "./cluster.ts";
import { recordEvent } from "./events.ts";
import { arrAt, clone, isObj, numAt, objAt, strAt, timestamp, valueAt, type Obj } from "./json.ts";
import { PODS } from "./kubelet.ts";
import { podAdmissionError } from "./pod-security.ts";
import { requireResource } from "./resources.ts";

export const REPLICA_SETS = requireResource("apps/v1", "replicasets");
const NAMESPACES = requireResource("v1", "namespaces");

export function ownedBy(object: Obj, owner: Obj): boolean {
  const uid = strAt(owner, "metadata", "uid");
  return (arrAt(object, "metadata", "ownerReferences") ?? []).some(
    (reference) => strAt(reference, "uid") === uid,
  );
}

export function ownerReference(owner: Obj): Obj {
  return {
    apiVersion: strAt(owner, "apiVersion") ?? "",
    kind: strAt(owner, "kind") ?? "",
    name: strAt(owner, "metadata", "name") ?? "",
    uid: strAt(owner, "metadata", "uid") ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Keeps a condition's timestamps when nothing about it changed, as controllers do. */
export function upsertCondition(
  conditions: unknown[],
  next: Obj,
  timed: "update" | "transition",
): Obj[] {
  const list = conditions.filter(isObj);
  const index = list.findIndex((condition) => condition.type === next.type);
  const previous = list[index];
  const now = timestamp();
  const sameStatus = previous !== undefined && previous.status === next.status;
  const same = sameStatus && previous.reason === next.reason && previous.message === next.message;
  const merged: Obj = {
    ...next,
    ...(timed === "update" ? { lastUpdateTime: same ? previous.lastUpdateTime : now } : {}),
    lastTransitionTime: sameStatus ? previous.lastTransitionTime : now,
  };
  if (index === -1) return [...list, merged];
  return list.map((condition, i) => (i === index ? merged : condition));
}

function newPod(replicaSet: Obj): Obj {
  const name = strAt(replicaSet, "metadata", "name") ?? "";
  const template = objAt(replicaSet, "spec", "template") ?? {};
  const templateMeta = objAt(template, "metadata") ?? {};
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...clone(templateMeta),
      name: `${name}-${randomSuffix()}`,
      generateName: `${name}-`,
      namespace: strAt(replicaSet, "metadata", "namespace") ?? "",
      ownerReferences: [ownerReference(replicaSet)],
    },
    spec: {
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      ...clone(objAt(template, "spec") ?? {}),
    },
    status: { phase: "Pending" },
  };
}

function isReady(pod: Obj): boolean {
  return (arrAt(pod, "status", "conditions") ?? []).some(
    (condition) => strAt(condition, "type") === "Ready" && strAt(condition, "status") === "True",
  );
}

/** Drops zero counts: the API server omits them (`omitempty`), so readers must default to 0. */
export function withoutZeros(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, value]) => value !== 0));
}

/**
 * The ReplicaSet controller: creates or deletes pods towards `spec.replicas` (pod admission —
 * Pod Security, RuntimeClass — may refuse them: `ReplicaFailure`/`FailedCreate`) and reports status.
 */
export function syncReplicaSet(cluster: Cluster, replicaSet: Obj): Obj {
  const { store } = cluster;
  const namespace = strAt(replicaSet, "metadata", "namespace") ?? "";
  const name = strAt(replicaSet, "metadata", "name") ?? "";
  const desired = numAt(replicaSet, "spec", "replicas") ?? 1;
  let pods = store.list(PODS, namespace).filter((pod) => ownedBy(pod, replicaSet));
  let conditions: unknown[] = arrAt(replicaSet, "status", "conditions") ?? [];
  let failure: string | undefined;

  if (pods.length < desired) {
    const podSpec = objAt(replicaSet, "spec", "template", "spec") ?? {};
    failure = podAdmissionError(
      `${name}-`,
      podSpec,
      store.get(NAMESPACES, undefined, namespace),
      cluster.runtimeClasses,
    );
    if (failure === undefined) {
      for (let i = pods.length; i < desired; i += 1)
        pods.push(store.create(PODS, newPod(replicaSet)));
    } else if (!conditions.some((condition) => valueAt(condition, ["message"]) === failure)) {
      // Once per distinct failure; the real controller backs off instead of retrying every tick.
      recordEvent(store, replicaSet, {
        type: "Warning",
        reason: "FailedCreate",
        message: `Error creating: ${failure}`,
        component: "replicaset-controller",
      });
    }
  }
  if (pods.length > desired) {
    // Not-ready pods go first, then the newest, as the real controller prefers.
    const ranked = [...pods].sort(
      (a, b) =>
        Number(isReady(a)) - Number(isReady(b)) ||
        String(valueAt(b, ["metadata", "creationTimestamp"])).localeCompare(
          String(valueAt(a, ["metadata", "creationTimestamp"])),
        ),
    );
    for (const pod of ranked.slice(0, pods.length - desired)) {
      store.remove(PODS, namespace, strAt(pod, "metadata", "name") ?? "");
    }
    pods = ranked.slice(pods.length - desired);
  }

  conditions =
    failure === undefined
      ? conditions.filter((condition) => valueAt(condition, ["type"]) !== "ReplicaFailure")
      : upsertCondition(
          conditions,
          { type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: failure },
          "transition",
        );
  const ready = pods.filter(isReady).length;
  const labels = objAt(replicaSet, "spec", "selector", "matchLabels") ?? {};
  const fullyLabeled = pods.filter((pod) =>
    Object.entries(labels).every(
      ([key, value]) => valueAt(pod, ["metadata", "labels", key]) === value,
    ),
  ).length;
  replicaSet.status = {
    replicas: pods.length,
    ...withoutZeros({
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: ready,
    }),
    observedGeneration: numAt(replicaSet, "metadata", "generation") ?? 1,
    ...(conditions.length === 0 ? {} : { conditions }),
  };
  return store.update(REPLICA_SETS, replicaSet);
}

export function templateHashOf(replicaSet: Obj): string | undefined {
  return strAt(replicaSet, "metadata", "labels", POD_TEMPLATE_HASH);
}
