import { ExecError, GraphQLRequestError, type Client } from "@dagger.io/dagger";
import { afterEach, describe, expect, it } from "vitest";
import { daggerClient } from "../../src/build/dagger-client.ts";
import {
  startFakeDagger,
  type Chain,
  type FakeDagger,
  type FakeDaggerOptions,
} from "./fake-dagger.ts";

const SESSION = "session-token-0123456789";
const SHA = "0123456789abcdef0123456789abcdef01234567";
const OTHER_SHA = "89abcdef0123456789abcdef0123456789abcdef";
const URL = "https://github.com/acme/web.git";
const PRIVATE_URL = "https://github.com/acme/private.git";
const TOKEN = "ghs_installationToken0123456789abcdef";
const REGISTRY = { username: "slipway", password: "registry-password-42" };

const APP = {
  "package.json": '{ "name": "web", "scripts": { "start": "node src/index.js" } }\n',
  "package-lock.json": "{}\n",
  "src/index.js": "console.log('hi')\n",
  "src/lib/util.js": "export {}\n",
  Dockerfile: [
    "FROM node:24-alpine AS build",
    "WORKDIR /app",
    "COPY . .",
    "RUN --mount=type=cache,target=/root/.npm npm ci",
    "LABEL org.opencontainers.image.title=web",
    "EXPOSE 3000",
    'CMD ["node", "src/index.js"]',
  ].join("\n"),
};

let fake: FakeDagger | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: Partial<FakeDaggerOptions> = {}): Promise<[FakeDagger, Client]> {
  fake = await startFakeDagger({
    token: SESSION,
    repos: [
      { url: URL, commits: { [SHA]: APP, [OTHER_SHA]: { "index.html": "<h1>hi</h1>" } } },
      { url: PRIVATE_URL, commits: { [SHA]: APP }, requireToken: TOKEN },
    ],
    ...options,
  });
  return [fake, daggerClient({ port: fake.port, token: SESSION })];
}

/** The source tree the way the build stage asks for it. */
function source(client: Client, url = URL, sha = SHA, token = TOKEN) {
  return client
    .git(url, {
      httpAuthToken: client.setSecret("github-token", token),
      httpAuthUsername: "x-access-token",
    })
    .commit(sha)
    .tree();
}

function chainEndingWith(chains: Chain[], field: string): Chain {
  const found = chains.find((c) => c.at(-1)?.field === field);
  if (found === undefined) throw new Error(`no chain ends with ${field}`);
  return found;
}

