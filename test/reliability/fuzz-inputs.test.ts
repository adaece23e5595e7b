import fc from "fast-check";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { detectBuild } from "../../src/build/detect.ts";
import {
  branchSelected,
  formatProblems,
  parseRepoConfig,
  problemAnnotations,
  type RepoConfig,
} from "../../src/config/repo-config.ts";
import { branchName, labelValue, previewHost, resourceName } from "../../src/deploy/names.ts";
import { anyJson } from "./support/hostile-payloads.ts";
import { fcSeed } from "./support/seed.ts";

const CONFIG_CASES = 1_000;
const BRANCH_CASES = 10_000;

// ---------------------------------------------------------------------------------------------
// .slipway.yml

const goodish = {
  build: fc.oneof(
    fc.record(
      { dockerfile: fc.constantFrom("Dockerfile", "deploy/Dockerfile", "../x", "/abs") },
      { requiredKeys: [] },
    ),
    fc.record(
      {
        preset: fc.constantFrom("node", "python", "go", "static", "ruby"),
        context: fc.constantFrom(".", "apps/web", "./apps//web/", "..", "a/../b", ""),
      },
      { requiredKeys: [] },
    ),
    anyJson,
  ),
  port: fc.oneof(fc.integer({ min: -1, max: 70_000 }), fc.constantFrom("8080", 3000.5, null)),
  healthcheck: fc.oneof(fc.constantFrom("/", "/healthz", "no-slash", "/with space"), fc.string()),
  start: fc.oneof(
    fc.constantFrom("node server.js", "", " ", "npm start"),
    fc.string({ maxLength: 1_200 }),
  ),
  env: fc.oneof(
    fc.dictionary(
      fc.oneof(
        fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/),
        fc.constantFrom("PORT", "SLIPWAY_X", "__proto__", "constructor", "1BAD"),
      ),
      fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.boolean()),
      { maxKeys: 8 },
    ),
    anyJson,
  ),
  resources: fc.oneof(
    fc.record(
      {
        cpu: fc.oneof(
          fc.constantFrom("500m", "1", "1.5", "4", "5", "10m", ".5", "abc"),
          fc.double(),
        ),
        memory: fc.constantFrom("256Mi", "1Gi", "512M", "9Gi", "1", "64Mi", "lots"),
      },
      { requiredKeys: [] },
    ),
    anyJson,
  ),
  branches: fc.oneof(
    fc.array(
      fc.oneof(
        fc.constantFrom("main", "release/**", "*", "**", "feat-?", ""),
        fc.string({ maxLength: 300 }),
      ),
      { maxLength: 60 },
    ),
    anyJson,
  ),
  egress: fc.oneof(fc.constantFrom("none", "internet", "all"), anyJson),
  comments: fc.oneof(fc.boolean(), anyJson),
};

/** A document with Slipway's keys (and others), each sometimes right, often wrong. */
const structured = fc
  .tuple(
    fc.record(goodish, { requiredKeys: [] }),
    fc.dictionary(fc.string({ maxLength: 12 }), anyJson, { maxKeys: 2 }),
    fc.boolean(),
  )
  .map(([known, unknown, withUnknown]) =>
    stringify(withUnknown ? { ...known, ...unknown } : known),
  );

/** A document within the schema (so detection gets to run), sometimes with odd but legal text. */
const valid = fc
  .record(
    {
      build: fc.oneof(
        fc.record({
          dockerfile: fc.constantFrom("Dockerfile", "deploy/Dockerfile", "web.Dockerfile"),
        }),
        fc.record(
          {
            preset: fc.constantFrom("node", "python", "go", "static"),
            context: fc.constantFrom(".", "apps/web", "./apps//web/"),
          },
          { requiredKeys: [] },
        ),
      ),
      port: fc.integer({ min: 1, max: 65_535 }),
      healthcheck: fc.stringMatching(/^\/[!-~]{0,40}$/),
      start: fc.string({ minLength: 1, maxLength: 200 }).filter((s) => /\S/.test(s)),
      env: fc.dictionary(
        fc
          .stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/)
          .filter((k) => k !== "PORT" && !k.startsWith("SLIPWAY_")),
        fc.string({ unit: "binary", maxLength: 100 }),
        { maxKeys: 5 },
      ),
      resources: fc.record(
        {
          cpu: fc.constantFrom("50m", "500m", "1", "1.5", "4"),
          memory: fc.constantFrom("64Mi", "256Mi", "1Gi", "8Gi"),
        },
        { requiredKeys: [] },
      ),
      branches: fc.array(fc.string({ unit: "binary", minLength: 1, maxLength: 60 }), {
        minLength: 1,
        maxLength: 10,
      }),
      egress: fc.constantFrom("none", "internet"),
      comments: fc.boolean(),
    },
    { requiredKeys: [] },
  )
  .map((config) => stringify(config));

