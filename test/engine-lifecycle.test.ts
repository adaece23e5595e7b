import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineCluster } from "../src/build/engine/engine-cluster.ts";
import { createEngineManager, STARTING_MESSAGE } from "../src/build/engine/engine-manager.ts";
import { engineObjects } from "../src/build/engine/engine-objects.ts";
import { kubernetesEngine } from "../src/build/engine/kubernetes-engine.ts";
import { daggerBuildStage } from "../src/build/dagger-build-stage.ts";
import { daggerClient } from "../src/build/dagger-client.ts";
import { renderTenant } from "../src/deploy/manifests/index.ts";
import { DEFAULT_TENANT_LIMITS } from "../src/deploy/kubernetes/settings.ts";
import type { EngineSettings } from "../src/build/engine/engine-settings.ts";
import { startFakeKubernetes, type FakeKubernetes } from "./fakes/fake-kubernetes.ts";
import { captureLogger } from "./support/logs.ts";

const SETTINGS: EngineSettings = {
  runtimeClass: "kata-qemu",
  image: `registry.dagger.io/engine:v0.21.9@sha256:${"a".repeat(64)}`,
  cacheSize: "20Gi",
  idleMs: 30 * 60_000,
  clusterCidrs: [],
};

interface StatefulSetView {
  metadata: { annotations?: Record<string, string> };
  spec: { replicas: number };
}

