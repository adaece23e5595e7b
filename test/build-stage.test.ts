import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDagger, type FakeDagger, type FakeRepo } from "./fakes/fake-dagger.ts";
import { pushPayload } from "./support/examples.ts";
import { recordingDeploy } from "./support/fake-stages.ts";
import { startHarness, type Harness } from "./support/harness.ts";

const SHA = "b".repeat(40);
const TOKEN = "dagger-session-token-build-tests";
const REGISTRY = { username: "slipway-bot", password: "registry-password-0123456789" };

const PACKAGE_JSON = JSON.stringify({ name: "web", scripts: { start: "node server.js" } });
const FIXTURES: Record<string, Record<string, string>> = {
  "docker-app": {
    Dockerfile:
      'FROM node:24-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "server.js"]\n',
    "package.json": PACKAGE_JSON,
    "server.js": "require('http').createServer((q, s) => s.end('ok')).listen(8080)\n",
  },
  "node-app": {
    "package.json": PACKAGE_JSON,
    "package-lock.json": "{}",
    "server.js": "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT)\n",
  },
  "broken-docker": {
    Dockerfile: "FROM alpine:3.20\nRUN make build\n",
    Makefile: "all:\n",
  },
  "bad-config": {
    ".slipway.yml": "build:\n  preset: node\nport: 99999\nresources:\n  cpu: 64\n",
    "package.json": PACKAGE_JSON,
  },
  "nothing-here": { "README.md": "# Nothing to build\n" },
  "huge-config": {
    ".slipway.yml": `# ${"x".repeat(70 * 1024)}\nport: 8080\n`,
    Dockerfile: "FROM alpine:3.20\n",
  },
  "only-main": { ".slipway.yml": "branches: [main]\n", Dockerfile: "FROM alpine:3.20\n" },
};

