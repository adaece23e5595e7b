import { describe, expect, it } from "vitest";
import { parseRepoConfig, type RepoConfig } from "../config/repo-config.ts";
import type { PresetPlan, RecipeStep } from "./build-plan.ts";
import { detectBuild, type Detection } from "./detect.ts";
import { BASE_IMAGES } from "./presets/base-images.ts";

function config(yaml = ""): RepoConfig {
  const result = parseRepoConfig(yaml);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

/** A repository at a commit: path → contents (contents matter only for manifests). */
function detect(tree: Record<string, string>, yaml = ""): Detection {
  return detectBuild({
    files: Object.keys(tree),
    read: (path) => tree[path],
    config: config(yaml),
  });
}

function presetPlan(detection: Detection): PresetPlan {
  if (!detection.ok) throw new Error(`${detection.reason}\n${detection.help}`);
  if (detection.plan.kind !== "preset") throw new Error("expected a preset plan");
  return detection.plan;
}

function steps(detection: Detection, stage = -1): RecipeStep[] {
  return presetPlan(detection).stages.at(stage)?.steps ?? [];
}

const json = (value: unknown) => JSON.stringify(value, null, 2);

const NEXT_APP = {
  "package.json": json({
    name: "storefront",
    private: true,
    scripts: { dev: "next dev", build: "next build", start: "next start", lint: "next lint" },
    dependencies: { next: "15.0.3", react: "19.0.0", "react-dom": "19.0.0" },
    devDependencies: { typescript: "5.6.3" },
  }),
  "package-lock.json": "{}",
  "next.config.mjs": "export default {};",
  "app/page.tsx": "",
  "app/layout.tsx": "",
  "public/favicon.ico": "",
  "README.md": "",
};

const EXPRESS_PNPM = {
  "package.json": json({
    name: "orders-api",
    packageManager: "pnpm@9.15.0",
    scripts: { start: "node src/server.js", test: "vitest" },
    dependencies: { express: "4.21.1" },
  }),
  "pnpm-lock.yaml": "lockfileVersion: '9.0'",
  ".npmrc": "auto-install-peers=true",
  "src/server.js": "",
};

const FLASK_APP = {
  "requirements.txt": "Flask==3.1.0\ngunicorn==23.0.0  # production server\n",
  "app.py": "",
  "templates/index.html": "",
  "static/style.css": "",
};

const FASTAPI_PYPROJECT = {
  "pyproject.toml": `[project]
name = "inventory"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = [
  "fastapi>=0.115",
  "uvicorn[standard]>=0.32",
  "pydantic-settings",
]
`,
  "main.py": "",
  "tests/test_main.py": "",
};

const GO_MODULE = {
  "go.mod": "module github.com/acme/pinger\n\ngo 1.23\n\nrequire github.com/go-chi/chi/v5 v5.1.0\n",
  "go.sum": "",
  "main.go": "",
  "main_test.go": "",
  "internal/handler/handler.go": "",
};

const STATIC_SITE = { "index.html": "", "style.css": "", "img/logo.svg": "" };

const VITE_SITE = {
  "package.json": json({
    scripts: { dev: "vite", build: "vite build", preview: "vite preview" },
    devDependencies: { vite: "6.0.1" },
  }),
  "package-lock.json": "{}",
  "index.html": "",
  "src/main.ts": "",
};

const MONOREPO = {
  "package.json": json({ private: true, workspaces: ["apps/*"] }),
  "README.md": "",
  "apps/web/package.json": json({
    scripts: { build: "next build", start: "next start" },
    dependencies: { next: "15.0.3" },
  }),
  "apps/web/package-lock.json": "{}",
  "apps/web/app/page.tsx": "",
  "apps/api/go.mod": "module example.com/api\n",
  "apps/api/main.go": "",
};

describe("detectBuild: layouts", () => {
  it("builds a Next.js app with npm ci, its build script and npm start", () => {
    const detection = detect(NEXT_APP);
    const owner = "1000:1000";
    expect(detection).toEqual({
      ok: true,
      plan: {
        kind: "preset",
        preset: "node",
        context: ".",
        port: 3000,
        stages: [
          {
            name: "app",
            from: BASE_IMAGES.node,
            steps: [
              { op: "exec", args: ["install", "-d", "-o", "1000", "-g", "1000", "/app"] },
              { op: "workdir", path: "/app" },
              { op: "user", name: "1000" },
              { op: "env", name: "HOME", value: "/home/node" },
              { op: "cache", key: "npm", path: "/home/node/.npm", owner },
              { op: "copy", source: "package.json", dest: "/app/package.json", owner },
              { op: "copy", source: "package-lock.json", dest: "/app/package-lock.json", owner },
              { op: "exec", args: ["npm", "ci"] },
              { op: "copy", source: ".", dest: "/app", owner },
              { op: "exec", args: ["npm", "run", "build"] },
              { op: "env", name: "NODE_ENV", value: "production" },
              { op: "env", name: "PORT", value: "3000" },
              { op: "expose", port: 3000 },
              { op: "entrypoint", args: ["sh", "-c", "npm start"] },
            ],
          },
        ],
      },
      notes: ["Node.js app: npm with package-lock.json, started with `npm start`."],
    });
  });

  it("builds an Express API with pnpm through corepack, frozen lockfile, no build step", () => {
    const all = steps(detect(EXPRESS_PNPM));
    expect(all.slice(0, 2)).toEqual([
      { op: "env", name: "COREPACK_ENABLE_DOWNLOAD_PROMPT", value: "0" },
      { op: "exec", args: ["corepack", "enable"] },
    ]);
    expect(all).toContainEqual({
      op: "cache",
      key: "pnpm",
      path: "/home/node/.local/share/pnpm/store",
      owner: "1000:1000",
    });
    expect(all.filter((step) => step.op === "copy").map((step) => step.source)).toEqual([
      "package.json",
      "pnpm-lock.yaml",
      ".npmrc",
      ".",
    ]);
    expect(all).toContainEqual({ op: "exec", args: ["pnpm", "install", "--frozen-lockfile"] });
    expect(all).not.toContainEqual(expect.objectContaining({ args: ["pnpm", "run", "build"] }));
    expect(all.at(-1)).toEqual({ op: "entrypoint", args: ["sh", "-c", "pnpm start"] });
  });

  it("builds a Flask app with pip and runs it under gunicorn on $PORT", () => {
    const detection = detect(FLASK_APP);
    expect(detection).toEqual({
      ok: true,
      plan: {
        kind: "preset",
        preset: "python",
        context: ".",
        port: 8000,
        stages: [
          {
            name: "app",
            from: BASE_IMAGES.python,
            steps: [
              { op: "env", name: "PYTHONDONTWRITEBYTECODE", value: "1" },
              { op: "env", name: "PYTHONUNBUFFERED", value: "1" },
              { op: "env", name: "PIP_DISABLE_PIP_VERSION_CHECK", value: "1" },
              { op: "env", name: "PIP_ROOT_USER_ACTION", value: "ignore" },
              {
                op: "exec",
                args: [
                  "useradd",
                  "--uid",
                  "1000",
                  "--create-home",
                  "--shell",
                  "/usr/sbin/nologin",
                  "app",
                ],
              },
              { op: "exec", args: ["install", "-d", "-o", "1000", "-g", "1000", "/app"] },
              { op: "workdir", path: "/app" },
              { op: "cache", key: "pip", path: "/root/.cache/pip" },
              {
                op: "copy",
                source: "requirements.txt",
                dest: "/app/requirements.txt",
                owner: "1000:1000",
              },
              { op: "exec", args: ["pip", "install", "-r", "requirements.txt"] },
              { op: "copy", source: ".", dest: "/app", owner: "1000:1000" },
              { op: "user", name: "1000" },
              { op: "env", name: "PORT", value: "8000" },
              { op: "expose", port: 8000 },
              {
                op: "entrypoint",
                args: ["sh", "-c", "gunicorn --bind 0.0.0.0:$PORT app:app"],
              },
            ],
          },
        ],
      },
      notes: ["Python app, started with `gunicorn --bind 0.0.0.0:$PORT app:app`."],
    });
  });

  it("builds a FastAPI pyproject project with pip install . and runs uvicorn main:app", () => {
    const all = steps(detect(FASTAPI_PYPROJECT));
    expect(all).toContainEqual({ op: "exec", args: ["pip", "install", "."] });
    expect(all.findIndex((s) => s.op === "copy" && s.source === ".")).toBeLessThan(
      all.findIndex((s) => s.op === "exec" && s.args.includes(".")),
    );
    expect(all.at(-1)).toEqual({
      op: "entrypoint",
      args: ["sh", "-c", "uvicorn main:app --host 0.0.0.0 --port $PORT"],
    });
  });

  it("builds a Go module in a golang stage and runs the binary on distroless as nonroot", () => {
    expect(presetPlan(detect(GO_MODULE))).toEqual({
      kind: "preset",
      preset: "go",
      context: ".",
      port: 8080,
      stages: [
        {
          name: "build",
          from: BASE_IMAGES.goBuild,
          steps: [
            { op: "env", name: "CGO_ENABLED", value: "0" },
            { op: "env", name: "GOTOOLCHAIN", value: "auto" },
            { op: "workdir", path: "/src" },
            { op: "cache", key: "go-mod", path: "/go/pkg/mod" },
            { op: "cache", key: "go-build", path: "/root/.cache/go-build" },
            { op: "copy", source: "go.mod", dest: "/src/go.mod" },
            { op: "copy", source: "go.sum", dest: "/src/go.sum" },
            { op: "exec", args: ["go", "mod", "download"] },
            { op: "copy", source: ".", dest: "/src" },
            {
              op: "exec",
              args: ["go", "build", "-trimpath", "-ldflags=-s -w", "-o", "/out/server", "."],
            },
          ],
        },
        {
          name: "app",
          from: BASE_IMAGES.goRuntime,
          steps: [
            { op: "copyFrom", stage: "build", source: "/out", dest: "/app" },
            { op: "user", name: "65532" },
            { op: "env", name: "PORT", value: "8080" },
            { op: "expose", port: 8080 },
            { op: "entrypoint", args: ["/app/server"] },
          ],
        },
      ],
    });
  });

  it("serves a static site with index.html from nginx on 8080", () => {
    expect(presetPlan(detect(STATIC_SITE))).toEqual({
      kind: "preset",
      preset: "static",
      context: ".",
      port: 8080,
      stages: [
        {
          name: "site",
          from: BASE_IMAGES.static,
          steps: [
            { op: "copy", source: ".", dest: "/usr/share/nginx/html" },
            { op: "user", name: "101" },
            { op: "env", name: "PORT", value: "8080" },
            { op: "expose", port: 8080 },
          ],
        },
      ],
    });
  });

  it("builds a Vite site with node and serves dist/, although index.html is at the root", () => {
    const plan = presetPlan(detect(VITE_SITE));
    expect(plan.preset).toBe("static");
    expect(plan.stages.map((stage) => [stage.name, stage.from])).toEqual([
      ["build", BASE_IMAGES.node],
      ["site", BASE_IMAGES.static],
    ]);
    expect(plan.stages[0]?.steps.at(-1)).toEqual({ op: "exec", args: ["npm", "run", "build"] });
    expect(plan.stages[1]?.steps[0]).toEqual({
      op: "copyFrom",
      stage: "build",
      source: "/app/dist",
      dest: "/usr/share/nginx/html",
    });
  });

  it("builds the monorepo app that build.context names, with paths relative to it", () => {
    const detection = detect(MONOREPO, "build:\n  context: apps/web\n");
    const plan = presetPlan(detection);
    expect(plan).toMatchObject({ preset: "node", context: "apps/web", port: 3000 });
    expect(plan.stages[0]?.steps).toContainEqual({
      op: "copy",
      source: "package-lock.json",
      dest: "/app/package-lock.json",
      owner: "1000:1000",
    });
  });

  it("detects inside the context only: the Go service of the same monorepo", () => {
    expect(presetPlan(detect(MONOREPO, "build:\n  context: apps/api\n"))).toMatchObject({
      preset: "go",
      context: "apps/api",
    });
  });

  it("builds a root Dockerfile as is, ahead of the manifests beside it", () => {
    expect(detect({ ...NEXT_APP, Dockerfile: "FROM node:24" })).toEqual({
      ok: true,
      plan: { kind: "dockerfile", context: ".", dockerfile: "Dockerfile", port: 8080 },
      notes: ["Building Dockerfile; the app must listen on 8080."],
    });
  });

  it("builds the configured Dockerfile, with the configured port", () => {
    const tree = { "deploy/Dockerfile.prod": "FROM scratch", "src/main.rs": "", Dockerfile: "" };
    const yaml = "build:\n  dockerfile: deploy/Dockerfile.prod\nport: 9000\n";
    expect(detect(tree, yaml)).toMatchObject({
      ok: true,
      plan: { kind: "dockerfile", context: ".", dockerfile: "deploy/Dockerfile.prod", port: 9000 },
    });
  });

  it("reads a configured Dockerfile relative to the context", () => {
    const tree = { "services/api/docker/Dockerfile": "", "services/api/main.go": "" };
    const yaml = "build:\n  context: services/api\n  dockerfile: docker/Dockerfile\n";
    expect(detect(tree, yaml)).toMatchObject({
      ok: true,
      plan: { kind: "dockerfile", context: "services/api", dockerfile: "docker/Dockerfile" },
    });
  });
});

describe("detectBuild: package managers and conventions", () => {
  const node = (pkg: object, extra: Record<string, string> = {}) => ({
    "package.json": json(pkg),
    "server.js": "",
    ...extra,
  });

  it.each<[string, Record<string, string>, string[], string]>([
    [
      "yarn classic",
      node({ scripts: { start: "node ." } }, { "yarn.lock": "" }),
      ["yarn", "install", "--frozen-lockfile"],
      "/home/node/.cache/yarn",
    ],
    [
      "yarn berry",
      node(
        { packageManager: "yarn@4.5.3", scripts: { start: "node ." } },
        { "yarn.lock": "", ".yarnrc.yml": "", ".yarn/releases/yarn-4.5.3.cjs": "" },
      ),
      ["yarn", "install", "--immutable"],
      "/home/node/.yarn/berry/cache",
    ],
    [
      "npm without a lockfile",
      node({ scripts: { start: "node ." } }),
      ["npm", "install"],
      "/home/node/.npm",
    ],
    [
      "npm-shrinkwrap",
      node({ scripts: { start: "node ." } }, { "npm-shrinkwrap.json": "" }),
      ["npm", "ci"],
      "/home/node/.npm",
    ],
  ])("%s", (_, tree, install, cache) => {
    const all = steps(detect(tree));
    expect(all).toContainEqual({ op: "exec", args: install });
    expect(all).toContainEqual(expect.objectContaining({ op: "cache", path: cache }));
  });

  it("installs before copying the source, so source changes keep the install layer", () => {
    for (const tree of [NEXT_APP, EXPRESS_PNPM, FLASK_APP, GO_MODULE]) {
      const all = steps(detect(tree), 0);
      const install = all.findIndex(
        (step) =>
          step.op === "exec" &&
          ["npm", "pnpm", "pip", "go"].includes(step.args[0] ?? "") &&
          ["ci", "install", "download"].some((a) => step.args.includes(a)),
      );
      const copyAll = all.findIndex((step) => step.op === "copy" && step.source === ".");
      expect(install).toBeGreaterThan(0);
      expect(copyAll).toBeGreaterThan(install);
    }
  });

  it("copies Yarn's release files with package.json", () => {
    const tree = node(
      { packageManager: "yarn@4.5.3", scripts: { start: "node ." } },
      { "yarn.lock": "", ".yarnrc.yml": "", ".yarn/releases/yarn-4.5.3.cjs": "" },
    );
    const sources = steps(detect(tree)).flatMap((step) =>
      step.op === "copy" ? [step.source] : [],
    );
    expect(sources).toEqual([
      "package.json",
      "yarn.lock",
      ".yarnrc.yml",
      ".yarn/releases/yarn-4.5.3.cjs",
      ".",
    ]);
  });

  it("copies everything before installing a workspace", () => {
    const tree = node(
      { workspaces: ["packages/*"], scripts: { start: "node ." } },
      { "package-lock.json": "" },
    );
    const detection = detect(tree);
    expect(steps(detection).filter((step) => step.op === "copy")).toHaveLength(1);
    expect(detection.ok && detection.notes).toContain(
      "Workspaces: the whole context is copied before installing.",
    );
  });

  it("notes a missing lockfile", () => {
    const detection = detect(node({ scripts: { start: "node ." } }));
    expect(detection.ok && detection.notes.join("\n")).toMatch(/No lockfile/);
  });

  it("prefers the lockfile of the declared package manager", () => {
    const tree = node(
      { packageManager: "pnpm@9.0.0", scripts: { start: "node ." } },
      { "package-lock.json": "", "pnpm-lock.yaml": "" },
    );
    expect(steps(detect(tree))).toContainEqual({
      op: "exec",
      args: ["pnpm", "install", "--frozen-lockfile"],
    });
  });

  it("starts with the configured command over the start script", () => {
    const all = steps(detect(NEXT_APP, "start: node server.js\nport: 4000\n"));
    expect(all.slice(-3)).toEqual([
      { op: "env", name: "PORT", value: "4000" },
      { op: "expose", port: 4000 },
      { op: "entrypoint", args: ["sh", "-c", "node server.js"] },
    ]);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      "Flask without gunicorn",
      { "requirements.txt": "flask\n", "app.py": "" },
      "flask --app app run --host 0.0.0.0 --port $PORT",
    ],
    [
      "Flask in main.py",
      { "requirements.txt": "Flask\ngunicorn\n", "main.py": "" },
      "gunicorn --bind 0.0.0.0:$PORT main:app",
    ],
    [
      "FastAPI in requirements",
      { "requirements.txt": "fastapi[standard]==0.115.5\n", "app.py": "" },
      "uvicorn app:app --host 0.0.0.0 --port $PORT",
    ],
    ["a plain script", { "requirements.txt": "requests\n", "main.py": "" }, "python main.py"],
    [
      "Poetry",
      {
        "pyproject.toml":
          '[tool.poetry.dependencies]\npython = "^3.12"\nFlask = "^3.1"\ngunicorn = "*"\n',
        "app.py": "",
      },
      "gunicorn --bind 0.0.0.0:$PORT app:app",
    ],
  ])("starts %s by convention", (_, tree, command) => {
    expect(steps(detect(tree)).at(-1)).toEqual({ op: "entrypoint", args: ["sh", "-c", command] });
  });

  it("says which Python lockfiles pip does not use", () => {
    const detection = detect({ ...FASTAPI_PYPROJECT, "uv.lock": "" });
    expect(detection.ok && detection.notes).toContain(
      "uv.lock not used: pip installs from pyproject.toml.",
    );
  });

  it("installs requirements with the source when they refer to local files", () => {
    const all = steps(
      detect({ "requirements.txt": "-e .\nflask\n", "app.py": "", "setup.py": "" }),
    );
    expect(all.filter((step) => step.op === "copy").map((step) => step.source)).toEqual(["."]);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      "cmd/<name>",
      { "go.mod": "module example.com/tool\n", "cmd/api/main.go": "", "internal/x.go": "" },
      "./cmd/api",
    ],
    [
      "the command named after the module",
      { "go.mod": "module example.com/api\n", "cmd/api/main.go": "", "cmd/migrate/main.go": "" },
      "./cmd/api",
    ],
  ])("builds the Go main package in %s", (_, tree, pkg) => {
    expect(steps(detect(tree), 0).at(-1)).toEqual({
      op: "exec",
      args: ["go", "build", "-trimpath", "-ldflags=-s -w", "-o", "/out/server", pkg],
    });
  });

  it("builds a vendored Go module without downloading modules", () => {
    const all = steps(detect({ ...GO_MODULE, "vendor/modules.txt": "" }), 0);
    expect(all).not.toContainEqual({ op: "exec", args: ["go", "mod", "download"] });
  });

  it("uses the configured preset even beside a Dockerfile, and says so", () => {
    const detection = detect({ ...FLASK_APP, Dockerfile: "" }, "build:\n  preset: python\n");
    expect(presetPlan(detection).preset).toBe("python");
    expect(detection.ok && detection.notes).toContain(
      "Dockerfile not used: `build.preset` is python.",
    );
  });

  it("serves a create-react-app build/ when the preset is static", () => {
    const tree = node({
      scripts: { build: "react-scripts build", start: "react-scripts start" },
      dependencies: { "react-scripts": "5.0.1" },
    });
    const site = steps(detect(tree, "build:\n  preset: static\n"));
    expect(site[0]).toMatchObject({ op: "copyFrom", source: "/app/build" });
  });

  it("serves the --outDir a build script names", () => {
    const tree = node({
      scripts: { build: "tsc && esbuild src/app.ts --bundle --outdir=public/out" },
    });
    expect(steps(detect(tree, "build:\n  preset: static\n"))[0]).toMatchObject({
      source: "/app/public/out",
    });
  });
});

