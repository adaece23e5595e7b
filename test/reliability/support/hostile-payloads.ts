import fc from "fast-check";
import { examplePayload, pushPayload } from "../../support/examples.ts";

/** What a fuzzed delivery must lead to: a job on the queue, or nothing at all. */
export type Expected = "queued" | "nothing";

export interface FuzzCase {
  /** The generator it came from, for the figures and for grouping failures. */
  kind: string;
  event: string;
  body: string;
  expected: Expected;
  /** The job name a queued case adds. */
  job?: "announce" | "tenant";
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = ReadonlyArray<string>;

/** Keys that have bitten JavaScript object handling before (prototype pollution, coercion). */
const HOSTILE_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "toJSON",
  "then",
  "__defineGetter__",
  "isPrototypeOf",
] as const;

/** The fields Slipway reads; noise never adds these, so it cannot repair a broken payload. */
const SCHEMA_FIELDS = new Set([
  "ref",
  "after",
  "deleted",
  "repository",
  "installation",
  "id",
  "name",
  "owner",
  "login",
  "action",
  "check_run",
  "check_suite",
  "head_sha",
  "head_branch",
  "repositories_added",
  "repositories_removed",
  "full_name",
  "account",
  "deleted",
]);

const KNOWN_EVENTS = new Set([
  "push",
  "installation",
  "installation_repositories",
  "check_run",
  "check_suite",
]);

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "\u0000",
      "\u202e\u2066",
      "\ud800",
      "../../etc/passwd",
      "${jndi:ldap://x}",
      "<script>alert(1)</script>",
      "'; DROP TABLE runs; --",
      "%00%0d%0a",
      "\u{1F4A9}".repeat(50),
    ),
  },
);

/** A long string (up to 64 KiB of UTF-16). */
const huge = fc
  .tuple(
    fc.string({ unit: "binary", minLength: 1, maxLength: 8 }),
    fc.integer({ min: 1_000, max: 8_192 }),
  )
  .map(([unit, times]) => unit.repeat(times));

const hostileKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
  { weight: 1, arbitrary: text.filter((k) => !SCHEMA_FIELDS.has(k)) },
);

/** An object with own (not inherited) hostile keys, `__proto__` included, as JSON.parse makes them. */
function objectOf(value: fc.Arbitrary<Json>): fc.Arbitrary<{ [key: string]: Json }> {
  return fc
    .array(fc.tuple(hostileKey, value), { maxLength: 4 })
    .map((entries) => Object.fromEntries<Json>(entries));
}

const scalar: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 2 ** 53 + 2, 1e300, -0, 0.5),
  text,
);

const { tree } = fc.letrec<{ tree: Json }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 5, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(tie("tree"), { maxLength: 4 }) },
    { weight: 1, arbitrary: objectOf(tie("tree")) },
  ),
}));

/** Any JSON value, with hostile keys, odd numbers and strange text. */
export const anyJson: fc.Arbitrary<Json> = fc.oneof(
  { weight: 40, arbitrary: tree },
  { weight: 1, arbitrary: huge },
);

/** Values of the wrong type or shape for a field of the given kind. */
function wrongFor(
  kind: "sha" | "id" | "text" | "object" | "array" | "fullName" | "ref" | "action",
): fc.Arbitrary<Json> {
  const notString = anyJson.filter((v) => typeof v !== "string");
  switch (kind) {
    case "sha":
      return fc.oneof(
        notString,
        text.filter((s) => !/^[0-9a-f]{40}$/.test(s)),
        fc.constantFrom("A".repeat(40), "0".repeat(39), `${"a".repeat(40)}\n`),
      );
    case "id":
      return fc.oneof(
        anyJson.filter((v) => typeof v !== "number"),
        fc.constantFrom(0, -1, 1.5, 2 ** 53 + 2, 1e300, -0),
        fc.integer({ max: 0 }),
      );
    case "text":
      return fc.oneof(notString, fc.constant(""), fc.string({ minLength: 101, maxLength: 300 }));
    case "ref":
      // At most 1024 characters are allowed.
      return fc.oneof(
        notString,
        fc.constant(""),
        huge.map((h) => `refs/heads/${h.padEnd(1100, "x")}`),
      );
    case "object":
      return anyJson.filter((v) => typeof v !== "object" || v === null || Array.isArray(v));
    case "array":
      return anyJson.filter((v) => !Array.isArray(v));
    case "fullName":
      return fc.oneof(
        notString,
        text.filter((s) => !/^[^/\s]+\/[^/\s]+$/.test(s)),
      );
    case "action":
      return fc.oneof(
        anyJson.filter((v) => typeof v !== "string"),
        fc.constant({ toString: 1, valueOf: 1 }),
      );
  }
}

/** A field Slipway requires, what is wrong for it, and whether leaving it out is wrong too. */
type Field = readonly [Path, Parameters<typeof wrongFor>[0], "required"?];

