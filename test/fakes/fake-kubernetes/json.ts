/** A JSON object as it travels over the wire and sits in the store. */
export type Obj = Record<string, unknown>;

export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The object at `path`, or `undefined` when any step is missing or not an object. */
export function objAt(value: unknown, ...path: string[]): Obj | undefined {
  let current: unknown = value;
  for (const key of path) {
    if (!isObj(current)) return undefined;
    current = current[key];
  }
  return isObj(current) ? current : undefined;
}

export function valueAt(value: unknown, path: readonly string[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (!isObj(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function strAt(value: unknown, ...path: string[]): string | undefined {
  const found = valueAt(value, path);
  return typeof found === "string" ? found : undefined;
}

export function numAt(value: unknown, ...path: string[]): number | undefined {
  const found = valueAt(value, path);
  return typeof found === "number" ? found : undefined;
}

export function arrAt(value: unknown, ...path: string[]): unknown[] | undefined {
  const found = valueAt(value, path);
  return Array.isArray(found) ? found : undefined;
}

/** The object's `metadata`, created when missing. */
export function metadataOf(object: Obj): Obj {
  const existing = object.metadata;
  if (isObj(existing)) return existing;
  const created: Obj = {};
  object.metadata = created;
  return created;
}

/** `metadata.labels` as a string map (non-string values are dropped). */
export function labelsOf(object: unknown, ...path: string[]): Record<string, string> {
  const labels = objAt(object, ...path, "labels") ?? {};
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) {
    if (typeof value === "string") result[key] = value;
  }
  return result;
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isObj(a) && isObj(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return false;
}

/** RFC 3339 with second precision, as the API server writes timestamps. */
export function timestamp(at: number = Date.now()): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, "Z");
}
