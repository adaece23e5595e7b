import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDagger, type FakeDagger } from "../fakes/fake-dagger.ts";
import { startFakeKubernetes, type FakeKubernetes } from "../fakes/fake-kubernetes.ts";
import { examplePayload, pushPayload } from "../support/examples.ts";
import { startHarness, type Harness } from "../support/harness.ts";
import { logMessages } from "./support/github-helpers.ts";
import { SwitchablePattern } from "./support/switchable.ts";

const TOKEN = "dagger-session-token-kube-faults";
const SHAS = Array.from(
  { length: 12 },
  (_, i) => `${(i + 1).toString(16).padStart(4, "0")}${"a".repeat(36)}`,
);
const APP = {
  Dockerfile: 'FROM node:24-slim\nCOPY . .\nCMD ["node", "server.js"]\n',
  "server.js": "require('http').createServer((q, s) => s.end('ok')).listen(8080)\n",
};
const TENANT_OBJECTS = [
  ["v1", "Namespace", undefined, (id: number) => `slipway-${id}`],
  ["v1", "ResourceQuota", "ns", () => "tenant-quota"],
  ["v1", "LimitRange", "ns", () => "tenant-limits"],
  ["networking.k8s.io/v1", "NetworkPolicy", "ns", () => "default-deny"],
  ["networking.k8s.io/v1", "NetworkPolicy", "ns", () => "allow-ingress-controller"],
  ["networking.k8s.io/v1", "NetworkPolicy", "ns", () => "allow-dns"],
] as const;