describe("fake Dagger engine, driven by the real SDK", () => {
  it("answers version and rejects a wrong session token", async () => {
    const [engine, client] = await start({ version: "v0.21.9-fake" });
    expect(await client.version()).toBe("v0.21.9-fake");
    const intruder = daggerClient({ port: engine.port, token: "wrong" });
    await expect(intruder.version()).rejects.toBeInstanceOf(GraphQLRequestError);
    expect(engine.requests.map((r) => r.authorization)).toEqual([
      `Basic ${Buffer.from(`${SESSION}:`).toString("base64")}`,
      `Basic ${Buffer.from("wrong:").toString("base64")}`,
    ]);
    expect(engine.requests[0]?.query).toMatch(/\{\s*version\s*\}/);
  });

  it("lists entries, reads files and globs a virtual commit", async () => {
    const [, client] = await start();
    const tree = source(client);
    expect(await tree.entries()).toEqual([
      ".git/",
      "Dockerfile",
      "package-lock.json",
      "package.json",
      "src/",
    ]);
    expect(await tree.entries({ path: "src" })).toEqual(["index.js", "lib/"]);
    expect(await tree.file("package.json").contents()).toBe(APP["package.json"]);
    expect(await tree.glob("**/*.js")).toEqual(["src/index.js", "src/lib/util.js"]);
    expect(await tree.directory("src/lib").entries()).toEqual(["util.js"]);
    const other = client.git(URL).commit(OTHER_SHA).tree({ discardGitDir: true });
    expect(await other.entries()).toEqual(["index.html"]);
    await expect(tree.file("missing.txt").contents()).rejects.toThrow(/no such file/);
  });

  it("records the chain with the exact commit and the token only as a secret ID", async () => {
    const [engine, client] = await start();
    await source(client).entries();
    expect(chainEndingWith(engine.chains, "entries")).toEqual([
      {
        field: "git",
        args: {
          url: URL,
          httpAuthToken: [{ field: "setSecret", args: { name: "github-token" } }],
          httpAuthUsername: "x-access-token",
        },
      },
      { field: "commit", args: { id: SHA } },
      { field: "tree", args: {} },
      { field: "entries", args: {} },
    ]);
    expect(engine.secrets.get("github-token")).toBe(TOKEN);
    expect(JSON.stringify(engine.chains)).not.toContain(TOKEN);
    const carrying = engine.requests.filter((r) => r.query.includes(TOKEN));
    expect(carrying.map((r) => r.query.replace(/\s+/g, " ").trim())).toEqual([
      `{ setSecret (name: "github-token",plaintext: "${TOKEN}") { id } }`,
    ]);
  });

  it("fails an unknown sha or repository like a clone", async () => {
    const [engine, client] = await start();
    const wrongSha = "f".repeat(40);
    const missingSha = source(client, URL, wrongSha).entries();
    await expect(missingSha).rejects.toBeInstanceOf(GraphQLRequestError);
    await expect(missingSha).rejects.toThrow(`couldn't find remote ref ${wrongSha}`);
    expect(chainEndingWith(engine.chains, "entries")[1]).toEqual({
      field: "commit",
      args: { id: wrongSha },
    });
    await expect(source(client, "https://github.com/acme/nope.git").entries()).rejects.toThrow(
      /repository .* not found/,
    );
    await expect(client.git(URL).ref("main").tree().entries()).rejects.toThrow(
      'repository does not contain ref "main"',
    );
  });

  it("clones a private repository only with the right token", async () => {
    const [engine, client] = await start();
    await expect(client.git(PRIVATE_URL).commit(SHA).tree().entries()).rejects.toThrow(
      "git authentication failed",
    );
    await expect(source(client, PRIVATE_URL, SHA, "ghs_wrong").entries()).rejects.toThrow(
      "git authentication failed",
    );
    expect(await source(client, PRIVATE_URL).file("package.json").contents()).toContain('"web"');
    expect(engine.secrets.get("github-token")).toBe(TOKEN);
  });

  it("raises the SDK's ExecError with the command, exit code and output", async () => {
    const [engine, client] = await start({
      failExec: (args) =>
        args.join(" ") === "npm ci"
          ? { exitCode: 1, stdout: "added 0 packages\n", stderr: "npm ERR! missing lockfile\n" }
          : { exitCode: 0, stdout: `ran ${args.join(" ")}\n`, stderr: "" },
    });
    const base = client.container().from("node:24").withDirectory("/src", source(client));
    expect(await base.withWorkdir("/src").withExec(["node", "-v"]).stdout()).toBe("ran node -v\n");

    const failing = base.withExec(["npm", "ci"]);
    const error: unknown = await failing.sync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecError);
    expect(error).toMatchObject({
      cmd: ["npm", "ci"],
      exitCode: 1,
      stdout: "added 0 packages",
      stderr: "npm ERR! missing lockfile",
      message: 'process "npm ci" did not complete successfully: exit code: 1',
    });
    await expect(failing.publish("localhost:5000/acme/web:x")).rejects.toBeInstanceOf(ExecError);
    expect(engine.published).toEqual([]);

    // IDs are lazy, as in the engine: the failure shows where the container is evaluated.
    expect(await failing.id()).toEqual(expect.any(String));
    const consumer = client
      .container()
      .from("alpine")
      .withDirectory("/out", failing.directory("/src"));
    await expect(consumer.sync()).rejects.toBeInstanceOf(ExecError);
  });

  it("builds a Dockerfile, running its RUN steps through failExec", async () => {
    const execs: string[][] = [];
    const [engine, client] = await start({
      failExec: (args) => {
        execs.push(args);
        return undefined;
      },
    });
    const image = source(client).dockerBuild();
    expect(await image.workdir()).toBe("/app");
    expect(execs).toEqual([]); // metadata needs no exec
    const ref = await image.publish("localhost:5000/acme/web:main");
    expect(execs).toContainEqual(["/bin/sh", "-c", "npm ci"]);
    expect(engine.published[0]?.labels).toEqual({ "org.opencontainers.image.title": "web" });
    expect(ref).toMatch(/^localhost:5000\/acme\/web@sha256:[0-9a-f]{64}$/);
    expect(chainEndingWith(engine.chains, "publish").map((l) => l.field)).toEqual([
      "git",
      "commit",
      "tree",
      "dockerBuild",
      "publish",
    ]);
  });

  it("fails a Dockerfile build with the failing RUN step as an ExecError", async () => {
    const [, client] = await start({
      repos: [{ url: URL, commits: { [SHA]: { Dockerfile: "FROM alpine\nRUN make\n" } } }],
      failExec: (args) =>
        args.at(-1) === "make" ? { exitCode: 2, stdout: "", stderr: "no Makefile\n" } : undefined,
    });
    const error: unknown = await source(client)
      .dockerBuild()
      .sync()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecError);
    expect(error).toMatchObject({
      cmd: ["/bin/sh", "-c", "make"],
      exitCode: 2,
      stderr: "no Makefile",
    });
    await expect(
      source(client).dockerBuild({ dockerfile: "deploy/Dockerfile" }).sync(),
    ).rejects.toThrow("failed to read dockerfile: open deploy/Dockerfile");
  });

  it("publishes with registry auth from a secret and answers a digest reference", async () => {
    const [engine, client] = await start({ registry: REGISTRY });
    const build = (sha: string) =>
      client
        .container()
        .from("node:24")
        .withDirectory("/src", source(client, URL, sha))
        .withMountedCache("/root/.npm", client.cacheVolume("npm-acme-web"))
        .withExec(["npm", "ci"])
        .withLabel("org.opencontainers.image.revision", sha)
        .withAnnotation("org.opencontainers.image.source", "https://github.com/acme/web")
        .withRegistryAuth(
          "localhost:5000",
          REGISTRY.username,
          client.setSecret("registry-password", REGISTRY.password),
        );

    const ref = await build(SHA).publish(`localhost:5000/acme/web:${SHA}`);
    const again = await build(SHA).publish("localhost:5000/acme/web:latest");
    const other = await build(OTHER_SHA).publish(`localhost:5000/acme/web:${OTHER_SHA}`);
    expect(ref).toMatch(/^localhost:5000\/acme\/web@sha256:[0-9a-f]{64}$/);
    expect(again).toBe(ref); // the digest depends on the content, not the tag
    expect(other).not.toBe(ref);

    expect(engine.published[0]).toMatchObject({
      address: `localhost:5000/acme/web:${SHA}`,
      digestRef: ref,
      labels: { "org.opencontainers.image.revision": SHA },
      annotations: { "org.opencontainers.image.source": "https://github.com/acme/web" },
      registryAuth: {
        address: "localhost:5000",
        username: REGISTRY.username,
        secretName: "registry-password",
      },
    });
    expect(engine.cacheVolumes).toEqual(["npm-acme-web", "npm-acme-web", "npm-acme-web"]);
    const chain = chainEndingWith(engine.chains, "publish");
    expect(chain.find((l) => l.field === "withMountedCache")?.args).toEqual({
      path: "/root/.npm",
      cache: [{ field: "cacheVolume", args: { key: "npm-acme-web" } }],
    });
    expect(chain.find((l) => l.field === "withRegistryAuth")?.args).toEqual({
      address: "localhost:5000",
      username: REGISTRY.username,
      secret: [{ field: "setSecret", args: { name: "registry-password" } }],
    });
    expect(engine.secrets.get("registry-password")).toBe(REGISTRY.password);
    expect(JSON.stringify([engine.chains, engine.published])).not.toContain(REGISTRY.password);
  });

  it("refuses to publish without the registry's credentials", async () => {
    const [engine, client] = await start({ registry: REGISTRY });
    const image = client.container().from("node:24").withExec(["true"]);
    const denied = image.publish("localhost:5000/acme/web:x");
    await expect(denied).rejects.toBeInstanceOf(GraphQLRequestError);
    await expect(denied).rejects.toThrow(/401 Unauthorized: unauthorized: authentication required/);
    const wrong = image.withRegistryAuth(
      "localhost:5000",
      REGISTRY.username,
      client.setSecret("registry-password", "guess"),
    );
    await expect(wrong.publish("localhost:5000/acme/web:x")).rejects.toThrow(/401/);
    const otherHost = image.withRegistryAuth(
      "ghcr.io",
      REGISTRY.username,
      client.setSecret("registry-password-2", REGISTRY.password),
    );
    await expect(otherHost.publish("localhost:5000/acme/web:x")).rejects.toThrow(/401/);
    expect(engine.published).toEqual([]);
  });

  it("expands node(id:) from sync() into the container's own chain", async () => {
    const [engine, client] = await start();
    const synced = await client.container().from("alpine").withEnvVariable("A", "1").sync();
    expect(await synced.envVariable("A")).toBe("1");
    expect(engine.requests.at(-1)?.query).toMatch(/node \(id: ".+"\) \{ \.\.\. on Container/);
    expect(engine.chains.at(-1)).toEqual([
      { field: "container", args: {} },
      { field: "from", args: { address: "alpine" } },
      { field: "withEnvVariable", args: { name: "A", value: "1" } },
      { field: "envVariable", args: { name: "A" } },
    ]);
  });

  it("answers the engine's error for API it does not model", async () => {
    const [, client] = await start();
    await expect(client.host().directory(".").entries()).rejects.toThrow(
      'Cannot query field "host" on type "Query".',
    );
  });

  it("delays its answers when asked to", async () => {
    const [, client] = await start({ delayMs: 150 });
    const started = Date.now();
    await client.version();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