describe("the build stage on a Dagger engine (fake engine, real SDK)", () => {
  let h: Harness;
  let engine: FakeDagger;
  const deploy = recordingDeploy();
  const repoIds = new Map(Object.keys(FIXTURES).map((name, i) => [name, 700 + i]));

  beforeAll(async () => {
    // The fake GitHub's host is also where repositories are cloned from (GHE_HOST).
    h = await startHarness({
      name: "build-stage",
      overrides: { deployStage: deploy },
      env: {
        SLIPWAY_REGISTRY: "localhost:5000/previews",
        SLIPWAY_REGISTRY_USERNAME: REGISTRY.username,
        SLIPWAY_REGISTRY_PASSWORD: REGISTRY.password,
      },
      deferStart: true,
    });
    const repos: FakeRepo[] = Object.entries(FIXTURES).map(([name, files]) => ({
      url: `http://${h.github.host}/Codertocat/${name}.git`,
      commits: { [SHA]: files },
    }));
    // A private repository: only a token the (fake) GitHub issued may clone it.
    repos.push({
      url: `http://${h.github.host}/Codertocat/private-app.git`,
      commits: { [SHA]: FIXTURES["docker-app"] ?? {} },
      requireToken: (token) => h.github.tokensIssued.includes(token),
    });
    engine = await startFakeDagger({
      token: TOKEN,
      repos,
      registry: REGISTRY,
      failExec: (args) =>
        args.join(" ").includes("make build")
          ? {
              exitCode: 2,
              stdout: "building…\n",
              stderr: "make: *** No rule to make target 'build'.  Stop.\n",
            }
          : undefined,
    });
    await h.start(
      "all",
      {},
      { DAGGER_SESSION_PORT: String(engine.port), DAGGER_SESSION_TOKEN: TOKEN },
    );
  });
  afterAll(async () => {
    await h.close();
    await engine.close();
  });

  async function push(repo: string, branch = "main") {
    await h.deliver(
      "push",
      pushPayload({ sha: SHA, repo, branch, repoId: repoIds.get(repo) ?? 1, installationId: 42 }),
    );
    return h.github.waitFor(
      () =>
        h.github.checkRuns.find(
          (r) => r.repo === repo && r.head_sha === SHA && r.status === "completed",
        ),
      15_000,
    );
  }

  it("builds a Dockerfile app from the exact commit and publishes it by digest", async () => {
    const run = await push("docker-app");
    expect(run.conclusion).toBe("success");
    const published = engine.published.find(
      (p) => p.address === `localhost:5000/previews/codertocat/docker-app:${SHA}`,
    );
    expect(published?.digestRef).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(run.output?.summary).toContain(published?.digestRef);
    expect(published?.labels).toMatchObject({
      "org.opencontainers.image.source": `http://${h.github.host}/Codertocat/docker-app`,
      "org.opencontainers.image.revision": SHA,
    });
    // Registry credentials went to the engine as a secret.
    expect(published?.registryAuth).toMatchObject({
      address: "localhost:5000",
      username: REGISTRY.username,
    });
    const chain = JSON.stringify(published?.chain);
    expect(chain).toContain("dockerBuild");
    expect(chain).toContain(`"commit","args":{"id":"${SHA}"}`);
    expect(chain).not.toContain('"branch"');
    // The deploy stage got the image pinned by digest.
    expect(deploy.deploys).toContain(published?.digestRef);
  });

  it("passes the installation token only as a secret, never in a URL or an argument", () => {
    const secretTokens = [...engine.secrets.entries()]
      .filter(([name]) => name.startsWith("github-token-"))
      .map(([, v]) => v);
    expect(secretTokens.length).toBeGreaterThan(0);
    for (const token of secretTokens) {
      expect(h.github.tokensIssued).toContain(token);
      expect(JSON.stringify(engine.chains)).not.toContain(token);
      expect(
        engine.requests
          .filter((r) => r.query.includes(token))
          .every((r) => r.query.includes("setSecret")),
      ).toBe(true);
    }
    expect(engine.secrets.get("slipway-registry-password")).toBe(REGISTRY.password);
  });

  it("builds a Node app without a Dockerfile with the node preset and its npm cache", async () => {
    const run = await push("node-app");
    expect(run.conclusion).toBe("success");
    const published = engine.published.find((p) => p.address.includes("/node-app:"));
    const chain = JSON.stringify(published?.chain);
    expect(chain).not.toContain("dockerBuild");
    expect(chain).toContain('"npm","ci"');
    expect(engine.cacheVolumes).toContain(`slipway-${repoIds.get("node-app") ?? 0}-npm`);
  });

  it("fails with the failing command's log when the Docker build fails", async () => {
    const run = await push("broken-docker");
    expect(run.conclusion).toBe("failure");
    expect(run.output?.title).toContain("exit code 2");
    expect(run.output?.text).toContain("No rule to make target 'build'");
    expect(engine.published.some((p) => p.address.includes("/broken-docker:"))).toBe(false);
  });

  it("fails an invalid .slipway.yml naming each field, with annotations, and builds nothing", async () => {
    const before = engine.requests.length;
    const run = await push("bad-config");
    expect(run.conclusion).toBe("failure");
    expect(run.output?.title).toMatch(/Invalid \.slipway\.yml: .*port.*resources\.cpu/);
    expect(run.output?.text).toContain(".slipway.yml:3: port:");
    expect(run.output?.annotations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: ".slipway.yml",
          start_line: 3,
          annotation_level: "failure",
        }),
        expect.objectContaining({ path: ".slipway.yml", start_line: 5 }),
      ]),
    );
    const sent = engine.requests
      .slice(before)
      .map((r) => r.query)
      .join("\n");
    expect(sent).not.toMatch(/publish|withExec|dockerBuild/);
  });

  it("fails saying what it looked for when there is nothing to build", async () => {
    const run = await push("nothing-here");
    expect(run.conclusion).toBe("failure");
    expect(run.output?.title).toContain("Nothing to build");
    for (const looked of [
      "Dockerfile",
      "package.json",
      "requirements.txt",
      "go.mod",
      "index.html",
    ]) {
      expect(run.output?.text).toContain(looked);
    }
  });

  it("refuses a .slipway.yml too large to read, without reading it", async () => {
    const run = await push("huge-config");
    expect(run.conclusion).toBe("failure");
    expect(run.output?.title).toContain("larger than 64 KiB");
    expect(
      engine.requests.some((r) => r.query.includes("huge-config") && r.query.includes("contents")),
    ).toBe(false);
  });

  it("skips branches .slipway.yml does not select", async () => {
    const run = await push("only-main", "feature/x");
    expect(run.conclusion).toBe("skipped");
    expect(run.output?.title).toContain("branches");
  });

  it("clones a private repository with the installation's token", async () => {
    const run = await push("private-app");
    expect(run.conclusion).toBe("success");
    expect(engine.published.some((p) => p.address.includes("/private-app:"))).toBe(true);
  });

  it("says the clone was denied for a repository the engine cannot fetch", async () => {
    const run = await push("not-a-fixture");
    expect(run.conclusion).toBe("failure");
    expect(run.output?.title).toContain("Could not clone Codertocat/not-a-fixture");
  });

  it("keeps registry and session secrets out of every check run", () => {
    const everything = JSON.stringify(h.github.checkRuns);
    expect(everything).not.toContain(REGISTRY.password);
    expect(everything).not.toContain(TOKEN);
    for (const token of h.github.tokensIssued) expect(everything).not.toContain(token);
  });
});

