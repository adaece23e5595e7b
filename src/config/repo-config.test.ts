import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  branchSelected,
  parseRepoConfig,
  type RepoConfig,
  type RepoConfigProblem,
} from "./repo-config.ts";

const DEFAULTS: RepoConfig = {
  build: { context: "." },
  healthcheck: "/",
  branches: ["**"],
  egress: "none",
  comments: true,
};

function problemsOf(text: string): RepoConfigProblem[] {
  const result = parseRepoConfig(text);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.config)}`);
  return result.problems;
}

describe("parseRepoConfig: valid files", () => {
  it.each([
    ["no file", undefined],
    ["an empty file", ""],
    ["only comments", "# nothing to configure yet\n"],
    ["a null document", "~\n"],
    ["an explicit null", "null"],
  ])("%s gives the defaults", (_, text) => {
    expect(parseRepoConfig(text)).toEqual({ ok: true, config: DEFAULTS });
  });

  it("reads a full configuration", () => {
    const text = `# Slipway
build:
  preset: node
  context: apps/web
port: 3000
healthcheck: /healthz
start: npm run serve -- --port $PORT
env:
  NODE_ENV: production
  API_URL: "https://api.example.com"
  FEATURE_FLAGS: ""
resources:
  cpu: 500m
  memory: 512Mi