function clone(value: Json): Json {
  return structuredClone(value);
}

function getAt(root: Json, path: Path): Json | undefined {
  let node: Json | undefined = root;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return undefined;
    if (Array.isArray(node)) node = node[Number(key)];
    else node = Object.hasOwn(node, key) ? node[key] : undefined;
  }
  return node;
}

function setAt(root: Json, path: Path, value: Json | undefined): void {
  const parent = getAt(root, path.slice(0, -1));
  const key = path.at(-1);
  if (key === undefined || typeof parent !== "object" || parent === null) return;
  if (Array.isArray(parent)) {
    if (value === undefined) parent.splice(Number(key), 1);
    else parent[Number(key)] = value;
    return;
  }
  if (value === undefined) Reflect.deleteProperty(parent, key);
  else
    Object.defineProperty(parent, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
}

/** Every object path of a payload (for noise), root first. */
function objectPaths(root: Json, prefix: Path = [], out: Path[] = []): Path[] {
  if (typeof root !== "object" || root === null || Array.isArray(root)) return out;
  out.push(prefix);
  for (const [key, value] of Object.entries(root)) objectPaths(value, [...prefix, key], out);
  return out;
}

/** Hostile keys and huge or strange values added anywhere, without touching fields Slipway reads. */
function withNoise(payload: Json): fc.Arbitrary<Json> {
  const paths = objectPaths(payload);
  const addition = fc.tuple(fc.constantFrom(...paths), hostileKey, anyJson);
  return fc.array(addition, { maxLength: 4 }).map((additions) => {
    const copy = clone(payload);
    for (const [path, key, value] of additions) setAt(copy, [...path, key], value);
    return copy;
  });
}

/** One to three fields broken (left out if required, or given a wrong value), then noise. */
function broken(base: Json, fields: readonly Field[]): fc.Arbitrary<Json> {
  const breakOne = fc
    .constantFrom(...fields)
    .chain(([path, kind, required]) =>
      (required === "required"
        ? fc.oneof(fc.constant(undefined), wrongFor(kind))
        : wrongFor(kind)
      ).map((value) => ({ path, value })),
    );
  return fc.array(breakOne, { minLength: 1, maxLength: 3 }).chain((breaks) => {
    const copy = clone(base);
    for (const { path, value } of breaks) setAt(copy, path, value);
    return withNoise(copy);
  });
}

const PUSH_FIELDS: readonly Field[] = [
  [["ref"], "ref", "required"],
  [["after"], "sha", "required"],
  [["repository"], "object", "required"],
  [["repository", "id"], "id", "required"],
  [["repository", "name"], "text", "required"],
  [["repository", "owner"], "object", "required"],
  [["repository", "owner", "login"], "text", "required"],
  [["installation"], "object", "required"],
  [["installation", "id"], "id", "required"],
];

function example(event: string, action: string): Json {
  return examplePayload(
    event,
    (p) => p["action"] === action && p["installation"] !== undefined,
  ) as Json;
}

function build(kind: string, event: string, expected: Expected, payload: fc.Arbitrary<Json>) {
  return payload.map((value): FuzzCase => ({ kind, event, body: JSON.stringify(value), expected }));
}

const sha = fc.stringMatching(/^[0-9a-f]{40}$/).filter((s) => !/^0{40}$/.test(s));
/** A branch name that is a real branch (not empty), in any script. */
const branch = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 200 }),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }),
  fc.stringMatching(/^[A-Za-z0-9._/-]{1,100}$/),
);

/** Well-formed deliveries Slipway must queue, with hostile extras and any branch name. */
const validPush = fc
  .tuple(sha, branch, fc.integer({ min: 1, max: 2 ** 31 }))
  .chain(([after, name, installationId]) =>
    withNoise(pushPayload({ sha: after, branch: name, installationId }) as Json),
  )
  .map((value): FuzzCase => ({
    kind: "valid push with hostile extras",
    event: "push",
    body: JSON.stringify(value),
    expected: "queued",
    job: "announce",
  }));

const validInstallation = fc
  .tuple(fc.integer({ min: 1, max: 2 ** 31 }), fc.constantFrom("created", "unsuspend"))
  .chain(([id, action]) => {
    const payload = example("installation", "created") as { [key: string]: Json };
    payload["action"] = action;
    (payload["installation"] as { [key: string]: Json })["id"] = id;
    return withNoise(payload);
  })
  .map((value): FuzzCase => ({
    kind: "valid installation with hostile extras",
    event: "installation",
    body: JSON.stringify(value),
    expected: "queued",
    job: "tenant",
  }));

/** Well-formed but needing no work: tags, pushes without a commit, other actions. */
const ignored = fc.oneof(
  withNoise(pushPayload({}) as Json).map((p) => {
    setAt(p, ["ref"], "refs/tags/v1.0.0");
    return p;
  }),
  withNoise(pushPayload({ sha: "0".repeat(40) }) as Json),
  withNoise(example("installation", "new_permissions_accepted")),
  withNoise(example("check_run", "requested_action")),
  withNoise(example("check_suite", "requested")),
);