// Every system at once (as test/preview-flow.test.ts): the Kubernetes deployer's retries wait
// 250, 500 and 1000 ms, so a fault that outlasts them costs ~2 s.
describe.concurrent("the Kubernetes API failing", { timeout: 60_000 }, () => {
  let h: Harness;
  let engine: FakeDagger;
  let kube: FakeKubernetes;
  let next = 0;

  beforeAll(async () => {
    kube = await startFakeKubernetes({ kubeletDelayMs: 20 });
    h = await startHarness({
      name: "rel-kube-faults",
      overrides: { kubeConfig: kube.kubeConfig(), rolloutPollMs: 25 },
      env: {
        SLIPWAY_REGISTRY: "localhost:5000",
        SLIPWAY_BASE_DOMAIN: "preview.test",
        SLIPWAY_ROLLOUT_TIMEOUT: "30s",
        SLIPWAY_JOB_ATTEMPTS: "2",
      },
      deferStart: true,
    });
    engine = await startFakeDagger({
      token: TOKEN,
      repos: [
        {
          url: `http://${h.github.host}/Codertocat/shop.git`,
          commits: Object.fromEntries(SHAS.map((s) => [s, APP])),
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
    await kube.close();
  });

  /** Pushes the next commit for an installation and waits for its check run to conclude. */
  async function push(installationId: number) {
    const sha = SHAS[next];
    next += 1;
    if (sha === undefined) throw new Error("out of commits");
    const answer = await h.deliver(
      "push",
      // Runs of one repository and branch supersede each other: a repository per installation.
      pushPayload({ sha, repo: "shop", repoId: installationId, branch: "main", installationId }),
    );
    expect(answer.status).toBe(200);
    const run = await h.github.waitFor(
      () => h.github.checkRuns.find((r) => r.head_sha === sha && r.status === "completed"),
      20_000,
    );
    return {
      ...run,
      shown: `${run.output?.title ?? ""}\n${run.output?.summary ?? ""}\n${run.output?.text ?? ""}`,
    };
  }
  const requestsTo = (method: string, path: RegExp) =>
    kube.requests.filter((r) => r.method === method && path.test(r.path));
  const deploymentsIn = (namespace: string) =>
    kube
      .objects()
      .filter(
        (o) =>
          o["kind"] === "Deployment" &&
          (o["metadata"] as { namespace?: string }).namespace === namespace,
      );
  const tenantPresent = (id: number) =>
    TENANT_OBJECTS.map(
      ([apiVersion, kind, scope, name]) =>
        kube.get(apiVersion, kind, scope === "ns" ? `slipway-${id}` : undefined, name(id)) !==
        undefined,
    );

  it("retries 409 conflicts on the Deployment and deploys", async ({ expect }) => {
    const path = /^\/apis\/apps\/v1\/namespaces\/slipway-8101\/deployments\/[^/]+$/;
    kube.failNext(
      { method: "PATCH", path },
      {
        status: 409,
        message: "Operation cannot be fulfilled: the object has been modified",
        times: 2,
      },
    );
    const run = await push(8101);
    expect(run.conclusion).toBe("success");
    expect(
      requestsTo("PATCH", path)
        .map((r) => (r.status < 300 ? "ok" : r.status))
        .slice(0, 3),
    ).toEqual([409, 409, "ok"]);
  });

  it("retries 500s on the namespace and deploys", async ({ expect }) => {
    const path = /^\/api\/v1\/namespaces\/slipway-8102$/;
    kube.failNext(
      { method: "PATCH", path },
      { status: 500, message: "etcdserver: request timed out", times: 3 },
    );
    const run = await push(8102);
    expect(run.conclusion).toBe("success");
    expect(requestsTo("PATCH", path).map((r) => (r.status < 300 ? "ok" : r.status))).toEqual([
      500,
      500,
      500,
      "ok",
    ]);
    expect(tenantPresent(8102)).toEqual(TENANT_OBJECTS.map(() => true));
  });

  it("retries 503s while reading the rollout and deploys", async ({ expect }) => {
    const path = /^\/apis\/apps\/v1\/namespaces\/slipway-8103\/deployments\/[^/]+$/;
    kube.failNext(
      { method: "GET", path },
      { status: 503, message: "the server is shutting down", times: 2 },
    );
    const run = await push(8103);
    expect(run.conclusion).toBe("success");
    expect(requestsTo("GET", path).filter((r) => r.status === 503)).toHaveLength(2);
  });

  it("fails on 422 Invalid without retrying, quoting the server's message", async ({ expect }) => {
    const path = /^\/apis\/apps\/v1\/namespaces\/slipway-8104\/deployments\/[^/]+$/;
    const message =
      'Deployment.apps "shop-main" is invalid: spec.template.spec.containers[0].image: Invalid value: "x": admission webhook "images.example.com" denied the request';
    kube.failNext({ method: "PATCH", path }, { status: 422, reason: "Invalid", message });
    const run = await push(8104);
    expect(run.conclusion).toBe("failure");
    expect(run.shown).toContain('admission webhook "images.example.com" denied the request');
    expect(requestsTo("PATCH", path)).toHaveLength(1); // a 422 is final
  });

  it("reports a tenant that cannot be fully applied, deploys nothing into it, and completes it later", async ({
    expect,
  }) => {
    const quota = new SwitchablePattern(
      /^\/api\/v1\/namespaces\/slipway-8105\/resourcequotas\/tenant-quota$/.source,
    );
    kube.failNext(
      { method: "PATCH", path: quota },
      { status: 500, message: "quota admission is down", times: 1_000 },
    );
    const failed = await push(8105);
    quota.on = false;
    expect(failed.conclusion).toBe("failure");
    expect(failed.shown).toContain("ResourceQuota slipway-8105/tenant-quota");
    expect(failed.shown).toContain("quota admission is down");
    // The namespace was applied, the quota was not: nothing may run there yet.
    expect(requestsTo("PATCH", /^\/apis\/apps\/v1\/namespaces\/slipway-8105\//)).toEqual([]);
    expect(deploymentsIn("slipway-8105")).toEqual([]);

    const retried = await push(8105);
    expect(retried.conclusion).toBe("success");
    expect(tenantPresent(8105)).toEqual(TENANT_OBJECTS.map(() => true));
  });

  it("reports a failed tenant provisioning in the log, and refuses to deploy into the half-made tenant", async ({
    expect,
  }) => {
    const limits = new SwitchablePattern(
      /^\/api\/v1\/namespaces\/slipway-8106\/limitranges\/tenant-limits$/.source,
    );
    kube.failNext(
      { method: "PATCH", path: limits },
      { status: 500, message: "limitranger is down", times: 1_000 },
    );
    const created = examplePayload("installation", (p) => p["action"] === "created");
    (created["installation"] as Record<string, unknown>)["id"] = 8106;
    expect((await h.deliver("installation", created)).status).toBe(200);
    // Both attempts of the tenant job fail, each saying which object and why.
    await h.github.waitFor(
      () =>
        logMessages(h).filter(
          (l) =>
            l.msg === "event job attempt failed" &&
            l.line.includes("LimitRange slipway-8106/tenant-limits") &&
            l.line.includes("limitranger is down"),
        ).length >= 2 || undefined,
      20_000,
    );
    const failed = await push(8106);
    expect(failed.conclusion).toBe("failure");
    expect(failed.shown).toContain("LimitRange slipway-8106/tenant-limits");
    expect(deploymentsIn("slipway-8106")).toEqual([]);

    limits.on = false;
    const retried = await push(8106);
    expect(retried.conclusion).toBe("success");
    expect(tenantPresent(8106)).toEqual(TENANT_OBJECTS.map(() => true));
  });
});
