import { randomSuffix, type Cluster } from "./cluster.ts";
import { applyDefaults, hasGeneration, initialStatus } from "./defaults.ts";
import {
  clone,
  deepEqual,
  isObj,
  metadataOf,
  numAt,
  objAt,
  strAt,
  timestamp,
  type Obj,
} from "./json.ts";
import { recordUpdate, serverSideApply } from "./managed-fields.ts";
import { jsonPatch, mergePatch } from "./merge.ts";
import { podAdmissionError, podSecurityWarnings, podTemplateSpec } from "./pod-security.ts";
import { requireResource, type ResourceType } from "./resources.ts";
import { alreadyExists, badRequest, notFound, qualified, StatusError } from "./status.ts";
import { validateObject } from "./validation.ts";

const NAMESPACES = requireResource("v1", "namespaces");

/** One API request after routing, for the write paths. */
export interface Target {
  resource: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  query: Record<string, string>;
}

export interface Written {
  object: Obj;
  created: boolean;
  /** `Warning` header values (Pod Security `warn`). */
  warnings: string[];
}

const SERVER_FIELDS = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "managedFields",
  "selfLink",
];

function invalidPatchOptions(field: string, reason: string, message: string): StatusError {
  return new StatusError(
    422,
    "Invalid",
    `PatchOptions.meta.k8s.io "" is invalid: ${field}: ${message}`,
    {
      group: "meta.k8s.io",
      kind: "PatchOptions",
      causes: [{ reason, message, field }],
    },
  );
}

