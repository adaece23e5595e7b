import { afterAll, describe, expect, it } from "vitest";
import { startFakeKubernetes, type FakeKubernetes } from "./fakes/fake-kubernetes.ts";
import { freePort, startHarness, type Harness } from "./support/harness.ts";

describe("a worker's /readyz", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function workerWith(name: string, prepare: (kube: FakeKubernetes) => void) {
    const kube = await startFakeKubernetes();
    prepare(kube);
    const h: Harness = await startHarness({ name, deferStart: true });
    cleanups.push(
      () => kube.close(),
      () => h.close(),
    );
    const port = await freePort();
    const worker = await h.start(
      "worker",
      { kubeConfig: kube.kubeConfig() },
      { PORT: String(port) },
    );
    return `http://127.0.0.1:${worker.port ?? 0}`;
  }

  it("is ready when the RuntimeClass exists and RBAC allows every verb", async () => {
    const url = await workerWith("ready-ok", () => undefined);
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });

  it("is not ready without the RuntimeClass, and says how to fix it", async () => {
    const url = await workerWith("ready-no-kata", (kube) => {
      kube.runtimeClasses.clear();
    });
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { reason: string };
    expect(body.reason).toContain('RuntimeClass "kata-fc"');
    expect(body.reason).toContain("SLIPWAY_RUNTIME_CLASS");
    expect(body.reason).toContain("kata-deploy");
  });

  it("is not ready when RBAC forbids what the deployer does, naming the rule", async () => {
    const url = await workerWith("ready-no-rbac", (kube) => {
      kube.allowAccess((review) => !(review.resource === "namespaces" && review.verb === "delete"));
    });
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { reason: string }).reason).toMatch(
      /delete.*namespaces|namespaces.*delete/,
    );
  });
});
