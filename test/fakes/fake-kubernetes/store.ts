import { randomUUID } from "node:crypto";
import { clone, deepEqual, metadataOf, strAt, timestamp, type Obj } from "./json.ts";
import type { ResourceType } from "./resources.ts";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

export interface Change {
  type: ChangeType;
  resource: ResourceType;
  /** A snapshot of the object after the change (before it, for DELETED). */
  object: Obj;
  /** The object before the change; undefined for ADDED. */
  previous: Obj | undefined;
  resourceVersion: number;
}

export interface Store {
  get(resource: ResourceType, namespace: string | undefined, name: string): Obj | undefined;
  list(resource: ResourceType, namespace?: string): Obj[];
  entries(): Array<{ resource: ResourceType; object: Obj }>;
  /** Stores a new object: uid, creationTimestamp, resourceVersion are the server's. */
  create(resource: ResourceType, object: Obj): Obj;
  /** Replaces an object; a write that changes nothing is not a change (no new resourceVersion). */
  update(resource: ResourceType, object: Obj): Obj;
  remove(resource: ResourceType, namespace: string | undefined, name: string): Obj | undefined;
  resourceVersion(): number;
  /** Changes after `resourceVersion`, oldest first; undefined when history no longer reaches back. */
  changesSince(resourceVersion: number): Change[] | undefined;
  subscribe(listener: (change: Change) => void): () => void;
}

const HISTORY_LIMIT = 5_000;

function keyOf(resource: ResourceType, namespace: string | undefined, name: string): string {
  return `${resource.apiVersion}|${resource.plural}|${namespace ?? ""}|${name}`;
}

function withoutVersion(object: Obj | undefined): Obj | undefined {
  if (object === undefined) return undefined;
  const copy = clone(object);
  delete metadataOf(copy).resourceVersion;
  return copy;
}

export function createStore(): Store {
  const objects = new Map<string, { resource: ResourceType; object: Obj }>();
  const history: Change[] = [];
  const listeners = new Set<(change: Change) => void>();
  let version = 1000;

  function emit(type: ChangeType, resource: ResourceType, object: Obj, previous: Obj | undefined) {
    const change: Change = {
      type,
      resource,
      object: clone(object),
      previous: previous === undefined ? undefined : clone(previous),
      resourceVersion: version,
    };
    history.push(change);
    if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT);
    for (const listener of listeners) listener(change);
  }

  function identity(object: Obj): { namespace: string | undefined; name: string } {
    return {
      namespace: strAt(object, "metadata", "namespace"),
      name: strAt(object, "metadata", "name") ?? "",
    };
  }

  return {
    get(resource, namespace, name) {
      const found = objects.get(keyOf(resource, namespace, name));
      return found === undefined ? undefined : clone(found.object);
    },
    list(resource, namespace) {
      return [...objects.values()]
        .filter(
          (entry) =>
            entry.resource === resource &&
            (namespace === undefined || strAt(entry.object, "metadata", "namespace") === namespace),
        )
        .map((entry) => clone(entry.object));
    },
    entries() {
      return [...objects.values()].map((entry) => ({
        resource: entry.resource,
        object: clone(entry.object),
      }));
    },
    create(resource, object) {
      const { namespace, name } = identity(object);
      const stored = clone(object);
      const metadata = metadataOf(stored);
      version += 1;
      metadata.uid = randomUUID();
      metadata.resourceVersion = String(version);
      metadata.creationTimestamp = timestamp();
      objects.set(keyOf(resource, namespace, name), { resource, object: stored });
      emit("ADDED", resource, stored, undefined);
      return clone(stored);
    },
    update(resource, object) {
      const { namespace, name } = identity(object);
      const key = keyOf(resource, namespace, name);
      const previous = objects.get(key)?.object;
      if (previous !== undefined && deepEqual(withoutVersion(previous), withoutVersion(object))) {
        return clone(previous);
      }
      const stored = clone(object);
      version += 1;
      metadataOf(stored).resourceVersion = String(version);
      objects.set(key, { resource, object: stored });
      emit(previous === undefined ? "ADDED" : "MODIFIED", resource, stored, previous);
      return clone(stored);
    },
    remove(resource, namespace, name) {
      const key = keyOf(resource, namespace, name);
      const found = objects.get(key);
      if (found === undefined) return undefined;
      objects.delete(key);
      version += 1;
      const removed = clone(found.object);
      metadataOf(removed).resourceVersion = String(version);
      emit("DELETED", resource, removed, found.object);
      return removed;
    },
    resourceVersion() {
      return version;
    },
    changesSince(resourceVersion) {
      const oldest = history[0]?.resourceVersion ?? version + 1;
      if (resourceVersion < oldest - 1 && history.length >= HISTORY_LIMIT) return undefined;
      return history.filter((change) => change.resourceVersion > resourceVersion);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
