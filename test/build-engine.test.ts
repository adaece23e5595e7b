import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCliSession } from "../src/build/engine/cli-session.ts";
import { runnerHost } from "../src/build/engine/runner-host.ts";
import { startFakeDagger, type FakeDagger, type FakeRepo } from "./fakes/fake-dagger.ts";
import { startFakeKubernetes, type FakeKubernetes } from "./fakes/fake-kubernetes.ts";
import { examplePayload, pushPayload } from "./support/examples.ts";
import { recordingDeploy } from "./support/fake-stages.ts";
import { startHarness, type Harness } from "./support/harness.ts";
import { processGone } from "./support/process-gone.ts";

/*
 * SLIPWAY_BUILD_ENGINE=kubernetes end to end: the real worker, the real SDK, the real engine
 * objects against the fake Kubernetes API, and a fake Dagger CLI run as a child process that
 * connects each runner host to its own fake engine (one per installation).
 */

const SHA = "e".repeat(40);
const ENGINE_IMAGE = `registry.dagger.io/engine:v0.21.9@sha256:${"f".repeat(64)}`;
const CLI = fileURLToPath(new URL("fakes/fake-dagger-cli.ts", import.meta.url));
const TENANTS = { a: 4201, b: 4202 } as const;
const FILES = { Dockerfile: "FROM alpine:3.20\nRUN echo built\n" };

interface CliEvent {
  event: "session" | "closed" | "failed";
  runnerHost?: string;
  home?: string;
  env?: string[];
  /** The pid of the session's stand-in `kubectl exec`. */
  child?: number;
  message?: string;
  pid: number;
  at: number;
}

/** The fake cluster as a kubeconfig file (JSON is YAML), for the CLI's `kubectl`. */
function kubeconfigJson(kube: FakeKubernetes): string {
  const token = kube.kubeConfig().getCurrentUser()?.token ?? "";
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "fake", cluster: { server: kube.url, "insecure-skip-tls-verify": true } }],
    users: [{ name: "fake", user: { token } }],
    contexts: [{ name: "fake", context: { cluster: "fake", user: "fake" } }],
    "current-context": "fake",
  });
}

