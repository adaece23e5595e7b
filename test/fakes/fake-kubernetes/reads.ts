import type { Cluster } from "./cluster.ts";
import {
  arrAt,
  clone,
  isObj,
  metadataOf,
  numAt,
  objAt,
  strAt,
  timestamp,
  type Obj,
} from "./json.ts";
import { requireResource, type ResourceType } from "./resources.ts";
import { parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { badRequest, notFound, StatusError } from "./status.ts";
import { validateObject } from "./validation.ts";
import { patchObject, type Target } from "./writes.ts";

const NAMESPACES = requireResource("v1", "namespaces");
const STARTED = timestamp();

function runtimeClass(name: string): Obj {
  const uid = Buffer.from(name).toString("hex").padEnd(32, "0").slice(0, 32);
  return {
    apiVersion: "node.k8s.io/v1",
    kind: "RuntimeClass",
    metadata: {
      name,
      uid: `${uid.slice(0, 8)}-${uid.slice(8, 12)}-${uid.slice(12, 16)}-${uid.slice(16, 20)}-${uid.slice(20)}`,
      resourceVersion: "1",
      creationTimestamp: STARTED,
    },
    handler: name.replaceAll("-", "_"),
  };
}

export function getObject(cluster: Cluster, target: Target): Obj {
  const { resource } = target;
  const name = target.name ?? "";
  if (resource.plural === "runtimeclasses") {
    if (!cluster.runtimeClasses.has(name)) throw notFound(resource.plural, resource.group, name);
    return runtimeClass(name);
  }
  const found = cluster.store.get(resource, target.namespace, name);
  if (found === undefined) throw notFound(resource.plural, resource.group, name);
  return found;
}

/** The objects a list or watch selects: namespace, `labelSelector`, `fieldSelector`. */
export function selection(target: Target): (object: Obj) => boolean {
  const labels = parseLabelSelector(target.query.labelSelector);
  const fields = parseFieldSelector(target.resource.plural, target.query.fieldSelector);
  const namespace = target.resource.namespaced ? target.namespace : undefined;
  return (object) =>
    (namespace === undefined || strAt(object, "metadata", "namespace") === namespace) &&
    labels(object) &&
    fields(object);
}

function continueToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString("base64url");
}

function offsetOf(token: string | undefined): number {
  if (token === undefined || token === "") return 0;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    const offset = numAt(parsed, "offset");
    if (offset !== undefined) return offset;
  } catch {
    // fall through to the 400 below
  }
  throw badRequest(
    "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
  );
}

/**
 * LIST. Like the real server, items carry no `apiVersion`/`kind` (only the list does), and
 * `limit` + `continue` page through the result.
 */
export function listObjects(cluster: Cluster, target: Target): Obj {
  const { resource } = target;
  const all =
    resource.plural === "runtimeclasses"
      ? [...cluster.runtimeClasses].map(runtimeClass)
      : cluster.store.list(resource);
  const selected = all
    .filter(selection(target))
    .sort((a, b) =>
      `${strAt(a, "metadata", "namespace") ?? ""}/${strAt(a, "metadata", "name") ?? ""}`.localeCompare(
        `${strAt(b, "metadata", "namespace") ?? ""}/${strAt(b, "metadata", "name") ?? ""}`,
      ),
    );
  const offset = offsetOf(target.query.continue);
  const limit = Number(target.query.limit ?? "0");
  const end = limit > 0 ? offset + limit : selected.length;
  const page = selected
    .slice(offset, end)
    .map((item) =>
      Object.fromEntries(
        Object.entries(item).filter(([key]) => key !== "apiVersion" && key !== "kind"),
      ),
    );
  const more = end < selected.length;
  return {
    kind: `${resource.kind}List`,
    apiVersion: resource.apiVersion,
    metadata: {
      resourceVersion: String(cluster.store.resourceVersion()),
      ...(more ? { continue: continueToken(end), remainingItemCount: selected.length - end } : {}),
    },
    items: page,
  };
}

function successStatus(resource: ResourceType, object: Obj): Obj {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: {
      name: strAt(object, "metadata", "name") ?? "",
      ...(resource.group === "" ? {} : { group: resource.group }),
      kind: resource.plural,
      uid: strAt(object, "metadata", "uid") ?? "",
    },
  };
}

