import { clone, deepEqual, isObj, valueAt, type Obj } from "./json.ts";
import { badRequest } from "./status.ts";

/** RFC 7386 JSON merge patch: objects merge, `null` deletes, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return clone(patch);
  const result: Obj = isObj(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      Reflect.deleteProperty(result, key);
    } else {
      result[key] = mergePatch(result[key], value);
    }
  }
  return result;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw badRequest(`invalid JSON pointer: "${path}"`);
  return path
    .slice(1)
    .split("/")
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function parentOf(document: unknown, parts: string[]): { parent: unknown; key: string } {
  const key = parts.at(-1);
  const parent = valueAt(document, parts.slice(0, -1));
  if (key === undefined || typeof parent !== "object" || parent === null) {
    throw badRequest(`doc is missing path: "/${parts.join("/")}"`);
  }
  return { parent, key };
}

/** RFC 6902 JSON patch (add, remove, replace, test) — the typed client's default patch type. */
export function jsonPatch(document: Obj, operations: unknown): Obj {
  if (!Array.isArray(operations)) {
    throw badRequest("json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp");
  }
  const result = clone(document);
  for (const operation of operations) {
    const op = valueAt(operation, ["op"]);
    const path = valueAt(operation, ["path"]);
    const value = valueAt(operation, ["value"]);
    if (typeof path !== "string") throw badRequest(`missing path in JSON patch operation`);
    const { parent, key } = parentOf(result, pointer(path));
    const index = key === "-" ? Number.NaN : Number(key);
    if (op === "test") {
      if (!deepEqual(valueAt(result, pointer(path)), value)) {
        throw new Error(`testing value ${path} failed`);
      }
    } else if (Array.isArray(parent)) {
      if (op === "remove") parent.splice(index, 1);
      else if (op === "replace") parent[index] = clone(value);
      else if (op === "add") parent.splice(key === "-" ? parent.length : index, 0, clone(value));
      else throw badRequest(`unexpected kind: ${String(op)}`);
    } else if (isObj(parent)) {
      if (op === "remove") {
        if (!Object.hasOwn(parent, key)) throw badRequest(`doc is missing key: ${path}`);
        Reflect.deleteProperty(parent, key);
      } else if (op === "add" || op === "replace") parent[key] = clone(value);
      else throw badRequest(`unexpected kind: ${String(op)}`);
    }
  }
  return result;
}

/** managedFields' FieldsV1: `{"f:spec":{"f:replicas":{}}}`; `{}` marks an owned leaf. */
export type FieldSet = { [key: string]: FieldSet };

/** Metadata the server owns; never part of anyone's field set. */
const SERVER_METADATA = new Set([
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "managedFields",
  "selfLink",
]);

/**
 * The fields a body sets. Simplification: lists are atomic (one leaf), where the real server
 * keys lists such as `containers` by name; for one applier that owns whole lists it is the same.
 */
export function fieldSetOf(body: Obj, top = true): FieldSet {
  const set: FieldSet = {};
  for (const [key, value] of Object.entries(body)) {
    if (top && (key === "apiVersion" || key === "kind" || key === "status")) continue;
    if (value === null || value === undefined) continue;
    if (top && key === "metadata" && isObj(value)) {
      const meta = Object.fromEntries(
        Object.entries(value).filter(([field]) => !SERVER_METADATA.has(field)),
      );
      if (Object.keys(meta).length > 0) set["f:metadata"] = fieldSetOf(meta, false);
      continue;
    }
    set[`f:${key}`] = isObj(value) && Object.keys(value).length > 0 ? fieldSetOf(value, false) : {};
  }
  return set;
}

/** Every owned leaf as a path of plain keys. */
export function leafPaths(set: FieldSet, prefix: string[] = []): string[][] {
  return Object.entries(set).flatMap(([key, child]) => {
    const path = [...prefix, key.slice(2)];
    return Object.keys(child).length === 0 ? [path] : leafPaths(child, path);
  });
}

/** Whether `set` owns `path` itself, an ancestor of it, or a descendant of it. */
export function overlaps(set: FieldSet, path: readonly string[]): boolean {
  let current = set;
  for (const key of path) {
    const child = current[`f:${key}`];
    if (child === undefined) return false;
    if (Object.keys(child).length === 0) return true;
    current = child;
  }
  return true;
}

export function addPath(set: FieldSet, path: readonly string[]): void {
  let current = set;
  for (const key of path) {
    const child: FieldSet = current[`f:${key}`] ?? {};
    current[`f:${key}`] = child;
    current = child;
  }
}

export function removePath(set: FieldSet, path: readonly string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const child = set[`f:${head}`];
  if (child === undefined) return;
  if (rest.length === 0 || Object.keys(child).length === 0) {
    Reflect.deleteProperty(set, `f:${head}`);
    return;
  }
  removePath(child, rest);
  if (Object.keys(child).length === 0) Reflect.deleteProperty(set, `f:${head}`);
}

export function deleteAt(object: Obj, path: readonly string[]): void {
  const parent = valueAt(object, path.slice(0, -1));
  const key = path.at(-1);
  if (isObj(parent) && key !== undefined) Reflect.deleteProperty(parent, key);
}

/** Deep merge of an apply configuration: objects merge, lists and scalars replace. */
export function applyMerge(target: unknown, config: unknown): unknown {
  if (!isObj(config) || !isObj(target)) return clone(config);
  const result = clone(target);
  for (const [key, value] of Object.entries(config)) {
    if (value === null) Reflect.deleteProperty(result, key);
    else result[key] = applyMerge(result[key], value);
  }
  return result;
}