branches: [main, "release/**"]
egress: internet
comments: false
`;
    expect(parseRepoConfig(text)).toEqual({
      ok: true,
      config: {
        build: { preset: "node", context: "apps/web" },
        port: 3000,
        healthcheck: "/healthz",
        start: "npm run serve -- --port $PORT",
        env: { NODE_ENV: "production", API_URL: "https://api.example.com", FEATURE_FLAGS: "" },
        resources: { cpu: "500m", memory: "512Mi" },
        branches: ["main", "release/**"],
        egress: "internet",
        comments: false,
      },
    });
  });

  it.each([
    ["cpu: 1", { cpu: "1" }],
    ["cpu: 0.5", { cpu: "0.5" }],
    ["cpu: '1.5'", { cpu: "1.5" }],
    ["cpu: 50m", { cpu: "50m" }],
    ["cpu: 4000m", { cpu: "4000m" }],
    ["memory: 64Mi", { memory: "64Mi" }],
    ["memory: 8Gi", { memory: "8Gi" }],
    ["memory: 1.5Gi", { memory: "1.5Gi" }],
    ["memory: 512M", { memory: "512M" }],
    ["memory: 2G", { memory: "2G" }],
  ])("accepts resources %s", (line, resources) => {
    expect(parseRepoConfig(`resources:\n  ${line}\n`)).toMatchObject({
      ok: true,
      config: { resources },
    });
  });

  it.each([
    ["./apps/web/", "apps/web"],
    ["apps//web", "apps/web"],
    ["./", "."],
    ["...hidden", "...hidden"],
  ])("normalises the context %j to %j", (context, normalised) => {
    expect(parseRepoConfig(`build:\n  context: ${context}\n`)).toMatchObject({
      ok: true,
      config: { build: { context: normalised } },
    });
  });
});

describe("parseRepoConfig: problems, with the line they are on", () => {
  it.each<[string, string, Partial<RepoConfigProblem>[]]>([
    [
      "unknown key, with a suggestion",
      "port: 3000\nbuidl:\n  preset: node\n",
      [
        {
          path: "buidl",
          line: 2,
          message:
            'unknown key (did you mean "build"?); allowed keys: build, port, healthcheck, start, env, resources, branches, egress, comments',
        },
      ],
    ],
    [
      "unknown nested key",
      "build:\n  preset: node\n  workdir: app\n",
      [
        {
          path: "build.workdir",
          line: 3,
          message: "unknown key; allowed keys: dockerfile, preset, context",
        },
      ],
    ],
    [
      "port as text",
      'port: "8080"\n',
      [
        {
          path: "port",
          line: 1,
          message: "must be a whole number from 1 to 65535",
          value: '"8080"',
        },
      ],
    ],
    [
      "port 0",
      "port: 0",
      [{ path: "port", message: "must be a whole number from 1 to 65535", value: "0" }],
    ],
    ["port 65536", "port: 65536", [{ path: "port", value: "65536" }]],
    ["port 80.5", "port: 80.5", [{ path: "port", value: "80.5" }]],
    [
      "comments as text",
      "comments: maybe",
      [{ path: "comments", message: "must be true or false" }],
    ],
    [
      "branches as text",
      "branches: main",
      [{ path: "branches", message: "must be a list of branch globs" }],
    ],
    [
      "no branches",
      "branches: []",
      [{ path: "branches", message: "must list at least one branch glob" }],
    ],
    [
      "an empty branch glob",
      "branches:\n  - main\n  - ''\n",
      [{ path: "branches[1]", line: 3, message: "must not be empty", value: '""' }],
    ],
    [
      "env as a list",
      "env:\n  - A=1\n",
      [{ path: "env", line: 1, message: "must be a mapping of variable names to values" }],
    ],
    [
      "resources as a number",
      "resources: 2",
      [{ path: "resources", message: "must be a mapping with the keys cpu, memory" }],
    ],
    [
      "healthcheck without /",
      "healthcheck: healthz",
      [{ path: "healthcheck", value: '"healthz"' }],
    ],
    [
      "egress not allowed",
      "egress: all",
      [{ path: "egress", message: 'must be "none" or "internet"' }],
    ],
    [
      "unknown preset",
      "build:\n  preset: ruby\n",
      [
        {
          path: "build.preset",
          line: 2,
          message: 'must be one of "node", "python", "go", "static"',
        },
      ],
    ],
    ["empty start", "start: '  '", [{ path: "start", message: "must not be empty" }]],
    [
      "cpu above 4",
      'resources:\n  cpu: "8"\n',
      [{ path: "resources.cpu", line: 2, message: "must be at most 4 CPUs", value: '"8"' }],
    ],
    [
      "cpu 99 on line 2",
      "resources:\n  cpu: 99\n",
      [{ path: "resources.cpu", line: 2, message: "must be at most 4 CPUs", value: "99" }],
    ],
    [
      "cpu just above 4",
      "resources: {cpu: 4001m}",
      [{ path: "resources.cpu", message: "must be at most 4 CPUs" }],
    ],
    [
      "cpu below 50m",
      "resources: {cpu: 10m}",
      [{ path: "resources.cpu", message: "must be at least 50m (0.05 CPU)" }],
    ],
    [
      "cpu with a memory unit",
      "resources: {cpu: 1Gi}",
      [{ path: "resources.cpu", message: 'must be a CPU quantity such as "500m", "1" or "1.5"' }],
    ],
    [
      "memory above 8Gi",
      "resources:\n  memory: 16Gi\n",
      [{ path: "resources.memory", line: 2, message: "must be at most 8Gi", value: '"16Gi"' }],
    ],
    [
      "memory below 64Mi",
      "resources:\n  memory: 10Ki\n",
      [{ path: "resources.memory", message: "must be at least 64Mi", value: '"10Ki"' }],
    ],
    [
      "memory in lowercase",
      "resources: {memory: 1gb}",
      [
        {
          path: "resources.memory",
          message: 'must be a memory quantity such as "256Mi", "1Gi" or "512M"',
        },
      ],
    ],
    [
      "bad env names",
      "env:\n  OK: x\n  1ST: x\n  MY-VAR: x\n  SLIPWAY_TOKEN: x\n  PORT: '80'\n",
      [
        {
          path: 'env["1ST"]',
          line: 3,
          message: "must be letters, digits and _, not starting with a digit",
        },
        {
          path: "env.MY-VAR",
          line: 4,
          message: "must be letters, digits and _, not starting with a digit",
        },
        {
          path: "env.SLIPWAY_TOKEN",
          line: 5,
          message: "is reserved: SLIPWAY_ names are Slipway's own",
        },
        { path: "env.PORT", line: 6, message: "is set by Slipway from `port`; set `port` instead" },
      ],
    ],
    [
      "an env value that is not text",
      "env:\n  WORKERS: 4\n",
      [
        {
          path: "env.WORKERS",
          line: 2,
          message: 'must be a string: quote numbers and booleans, e.g. "3000", "true"',
          value: "4",
        },
      ],
    ],
    [
      "dockerfile and preset together",
      "build:\n  dockerfile: Dockerfile\n  preset: node\n",
      [{ path: "build", line: 1, message: "set either dockerfile or preset, not both" }],
    ],
    [
      "a context with ..",
      "build:\n  context: ../other\n",
      [{ path: "build.context", line: 2, message: "must not contain .. segments" }],
    ],
    [
      "a dockerfile climbing out",
      "build:\n  dockerfile: docker/../../x\n",
      [{ path: "build.dockerfile", message: "must not contain .. segments" }],
    ],
    [
      "an absolute dockerfile",
      "build:\n  dockerfile: /etc/Dockerfile\n",
      [
        {
          path: "build.dockerfile",
          message: "must be relative to the repository (no leading / or \\)",
        },
      ],
    ],
    [
      "YAML syntax error on line 3",
      "port: 3000\nbuild:\n  context: apps: web\n",
      [
        {
          path: "(file)",
          line: 3,
          message: "is not valid YAML: Nested mappings are not allowed in compact mappings",
        },
      ],
    ],
    [
      "an unclosed bracket, reported on the last line with text",
      "port: 3000\nbuild:\n  context: [apps\n\n\n",
      [{ path: "(file)", line: 3 }],
    ],
    [
      "a duplicate key",
      "port: 1\nport: 2\n",
      [{ path: "(file)", line: 2, message: "is not valid YAML: Map keys must be unique" }],
    ],
    ["tabs", "build:\n\tpreset: go\n", [{ path: "(file)", line: 2 }]],
    [
      "two documents",
      "port: 1\n---\nport: 2\n",
      [
        {
          path: "(file)",
          line: 2,
          message: "must hold a single YAML document (remove the second ---)",
        },
      ],
    ],
    [
      "a list at the root",
      "- port: 3000\n",
      [{ path: "(file)", line: 1, value: '[{"port":3000}]' }],
    ],
    [
      "text at the root",
      "port 3000",
      [
        {
          path: "(file)",
          message: expect.stringContaining("must be a mapping with the keys build, port") as string,
        },
      ],
    ],
  ])("%s", (_, text, expected) => {
    expect(problemsOf(text)).toEqual(
      expected.map((problem) => expect.objectContaining(problem) as unknown),
    );
  });

  it("reports every problem, ordered by line", () => {
    const problems = problemsOf("egress: all\nport: 0\nresources:\n  cpu: 9\nextra: 1\n");
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [1, "egress"],
      [2, "port"],
      [4, "resources.cpu"],
      [5, "extra"],
    ]);
  });

  it.each([
    [
      "101 env variables",
      `env:\n${Array.from({ length: 101 }, (_, i) => `  V${i}: x`).join("\n")}`,
      "env",
      "must have at most 100 variables",
    ],
    [
      "51 branch globs",
      `branches: [${Array.from({ length: 51 }, (_, i) => `b${i}`).join(", ")}]`,
      "branches",
      "must list at most 50 branch globs",
    ],
    [
      "a 4097-character env value",
      `env:\n  BIG: ${"x".repeat(4097)}\n`,
      "env.BIG",
      "must be at most 4096 characters",
    ],
    [
      "a 1001-character start",
      `start: ${"x".repeat(1001)}`,
      "start",
      "must be at most 1000 characters",
    ],
    [
      "a 256-character healthcheck",
      `healthcheck: /${"x".repeat(255)}`,
      "healthcheck",
      "must be at most 255 characters",
    ],
  ])("limits: %s", (_, text, path, message) => {
    expect(problemsOf(text)).toEqual([expect.objectContaining({ path, message })]);
  });

  it("clips the offending value to 200 characters", () => {
    const [problem] = problemsOf(`start: ${"x".repeat(1001)}`);
    expect(problem?.value).toHaveLength(200);
    expect(problem?.value?.endsWith("…")).toBe(true);
  });

  it("reports at most 50 problems and says how many more there were", () => {
    const problems = problemsOf(Array.from({ length: 80 }, (_, i) => `k${i}: 1`).join("\n"));
    expect(problems).toHaveLength(50);
    expect(problems.at(-1)).toEqual({ path: "(file)", message: "and 31 more problems", line: 1 });
  });
});

describe("parseRepoConfig: hostile input", () => {
  it.each([
    ["a file over 64 KiB", `# ${"x".repeat(64 * 1024)}`, "file too large: at most 64 KiB"],
    [
      "an alias bomb",
      "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n",
      "uses too many YAML aliases (at most 20) or nests too deeply",
    ],
    ["deep nesting", `${"[".repeat(20_000)}${"]".repeat(20_000)}`, "nests too deeply to read"],
  ])("rejects %s with one problem", (_, text, message) => {
    expect(problemsOf(text)).toEqual([{ path: "(file)", message, line: 1 }]);
  });

  it("counts bytes, not characters, against the size limit", () => {
    expect(problemsOf(`# ${"é".repeat(33 * 1024)}`)).toEqual([
      { path: "(file)", message: "file too large: at most 64 KiB", line: 1 },
    ]);
  });

  it("reports a self-referencing alias without looping", () => {
    expect(problemsOf("env: &e\n  A: *e\n")).toEqual([
      expect.objectContaining({ path: "env.A", line: 2 }),
    ]);
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        expect(typeof parseRepoConfig(text).ok).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on arbitrary YAML documents", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(typeof parseRepoConfig(stringify(value)).ok).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });
});

describe("branchSelected", () => {
  it.each([
    [["**"], "feature/a/b", true],
    [["main"], "main", true],
    [["main"], "develop", false],
    [["main", "release/*"], "release/1.2", true],
    [["main", "release/*"], "release/1.2/hotfix", false],
    [["main", "release/**"], "release/1.2/hotfix", true],
  ])("%j selects %j: %s", (branches, branch, selected) => {
    expect(branchSelected({ branches }, branch)).toBe(selected);
  });

  it("selects every branch by default", () => {
    const result = parseRepoConfig(undefined);
    expect(result.ok && branchSelected(result.config, "any/branch")).toBe(true);
  });
});