function orphanDependents(cluster: Cluster, owner: Obj): void {
  const uid = strAt(owner, "metadata", "uid");
  for (const { resource, object } of cluster.store.entries()) {
    const references = arrAt(object, "metadata", "ownerReferences") ?? [];
    const kept = references.filter((reference) => strAt(reference, "uid") !== uid);
    if (kept.length === references.length) continue;
    metadataOf(object).ownerReferences = kept;
    cluster.store.update(resource, object);
  }
}

/**
 * DELETE. A namespace turns `Terminating` and disappears with its contents a delay later;
 * pods answer with the pod, other kinds with a Success Status, as the real server does.
 */
export function deleteObject(cluster: Cluster, target: Target, body: unknown): Obj {
  const { resource } = target;
  const existing = getObject(cluster, target);
  if (resource.kind === "Namespace") {
    if (cluster.terminating.has(target.name ?? "")) return existing;
    cluster.terminating.set(target.name ?? "", Date.now());
    metadataOf(existing).deletionTimestamp = timestamp();
    existing.status = { phase: "Terminating" };
    return cluster.store.update(NAMESPACES, existing);
  }
  const policy = target.query.propagationPolicy ?? strAt(body, "propagationPolicy");
  if (policy === "Orphan" || target.query.orphanDependents === "true")
    orphanDependents(cluster, existing);
  if (target.query.dryRun === "All") return successStatus(resource, existing);
  const removed = cluster.store.remove(resource, target.namespace, target.name ?? "") ?? existing;
  return resource.kind === "Pod" ? removed : successStatus(resource, removed);
}

export function deleteCollection(cluster: Cluster, target: Target): Obj {
  const selected = cluster.store.list(target.resource).filter(selection(target));
  for (const object of selected) {
    cluster.store.remove(
      target.resource,
      strAt(object, "metadata", "namespace"),
      strAt(object, "metadata", "name") ?? "",
    );
  }
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: { kind: target.resource.plural },
  };
}

function scaleOf(object: Obj): Obj {
  const labels = objAt(object, "spec", "selector", "matchLabels") ?? {};
  const metadata = objAt(object, "metadata") ?? {};
  return {
    apiVersion: "autoscaling/v1",
    kind: "Scale",
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      creationTimestamp: metadata.creationTimestamp,
    },
    spec: { replicas: numAt(object, "spec", "replicas") ?? 0 },
    status: {
      replicas: numAt(object, "status", "replicas") ?? 0,
      selector: Object.entries(labels)
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(","),
    },
  };
}

/** `deployments/<name>/scale` (GET, PATCH, PUT): reads and writes `spec.replicas`. */
export function scale(cluster: Cluster, target: Target, method: string, body: unknown): Obj {
  if (method === "GET") return scaleOf(getObject(cluster, target));
  const replicas = numAt(body, "spec", "replicas");
  if (replicas === undefined) throw badRequest("spec.replicas is required in a Scale patch");
  // The Scale body may come as an apply patch (with `force`); it lands as a merge of spec.replicas.
  const query = Object.fromEntries(Object.entries(target.query).filter(([key]) => key !== "force"));
  const written = patchObject(
    cluster,
    { ...target, query },
    { spec: { replicas } },
    "application/merge-patch+json",
  );
  return scaleOf(written.object);
}

/** POST selfsubjectaccessreviews: answered by `allowAccess`'s check, never stored. */
export function accessReview(cluster: Cluster, target: Target, body: unknown): Obj {
  if (!isObj(body)) throw badRequest("the body of the request was in an unknown format");
  const review = clone(body);
  validateObject(target.resource, {
    ...review,
    metadata: { name: "review", ...objAt(review, "metadata") },
  });
  const attributes = objAt(review, "spec", "resourceAttributes");
  const group = strAt(attributes, "group");
  const namespace = strAt(attributes, "namespace");
  if (attributes !== undefined && strAt(attributes, "verb") === undefined) {
    throw new StatusError(
      422,
      "Invalid",
      `SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes.verb: Required value`,
    );
  }
  const allowed =
    attributes === undefined
      ? true
      : cluster.access({
          verb: strAt(attributes, "verb") ?? "",
          resource: strAt(attributes, "resource") ?? "",
          ...(group === undefined || group === "" ? {} : { group }),
          ...(namespace === undefined || namespace === "" ? {} : { namespace }),
        });
  return { ...review, metadata: { creationTimestamp: null }, status: { allowed } };
}
