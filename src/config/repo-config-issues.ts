import type { Document, LineCounter } from "yaml";
import type { z } from "zod";
import { locateLine } from "./repo-config-locate.ts";
import type { RepoConfigProblem } from "./repo-config-problems.ts";
import { REPO_CONFIG_KEYS } from "./repo-config-schema.ts";

const MAX_VALUE = 200;
const MAX_SEGMENT = 64;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(file)";
  return path
    .map((segment, index) => {
      if (typeof segment === "number") return `[${segment}]`;
      const key = String(segment);
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return index === 0 ? key : `.${key}`;
      return `[${clip(JSON.stringify(key), MAX_SEGMENT)}]`;
    })
    .join("");
}

function valueAt(data: unknown, path: readonly PropertyKey[]): string | undefined {
  let value = data;
  for (const segment of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  if (value === undefined) return undefined;
  try {
    return clip(JSON.stringify(value), MAX_VALUE);
  } catch {
    return undefined; // aliases can make a cycle JSON cannot print
  }
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      next.push(Math.min(substitution, (row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const guess = allowed.find((name) => editDistance(key.toLowerCase(), name) <= 2);
  const hint = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
  return `unknown key${hint}; allowed keys: ${allowed.join(", ")}`;
}

/**
 * What a zod issue about `.slipway.yml` means for the developer: the field as a path
 * (`resources.cpu`, `branches[1]`, `env["1ST"]`), what is allowed, the offending value, and the line
 * it is on. An unknown-keys issue becomes one problem per key, each on its own line.
 */
export function issueProblems(
  issue: z.core.$ZodIssue,
  doc: Document,
  lineCounter: LineCounter,
  data: unknown,
): RepoConfigProblem[] {
  const line = (path: readonly PropertyKey[]) => locateLine(doc, lineCounter, path);
  if (issue.code === "unrecognized_keys") {
    const allowed = REPO_CONFIG_KEYS[issue.path.join(".")] ?? [];
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      return { path: formatPath(path), message: unknownKeyMessage(key, allowed), line: line(path) };
    });
  }
  // A bad record key (an env name): the key is in the path, its own issue says what is allowed.
  const message =
    issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  const value = issue.code === "invalid_key" ? undefined : valueAt(data, issue.path);
  const problem = { path: formatPath(issue.path), message, line: line(issue.path) };
  return [value === undefined ? problem : { ...problem, value }];
}