describe("each installation's engine on the (fake) cluster", () => {
  let kube: FakeKubernetes;
  let clock = Date.parse("2026-01-01T00:00:00Z");
  const { log } = captureLogger();

  function manager(settings: Partial<EngineSettings> = {}, readyTimeoutMs = 5_000) {
    return createEngineManager({
      cluster: createEngineCluster(kube.kubeConfig(), { retryBaseMs: 5 }),
      settings: { ...SETTINGS, ...settings },
      now: () => clock,
      pollMs: 10,
      readyTimeoutMs,
      log,
    });
  }
  const context = () => ({ signal: AbortSignal.timeout(10_000), log });
  const statefulSet = (installationId: number) =>
    kube.get("apps/v1", "StatefulSet", `slipway-${installationId}-build`, "dagger-engine") as
      StatefulSetView | undefined;
  const pod = (installationId: number) =>
    kube.get("v1", "Pod", `slipway-${installationId}-build`, "dagger-engine-0");

  beforeAll(async () => {
    kube = await startFakeKubernetes({ kubeletDelayMs: 20 });
    kube.runtimeClasses.add("kata-qemu");
  });
  afterAll(async () => {
    await kube.close();
  });

  it("starts an engine on first use, says so, and waits until its pod is ready", async () => {
    const engines = manager();
    const said: string[] = [];
    const result = await engines.ensure(501, {
      ...context(),
      progress: (message) => {
        said.push(message);
        return Promise.resolve();
      },
    });
    expect(result).toEqual({ ok: true, started: true });
    expect(said).toEqual([STARTING_MESSAGE]);
    expect(pod(501)?.["status"]).toMatchObject({ phase: "Running" });
    // Already running: no message, no wait.
    said.length = 0;
    expect(
      await engines.ensure(501, {
        ...context(),
        progress: (m) => Promise.resolve(void said.push(m)),
      }),
    ).toEqual({
      ok: true,
      started: false,
    });
    expect(said).toEqual([]);
    await engines.release(501);
    await engines.release(501);
  });

  it("scales an engine idle for SLIPWAY_ENGINE_IDLE to zero, keeps its cache, and starts it again", async () => {
    const engines = manager();
    await engines.ensure(502, context());
    await engines.release(502);
    clock += 10 * 60_000;
    expect(await engines.sweepIdle(AbortSignal.timeout(5_000))).toBe(0);
    expect(statefulSet(502)?.spec.replicas).toBe(1);

    clock += 25 * 60_000;
    expect(await engines.sweepIdle(AbortSignal.timeout(5_000))).toBeGreaterThanOrEqual(1);
    expect(statefulSet(502)?.spec.replicas).toBe(0);
    await kube.waitFor(() => pod(502) === undefined);
    expect(
      kube.get("v1", "PersistentVolumeClaim", "slipway-502-build", "cache-dagger-engine-0"),
    ).toBeDefined();

    expect(await engines.ensure(502, context())).toEqual({ ok: true, started: true });
    expect(statefulSet(502)?.spec.replicas).toBe(1);
    expect(statefulSet(502)?.metadata.annotations?.["slipway.dev/engine-last-used"]).toBe(
      new Date(clock).toISOString(),
    );
    await engines.release(502);
  });

  it("never scales an engine down under a build running in this worker", async () => {
    const engines = manager();
    await engines.ensure(503, context());
    clock += 60 * 60_000;
    await engines.sweepIdle(AbortSignal.timeout(5_000));
    expect(statefulSet(503)?.spec.replicas).toBe(1);
    await engines.release(503);
  });

  it("leaves an engine another worker used since the sweep looked (its resourceVersion moved)", async () => {
    const engines = manager();
    await engines.ensure(504, context());
    await engines.release(504);
    clock += 60 * 60_000;
    const cluster = createEngineCluster(kube.kubeConfig())(AbortSignal.timeout(5_000));
    const [seen] = (await cluster.listStatefulSets("app.kubernetes.io/name=dagger-engine")).filter(
      (s) => s.metadata?.namespace === "slipway-504-build",
    );
    await cluster.annotate("slipway-504-build", "dagger-engine", {
      "slipway.dev/engine-last-used": new Date(clock).toISOString(),
    });
    expect(
      await cluster.scaleToZero(
        "slipway-504-build",
        "dagger-engine",
        seen?.metadata?.resourceVersion ?? "",
      ),
    ).toBe(false);
    expect(statefulSet(504)?.spec.replicas).toBe(1);
  });

  it("fails the build with what to check when the engine cannot start (no such RuntimeClass)", async () => {
    const engines = manager({ runtimeClass: "kata-missing" }, 300);
    const result = await engines.ensure(505, context());
    expect(result).toMatchObject({
      ok: false,
      reason: "The build engine did not become ready within 1 s",
    });
    if (result.ok) return;
    expect(result.log).toContain("The pod dagger-engine-0 was not created.");
    expect(result.log).toContain("kata-missing");
    // The failed start holds nothing: the idle sweep still scales that engine down.
    clock += 60 * 60_000;
    await engines.sweepIdle(AbortSignal.timeout(5_000));
    expect(statefulSet(505)?.spec.replicas).toBe(0);
  });

  it("needs its own namespace: the tenant's `restricted` one refuses the privileged engine pod", async () => {
    const cluster = createEngineCluster(kube.kubeConfig())(AbortSignal.timeout(5_000));
    const tenant = renderTenant({
      installationId: 507,
      ingressNamespace: "ingress-nginx",
      ...DEFAULT_TENANT_LIMITS,
    });
    await cluster.apply(tenant.namespace);
    const { statefulSet } = engineObjects(507, SETTINGS);
    statefulSet.metadata = { ...statefulSet.metadata, namespace: "slipway-507" };
    await cluster.apply(statefulSet);
    const refused = await kube.waitFor(() =>
      kube
        .objects()
        .find(
          (o) =>
            o["kind"] === "Event" &&
            (o["metadata"] as { namespace?: string }).namespace === "slipway-507" &&
            o["reason"] === "FailedCreate",
        ),
    );
    expect(String(refused["message"])).toContain(
      'violates PodSecurity "restricted:latest": privileged',
    );
    expect(kube.get("v1", "Pod", "slipway-507", "dagger-engine-0")).toBeUndefined();
  });

  it("is ready only when the build sandbox RuntimeClass exists (the worker's /readyz)", async () => {
    expect(await manager().checkReadiness()).toEqual({ ok: true });
    const missing = await manager({ runtimeClass: "kata-missing" }).checkReadiness();
    expect(missing).toMatchObject({ ok: false });
    expect(JSON.stringify(missing)).toContain(
      "RuntimeClass kata-missing (SLIPWAY_BUILD_RUNTIME_CLASS)",
    );
  });

  it("deletes the build namespace with its engine and cache", async () => {
    const engines = manager();
    await engines.ensure(506, context());
    await engines.release(506);
    expect(await engines.remove(506, AbortSignal.timeout(5_000))).toBe(true);
    await kube.waitFor(
      () => kube.get("v1", "Namespace", undefined, "slipway-506-build") === undefined,
    );
    expect(
      kube.get("v1", "PersistentVolumeClaim", "slipway-506-build", "cache-dagger-engine-0"),
    ).toBeUndefined();
    expect(await engines.remove(506, AbortSignal.timeout(5_000))).toBe(false);
  });

  it("never recreates the build namespace for a removed installation (its token request answers 404)", async () => {
    const sessions: string[] = [];
    const stage = daggerBuildStage({
      engine: kubernetesEngine({
        manager: manager(),
        startSession: ({ runnerHost }) => {
          sessions.push(runnerHost);
          return Promise.resolve({
            session: { port: 1, token: "unused" },
            close: () => Promise.resolve(),
          });
        },
        bin: "dagger",
        env: {},
      }),
      registry: { address: "localhost:5000/previews", credentials: undefined },
      client: daggerClient,
      // What GitHub answers once the app was uninstalled (Octokit's RequestError carries it).
      tokenFor: () => Promise.reject(Object.assign(new Error("Not Found"), { status: 404 })),
      cloneUrl: (owner, repo) => `https://github.com/${owner}/${repo}.git`,
      webUrl: (owner, repo) => `https://github.com/${owner}/${repo}`,
    });
    const build = stage.build(
      {
        runKey: "run-508",
        target: {
          installationId: 508,
          owner: "gone",
          repo: "web",
          repoId: 9508,
          branch: "main",
          sha: "a".repeat(40),
        },
      },
      context(),
    );
    await expect(build).rejects.toMatchObject({ status: 404 });
    expect(kube.get("v1", "Namespace", undefined, "slipway-508-build")).toBeUndefined();
    expect(statefulSet(508)).toBeUndefined();
    expect(sessions).toEqual([]);
  });

  it("keeps marking an engine as used while a build holds it, so another worker's sweep leaves it up", async () => {
    // idleMs 300: this worker re-marks the engine every 100 ms (idle / 3) of real time.
    const here = manager({ idleMs: 300 });
    const elsewhere = manager({ idleMs: 300 });
    expect(await here.ensure(509, context())).toMatchObject({ ok: true });
    const lastUsed = () => statefulSet(509)?.metadata.annotations?.["slipway.dev/engine-last-used"];
    clock += 60 * 60_000; // an hour-long build, by the clock the sweep reads
    const now = new Date(clock).toISOString();
    await kube.waitFor(() => lastUsed() === now, 5_000);
    expect(await elsewhere.sweepIdle(AbortSignal.timeout(5_000))).toBe(0);
    expect(statefulSet(509)?.spec.replicas).toBe(1);

    // Released: the marks stop, and the engine goes idle.
    await here.release(509);
    clock += 60 * 60_000;
    await sleep(350);
    expect(lastUsed()).toBe(now);
    expect(await elsewhere.sweepIdle(AbortSignal.timeout(5_000))).toBeGreaterThanOrEqual(1);
    expect(statefulSet(509)?.spec.replicas).toBe(0);
  });

  it("fails the build quoting the API server when the cluster refuses the engine", async () => {
    const connector = kubernetesEngine({
      manager: manager(),
      startSession: () => Promise.reject(new Error("no session expected")),
      bin: "dagger",
      env: {},
    });
    kube.failNext(
      { method: "PATCH", path: /\/namespaces\/slipway-510-build\/statefulsets\/dagger-engine$/ },
      {
        status: 403,
        message:
          "statefulsets.apps \"dagger-engine\" is forbidden: ValidatingAdmissionPolicy 'slipway-tenant-scope' denied request",
        times: 10,
      },
    );
    const opened = await connector.open(510, context());
    expect(opened).toMatchObject({
      ok: false,
      reason:
        "Could not start the build engine: statefulsets.apps \"dagger-engine\" is forbidden: ValidatingAdmissionPolicy 'slipway-tenant-scope' denied request",
    });
    if (opened.ok !== false) return;
    expect(opened.log).toContain("apply StatefulSet slipway-510-build/dagger-engine");
  });

  it("says the build was stopped, not that the engine was slow, when it is cancelled while the engine starts", async () => {
    const sessions: string[] = [];
    const connector = kubernetesEngine({
      manager: manager({ runtimeClass: "kata-missing" }, 10_000),
      startSession: ({ runnerHost }) => {
        sessions.push(runnerHost);
        return Promise.reject(new Error("no session expected"));
      },
      bin: "dagger",
      env: {},
    });
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 200);
    const started = Date.now();
    expect(await connector.open(511, { signal: controller.signal, log })).toEqual({
      ok: "cancelled",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sessions).toEqual([]);
  });

  // Last: it moves the shared clock weeks ahead, past every other engine's retention.
  it("deletes the build namespace of an engine scaled to zero and unused for two weeks", async () => {
    const engines = manager();
    await engines.ensure(512, context());
    await engines.release(512);
    clock += 60 * 60_000;
    await engines.sweepIdle(AbortSignal.timeout(5_000));
    expect(statefulSet(512)?.spec.replicas).toBe(0);

    clock += 13 * 24 * 60 * 60_000;
    await engines.sweepIdle(AbortSignal.timeout(5_000));
    expect(kube.get("v1", "Namespace", undefined, "slipway-512-build")).toBeDefined();

    clock += 24 * 60 * 60_000;
    expect(await engines.sweepIdle(AbortSignal.timeout(5_000))).toBeGreaterThanOrEqual(1);
    await kube.waitFor(
      () => kube.get("v1", "Namespace", undefined, "slipway-512-build") === undefined,
    );
    expect(
      kube.get("v1", "PersistentVolumeClaim", "slipway-512-build", "cache-dagger-engine-0"),
    ).toBeUndefined();
  });
});
