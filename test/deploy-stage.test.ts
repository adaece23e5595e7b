import type { IPodSpec } from "kubernetes-models/v1";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_APP, type AppSettings } from "../src/build/build-stage.ts";
import type { DeployInput } from "../src/deploy/deploy-stage.ts";
import {
  createKubernetesDeployStage,
  DEFAULT_TENANT_LIMITS,
  type KubernetesDeployStage,
  type KubernetesSettings,
} from "../src/deploy/kubernetes-deploy-stage.ts";
import { checkRestricted } from "../src/deploy/pod-security.ts";
import { captureLogger } from "./support/logs.ts";
import { startFakeKubernetes, type FakeKubernetes } from "./fakes/fake-kubernetes.ts";

const NS = "slipway-42";
const SETTINGS: KubernetesSettings = {
  runtimeClass: "kata-fc",
  baseDomain: "preview.test",
  ingressClass: "nginx",
  ingressNamespace: "ingress-nginx",
  // 36 s of progress deadline: 360 ms on the fake, which scales a second to 10 ms.
  rolloutTimeoutMs: 40_000,
  tenant: DEFAULT_TENANT_LIMITS,
};
const SHA_A = "a".repeat(40);
const SHA_B = "b".repeat(40);
const IMAGE_A = `registry.test/acme/web@sha256:${"a1".repeat(32)}`;
const IMAGE_B = `registry.test/acme/web@sha256:${"b2".repeat(32)}`;

type Obj = Record<string, unknown> & {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
};

function input(
  sha: string,
  image: string,
  app: Partial<AppSettings> = {},
  branch = "feature/login",
  repoId = 1001,
): DeployInput {
  return {
    runKey: `run-${sha.slice(0, 6)}`,
    target: { installationId: 42, owner: "acme", repo: "web", repoId, branch, sha },
    image,
    app: { ...DEFAULT_APP, ...app },
  };
}

const silent = pino({ level: "silent" });
function context(signal = new AbortController().signal, log = silent) {
  return { signal, log };
}