describe("a registry that refuses the push", () => {
  let h: Harness;
  let engine: FakeDagger;
  beforeAll(async () => {
    h = await startHarness({
      name: "build-registry",
      env: {
        SLIPWAY_DEPLOY: "off",
        SLIPWAY_REGISTRY: "localhost:5000",
        SLIPWAY_REGISTRY_USERNAME: "slipway-bot",
        SLIPWAY_REGISTRY_PASSWORD: "a-wrong-password-9876",
      },
      deferStart: true,
    });
    engine = await startFakeDagger({
      token: TOKEN,
      registry: REGISTRY,
      repos: [
        {
          url: `http://${h.github.host}/Codertocat/app.git`,
          commits: { [SHA]: FIXTURES["docker-app"] ?? {} },
        },
      ],
    });
    await h.start(
      "all",
      {},
      { DAGGER_SESSION_PORT: String(engine.port), DAGGER_SESSION_TOKEN: TOKEN },
    );
  });
  afterAll(async () => {
    await h.close();
    await engine.close();
  });

  it("fails saying the registry refused the image and what to check", async () => {
    await h.deliver("push", pushPayload({ sha: SHA, repo: "app", repoId: 1 }));
    const run = await h.github.waitFor(
      () => h.github.checkRuns.find((r) => r.status === "completed"),
      15_000,
    );
    expect(run.conclusion).toBe("failure");
    expect(run.output?.title).toContain(
      "The registry refused the image localhost:5000/codertocat/app:",
    );
    expect(run.output?.text).toContain("SLIPWAY_REGISTRY_PASSWORD");
    expect(JSON.stringify(run)).not.toContain("a-wrong-password-9876");
    expect(engine.published).toEqual([]);
  });
});