describe("detectBuild: what cannot be built says what to do", () => {
  it.each<[string, Record<string, string>, string, string, RegExp]>([
    [
      "a README only",
      { "README.md": "# hello" },
      "",
      "Nothing to build",
      /looked in the repository root for a Dockerfile, package\.json \(Node\.js\), requirements\.txt or pyproject\.toml \(Python\), go\.mod \(Go\) and index\.html/,
    ],
    [
      "a README only, with the example",
      { "README.md": "" },
      "",
      "Nothing to build",
      /build:\n {6}dockerfile: deploy\/Dockerfile/,
    ],
    [
      "a Dockerfile under another name",
      { "docker/api.Dockerfile": "", "README.md": "" },
      "",
      "Nothing to build",
      /Found docker\/api\.Dockerfile: to build one, set `build\.dockerfile`/,
    ],
    [
      "a missing configured Dockerfile",
      { Dockerfile: "" },
      "build:\n  dockerfile: deploy/Dockerfile.prod\n",
      "Dockerfile `deploy/Dockerfile.prod` not found",
      /relative to the build context/,
    ],
    [
      "a missing context",
      NEXT_APP,
      "build:\n  context: apps/web\n",
      "Build context `apps/web` not found",
      /build\.context/,
    ],
    [
      "a context with nothing to build",
      { "docs/index.md": "" },
      "build:\n  context: docs\n",
      "Nothing to build",
      /looked in `docs`/,
    ],
    [
      "Node without a start script",
      { "package.json": json({ scripts: { test: "vitest" } }), "index.js": "" },
      "",
      "No start script in package.json",
      /start: node server\.js/,
    ],
    [
      "a broken package.json",
      { "package.json": "{ nope" },
      "",
      "package.json is not a JSON object",
      /fix its syntax/,
    ],
    [
      "Django without a start command",
      { "requirements.txt": "Django==5.1\n", "manage.py": "" },
      "",
      "No start command for the Python app",
      /gunicorn --bind 0\.0\.0\.0:\$PORT/,
    ],
    [
      "a Go module without a main package",
      { "go.mod": "module example.com/lib\n", "lib/lib.go": "" },
      "",
      "No main package in the repository root or its cmd/",
      /build\.dockerfile/,
    ],
    [
      "several Go commands",
      { "go.mod": "module example.com/x\n", "cmd/a/main.go": "", "cmd/b/main.go": "" },
      "",
      "Several commands under cmd/ (a, b)",
      /build\.context/,
    ],
    [
      "start with a Dockerfile",
      { Dockerfile: "" },
      "start: ./run.sh\n",
      "`start` cannot be used with a Dockerfile",
      /CMD/,
    ],
    [
      "start with Go",
      GO_MODULE,
      "start: ./server\n",
      "`start` cannot be used with the go preset",
      /no shell/,
    ],
    [
      "another port for a static site",
      STATIC_SITE,
      "port: 3000\n",
      "`port: 3000` cannot be used with the static preset",
      /8080/,
    ],
    [
      "the node preset without package.json",
      FLASK_APP,
      "build:\n  preset: node\n",
      "No package.json in the repository root",
      /build\.context/,
    ],
    [
      "a static build whose output is unknown",
      { "package.json": json({ scripts: { build: "make site" } }) },
      "build:\n  preset: static\n",
      "No static site output to serve",
      /--outDir/,
    ],
  ])("%s", (_, tree, yaml, reason, help) => {
    const detection = detect(tree, yaml);
    expect(detection).toEqual({ ok: false, reason, help: expect.stringMatching(help) as string });
  });
});