describe("createKubernetesDeployStage", () => {
  let kube: FakeKubernetes;
  let stage: KubernetesDeployStage;

  function start(settings: Partial<KubernetesSettings> = {}): void {
    stage = createKubernetesDeployStage({
      kubeConfig: kube.kubeConfig(),
      settings: { ...SETTINGS, ...settings },
      pollMs: 20,
      retryBaseMs: 10,
    });
  }

  function stored(kind: string): Obj[] {
    return kube
      .objects()
      .filter((object) => object.kind === kind)
      .map((object) => object as Obj)
      .filter((object) => object.metadata?.namespace === NS || kind === "Namespace");
  }

  function deployment(): Obj & {
    metadata: { annotations?: Record<string, string> };
    spec: { replicas?: number; template: { spec: IPodSpec } };
  } {
    const [found] = stored("Deployment");
    if (found === undefined) throw new Error("no Deployment");
    return found as ReturnType<typeof deployment>;
  }

  function branchNames(kind: string): string[] {
    return stored(kind)
      .filter((object) => object.metadata?.labels?.["slipway.dev/repository"] !== undefined)
      .map((object) => object.metadata?.name ?? "");
  }

  beforeEach(async () => {
    kube = await startFakeKubernetes({ kubeletDelayMs: 20 });
    start();
  });
  afterEach(async () => {
    await kube.close();
  });

  it("rolls a push out into the tenant, sandboxed and labelled, and returns the preview URL", async () => {
    const result = await stage.deploy(input(SHA_A, IMAGE_A), context());
    expect(result).toMatchObject({
      ok: true,
      previewUrl: expect.stringMatching(
        /^https:\/\/feature-login-[0-9a-f]{16}--web\.preview\.test$/,
      ) as unknown,
    });

    const namespace = kube.get("v1", "Namespace", undefined, NS) as Obj | undefined;
    expect(namespace?.metadata?.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "slipway.dev/installation": "42",
    });
    expect(stored("ResourceQuota").map((o) => o.metadata?.name)).toEqual(["tenant-quota"]);
    expect(stored("LimitRange").map((o) => o.metadata?.name)).toEqual(["tenant-limits"]);
    const applied = deployment();
    expect(applied.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "slipway",
      "slipway.dev/installation": "42",
      "slipway.dev/repository": "1001",
      "slipway.dev/sha": SHA_A,
    });
    expect(applied.spec.template.spec.runtimeClassName).toBe("kata-fc");
    expect(applied.spec.template.spec.containers[0]?.image).toBe(IMAGE_A);
    // Recorded after the rollout: what a later failure reverts to.
    expect(applied.metadata.annotations?.["slipway.dev/previous-image"]).toBe(IMAGE_A);
    expect(branchNames("Service")).toEqual([applied.metadata.name]);
    expect(branchNames("Ingress")).toEqual([applied.metadata.name]);

    const writes = kube.requests.filter((r) => ["PATCH", "POST", "PUT"].includes(r.method));
    expect(writes.length).toBeGreaterThan(0);
    for (const write of writes) {
      expect(write).toMatchObject({
        method: "PATCH",
        contentType: "application/apply-patch+yaml",
        query: { fieldManager: "slipway", force: "true" },
      });
      expect(JSON.stringify(write.body)).not.toContain("managedFields");
    }
    const managers = (applied.metadata as { managedFields?: Array<{ manager: string }> })
      .managedFields;
    expect(managers?.map((entry) => entry.manager)).toContain("slipway");
  });

  it("applies only pod templates that meet Pod Security restricted", async () => {
    await stage.deploy(input(SHA_A, IMAGE_A, { egress: "internet" }), context());
    kube.setKubelet((image) => image === IMAGE_B, "crashloop");
    await stage.deploy(input(SHA_B, IMAGE_B), context());
    const templates = kube.requests
      .filter((r) => r.method === "PATCH" && r.path.includes("/deployments/"))
      .map(
        (r) =>
          (
            r.body as {
              spec: {
                template: { spec: IPodSpec; metadata?: { annotations?: Record<string, string> } };
              };
            }
          ).spec.template,
      );
    // First rollout, its record, the failed one and the revert.
    expect(templates).toHaveLength(4);
    for (const template of templates) {
      expect(checkRestricted(template.spec, template.metadata?.annotations)).toEqual([]);
      expect(template.spec.runtimeClassName).toBe("kata-fc");
    }
  });

  it("reports a crash loop with its last log lines and reverts to the last ready image", async () => {
    expect((await stage.deploy(input(SHA_A, IMAGE_A), context())).ok).toBe(true);
    kube.setKubelet((image) => image === IMAGE_B, "crashloop", {
      logs: "listening on 8080\nError: DATABASE_URL is not set\n    at main (server.js:3)\n",
    });
    const result = await stage.deploy(input(SHA_B, IMAGE_B), context());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/^The app keeps crashing on start \(CrashLoopBackOff/);
    expect(result.reason).toContain(`Rolled back to ${IMAGE_A}.`);
    expect(result.log).toContain("Error: DATABASE_URL is not set\n    at main (server.js:3)");
    expect(result.log).toContain(`Rolled back to ${IMAGE_A}, the last image of this branch`);
    const reverted = deployment();
    expect(reverted.spec.template.spec.containers[0]?.image).toBe(IMAGE_A);
    expect(reverted.metadata.labels?.["slipway.dev/sha"]).toBe(SHA_A);
    expect(reverted.metadata.annotations?.["slipway.dev/previous-image"]).toBe(IMAGE_A);
    const logRequest = kube.requests.find((r) => r.path.endsWith("/log"));
    expect(logRequest?.query).toMatchObject({
      previous: "true",
      tailLines: "50",
      container: "app",
    });
    // The old ReplicaSet takes over again: one ready pod of the old image, the crashing one gone.
    await kube.waitFor(() => {
      const pods = stored("Pod");
      return pods.length === 1 && JSON.stringify(pods).includes(IMAGE_A);
    });
  });

  it("scales a failed first rollout to zero: there is nothing to revert to", async () => {
    kube.setKubelet(() => true, "crashloop", { logs: "segfault\n" });
    const result = await stage.deploy(input(SHA_A, IMAGE_A), context());
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringContaining("Scaled down to 0 replicas.") as unknown,
    });
    expect(deployment().spec.replicas).toBe(0);
    await kube.waitFor(() => stored("Pod").length === 0);
  });

  it.each([
    [
      "an image that cannot be pulled",
      "image-pull-error" as const,
      new RegExp(
        `^The image ${IMAGE_A.replace(/[.]/g, "\\.")} could not be pulled \\((ErrImagePull|ImagePullBackOff)\\)`,
      ),
    ],
    [
      "an unschedulable pod",
      "unschedulable" as const,
      /^No node can run the pod: 0\/3 nodes are available: 3 Insufficient memory\./,
    ],
    [
      "a pod that never passes its health check",
      "never-ready" as const,
      /^The app runs but does not pass its health check: Readiness probe failed/,
    ],
  ])("names %s", async (_case, mode, reason) => {
    kube.setKubelet(() => true, mode);
    const result = await stage.deploy(input(SHA_A, IMAGE_A), context());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(reason);
  });

  it("fails at once, saying how to install Kata, when the RuntimeClass is missing", async () => {
    kube.runtimeClasses.clear();
    // A progress deadline of 190 s (1.9 s on the fake): the stage must not wait for it.
    start({ rolloutTimeoutMs: 200_000 });
    const started = Date.now();
    const result = await stage.deploy(input(SHA_A, IMAGE_A), context());
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('RuntimeClass "kata-fc" not found');
    expect(result.reason).toContain("kata-deploy");
    expect(result.reason).toContain("SLIPWAY_RUNTIME_CLASS");
    expect(deployment().spec.replicas).toBe(0);
  });

  it("deploys without an Ingress or URL when no base domain is set, and says why", async () => {
    start({ baseDomain: undefined });
    const { log, lines } = captureLogger();
    const result = await stage.deploy(input(SHA_A, IMAGE_A), context(undefined, log));
    expect(result).toMatchObject({
      ok: true,
      log: expect.stringContaining("SLIPWAY_BASE_DOMAIN") as unknown,
    });
    expect(result).not.toHaveProperty("previewUrl");
    expect(stored("Ingress")).toEqual([]);
    expect(lines.join("\n")).toContain("SLIPWAY_BASE_DOMAIN");
  });

  it("adds the internet egress policy before the Deployment, and removes it when egress is back to none", async () => {
    await stage.deploy(input(SHA_A, IMAGE_A, { egress: "internet" }), context());
    const policies = () => branchNames("NetworkPolicy");
    expect(policies()).toEqual([expect.stringMatching(/-egress-internet$/)]);
    const patches = kube.requests.filter((r) => r.method === "PATCH").map((r) => r.path);
    const egress = patches.findIndex((path) => path.endsWith("-egress-internet"));
    expect(egress).toBeGreaterThan(-1);
    expect(egress).toBeLessThan(patches.findIndex((path) => path.includes("/deployments/")));
    await stage.deploy(input(SHA_B, IMAGE_B), context());
    expect(policies()).toEqual([]);
    expect(
      stored("NetworkPolicy")
        .map((o) => o.metadata?.name ?? "")
        .sort(),
    ).toEqual(["allow-dns", "allow-ingress-controller", "default-deny"]);
  });

  it("tears a branch down by its labels and leaves the tenant and other branches", async () => {
    await stage.deploy(input(SHA_A, IMAGE_A, { egress: "internet" }), context());
    await stage.deploy(input(SHA_B, IMAGE_B, {}, "main"), context());
    await stage.teardownBranch(input(SHA_A, IMAGE_A).target, context());
    for (const kind of ["Deployment", "Service", "Ingress"]) {
      expect(branchNames(kind)).toEqual([expect.stringMatching(/^web-main-/)]);
    }
    expect(branchNames("NetworkPolicy")).toEqual([]);
    expect(stored("NetworkPolicy")).toHaveLength(3);
    expect(kube.get("v1", "Namespace", undefined, NS)).toBeDefined();
    // A second teardown finds nothing and does not fail.
    await stage.teardownBranch(input(SHA_A, IMAGE_A).target, context());
  });

  it("suspends a tenant by scaling its Deployments to zero", async () => {
    await stage.deploy(input(SHA_A, IMAGE_A), context());
    await stage.deploy(input(SHA_B, IMAGE_B, {}, "main"), context());
    await stage.suspendTenant(42, context());
    expect(stored("Deployment").map((d) => (d.spec as { replicas?: number }).replicas)).toEqual([
      0, 0,
    ]);
    await kube.waitFor(() => stored("Pod").length === 0);
  });

  it("removes some repositories' previews, then the whole tenant namespace", async () => {
    await stage.provisionTenant(42, context());
    await stage.deploy(input(SHA_A, IMAGE_A), context());
    await stage.deploy(input(SHA_B, IMAGE_B, {}, "main", 2002), context());
    await stage.removeTenant(42, [{ repoId: 1001, owner: "acme", repo: "web" }], context());
    expect(stored("Deployment").map((d) => d.metadata?.labels?.["slipway.dev/repository"])).toEqual(
      ["2002"],
    );
    await stage.removeTenant(42, undefined, context());
    await kube.waitFor(() => kube.get("v1", "Namespace", undefined, NS) === undefined);
    await stage.removeTenant(42, undefined, context());
  });

  it("retries a server error on apply", async () => {
    kube.failNext({ method: "PATCH", path: /\/deployments\// }, { status: 500, times: 2 });
    kube.failNext({ method: "PATCH", path: /\/namespaces\/slipway-42$/ }, { status: 429 });
    const result = await stage.deploy(input(SHA_A, IMAGE_A), context());
    expect(result.ok).toBe(true);
    expect(kube.requests.filter((r) => r.status === 500)).toHaveLength(2);
    expect(kube.requests.filter((r) => r.status === 429)).toHaveLength(1);
  });

  it("fails with the server's message, naming the object, when Kubernetes refuses it", async () => {
    const message =
      'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Invalid value';
    kube.failNext({ method: "PATCH", path: /\/deployments\// }, { status: 422, message });
    const result = await stage.deploy(input(SHA_A, IMAGE_A), context());
    expect(result).toMatchObject({ ok: false });
    if (result.ok) return;
    expect(result.reason).toMatch(
      /^Could not deploy: Kubernetes refused to apply Deployment slipway-42\/web-feature-login-[0-9a-f]{16}: /,
    );
    expect(result.reason).toContain(message);
    expect(kube.requests.filter((r) => r.status === 422)).toHaveLength(1);
  });

  it("reports a tenant it could not provision as a deploy failure", async () => {
    kube.allowAccess((review) => !(review.resource === "limitranges" && review.verb === "patch"));
    const result = await stage.deploy(input(SHA_A, IMAGE_A), context());
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^Could not prepare the installation's namespace: Kubernetes refused to apply LimitRange slipway-42\/tenant-limits: limitranges "tenant-limits" is forbidden/,
      ) as unknown,
    });
    expect(stored("Deployment")).toEqual([]);
  });

  it("stops waiting promptly when the signal fires", async () => {
    kube.setKubelet(() => true, "never-ready");
    const controller = new AbortController();
    const deploying = stage.deploy(input(SHA_A, IMAGE_A), context(controller.signal));
    await kube.waitFor(() =>
      kube.requests.some(
        (r) => r.method === "GET" && r.status === 200 && r.path.includes("/deployments/"),
      ),
    );
    const aborted = Date.now();
    controller.abort();
    const result = await deploying;
    expect(Date.now() - aborted).toBeLessThan(250);
    expect(result.ok).toBe(false);
    const after = kube.requests.filter((r) => r.at > aborted + 5);
    expect(after).toEqual([]);
  });

  it("costs 12 requests and one read per poll for a deploy once discovery is cached", async () => {
    await stage.deploy(input(SHA_A, IMAGE_A), context());
    const before = kube.requests.length;
    await stage.deploy(input(SHA_B, IMAGE_B), context());
    const calls = kube.requests
      .slice(before)
      .map((r) => `${r.method} ${r.path.split("/").at(-2) ?? ""}`);
    const polls = calls.filter((call) => call === "GET deployments").length - 1;
    expect(polls).toBeGreaterThanOrEqual(1);
    expect(calls.length - polls).toBe(12);
  });

  describe("checkReadiness", () => {
    it("is ok when the RuntimeClass exists and every verb is allowed", async () => {
      expect(await stage.checkReadiness()).toEqual({ ok: true });
    });

    it("says how to install Kata when the RuntimeClass is missing", async () => {
      kube.runtimeClasses.clear();
      const result = await stage.checkReadiness();
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatch(
        /^RuntimeClass "kata-fc" \(SLIPWAY_RUNTIME_CLASS\) does not exist/,
      );
      expect(result.problems[0]).toContain("kata-deploy");
    });

    it("names the RBAC rule that is missing", async () => {
      kube.allowAccess((review) => !(review.verb === "delete" && review.resource === "namespaces"));
      const result = await stage.checkReadiness();
      expect(result).toEqual({
        ok: false,
        problems: [
          'Slipway may not delete namespaces (cluster-wide), which it needs to apply each installation\'s tenant namespace and delete it on uninstall: add verb "delete" for apiGroups [""], resources ["namespaces"] to Slipway\'s ClusterRole',
        ],
      });
    });
  });
});