describe("build-only mode (SLIPWAY_DEPLOY=off)", () => {
  let h: Harness;
  let engine: FakeDagger;
  beforeAll(async () => {
    h = await startHarness({
      name: "build-only",
      env: { SLIPWAY_DEPLOY: "off", SLIPWAY_REGISTRY: "localhost:5000" },
      deferStart: true,
    });
    engine = await startFakeDagger({
      token: TOKEN,
      repos: [
        {
          url: `http://${h.github.host}/Codertocat/app.git`,
          commits: { [SHA]: FIXTURES["node-app"] ?? {} },
        },
      ],
    });
    await h.start(
      "all",
      {},
      { DAGGER_SESSION_PORT: String(engine.port), DAGGER_SESSION_TOKEN: TOKEN },
    );
  });
  afterAll(async () => {
    await h.close();
    await engine.close();
  });

  it("concludes success after publishing, with the image reference", async () => {
    await h.deliver("push", pushPayload({ sha: SHA, repo: "app", repoId: 1 }));
    const run = await h.github.waitFor(
      () => h.github.checkRuns.find((r) => r.status === "completed"),
      15_000,
    );
    expect(run.conclusion).toBe("success");
    expect(run.output?.title).toBe(`Built ${SHA.slice(0, 7)}`);
    const image = engine.published[0]?.digestRef ?? "missing";
    expect(run.output?.summary).toContain(image);
  });
});

describe("a slow engine", () => {
  let h: Harness;
  let engine: FakeDagger;
  const deploy = recordingDeploy();

  beforeAll(async () => {
    h = await startHarness({
      name: "build-slow",
      overrides: { deployStage: deploy },
      env: { SLIPWAY_REGISTRY: "localhost:5000", SLIPWAY_BUILD_TIMEOUT: "1s" },
      deferStart: true,
    });
    const files = FIXTURES["docker-app"] ?? {};
    engine = await startFakeDagger({
      token: TOKEN,
      delayMs: 400, // every answer: a build needs several, so it outlives its 1 s timeout
      repos: [
        {
          url: `http://${h.github.host}/Codertocat/slow.git`,
          commits: { [SHA]: files, ["c".repeat(40)]: files, ["d".repeat(40)]: files },
        },
      ],
    });
    await h.start(
      "all",
      {},
      { DAGGER_SESSION_PORT: String(engine.port), DAGGER_SESSION_TOKEN: TOKEN },
    );
  });
  afterAll(async () => {
    await h.close();
    await engine.close();
  });

  it("stops a build superseded by a newer push: cancelled, nothing published for it", async () => {
    const older = "c".repeat(40);
    await h.deliver("push", pushPayload({ sha: older, repo: "slow", branch: "race", repoId: 900 }));
    await h.github.waitFor(() =>
      h.github.checkRuns.find((r) => r.head_sha === older && r.status === "in_progress"),
    );
    await h.deliver("push", pushPayload({ sha: SHA, repo: "slow", branch: "race", repoId: 900 }));
    const run = await h.github.waitFor(
      () => h.github.checkRuns.find((r) => r.head_sha === older && r.status === "completed"),
      15_000,
    );
    expect(run.conclusion).toBe("cancelled");
    expect(run.output?.title).toContain(`superseded by ${SHA.slice(0, 7)}`);
    await h.github.waitFor(
      () => h.github.checkRuns.find((r) => r.head_sha === SHA && r.status === "completed"),
      15_000,
    );
    expect(engine.published.some((p) => p.address.endsWith(older))).toBe(false);
  });

  it("concludes timed_out after SLIPWAY_BUILD_TIMEOUT and publishes nothing", async () => {
    const alone = "d".repeat(40); // a commit no earlier test built
    await h.deliver("push", pushPayload({ sha: alone, repo: "slow", branch: "slow", repoId: 900 }));
    const run = await h.github.waitFor(
      () => h.github.checkRuns.find((r) => r.head_sha === alone && r.status === "completed"),
      15_000,
    );
    expect(run.conclusion).toBe("timed_out");
    expect(run.output?.title).toMatch(/Build timed out after 1(\.0)? s/);
    // The build's requests were aborted: the engine hears nothing more about it, and publishes
    // nothing, even after what the rest of the build would have taken.
    const sent = engine.requests.length;
    await new Promise((r) => setTimeout(r, 3_000));
    expect(engine.requests.length).toBe(sent);
    expect(engine.published).toEqual([]);
  });
});