describe("builds on each installation's own engine (SLIPWAY_BUILD_ENGINE=kubernetes)", () => {
  let h: Harness;
  let kube: FakeKubernetes;
  /** The fake CLI's directory: its kubeconfig, its configuration and its log. */
  let home: string;
  const engines = new Map<number, FakeDagger>();
  const runnerBefore = process.env["_EXPERIMENTAL_DAGGER_RUNNER_HOST"];

  async function cliEvents(): Promise<CliEvent[]> {
    const text = await readFile(join(home, "fake-dagger-cli.log"), "utf8").catch(() => "");
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as CliEvent);
  }

  beforeAll(async () => {
    kube = await startFakeKubernetes({ kubeletDelayMs: 40 });
    kube.runtimeClasses.add("kata-qemu");
    h = await startHarness({
      name: "build-engine",
      overrides: {
        deployStage: recordingDeploy(),
        kubeConfig: kube.kubeConfig(),
        enginePollMs: 20,
      },
      env: {
        SLIPWAY_REGISTRY: "localhost:5000/previews",
        SLIPWAY_BUILD_ENGINE: "kubernetes",
        SLIPWAY_ENGINE_IMAGE: ENGINE_IMAGE,
        SLIPWAY_DAGGER_CLI: CLI,
      },
      deferStart: true,
    });
    home = await mkdtemp(join(tmpdir(), "slipway-cli-home-"));
    const config: { engines: Record<string, { port: number; token: string }> } = { engines: {} };
    for (const [name, installationId] of Object.entries(TENANTS)) {
      const repos: FakeRepo[] = ["web", "api"].map((repo) => ({
        url: `http://${h.github.host}/tenant-${name}/${repo}.git`,
        commits: { [SHA]: FILES },
      }));
      const token = `engine-token-${name}`;
      // Tenant a's engine is slow, so its build is still running while b's engine starts and
      // b's builds run: the tenants' builds interleave in the one worker.
      const engine = await startFakeDagger({ token, repos, delayMs: name === "a" ? 80 : 15 });
      engines.set(installationId, engine);
      config.engines[runnerHost(installationId)] = { port: engine.port, token };
    }
    await writeFile(join(home, "fake-dagger-cli.json"), JSON.stringify(config));
    await writeFile(join(home, "kubeconfig"), kubeconfigJson(kube));
    await h.start(
      "all",
      {},
      // What the worker passes on to the CLI: PATH to find node, KUBECONFIG for its cluster.
      // The node running these tests comes first, so the fake CLI (TypeScript) runs on it.
      {
        PATH: [dirname(process.execPath), process.env["PATH"] ?? ""].join(delimiter),
        HOME: home,
        KUBECONFIG: join(home, "kubeconfig"),
        SLIPWAY_BUILD_CONCURRENCY: "4",
      },
    );
  });
  afterAll(async () => {
    await h.close();
    for (const engine of engines.values()) await engine.close();
    await kube.close();
    await rm(home, { recursive: true, force: true });
  });

  async function push(tenant: keyof typeof TENANTS, repo: string, repoId: number) {
    await h.deliver(
      "push",
      pushPayload({
        sha: SHA,
        repo,
        owner: `tenant-${tenant}`,
        repoId,
        installationId: TENANTS[tenant],
      }),
    );
  }

  function completed(repo: string, owner: string) {
    return h.github.waitFor(
      () =>
        h.github.checkRuns.find(
          (r) =>
            r.repo === repo && r.owner === owner && r.head_sha === SHA && r.status === "completed",
        ),
      30_000,
    );
  }

  it("starts the installation's engine in its build namespace, and builds only once it is ready", async () => {
    await push("a", "web", 9101);
    const run = await completed("web", "tenant-a");
    expect(run.conclusion).toBe("success");
    // While the engine started, the check run said so (then the build went on).
    expect(run.history.map((h) => h.title)).toContain(
      "Starting the build engine for this installation…",
    );

    const namespace = kube.get("v1", "Namespace", undefined, "slipway-4201-build");
    expect(namespace?.["metadata"]).toMatchObject({
      labels: {
        "slipway.dev/build-namespace": "true",
        "pod-security.kubernetes.io/enforce": "privileged",
      },
    });
    const statefulSet = kube.get(
      "apps/v1",
      "StatefulSet",
      "slipway-4201-build",
      "dagger-engine",
    ) as
      { spec: { replicas: number; template: { spec: { runtimeClassName: string } } } } | undefined;
    expect(statefulSet?.spec.replicas).toBe(1);
    expect(statefulSet?.spec.template.spec.runtimeClassName).toBe("kata-qemu");
    expect(
      kube.get("v1", "PersistentVolumeClaim", "slipway-4201-build", "cache-dagger-engine-0"),
    ).toBeDefined();
    expect(
      kube.get("networking.k8s.io/v1", "NetworkPolicy", "slipway-4201-build", "engine-isolation"),
    ).toBeDefined();

    // The fake CLI refuses a pod that is not Ready, so a session means Slipway waited for it.
    const events = await cliEvents();
    expect(events.filter((e) => e.event === "failed")).toEqual([]);
    expect(events.filter((e) => e.event === "session").map((e) => e.runnerHost)).toEqual([
      "kube-pod://dagger-engine-0?namespace=slipway-4201-build&container=engine",
    ]);
    // The build went to tenant a's engine, and the session was closed after it.
    expect(engines.get(TENANTS.a)?.published.map((p) => p.address)).toEqual([
      `localhost:5000/previews/tenant-a/web:${SHA}`,
    ]);
    await h.github.waitFor(() =>
      readFileSync(join(home, "fake-dagger-cli.log"), "utf8").includes('"closed"'),
    );
  });

  it("gives two tenants' interleaved builds in one worker each their own engine, and leaks nothing", async () => {
    await Promise.all([push("a", "api", 9102), push("b", "web", 9201), push("b", "api", 9202)]);
    const runs = await Promise.all([
      completed("api", "tenant-a"),
      completed("web", "tenant-b"),
      completed("api", "tenant-b"),
    ]);
    expect(runs.map((r) => r.conclusion)).toEqual(["success", "success", "success"]);

    // Each engine built its own tenant's repositories and nothing else.
    expect(
      engines
        .get(TENANTS.a)
        ?.published.map((p) => p.address)
        .sort(),
    ).toEqual([
      `localhost:5000/previews/tenant-a/api:${SHA}`,
      `localhost:5000/previews/tenant-a/web:${SHA}`,
    ]);
    expect(
      engines
        .get(TENANTS.b)
        ?.published.map((p) => p.address)
        .sort(),
    ).toEqual([
      `localhost:5000/previews/tenant-b/api:${SHA}`,
      `localhost:5000/previews/tenant-b/web:${SHA}`,
    ]);
    expect(engines.get(TENANTS.b)?.secrets.size).toBeGreaterThan(0);

    const events = await cliEvents();
    const sessions = events.filter((e) => e.event === "session");
    expect(sessions.map((e) => e.runnerHost).sort()).toEqual([
      runnerHost(TENANTS.a),
      runnerHost(TENANTS.a),
      runnerHost(TENANTS.b),
      runnerHost(TENANTS.b),
    ]);
    // The builds overlapped: a session of b opened while one of a's (or the other way) was open.
    const closedAt = new Map(events.filter((e) => e.event === "closed").map((e) => [e.pid, e.at]));
    const spans = sessions
      .slice(1)
      .map((e) => ({ host: e.runnerHost, from: e.at, to: closedAt.get(e.pid) ?? Infinity }));
    const overlapping = spans.some((x) =>
      spans.some((y) => x.host !== y.host && x.from < y.to && y.from < x.to),
    );
    expect(overlapping).toBe(true);
    // The runner host was set on each CLI process only, never on the worker's own environment,
    // and the CLI got none of the worker's secrets.
    expect(process.env["_EXPERIMENTAL_DAGGER_RUNNER_HOST"]).toBe(runnerBefore);
    for (const session of sessions) {
      expect(session.env).toEqual(
        expect.arrayContaining(["_EXPERIMENTAL_DAGGER_RUNNER_HOST", "PATH", "HOME"]),
      );
      expect(session.env).not.toEqual(expect.arrayContaining(["PRIVATE_KEY"]));
      // The one token is the session's own, random, for this CLI's listener.
      expect(session.env?.filter((name) => /SECRET|PASSWORD|TOKEN|KEY/.test(name))).toEqual([
        "DAGGER_SESSION_TOKEN",
      ]);
    }
    // Each session had a home of its own, deleted when it ended.
    const homes = new Set(sessions.map((e) => e.home));
    expect(homes.size).toBe(sessions.length);
    for (const dir of homes) await expect(stat(dir ?? "")).rejects.toThrow(/ENOENT/);
  });

  it("deletes the installation's build namespace, engine and cache, on uninstall", async () => {
    const payload = examplePayload("installation", (p) => p["action"] === "deleted");
    (payload["installation"] as Record<string, unknown>)["id"] = TENANTS.b;
    expect((await h.deliver("installation", payload)).status).toBe(200);
    await kube.waitFor(
      () => kube.get("v1", "Namespace", undefined, "slipway-4202-build") === undefined,
      15_000,
    );
    expect(
      kube.get("v1", "PersistentVolumeClaim", "slipway-4202-build", "cache-dagger-engine-0"),
    ).toBeUndefined();
    expect(
      kube.get("apps/v1", "StatefulSet", "slipway-4202-build", "dagger-engine"),
    ).toBeUndefined();
    // The other tenant's engine is untouched.
    expect(kube.get("apps/v1", "StatefulSet", "slipway-4201-build", "dagger-engine")).toBeDefined();
  });

  it("builds nothing, and recreates no build namespace, for an uninstalled installation", async () => {
    // Tenant b was uninstalled above (its build namespace deleted). A push that still arrives
    // (queued before the removal, retried, or redelivered) runs nothing.
    const sessionsBefore = (await cliEvents()).length;
    const push = await h.deliver(
      "push",
      pushPayload({
        sha: "f".repeat(40),
        repo: "web",
        owner: "tenant-b",
        repoId: 9201,
        installationId: TENANTS.b,
      }),
    );
    await h.github.waitFor(
      () =>
        h.logs.some(
          (l) => l.includes("installation removed: nothing to run") && l.includes(push.deliveryId),
        ),
      15_000,
    );
    await sleep(300);
    expect(kube.get("v1", "Namespace", undefined, "slipway-4202-build")).toBeUndefined();
    expect(
      kube.get("apps/v1", "StatefulSet", "slipway-4202-build", "dagger-engine"),
    ).toBeUndefined();
    expect((await cliEvents()).length).toBe(sessionsBefore);
  });

  it("kills the CLI's whole process tree, and deletes its private home, when the build is stopped after it connected", async () => {
    const controller = new AbortController();
    const before = (await cliEvents()).length;
    const cli = await startCliSession({
      bin: CLI,
      env: {
        PATH: [dirname(process.execPath), process.env["PATH"] ?? ""].join(delimiter),
        KUBECONFIG: join(home, "kubeconfig"),
      },
      runnerHost: runnerHost(TENANTS.a),
      signal: controller.signal,
    });
    try {
      const session = (await cliEvents()).slice(before).find((e) => e.event === "session");
      const sessionHome = session?.home ?? "";
      const kubectl = session?.child ?? 0;
      expect(kubectl).toBeGreaterThan(0);
      expect(processGone(kubectl)).toBe(false);
      expect((await stat(sessionHome)).mode & 0o777).toBe(0o700);
      expect(sessionHome).not.toBe(home);
      // The session answers its token: the SDK's connection works through it.
      const answer = await fetch(`http://127.0.0.1:${cli.session.port}/query`, {
        method: "POST",
        headers: {
          authorization: `Basic ${Buffer.from(`${cli.session.token}:`).toString("base64")}`,
        },
        body: JSON.stringify({ query: "{__typename}" }),
      });
      expect(answer.status).toBe(200);

      controller.abort();
      // The CLI exits without stopping its child; killing the group stops that child too.
      await h.github.waitFor(() => processGone(kubectl), 10_000);
      await h.github.waitFor(() => !existsSync(sessionHome), 10_000);
    } finally {
      // Also when an expectation failed: no stray CLI outlives the test.
      await cli.close();
    }
  });
});
