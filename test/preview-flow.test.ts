import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeDagger, type FakeDagger } from "./fakes/fake-dagger.ts";
import { startFakeKubernetes, type FakeKubernetes } from "./fakes/fake-kubernetes.ts";
import { examplePayload, pushPayload } from "./support/examples.ts";
import { startHarness, type Harness } from "./support/harness.ts";

const TOKEN = "dagger-session-token-preview-flow";
const GOOD = "1".repeat(40);
const CRASHING = "2".repeat(40);
const INSTALLATION = 4242;
const NS = `slipway-${INSTALLATION}`;
const APP_FILES = {
  Dockerfile: 'FROM node:24-slim\nCOPY . .\nCMD ["node", "server.js"]\n',
  "server.js": "require('http').createServer((q, s) => s.end('ok')).listen(8080)\n",
};

// Every system at once, each fake reached by its real client: GitHub (Octokit), Dagger (the
// SDK's GraphQL), Kubernetes (@kubernetes/client-node with a kubeconfig), Redis (real).
describe("push → sandboxed preview → teardown", { timeout: 60_000 }, () => {
  let h: Harness;
  let engine: FakeDagger;
  let kube: FakeKubernetes;
  let goodImage = "";

  beforeAll(async () => {
    kube = await startFakeKubernetes({ kubeletDelayMs: 20 });
    h = await startHarness({
      name: "preview-flow",
      overrides: { kubeConfig: kube.kubeConfig(), rolloutPollMs: 25 },
      env: {
        SLIPWAY_REGISTRY: "localhost:5000",
        SLIPWAY_BASE_DOMAIN: "preview.test",
        SLIPWAY_ROLLOUT_TIMEOUT: "30s",
      },
      deferStart: true,
    });
    engine = await startFakeDagger({
      token: TOKEN,
      repos: [
        {
          url: `http://${h.github.host}/Codertocat/shop.git`,
          commits: {
            [GOOD]: APP_FILES,
            [CRASHING]: { ...APP_FILES, "server.js": "process.exit(1)\n" },
          },
        },
      ],
    });
    // The second commit's image crashes on start.
    kube.setKubelet((image) => goodImage !== "" && image !== goodImage, "crashloop", {
      logs: "Error: Cannot find module 'express'\n    at server.js:1\n",
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

  const push = (sha: string, extra: { deleted?: boolean } = {}) =>
    h.deliver(
      "push",
      pushPayload({
        sha,
        repo: "shop",
        repoId: 77,
        branch: "feature/cart",
        installationId: INSTALLATION,
        ...extra,
      }),
    );
  const concluded = (sha: string) =>
    h.github.waitFor(
      () => h.github.checkRuns.find((r) => r.head_sha === sha && r.status === "completed"),
      20_000,
    );
  const deployments = () =>
    kube
      .objects()
      .filter(
        (o) =>
          o["kind"] === "Deployment" && (o["metadata"] as { namespace?: string }).namespace === NS,
      );

  it("deploys a push as a sandboxed preview and reports its URL", async () => {
    await push(GOOD);
    const run = await concluded(GOOD);
    expect(run.conclusion).toBe("success");
    expect(run.output?.title).toContain("Deployed feature/cart");
    expect(run.output?.summary).toMatch(/https:\/\/[a-z0-9-]+--shop\.preview\.test/);
    const [deployment] = deployments();
    const spec = (deployment?.["spec"] as { template: { spec: Record<string, unknown> } }).template
      .spec;
    expect(spec["runtimeClassName"]).toBe("kata-fc");
    expect(spec["automountServiceAccountToken"]).toBe(false);
    goodImage = (spec["containers"] as Array<{ image: string }>)[0]?.image ?? "";
    expect(goodImage).toMatch(/^localhost:5000\/codertocat\/shop@sha256:[0-9a-f]{64}$/);
    expect(kube.get("v1", "Namespace", undefined, NS)).toBeDefined();
  });

  it("reports a crash loop with its log lines and rolls back to the image that worked", async () => {
    await push(CRASHING);
    const run = await concluded(CRASHING);
    expect(run.conclusion).toBe("failure");
    expect(run.output?.title).toMatch(/Deploy failed/);
    expect(`${run.output?.summary ?? ""}\n${run.output?.text ?? ""}`).toContain(
      "Cannot find module 'express'",
    );
    expect(`${run.output?.summary ?? ""}\n${run.output?.text ?? ""}`).toMatch(/[Rr]olled back/);
    await h.github.waitFor(() => {
      const [deployment] = deployments();
      const image = (
        deployment?.["spec"] as
          { template: { spec: { containers: Array<{ image: string }> } } } | undefined
      )?.template.spec.containers[0]?.image;
      return image === goodImage || undefined;
    });
  });

  it("deletes the branch's objects when the branch is deleted", async () => {
    const branchObjects = () =>
      kube
        .objects()
        .filter(
          (o) =>
            ["Deployment", "Service", "Ingress"].includes(String(o["kind"])) &&
            (o["metadata"] as { namespace?: string }).namespace === NS,
        );
    expect(branchObjects().length).toBeGreaterThanOrEqual(3);
    await push("0".repeat(40), { deleted: true });
    await h.github.waitFor(() => branchObjects().length === 0 || undefined, 15_000);
    expect(kube.get("v1", "Namespace", undefined, NS)).toBeDefined(); // the tenant stays
  });

  it("deletes the tenant's namespace when the app is uninstalled", async () => {
    const payload = examplePayload("installation", (p) => p["action"] === "deleted");
    (payload["installation"] as Record<string, unknown>)["id"] = INSTALLATION;
    expect((await h.deliver("installation", payload)).status).toBe(200);
    await h.github.waitFor(
      () => kube.get("v1", "Namespace", undefined, NS) === undefined || undefined,
      15_000,
    );
  });
});