/** Texts that stress the YAML reader: aliases, nesting, several documents, tabs, size. */
const nasty = fc.oneof(
  fc.integer({ min: 1, max: 12 }).map((depth) => {
    // "Billion laughs": each level refers to the previous one ten times.
    const lines = ["a0: &a0 [lol]"];
    for (let i = 1; i <= depth; i++)
      lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(", ")}]`);
    return lines.join("\n");
  }),
  fc.integer({ min: 1, max: 5_000 }).map((depth) => `${"[".repeat(depth)}1${"]".repeat(depth)}`),
  fc
    .integer({ min: 1, max: 2_000 })
    .map((depth) => Array.from({ length: depth }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n")),
  fc.constantFrom(
    "port: 8080\n---\nport: 9090\n",
    "\tport: 8080\n",
    "\ufeffport: 8080\n",
    "port: 8080\r\nstart: node s.js\r\n",
    "port: !!binary aGVsbG8=\n",
    "? [a, b]\n: c\n",
    "port: &p 8080\nstart: *p\n",
    "<<: {port: 1}\n",
    "!!python/object/apply:os.system ['id']\n",
    "env: {__proto__: {polluted: yes}}\n",
    "port: 0x1F90\n",
    "port: 8_080\n",
    "port: .inf\n",
    "null\n",
    "~\n",
    "[]\n",
    "- port: 8080\n",
    "\u0000\n",
  ),
  fc.integer({ min: 64 * 1024 - 10, max: 70 * 1024 }).map((n) => `start: ${"x".repeat(n)}\n`),
);

/** Random edits of a structured document: cut, spliced, characters inserted. */
const mangled = fc
  .tuple(structured, fc.nat(), fc.nat(), fc.string({ unit: "binary", maxLength: 10 }))
  .map(([text, a, b, insert]) => {
    const at = text.length === 0 ? 0 : a % text.length;
    const to = Math.min(text.length, at + (b % 20));
    return text.slice(0, at) + insert + text.slice(to);
  });

const configText = fc.oneof(
  { weight: 3, arbitrary: valid },
  { weight: 4, arbitrary: structured },
  { weight: 2, arbitrary: mangled },
  { weight: 1, arbitrary: nasty },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
);

/** A repository's files and the manifests detection may read, some of them garbage. */
const repository = fc.record({
  files: fc.uniqueArray(
    fc.oneof(
      fc.constantFrom(
        "Dockerfile",
        "package.json",
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "requirements.txt",
        "pyproject.toml",
        "go.mod",
        "index.html",
        "apps/web/package.json",
        "apps/web/Dockerfile",
        "deploy/Dockerfile",
        "web.Dockerfile",
        "main.py",
        "app.py",
      ),
      fc.string({ maxLength: 30 }),
    ),
    { maxLength: 12 },
  ),
  manifest: fc.oneof(
    fc.constantFrom(
      '{"scripts":{"start":"node s.js","build":"vite build"}}',
      '{"scripts":{"build":"next build"},"packageManager":"pnpm@9.0.0"}',
      '{"scripts":null}',
      '{"__proto__":{"scripts":{"start":"x"}}}',
      "module example.com/app\n\ngo 1.24\n",
      '[project]\nname = "app"\ndependencies = ["fastapi"]\n',
      "flask==3.0\ngunicorn\n",
      "",
    ),
    anyJson.map((v) => JSON.stringify(v)),
    fc.string({ unit: "binary", maxLength: 300 }),
  ),
});

describe("fuzzed .slipway.yml files", () => {
  it(`gives a result (never an exception) for ${CONFIG_CASES} texts, and detection never throws on the valid ones`, () => {
    let valid = 0;
    let slowest = 0;
    fc.assert(
      fc.property(
        configText,
        fc.array(repository, { minLength: 1, maxLength: 3 }),
        fc.string({ unit: "binary", maxLength: 80 }),
        (text, repos, branch) => {
          const started = performance.now();
          const result = parseRepoConfig(text);
          slowest = Math.max(slowest, performance.now() - started);
          if (!result.ok) {
            expect(result.problems.length).toBeGreaterThan(0);
            expect(result.problems.length).toBeLessThanOrEqual(50);
            for (const problem of result.problems) {
              expect(Number.isInteger(problem.line) && problem.line >= 1).toBe(true);
              expect(problem.message).not.toBe("");
            }
            expect(typeof formatProblems(result.problems)).toBe("string");
            const annotations = problemAnnotations(result.problems);
            expect(annotations.length).toBeLessThanOrEqual(50);
            for (const a of annotations) expect(a.title.length).toBeLessThanOrEqual(255);
            return;
          }
          valid += 1;
          const config: RepoConfig = result.config;
          expect(typeof branchSelected(config, branch)).toBe("boolean");
          for (const { files, manifest } of repos) {
            const detection = detectBuild({
              files,
              read: (path) => (files.includes(path) ? manifest : undefined),
              config,
            });
            if (!detection.ok) expect(detection.reason).not.toBe("");
          }
        },
      ),
      { seed: fcSeed(".slipway.yml texts"), numRuns: CONFIG_CASES, verbose: true },
    );
    console.log(
      `[fuzz .slipway.yml] ${CONFIG_CASES} texts, ${valid} valid (detection run on each); slowest parse ${Math.round(slowest)} ms`,
    );
    // Enough valid configurations reached detection for that half of the property to mean something.
    expect(valid).toBeGreaterThanOrEqual(CONFIG_CASES / 10);
    // A pathological file (aliases, nesting) costs milliseconds, not the worker's time.
    expect(slowest).toBeLessThan(1_000);
  });
});

// ---------------------------------------------------------------------------------------------
// Kubernetes names from branch names

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const REPO = { repoId: 4242, repo: "Shop.Front-End_2" };
const BASE_DOMAIN = "preview.example.com";

/** Branch names as people (and fuzzers) write them: any unicode, and slug-alike families. */
const branchNameArb = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 255 }),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 80 }),
  fc
    .tuple(
      fc.array(fc.constantFrom("feature", "Feature", "FIX", "main", "x", "ü", "ﬁ", "Ｘ", "1"), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.array(fc.constantFrom("/", "-", "_", ".", "--", "//", " "), {
        minLength: 6,
        maxLength: 6,
      }),
    )
    .map(([words, separators]) =>
      words.map((w, i) => `${w}${i < words.length - 1 ? (separators[i] ?? "-") : ""}`).join(""),
    ),
);

function checkNames(branch: string) {
  const name = branchName(branch);
  expect(name.length).toBeLessThanOrEqual(40);
  expect(name).toMatch(DNS_1035_LABEL);
  const resource = resourceName({ ...REPO, branch });
  expect(resource).toMatch(DNS_1035_LABEL);
  expect(`${resource}-egress-internet`.length).toBeLessThanOrEqual(63);
  const host = previewHost({ ...REPO, branch, baseDomain: BASE_DOMAIN });
  expect(host.length).toBeLessThanOrEqual(253);
  const [first = "", ...rest] = host.split(".");
  expect(first.length).toBeLessThanOrEqual(63);
  expect(first).toMatch(DNS_1123_LABEL);
  expect(first.slice(2, 4)).not.toBe("--"); // reserved for IDNA (xn--)
  expect(rest.join(".")).toBe(BASE_DOMAIN);
  const label = labelValue(branchName(branch));
  expect(label.length).toBeLessThanOrEqual(63);
  expect(label).toMatch(LABEL_VALUE);
  const raw = labelValue(branch);
  expect(raw.length).toBeLessThanOrEqual(63);
  expect(raw).toMatch(LABEL_VALUE);
  return { name, resource, host, label };
}

describe("Kubernetes names from fuzzed branch names", () => {
  it(`are valid DNS labels and label values and never collide, over ${BRANCH_CASES} branch names`, () => {
    const seen = {
      name: new Map<string, string>(),
      resource: new Map<string, string>(),
      host: new Map<string, string>(),
      label: new Map<string, string>(),
    };
    const collisions: string[] = [];
    fc.assert(
      fc.property(branchNameArb, (branch) => {
        const names = checkNames(branch);
        for (const kind of ["name", "resource", "host", "label"] as const) {
          const other = seen[kind].get(names[kind]);
          if (other !== undefined && other !== branch) {
            collisions.push(
              `${kind} ${names[kind]}: ${JSON.stringify(other)} and ${JSON.stringify(branch)}`,
            );
          }
          seen[kind].set(names[kind], branch);
        }
      }),
      { seed: fcSeed("branch names"), numRuns: BRANCH_CASES, verbose: true },
    );
    console.log(
      `[fuzz names] ${BRANCH_CASES} branch names, ${seen.name.size} distinct names, ${collisions.length} collisions`,
    );
    expect(collisions).toEqual([]);
  });

  it("do not collide for branches that differ only in separators (a birthday search over 2^18 of them)", () => {
    // 262,144 branch names that all slug to `a-b-c-d-e-f-g-h-i-j`: only the hash tells them apart.
    const separators = ["-", "/", "_", "."];
    const byName = new Map<string, string>();
    const byResource = new Map<string, string>();
    const collisions: string[] = [];
    for (let n = 0; n < 4 ** 9; n++) {
      let branch = "a";
      for (let i = 0; i < 9; i++)
        branch += `${separators[(n >> (2 * i)) & 3] ?? "-"}${String.fromCharCode(98 + i)}`;
      const name = branchName(branch);
      const other = byName.get(name);
      if (other !== undefined) collisions.push(`branchName ${name}: ${other} and ${branch}`);
      byName.set(name, branch);
      const resource = resourceName({ ...REPO, branch });
      const otherResource = byResource.get(resource);
      if (otherResource !== undefined)
        collisions.push(`resourceName ${resource}: ${otherResource} and ${branch}`);
      byResource.set(resource, branch);
    }
    expect(collisions).toEqual([]);
  });
});
