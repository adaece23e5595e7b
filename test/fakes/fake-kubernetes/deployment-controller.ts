import {
  POD_TEMPLATE_HASH,
  PROGRESS_DEADLINE_MS_PER_SECOND,
  REVISION,
  safeHash,
  type Cluster,
} from "./cluster.ts";
import { recordEvent } from "./events.ts";
import { arrAt, clone, isObj, metadataOf, numAt, objAt, strAt, valueAt, type Obj } from "./json.ts";
import { recordUpdate } from "./managed-fields.ts";
import {
  ownedBy,
  ownerReference,
  REPLICA_SETS,
  templateHashOf,
  upsertCondition,
  withoutZeros,
} from "./replicaset-controller.ts";
import { requireResource } from "./resources.ts";

export const DEPLOYMENTS = requireResource("apps/v1", "deployments");
const CONTROLLER = "kube-controller-manager";

/** JSON with sorted keys, so the same template always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObj(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function scaled(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const percent =
    typeof value === "string" && value.endsWith("%") ? Number(value.slice(0, -1)) : 25;
  const raw = (total * percent) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

function maxUnavailable(deployment: Obj, desired: number): number {
  if (strAt(deployment, "spec", "strategy", "type") === "Recreate") return 0;
  const rolling = objAt(deployment, "spec", "strategy", "rollingUpdate");
  const surge = scaled(rolling?.maxSurge, desired, true);
  const unavailable = scaled(rolling?.maxUnavailable, desired, false);
  return Math.min(surge === 0 && unavailable === 0 ? 1 : unavailable, desired);
}

function revisionOf(object: Obj): number {
  return Number(strAt(object, "metadata", "annotations", REVISION) ?? "0");
}

function setRevision(object: Obj, revision: number): void {
  const metadata = metadataOf(object);
  metadata.annotations = { ...objAt(metadata, "annotations"), [REVISION]: String(revision) };
}

function newReplicaSet(deployment: Obj, hash: string, replicas: number, revision: number): Obj {
  const name = `${strAt(deployment, "metadata", "name") ?? ""}-${hash}`;
  const template = clone(objAt(deployment, "spec", "template") ?? {});
  const templateMeta = objAt(template, "metadata") ?? {};
  const labels = { ...objAt(templateMeta, "labels"), [POD_TEMPLATE_HASH]: hash };
  const selector = clone(objAt(deployment, "spec", "selector") ?? {});
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name,
      namespace: strAt(deployment, "metadata", "namespace") ?? "",
      labels,
      annotations: {
        [REVISION]: String(revision),
        "deployment.kubernetes.io/desired-replicas": String(replicas),
      },
      ownerReferences: [ownerReference(deployment)],
      generation: 1,
    },
    spec: {
      replicas,
      minReadySeconds: numAt(deployment, "spec", "minReadySeconds") ?? 0,
      selector: {
        ...selector,
        matchLabels: { ...objAt(selector, "matchLabels"), [POD_TEMPLATE_HASH]: hash },
      },
      template: { ...template, metadata: { ...templateMeta, labels } },
    },
    status: { replicas: 0 },
  };
}

function scaleEvent(cluster: Cluster, deployment: Obj, replicaSet: Obj, from: number, to: number) {
  const name = strAt(replicaSet, "metadata", "name") ?? "";
  recordEvent(cluster.store, deployment, {
    type: "Normal",
    reason: "ScalingReplicaSet",
    message: `Scaled ${to > from ? "up" : "down"} replica set ${name} from ${from} to ${to}`,
    component: "deployment-controller",
  });
}

function setReplicas(cluster: Cluster, deployment: Obj, replicaSet: Obj, replicas: number): Obj {
  const from = numAt(replicaSet, "spec", "replicas") ?? 0;
  if (from === replicas) return replicaSet;
  scaleEvent(cluster, deployment, replicaSet, from, replicas);
  const spec: Obj = isObj(replicaSet.spec) ? replicaSet.spec : {};
  replicaSet.spec = { ...spec, replicas };
  metadataOf(replicaSet).generation = (numAt(replicaSet, "metadata", "generation") ?? 1) + 1;
  return cluster.store.update(REPLICA_SETS, replicaSet);
}

/** Whether the controller has picked up the deployment's current generation yet. */
export function rolloutStarted(cluster: Cluster, deployment: Obj, now: number): boolean {
  const uid = strAt(deployment, "metadata", "uid") ?? "";
  const generation = numAt(deployment, "metadata", "generation") ?? 1;
  let rollout = cluster.rollouts.get(uid);
  if (rollout?.generation !== generation) {
    rollout = { generation, startedAt: now };
    cluster.rollouts.set(uid, rollout);
  }
  return now - rollout.startedAt >= cluster.delayMs;
}

/**
 * The Deployment controller's spec side: find or create the ReplicaSet for the current template
 * (re-using an old one on rollback, with a new revision), scale it, and scale old ones to zero once
 * the new one is fully available (a simplified rolling update: surge all, then retire).
 */