function checkBody(target: Target, body: unknown): Obj {
  const { resource } = target;
  if (!isObj(body))
    throw badRequest(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  const apiVersion = strAt(body, "apiVersion");
  const kind = strAt(body, "kind");
  if (
    (apiVersion !== undefined && apiVersion !== resource.apiVersion) ||
    (kind !== undefined && kind !== resource.kind)
  ) {
    throw badRequest(
      `the API version in the data (${apiVersion ?? ""}) does not match the expected API version (${resource.apiVersion})`,
    );
  }
  const namespace = strAt(body, "metadata", "namespace");
  if (resource.namespaced && namespace !== undefined && namespace !== target.namespace) {
    throw badRequest(
      "the namespace of the provided object does not match the namespace sent on the request",
    );
  }
  const name = strAt(body, "metadata", "name");
  if (target.name !== undefined && name !== undefined && name !== target.name) {
    throw badRequest(
      `the name of the object (${name}) does not match the name on the URL (${target.name})`,
    );
  }
  return clone(body);
}

/** Namespaced writes need a namespace that exists and is not being deleted. */
function checkNamespace(cluster: Cluster, target: Target): Obj | undefined {
  if (!target.resource.namespaced) return undefined;
  const namespace = target.namespace ?? "";
  const found = cluster.store.get(NAMESPACES, undefined, namespace);
  if (found === undefined) throw notFound("namespaces", "", namespace);
  if (cluster.terminating.has(namespace)) {
    throw new StatusError(
      403,
      "Forbidden",
      `${qualified(target.resource.plural, target.resource.group, target.name ?? strAt(found, "metadata", "name") ?? "")} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
      {
        name: target.name ?? "",
        kind: target.resource.plural,
        causes: [
          {
            reason: "NamespaceTerminating",
            message: `namespace ${namespace} is being terminated`,
            field: "metadata.namespace",
          },
        ],
      },
    );
  }
  return found;
}

function namespaceOf(cluster: Cluster, target: Target): Obj | undefined {
  return target.namespace === undefined
    ? undefined
    : cluster.store.get(NAMESPACES, undefined, target.namespace);
}

function preconditions(target: Target, body: Obj, existing: Obj | undefined): void {
  const wanted = strAt(body, "metadata", "resourceVersion");
  if (wanted === undefined || existing === undefined) return;
  if (wanted !== strAt(existing, "metadata", "resourceVersion")) {
    const { resource } = target;
    throw new StatusError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualified(resource.plural, resource.group, target.name ?? "")}: the object has been modified; please apply your changes to the latest version and try again`,
      {
        name: target.name ?? "",
        ...(resource.group === "" ? {} : { group: resource.group }),
        kind: resource.plural,
      },
    );
  }
}

function stripServerFields(body: Obj): Obj {
  const metadata = metadataOf(body);
  for (const field of SERVER_FIELDS) Reflect.deleteProperty(metadata, field);
  delete body.status;
  return body;
}

/** Defaults, validation, generation and storage shared by every write. */
function store(
  cluster: Cluster,
  target: Target,
  candidate: Obj,
  existing: Obj | undefined,
  namespace: Obj | undefined,
): Written {
  const { resource } = target;
  candidate.apiVersion = resource.apiVersion;
  candidate.kind = resource.kind;
  const metadata = metadataOf(candidate);
  if (resource.namespaced) metadata.namespace = target.namespace;
  applyDefaults(resource, candidate);
  validateObject(resource, candidate, existing);
  const name = strAt(candidate, "metadata", "name") ?? "";
  const podSpec = podTemplateSpec(resource, candidate);
  if (existing === undefined && resource.kind === "Pod" && podSpec !== undefined) {
    const rejected = podAdmissionError(name, podSpec, namespace, cluster.runtimeClasses);
    if (rejected !== undefined)
      throw new StatusError(403, "Forbidden", rejected, { name, kind: "pods" });
  }
  if (existing === undefined) {
    const status = initialStatus(resource);
    if (status !== undefined) candidate.status = status;
    if (hasGeneration(resource)) metadata.generation = 1;
  } else {
    for (const field of ["uid", "creationTimestamp", "deletionTimestamp"]) {
      const kept = objAt(existing, "metadata")?.[field];
      if (kept !== undefined) metadata[field] = kept;
    }
    if (existing.status !== undefined) candidate.status = existing.status;
    const generation = numAt(existing, "metadata", "generation") ?? 1;
    if (hasGeneration(resource)) {
      metadata.generation = deepEqual(existing.spec, candidate.spec) ? generation : generation + 1;
    }
  }
  const warnings = podSecurityWarnings(namespace, podSpec);
  if (target.query.dryRun === "All") {
    if (existing === undefined) metadata.creationTimestamp = timestamp();
    return { object: candidate, created: existing === undefined, warnings };
  }
  if (existing === undefined && cluster.store.get(resource, target.namespace, name) !== undefined) {
    throw alreadyExists(resource.plural, resource.group, name);
  }
  const object =
    existing === undefined
      ? cluster.store.create(resource, candidate)
      : cluster.store.update(resource, candidate);
  return { object, created: existing === undefined, warnings };
}

function managerOf(query: Record<string, string>, userAgent: string | undefined): string {
  return query.fieldManager ?? (userAgent?.split("/")[0] || "unknown");
}

/** POST: create, 409 AlreadyExists when the name is taken. */
export function createObject(
  cluster: Cluster,
  target: Target,
  body: unknown,
  userAgent?: string,
): Written {
  const candidate = stripServerFields(checkBody(target, body));
  const metadata = metadataOf(candidate);
  const generateName = strAt(candidate, "metadata", "generateName");
  if (metadata.name === undefined && generateName !== undefined) {
    metadata.name = `${generateName}${randomSuffix()}`;
  }
  const name = strAt(candidate, "metadata", "name") ?? "";
  const namespace = checkNamespace(cluster, { ...target, name });
  if (cluster.store.get(target.resource, target.namespace, name) !== undefined) {
    throw alreadyExists(target.resource.plural, target.resource.group, name);
  }
  recordUpdate(
    undefined,
    candidate,
    managerOf(target.query, userAgent),
    target.resource.apiVersion,
  );
  return store(cluster, { ...target, name }, candidate, undefined, namespace);
}

/** PATCH application/apply-patch+yaml: server-side apply, creating when missing. */
export function applyObject(cluster: Cluster, target: Target, body: unknown): Written {
  const manager = target.query.fieldManager;
  if (manager === undefined || manager === "") {
    throw invalidPatchOptions(
      "fieldManager",
      "FieldValueRequired",
      "Required value: is required for apply patch",
    );
  }
  const config = checkBody(target, body);
  if (objAt(config, "metadata")?.managedFields != null) {
    throw badRequest("metadata.managedFields must be nil");
  }
  const existing = cluster.store.get(target.resource, target.namespace, target.name ?? "");
  preconditions(target, config, existing);
  // Only creating needs a live namespace; updates inside a terminating one are allowed.
  const namespace =
    existing === undefined ? checkNamespace(cluster, target) : namespaceOf(cluster, target);
  const force = target.query.force === "true";
  const applied = serverSideApply(
    existing,
    stripServerFields(config),
    manager,
    force,
    target.resource.apiVersion,
  );
  metadataOf(applied).name = target.name;
  return store(cluster, target, applied, existing, namespace);
}

/** PATCH with merge-patch, strategic-merge-patch (treated as merge) or json-patch. */
export function patchObject(
  cluster: Cluster,
  target: Target,
  body: unknown,
  contentType: string,
  userAgent?: string,
): Written {
  if (target.query.force !== undefined) {
    throw invalidPatchOptions(
      "force",
      "FieldValueForbidden",
      "Forbidden: may not be specified for non-apply patch",
    );
  }
  const existing = cluster.store.get(target.resource, target.namespace, target.name ?? "");
  if (existing === undefined)
    throw notFound(target.resource.plural, target.resource.group, target.name ?? "");
  const patched =
    contentType === "application/json-patch+json"
      ? jsonPatch(existing, body)
      : mergePatch(existing, body);
  if (!isObj(patched)) throw badRequest("the patch did not produce an object");
  preconditions(target, isObj(body) ? body : {}, existing);
  const metadata = metadataOf(patched);
  metadata.name = target.name;
  metadata.managedFields = objAt(existing, "metadata")?.managedFields;
  patched.status = existing.status;
  recordUpdate(existing, patched, managerOf(target.query, userAgent), target.resource.apiVersion);
  return store(cluster, target, patched, existing, namespaceOf(cluster, target));
}

/** PUT: replace, with an optimistic-concurrency check when the body carries a resourceVersion. */
export function replaceObject(
  cluster: Cluster,
  target: Target,
  body: unknown,
  userAgent?: string,
): Written {
  const candidate = checkBody(target, body);
  const existing = cluster.store.get(target.resource, target.namespace, target.name ?? "");
  if (existing === undefined)
    throw notFound(target.resource.plural, target.resource.group, target.name ?? "");
  preconditions(target, candidate, existing);
  stripServerFields(candidate);
  metadataOf(candidate).managedFields = objAt(existing, "metadata")?.managedFields;
  recordUpdate(existing, candidate, managerOf(target.query, userAgent), target.resource.apiVersion);
  return store(cluster, target, candidate, existing, namespaceOf(cluster, target));
}
