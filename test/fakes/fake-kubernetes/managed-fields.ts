import { clone, deepEqual, isObj, metadataOf, timestamp, valueAt, type Obj } from "./json.ts";
import {
  addPath,
  applyMerge,
  deleteAt,
  fieldSetOf,
  leafPaths,
  overlaps,
  removePath,
  type FieldSet,
} from "./merge.ts";
import { StatusError, type StatusCause } from "./status.ts";

interface ManagedEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: FieldSet;
}

function isFieldSet(value: unknown): value is FieldSet {
  return isObj(value) && Object.values(value).every(isFieldSet);
}

function readEntries(object: Obj | undefined): ManagedEntry[] {
  const raw = valueAt(object, ["metadata", "managedFields"]);
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry: unknown): ManagedEntry[] => {
    const manager = valueAt(entry, ["manager"]);
    const operation = valueAt(entry, ["operation"]);
    const fields = valueAt(entry, ["fieldsV1"]);
    if (typeof manager !== "string" || !isFieldSet(fields)) return [];
    if (operation !== "Apply" && operation !== "Update") return [];
    return [
      {
        manager,
        operation,
        apiVersion: String(valueAt(entry, ["apiVersion"])),
        time: String(valueAt(entry, ["time"])),
        fieldsType: "FieldsV1",
        fieldsV1: clone(fields),
      },
    ];
  });
}

function writeEntries(object: Obj, entries: ManagedEntry[]): void {
  metadataOf(object).managedFields = entries
    .filter((entry) => Object.keys(entry.fieldsV1).length > 0)
    .map((entry) => ({ ...entry }));
}

function dotted(path: readonly string[]): string {
  return `.${path.join(".")}`;
}

function conflictError(conflicts: Array<{ entry: ManagedEntry; path: string[] }>): StatusError {
  const causes: StatusCause[] = conflicts.map(({ entry, path }) => ({
    reason: "FieldManagerConflict",
    message: `conflict with "${entry.manager}" using ${entry.apiVersion}`,
    field: dotted(path),
  }));
  const first = conflicts[0];
  const message =
    conflicts.length === 1 && first !== undefined
      ? `Apply failed with 1 conflict: conflict with "${first.entry.manager}" using ${first.entry.apiVersion}: ${dotted(first.path)}`
      : `Apply failed with ${conflicts.length} conflicts: ${conflicts
          .map(({ entry, path }) => `conflict with "${entry.manager}": ${dotted(path)}`)
          .join(", ")}`;
  return new StatusError(409, "Conflict", message, { causes });
}

/**
 * Server-side apply of `config` by `manager` onto `existing`: conflicts with other managers'
 * differing values are a 409 unless `force` (which takes ownership); fields this manager applied
 * before and no longer applies are removed; the result records the manager in managedFields.
 */
export function serverSideApply(
  existing: Obj | undefined,
  config: Obj,
  manager: string,
  force: boolean,
  apiVersion: string,
): Obj {
  const entries = readEntries(existing);
  const applied = fieldSetOf(config);
  const paths = leafPaths(applied);
  const others = entries.filter(
    (entry) => !(entry.manager === manager && entry.operation === "Apply"),
  );
  const conflicts = others.flatMap((entry) =>
    paths
      .filter(
        (path) =>
          overlaps(entry.fieldsV1, path) &&
          !deepEqual(valueAt(existing, path), valueAt(config, path)),
      )
      .map((path) => ({ entry, path })),
  );
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  for (const { entry, path } of conflicts) removePath(entry.fieldsV1, path);

  const previous = entries.find(
    (entry) => entry.manager === manager && entry.operation === "Apply",
  );
  let result: Obj = existing === undefined ? {} : clone(existing);
  for (const path of leafPaths(previous?.fieldsV1 ?? {})) {
    const stillWanted = overlaps(applied, path);
    const ownedElsewhere = others.some((entry) => overlaps(entry.fieldsV1, path));
    if (!stillWanted && !ownedElsewhere) deleteAt(result, path);
  }
  const merged = applyMerge(result, config);
  result = isObj(merged) ? merged : {};

  const entry: ManagedEntry = {
    manager,
    operation: "Apply",
    apiVersion,
    time: timestamp(),
    fieldsType: "FieldsV1",
    fieldsV1: applied,
  };
  writeEntries(result, [...others, entry]);
  return result;
}

/**
 * Records a non-apply write (create, update, merge/JSON patch) by `manager`: it takes ownership
 * of every field whose value it changed, from whoever owned it, as the real server does.
 */
export function recordUpdate(
  before: Obj | undefined,
  after: Obj,
  manager: string,
  apiVersion: string,
): void {
  const entries = readEntries(before);
  const changed = leafPaths(fieldSetOf(after)).filter(
    (path) => !deepEqual(valueAt(before, path), valueAt(after, path)),
  );
  const removed =
    before === undefined
      ? []
      : leafPaths(fieldSetOf(before)).filter((path) => valueAt(after, path) === undefined);
  for (const entry of entries) {
    for (const path of [...changed, ...removed]) removePath(entry.fieldsV1, path);
  }
  if (changed.length > 0) {
    let own = entries.find((entry) => entry.manager === manager && entry.operation === "Update");
    if (own === undefined) {
      own = {
        manager,
        operation: "Update",
        apiVersion,
        time: "",
        fieldsType: "FieldsV1",
        fieldsV1: {},
      };
      entries.push(own);
    }
    own.time = timestamp();
    for (const path of changed) addPath(own.fieldsV1, path);
  }
  writeEntries(after, entries);
}