export function syncDeployment(cluster: Cluster, deployment: Obj): void {
  const { store } = cluster;
  const namespace = strAt(deployment, "metadata", "namespace") ?? "";
  const desired = numAt(deployment, "spec", "replicas") ?? 1;
  const hash = safeHash(canonical(objAt(deployment, "spec", "template") ?? {}));
  const owned = store.list(REPLICA_SETS, namespace).filter((rs) => ownedBy(rs, deployment));
  const maxRevision = Math.max(0, ...owned.map(revisionOf));
  let current = owned.find((rs) => templateHashOf(rs) === hash);
  if (current === undefined) {
    current = store.create(REPLICA_SETS, newReplicaSet(deployment, hash, desired, maxRevision + 1));
    if (desired > 0) scaleEvent(cluster, deployment, current, 0, desired);
  } else {
    if (revisionOf(current) !== maxRevision) {
      setRevision(current, maxRevision + 1);
      current = store.update(REPLICA_SETS, current);
    }
    current = setReplicas(cluster, deployment, current, desired);
  }
  const available = numAt(current, "status", "availableReplicas") ?? 0;
  const recreate = strAt(deployment, "spec", "strategy", "type") === "Recreate";
  if (recreate || available >= desired) {
    for (const old of owned) {
      if (old !== current && templateHashOf(old) !== hash) setReplicas(cluster, deployment, old, 0);
    }
  }
  const before = clone(deployment);
  setRevision(deployment, revisionOf(current));
  recordUpdate(before, deployment, CONTROLLER, "apps/v1");
  store.update(DEPLOYMENTS, deployment);
}

/** The Deployment controller's status side, with kubectl-visible conditions. */
export function deploymentStatus(cluster: Cluster, deployment: Obj, now: number): void {
  const { store } = cluster;
  const namespace = strAt(deployment, "metadata", "namespace") ?? "";
  const generation = numAt(deployment, "metadata", "generation") ?? 1;
  const desired = numAt(deployment, "spec", "replicas") ?? 1;
  const hash = safeHash(canonical(objAt(deployment, "spec", "template") ?? {}));
  const owned = store.list(REPLICA_SETS, namespace).filter((rs) => ownedBy(rs, deployment));
  const current = owned.find((rs) => templateHashOf(rs) === hash);
  if (current === undefined) return;
  const sum = (path: string[], sets = owned) =>
    sets.reduce((total, rs) => total + (numAt(rs, ...path) ?? 0), 0);
  const replicas = sum(["status", "replicas"]);
  const updated = numAt(current, "status", "replicas") ?? 0;
  const available = sum(["status", "availableReplicas"]);
  const unavailable = Math.max(0, sum(["spec", "replicas"]) - available);
  const rsName = strAt(current, "metadata", "name") ?? "";
  const complete = updated === desired && replicas === desired && available === desired;
  const startedAt =
    cluster.rollouts.get(strAt(deployment, "metadata", "uid") ?? "")?.startedAt ?? now;
  const deadlineMs =
    (numAt(deployment, "spec", "progressDeadlineSeconds") ?? 600) * PROGRESS_DEADLINE_MS_PER_SECOND;

  let conditions: unknown[] = arrAt(deployment, "status", "conditions") ?? [];
  const minimum = available >= desired - maxUnavailable(deployment, desired);
  conditions = upsertCondition(
    conditions,
    minimum
      ? {
          type: "Available",
          status: "True",
          reason: "MinimumReplicasAvailable",
          message: "Deployment has minimum availability.",
        }
      : {
          type: "Available",
          status: "False",
          reason: "MinimumReplicasUnavailable",
          message: "Deployment does not have minimum availability.",
        },
    "update",
  );
  const progressing = complete
    ? {
        status: "True",
        reason: "NewReplicaSetAvailable",
        message: `ReplicaSet "${rsName}" has successfully progressed.`,
      }
    : now - startedAt > deadlineMs
      ? {
          status: "False",
          reason: "ProgressDeadlineExceeded",
          message: `ReplicaSet "${rsName}" has timed out progressing.`,
        }
      : {
          status: "True",
          reason: "ReplicaSetUpdated",
          message: `ReplicaSet "${rsName}" is progressing.`,
        };
  conditions = upsertCondition(conditions, { type: "Progressing", ...progressing }, "update");
  const failure = (arrAt(current, "status", "conditions") ?? []).find(
    (condition) => valueAt(condition, ["type"]) === "ReplicaFailure",
  );
  conditions = isObj(failure)
    ? upsertCondition(
        conditions,
        {
          type: "ReplicaFailure",
          status: "True",
          reason: failure.reason,
          message: failure.message,
        },
        "update",
      )
    : conditions.filter((condition) => valueAt(condition, ["type"]) !== "ReplicaFailure");

  deployment.status = {
    observedGeneration: generation,
    ...withoutZeros({
      replicas,
      updatedReplicas: updated,
      readyReplicas: sum(["status", "readyReplicas"]),
      availableReplicas: available,
      unavailableReplicas: unavailable,
    }),
    conditions,
  };
  store.update(DEPLOYMENTS, deployment);
}