const wrongBodies: fc.Arbitrary<FuzzCase> = fc.oneof(
  // Not an object at all: GitHub never sends these, but a signed one must not crash anything.
  fc
    .tuple(fc.constantFrom("push", "installation", "check_run", "ping", "issues"), scalar)
    .map(([event, value]) => ({
      kind: "not an object",
      event,
      body: JSON.stringify(value),
      expected: "nothing" as const,
    })),
  fc
    .tuple(
      fc.constantFrom("push", "installation", "check_suite"),
      fc.array(anyJson, { maxLength: 4 }),
    )
    .map(([event, value]) => ({
      kind: "an array",
      event,
      body: JSON.stringify(value),
      expected: "nothing" as const,
    })),
  // Not JSON: cut short, or not JSON to begin with.
  fc
    .tuple(fc.constantFrom("push", "installation"), fc.nat(), fc.string({ maxLength: 20 }))
    .map(([event, at, tail]) => {
      const full = JSON.stringify(pushPayload({}));
      return {
        kind: "not JSON",
        event,
        body: `${full.slice(0, 1 + (at % (full.length - 1)))}${tail}`,
        expected: "nothing" as const,
      };
    })
    .filter((c) => {
      try {
        JSON.parse(c.body);
        return false;
      } catch {
        return true;
      }
    }),
);

/**
 * Signed deliveries, most of them malformed or hostile: broken required fields (missing, wrong
 * type, out of range), hostile keys (`__proto__`, `constructor`, …) anywhere, huge and unusual
 * strings, non-object bodies and non-JSON text; and some well-formed ones carrying the same
 * hostile extras, which must be queued exactly once each.
 */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  {
    weight: 5,
    arbitrary: build(
      "broken push",
      "push",
      "nothing",
      broken(pushPayload({}) as Json, PUSH_FIELDS),
    ),
  },
  {
    weight: 2,
    arbitrary: build(
      "broken installation",
      "installation",
      "nothing",
      broken(example("installation", "created"), [
        [["installation"], "object", "required"],
        [["installation", "id"], "id", "required"],
        [["action"], "action", "required"],
      ]),
    ),
  },
  {
    weight: 1,
    arbitrary: build(
      "broken installation_repositories",
      "installation_repositories",
      "nothing",
      broken(example("installation_repositories", "added"), [
        [["installation"], "object", "required"],
        [["installation", "id"], "id", "required"],
        // Left out, the list is empty (valid): only wrong values break it.
        [["repositories_added"], "array"],
        [["repositories_added", "0"], "object"],
        [["repositories_added", "0", "id"], "id", "required"],
        [["repositories_added", "0", "full_name"], "fullName", "required"],
      ]),
    ),
  },
  {
    weight: 1,
    arbitrary: build(
      "broken check_run",
      "check_run",
      "nothing",
      broken(example("check_run", "rerequested"), [
        [["check_run"], "object", "required"],
        [["check_run", "head_sha"], "sha", "required"],
        [["check_run", "check_suite"], "object", "required"],
        [["repository", "id"], "id", "required"],
        [["installation", "id"], "id", "required"],
      ]),
    ),
  },
  {
    weight: 1,
    arbitrary: build(
      "broken check_suite",
      "check_suite",
      "nothing",
      broken(example("check_suite", "rerequested"), [
        [["check_suite"], "object", "required"],
        [["check_suite", "head_sha"], "sha", "required"],
        [["repository", "owner", "login"], "text", "required"],
        [["installation", "id"], "id", "required"],
      ]),
    ),
  },
  { weight: 1, arbitrary: build("needs no work", "push", "nothing", ignored) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.oneof(
          fc
            .string({ minLength: 1, maxLength: 30 })
            .filter((e) => /^[\x21-\x7e]+$/.test(e) && !KNOWN_EVENTS.has(e)),
          // Event names are looked up in plain objects by the webhook libraries.
          fc.constantFrom(...HOSTILE_KEYS),
        ),
        anyJson,
      )
      .map(([event, value]) => ({
        kind: "unknown event",
        event,
        body: JSON.stringify({ action: "x", payload: value }),
        expected: "nothing" as const,
      })),
  },
  { weight: 2, arbitrary: wrongBodies },
  { weight: 2, arbitrary: validPush },
  { weight: 1, arbitrary: validInstallation },
);

/** Shows a case briefly in fast-check's reports (bodies can be hundreds of KiB). */
export function describeCase(c: FuzzCase): string {
  const shown = c.body.length > 160 ? `${c.body.slice(0, 160)}… (${c.body.length} chars)` : c.body;
  return `[${c.kind}] ${c.event} ${shown}`;
}
