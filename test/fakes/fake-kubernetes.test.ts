import {
  ApiException,
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  NodeV1Api,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubernetesObject,
  type V1Deployment,
  type V1Pod,
  type V1SelfSubjectAccessReview,
} from "@kubernetes/client-node";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { SelfSubjectAccessReview } from "kubernetes-models/authorization.k8s.io/v1/SelfSubjectAccessReview";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeKubernetes, type FakeKubernetes } from "./fake-kubernetes.ts";

const NS = "slipway-42";
const READY_IMAGE = "registry.test/app@sha256:1111";
const NEXT_IMAGE = "registry.test/app@sha256:2222";

interface Status {
  kind: string;
  status: string;
  reason: string;
  code: number;
  message: string;
  details?: { causes?: Array<{ field?: string; message: string }> };
}

/**
 * kubernetes-models objects (what src/deploy renders) are not `KubernetesObject`s to the compiler:
 * models type `metadata.creationTimestamp` as string, client-node as Date. On the wire both are
 * the same JSON, so the deployer converts once at the boundary, like this.
 */
function wire(model: { toJSON(): unknown }): KubernetesObject {
  return model.toJSON() as KubernetesObject;
}

function namespace(name: string, labels: Record<string, string> = {}): Namespace {
  return new Namespace({ metadata: { name, labels } });
}

function deployment(
  name: string,
  image: string,
  options: {
    replicas?: number;
    progressDeadlineSeconds?: number;
    runtimeClassName?: string;
    secure?: boolean;
  } = {},
): Deployment {
  const secure = options.secure ?? true;
  return new Deployment({
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      replicas: options.replicas ?? 1,
      ...(options.progressDeadlineSeconds === undefined
        ? {}
        : { progressDeadlineSeconds: options.progressDeadlineSeconds }),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          ...(options.runtimeClassName === undefined
            ? {}
            : { runtimeClassName: options.runtimeClassName }),
          ...(secure
            ? {
                securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
              }
            : {}),
          containers: [
            {
              name: "web",
              image,
              ...(secure
                ? {
                    securityContext: {
                      allowPrivilegeEscalation: false,
                      capabilities: { drop: ["ALL"] },
                    },
                  }
                : {}),
            },
          ],
        },
      },
    },
  });
}

/** Runs `promise`, expects an ApiException with `code`, returns the parsed Status from its body. */
async function apiError(promise: Promise<unknown>, code: number): Promise<Status> {
  const error: unknown = await promise.then(
    () => new Error("expected the request to fail"),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiException);
  const exception = error as ApiException<unknown>;
  expect(exception.code).toBe(code);
  // The client hands over the raw response text: the Status must be JSON.parse'd.
  expect(typeof exception.body).toBe("string");
  return JSON.parse(String(exception.body)) as Status;
}

describe("startFakeKubernetes", () => {
  let kube: FakeKubernetes;
  let kc: KubeConfig;
  let objects: KubernetesObjectApi;
  let core: CoreV1Api;
  let apps: AppsV1Api;

  /** Server-side apply as the deployer will do it: field manager "slipway", force. */
  function apply(model: { toJSON(): unknown }, force = true): Promise<KubernetesObject> {
    return objects.patch(
      wire(model),
      undefined,
      undefined,
      "slipway",
      force,
      PatchStrategy.ServerSideApply,
    );
  }

  function readDeployment(name: string): Promise<V1Deployment> {
    return apps.readNamespacedDeployment({ name, namespace: NS });
  }

  function condition(object: V1Deployment, type: string) {
    return object.status?.conditions?.find((entry) => entry.type === type);
  }

  async function waitForDeployment(
    name: string,
    done: (object: V1Deployment) => boolean,
    timeoutMs = 5_000,
  ) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await readDeployment(name);
      if (done(current)) return current;
      if (Date.now() > deadline)
        throw new Error(`deployment ${name} never got there: ${JSON.stringify(current.status)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function podsOf(app: string): Promise<V1Pod[]> {
    const list = await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${app}` });
    return list.items;
  }

  /** A fresh fake with the tenant namespace; 20 ms kubelet steps keep the suite fast. */
  async function startCluster(kubeletDelayMs: number): Promise<void> {
    kube = await startFakeKubernetes({ kubeletDelayMs });
    kc = kube.kubeConfig();
    objects = KubernetesObjectApi.makeApiClient(kc);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    await objects.create(wire(namespace(NS)));
  }

  beforeEach(async () => {
    await startCluster(20);
  });

  afterEach(async () => {
    await kube.close();
  });

  it("serves discovery, which KubernetesObjectApi uses to find resource paths", async () => {
    await apply(deployment("web", READY_IMAGE));
    await apply(
      new NetworkPolicy({
        metadata: { name: "default-deny", namespace: NS },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      }),
    );
    const paths = kube.requests.map((request) => `${request.method} ${request.path}`);
    expect(paths).toContain("GET /api/v1");
    expect(paths).toContain("GET /apis/apps/v1");
    expect(paths).toContain("PATCH /apis/apps/v1/namespaces/slipway-42/deployments/web");
    expect(paths).toContain(
      "PATCH /apis/networking.k8s.io/v1/namespaces/slipway-42/networkpolicies/default-deny",
    );
    const groups: unknown = await (
      await fetch(`${kube.url}/apis`, { headers: { authorization: authHeader(kube) } })
    ).json();
    expect(JSON.stringify(groups)).toContain('"name":"node.k8s.io"');
    const apiList: unknown = await (
      await fetch(`${kube.url}/apis/apps/v1`, { headers: { authorization: authHeader(kube) } })
    ).json();
    expect(apiList).toMatchObject({
      kind: "APIResourceList",
      groupVersion: "apps/v1",
      resources: expect.arrayContaining([
        expect.objectContaining({
          name: "deployments",
          kind: "Deployment",
          namespaced: true,
          verbs: expect.arrayContaining(["patch", "watch"]) as unknown,
        }),
        expect.objectContaining({ name: "deployments/scale", kind: "Scale" }),
      ]) as unknown,
    });
  });

  it("works from kubeconfigYaml() through loadFromString, and refuses a wrong token with 401", async () => {
    const fromFile = new KubeConfig();
    fromFile.loadFromString(kube.kubeconfigYaml());
    expect(fromFile.getCurrentCluster()).toMatchObject({ server: kube.url, skipTLSVerify: true });
    const ns = await fromFile.makeApiClient(CoreV1Api).readNamespace({ name: NS });
    expect(ns.status?.phase).toBe("Active");
    expect(ns.metadata?.labels).toEqual({ "kubernetes.io/metadata.name": NS });

    const wrong = new KubeConfig();
    wrong.loadFromString(kube.kubeconfigYaml().replace(/token: \S+/, "token: nope"));
    const error = await wrong
      .makeApiClient(CoreV1Api)
      .readNamespace({ name: NS })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(401);
  });

  it("server-side apply creates, then bumps generation only when the spec changes, recording the manager", async () => {
    const created = await apply(deployment("web", READY_IMAGE));
    expect(created.metadata?.generation).toBe(1);
    const again = await apply(deployment("web", READY_IMAGE));
    expect(again.metadata?.generation).toBe(1);
    await apply(deployment("web", NEXT_IMAGE));
    const updated = await readDeployment("web");
    expect(updated.metadata?.generation).toBe(2);
    expect(updated.spec?.template.spec?.containers[0]?.image).toBe(NEXT_IMAGE);
    // Server defaults are visible when reading back.
    expect(updated.spec?.strategy?.type).toBe("RollingUpdate");
    expect(updated.spec?.progressDeadlineSeconds).toBe(600);
    expect(
      updated.metadata?.managedFields?.find((entry) => entry.manager === "slipway"),
    ).toMatchObject({
      operation: "Apply",
      apiVersion: "apps/v1",
      fieldsType: "FieldsV1",
    });
    const noManager = await apiError(
      objects.patch(
        wire(deployment("web", READY_IMAGE)),
        undefined,
        undefined,
        undefined,
        undefined,
        PatchStrategy.ServerSideApply,
      ),
      422,
    );
    expect(noManager.message).toBe(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
    const request = kube.requests.find(
      (entry) => entry.method === "PATCH" && entry.path.endsWith("/deployments/web"),
    );
    expect(request).toMatchObject({
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: "slipway", force: "true" },
      status: 201,
    });
    expect(kube.get("apps/v1", "Deployment", NS, "web")).toMatchObject({
      metadata: { generation: 2 },
    });
  });

  it("apply removes fields the manager stopped applying; without force a field another manager changed is a 409", async () => {
    const labelled = deployment("web", READY_IMAGE);
    labelled.metadata = { ...labelled.metadata, labels: { app: "web", branch: "main" } };
    await apply(labelled);
    await apply(deployment("web", READY_IMAGE));
    expect((await readDeployment("web")).metadata?.labels).toEqual({ app: "web" });

    // Another manager scales it (a merge patch needs the Content-Type header set explicitly).
    await apps.patchNamespacedDeployment(
      { name: "web", namespace: NS, body: { spec: { replicas: 3 } }, fieldManager: "scaler" },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const status = await apiError(apply(deployment("web", READY_IMAGE), false), 409);
    expect(status).toMatchObject({ kind: "Status", reason: "Conflict", code: 409 });
    expect(status.message).toBe(
      'Apply failed with 1 conflict: conflict with "scaler" using apps/v1: .spec.replicas',
    );
    await apply(deployment("web", READY_IMAGE), true);
    expect((await readDeployment("web")).spec?.replicas).toBe(1);
  });

  it("answers an invalid body with a 422 Invalid Status naming the field", async () => {
    const broken = deployment("web", READY_IMAGE);
    if (broken.spec !== undefined) broken.spec.selector = { matchLabels: { app: "other" } };
    const mismatch = await apiError(apply(broken), 422);
    expect(mismatch).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "Invalid",
      code: 422,
    });
    expect(mismatch.message).toContain(
      'Deployment.apps "web" is invalid: spec.template.metadata.labels',
    );
    expect(mismatch.message).toContain("`selector` does not match template `labels`");

    const noContainerName = deployment("web", READY_IMAGE);
    const container = noContainerName.spec?.template.spec?.containers[0];
    if (container !== undefined) container.name = undefined as unknown as string;
    const schema = await apiError(apply(noContainerName), 422);
    expect(schema.message).toContain("spec.template.spec.containers.0.name: Required value");

    // create, not apply: KubernetesObjectApi lowercases the whole URL path, so applying "Web_1"
    // targets ".../deployments/web_1" and the server answers 400 (name differs from the URL's).
    const lowercased = await apiError(apply(deployment("Web_1", READY_IMAGE)), 400);
    expect(lowercased.message).toBe(
      "the name of the object (Web_1) does not match the name on the URL (web_1)",
    );
    const badName = await apiError(objects.create(wire(deployment("Web_1", READY_IMAGE))), 422);
    expect(badName.message).toContain(
      'metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain',
    );
    const longLabel = namespace("tenant", { branch: "x".repeat(64) });
    const label = await apiError(objects.create(wire(longLabel)), 422);
    expect(label.message).toContain("must be no more than 63 characters");
    expect(kube.get("apps/v1", "Deployment", NS, "web")).toBeUndefined();
  });

  it("answers 404 for a namespace that does not exist, and 409 AlreadyExists for a taken name", async () => {
    const missing = deployment("web", READY_IMAGE);
    missing.metadata = { ...missing.metadata, namespace: "nowhere" };
    const notFound = await apiError(objects.create(wire(missing)), 404);
    expect(notFound).toMatchObject({
      reason: "NotFound",
      message: 'namespaces "nowhere" not found',
    });
    const notFoundApply = await apiError(apply(missing), 404);
    expect(notFoundApply.message).toBe('namespaces "nowhere" not found');

    await objects.create(wire(deployment("web", READY_IMAGE)));
    const exists = await apiError(objects.create(wire(deployment("web", READY_IMAGE))), 409);
    expect(exists).toMatchObject({
      reason: "AlreadyExists",
      message: 'deployments.apps "web" already exists',
    });
    const gone = await apiError(
      apps.readNamespacedDeployment({ name: "nope", namespace: NS }),
      404,
    );
    expect(gone.message).toBe('deployments.apps "nope" not found');
  });

  it("plays a ready rollout: ReplicaSet with owner and hash, running pods, complete status", async () => {
    await apply(deployment("web", READY_IMAGE, { replicas: 2 }));
    const done = await waitForDeployment(
      "web",
      (d) => condition(d, "Progressing")?.reason === "NewReplicaSetAvailable",
    );
    expect(done.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    expect(done.status?.unavailableReplicas).toBeUndefined();
    expect(condition(done, "Available")).toMatchObject({
      status: "True",
      reason: "MinimumReplicasAvailable",
    });
    expect(done.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");

    const replicaSets = await objects.list("apps/v1", "ReplicaSet", NS);
    expect(replicaSets.items).toHaveLength(1);
    const replicaSet = replicaSets.items[0];
    const hash = replicaSet?.metadata?.labels?.["pod-template-hash"];
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(replicaSet?.metadata?.name).toBe(`web-${hash ?? ""}`);
    expect(replicaSet?.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: "Deployment",
      name: "web",
      controller: true,
    });

    const pods = await podsOf("web");
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.status?.phase).toBe("Running");
      expect(pod.spec?.nodeName).toBe("fake-node-1");
      expect(pod.status?.containerStatuses?.[0]).toMatchObject({
        ready: true,
        restartCount: 0,
        image: READY_IMAGE,
      });
      expect(pod.metadata?.ownerReferences?.[0]?.name).toBe(replicaSet?.metadata?.name);
    }
  });

  it("plays a crash loop: CrashLoopBackOff, growing restartCount, exit code 1, logs with tailLines and previous", async () => {
    kube.setKubelet((image) => image === NEXT_IMAGE, "crashloop", {
      logs: "starting\nlistening on :3000\nError: DATABASE_URL is not set\n",
    });
    await apply(deployment("web", NEXT_IMAGE));
    const pod = await kube.waitFor(() => {
      const found = kube.objects().find((object) => object.kind === "Pod");
      const status = JSON.stringify(found?.status ?? {});
      return status.includes('"restartCount":3') ? found : undefined;
    });
    const name = (pod.metadata as { name: string }).name;
    const read = await core.readNamespacedPod({ name, namespace: NS });
    const container = read.status?.containerStatuses?.[0];
    expect(read.status?.phase).toBe("Running");
    expect(container?.state?.waiting?.reason).toBe("CrashLoopBackOff");
    expect(container?.lastState?.terminated?.exitCode).toBe(1);
    expect(container?.restartCount).toBeGreaterThanOrEqual(3);

    const tail = await core.readNamespacedPodLog({ name, namespace: NS, tailLines: 1 });
    expect(tail).toBe("Error: DATABASE_URL is not set\n");
    const previous = await core.readNamespacedPodLog({ name, namespace: NS, previous: true });
    expect(previous).toContain("listening on :3000");
    const events = await core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: `involvedObject.name=${name}`,
    });
    const backOff = events.items.find((event) => event.reason === "BackOff");
    expect(backOff).toMatchObject({ type: "Warning", involvedObject: { kind: "Pod", name } });
    expect(backOff?.message).toContain("Back-off restarting failed container web");
    expect(backOff?.count).toBeGreaterThanOrEqual(2);
    const deploymentNow = await readDeployment("web");
    expect(deploymentNow.status?.unavailableReplicas).toBe(1);
    expect(condition(deploymentNow, "Available")?.status).toBe("False");
  });

  it("plays an image pull error: ImagePullBackOff, Failed/ErrImagePull events, logs refused", async () => {
    const image = "registry.test/missing:v1";
    kube.setKubelet((candidate) => candidate === image, "image-pull-error");
    await apply(deployment("web", image));
    await kube.waitFor(() => JSON.stringify(kube.objects()).includes("ImagePullBackOff"));
    const [pod] = await podsOf("web");
    const name = pod?.metadata?.name ?? "";
    expect(pod?.status?.phase).toBe("Pending");
    expect(pod?.status?.containerStatuses?.[0]?.state?.waiting).toEqual({
      reason: "ImagePullBackOff",
      message: `Back-off pulling image "${image}"`,
    });
    const events = await core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: `involvedObject.name=${name}`,
    });
    const failed = events.items
      .filter((event) => event.reason === "Failed")
      .map((event) => event.message);
    expect(failed).toContain("Error: ErrImagePull");
    expect(failed.some((message) => message?.startsWith(`Failed to pull image "${image}"`))).toBe(
      true,
    );
    const logs = await apiError(core.readNamespacedPodLog({ name, namespace: NS }), 400);
    expect(logs.message).toContain("is waiting to start: trying and failing to pull image");
  });

  it("plays a pod that never becomes ready, with Unhealthy readiness events", async () => {
    kube.setKubelet(() => true, "never-ready", { logs: "serving\n" });
    await apply(deployment("web", READY_IMAGE));
    await kube.waitFor(() => JSON.stringify(kube.objects()).includes('"reason":"Unhealthy"'));
    const [pod] = await podsOf("web");
    expect(pod?.status?.phase).toBe("Running");
    expect(pod?.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: true });
    expect(pod?.status?.conditions?.find((entry) => entry.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
    });
    const events = await core.listNamespacedEvent({ namespace: NS });
    expect(events.items.find((event) => event.reason === "Unhealthy")?.message).toBe(
      "Readiness probe failed: HTTP probe failed with statuscode: 503",
    );
    expect(
      await core.readNamespacedPodLog({ name: pod?.metadata?.name ?? "", namespace: NS }),
    ).toBe("serving\n");
  });

  it("plays an unschedulable pod: Pending, PodScheduled=False Unschedulable, FailedScheduling event", async () => {
    kube.setKubelet(() => true, "unschedulable");
    await apply(deployment("web", READY_IMAGE));
    await kube.waitFor(() => JSON.stringify(kube.objects()).includes("FailedScheduling"));
    const [pod] = await podsOf("web");
    expect(pod?.status?.phase).toBe("Pending");
    expect(pod?.status?.conditions?.[0]).toMatchObject({
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message: "0/3 nodes are available: 3 Insufficient memory.",
    });
    const events = await core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: "reason=FailedScheduling",
    });
    expect(events.items[0]?.source?.component).toBe("default-scheduler");
  });

  it("exceeds the progress deadline on a bad image, keeps the old pod serving, and a rollback completes", async () => {
    kube.setKubelet((image) => image === NEXT_IMAGE, "crashloop");
    await apply(deployment("web", READY_IMAGE, { progressDeadlineSeconds: 20 }));
    await waitForDeployment(
      "web",
      (d) => condition(d, "Progressing")?.reason === "NewReplicaSetAvailable",
    );

    await apply(deployment("web", NEXT_IMAGE, { progressDeadlineSeconds: 20 }));
    const stuck = await waitForDeployment(
      "web",
      (d) => condition(d, "Progressing")?.reason === "ProgressDeadlineExceeded",
    );
    expect(condition(stuck, "Progressing")).toMatchObject({
      status: "False",
      message: expect.stringContaining("has timed out progressing") as unknown,
    });
    expect(stuck.status).toMatchObject({
      observedGeneration: 2,
      replicas: 2,
      updatedReplicas: 1,
      availableReplicas: 1,
      unavailableReplicas: 1,
    });
    expect(stuck.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("2");

    await apply(deployment("web", READY_IMAGE, { progressDeadlineSeconds: 20 }));
    const back = await waitForDeployment(
      "web",
      (d) =>
        d.status?.observedGeneration === 3 &&
        condition(d, "Progressing")?.reason === "NewReplicaSetAvailable",
    );
    expect(back.status).toMatchObject({ replicas: 1, updatedReplicas: 1, availableReplicas: 1 });
    // The old ReplicaSet is re-used under a new revision; the crashing one is scaled to zero.
    expect(back.metadata?.annotations?.["deployment.kubernetes.io/revision"]).toBe("3");
    await kube.waitFor(() => kube.objects().filter((object) => object.kind === "Pod").length === 1);
    const replicaSets = await objects.list("apps/v1", "ReplicaSet", NS);
    expect(
      replicaSets.items.map((rs) => (rs as { spec?: { replicas?: number } }).spec?.replicas).sort(),
    ).toEqual([0, 1]);
  });

  it("refuses pods that break Pod Security restricted or name a missing RuntimeClass (ReplicaFailure/FailedCreate)", async () => {
    await apply(namespace(NS, { "pod-security.kubernetes.io/enforce": "restricted" }));
    await apply(deployment("insecure", READY_IMAGE, { secure: false }));
    const insecure = await waitForDeployment(
      "insecure",
      (d) => condition(d, "ReplicaFailure") !== undefined,
    );
    expect(condition(insecure, "ReplicaFailure")).toMatchObject({
      status: "True",
      reason: "FailedCreate",
    });
    const message = condition(insecure, "ReplicaFailure")?.message ?? "";
    expect(message).toMatch(
      /^pods "insecure-\w+-" is forbidden: violates PodSecurity "restricted:latest": /,
    );
    expect(message).toContain("allowPrivilegeEscalation != false");
    expect(message).toContain('must set securityContext.capabilities.drop=["ALL"]');
    expect(message).toContain("runAsNonRoot != true");
    expect(message).toContain("seccompProfile");

    await apply(deployment("qemu", READY_IMAGE, { runtimeClassName: "kata-qemu" }));
    const qemu = await waitForDeployment(
      "qemu",
      (d) => condition(d, "ReplicaFailure") !== undefined,
    );
    expect(condition(qemu, "ReplicaFailure")?.message).toMatch(
      /^pods "qemu-\w+-" is forbidden: pod rejected: RuntimeClass "kata-qemu" not found$/,
    );
    expect(await podsOf("insecure")).toHaveLength(0);
    expect(await podsOf("qemu")).toHaveLength(0);
    const events = await core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: "reason=FailedCreate",
    });
    expect(events.items.map((event) => event.involvedObject.kind)).toEqual([
      "ReplicaSet",
      "ReplicaSet",
    ]);

    await apply(deployment("kata", READY_IMAGE, { runtimeClassName: "kata-fc" }));
    await waitForDeployment(
      "kata",
      (d) => condition(d, "Progressing")?.reason === "NewReplicaSetAvailable",
    );
  });

  it("scales to zero with a merge patch: pods go away and the rollout completes", async () => {
    await apply(deployment("web", READY_IMAGE, { replicas: 2 }));
    await waitForDeployment("web", (d) => d.status?.availableReplicas === 2);
    // Without the header the typed client sends application/json-patch+json, which wants an array.
    const wrongType = await apiError(
      apps.patchNamespacedDeployment({
        name: "web",
        namespace: NS,
        body: { spec: { replicas: 0 } },
      }),
      400,
    );
    expect(wrongType.reason).toBe("BadRequest");
    await apps.patchNamespacedDeployment(
      { name: "web", namespace: NS, body: { spec: { replicas: 0 } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const scaled = await waitForDeployment(
      "web",
      (d) =>
        d.status?.observedGeneration === 2 &&
        condition(d, "Progressing")?.reason === "NewReplicaSetAvailable",
    );
    // Zero counts are omitted, as by the real API server: read them with `?? 0`.
    expect(scaled.status?.replicas).toBeUndefined();
    expect(condition(scaled, "Available")?.status).toBe("True");
    expect(await podsOf("web")).toHaveLength(0);

    // The scale subresource works too (e.g. for un-suspending).
    await apps.patchNamespacedDeploymentScale(
      { name: "web", namespace: NS, body: { spec: { replicas: 1 } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const scale = await apps.readNamespacedDeploymentScale({ name: "web", namespace: NS });
    expect(scale.spec?.replicas).toBe(1);
    expect(scale.status?.selector).toBe("app=web");
    await waitForDeployment("web", (d) => d.status?.availableReplicas === 1);
  });

  it("deletes a namespace with everything in it: Terminating first, then gone", async () => {
    // Termination lasts one kubelet delay: long enough here to observe it without racing.
    await kube.close();
    await startCluster(300);
    await apply(deployment("web", READY_IMAGE));
    await kube.waitFor(() => kube.objects().some((object) => object.kind === "Pod"));
    await objects.delete(wire(namespace(NS)));
    const terminating = await core.readNamespace({ name: NS });
    expect(terminating.status?.phase).toBe("Terminating");
    const refused = await apiError(objects.create(wire(deployment("late", READY_IMAGE))), 403);
    expect(refused.message).toContain("because it is being terminated");
    await kube.waitFor(() => kube.get("v1", "Namespace", undefined, NS) === undefined);
    await apiError(core.readNamespace({ name: NS }), 404);
    const leftovers = kube
      .objects()
      .filter((object) => (object.metadata as { namespace?: string }).namespace === NS);
    expect(leftovers).toEqual([]);
  });

  it("streams pod events to the client's Watch", async () => {
    const seen: Array<{ type: string; phase: string | undefined }> = [];
    let ended: unknown = "open";
    const watch = new Watch(kc);
    const controller = await watch.watch(
      `/api/v1/namespaces/${NS}/pods`,
      { labelSelector: "app=web" },
      (type, object: V1Pod) => seen.push({ type, phase: object.status?.phase }),
      (error: unknown) => {
        ended = error;
      },
    );
    await apply(deployment("web", READY_IMAGE));
    await kube.waitFor(() =>
      seen.some((event) => event.type === "MODIFIED" && event.phase === "Running"),
    );
    await objects.delete(wire(deployment("web", READY_IMAGE)));
    await kube.waitFor(() => seen.some((event) => event.type === "DELETED"));
    expect(seen[0]).toEqual({ type: "ADDED", phase: "Pending" });
    controller.abort();
    await kube.waitFor(() => ended !== "open");
    const request = kube.requests.find(
      (entry) => entry.path.endsWith("/pods") && entry.query.watch === "true",
    );
    expect(request?.query.labelSelector).toBe("app=web");
  });

  it("lists with label and field selectors and pages with limit/continue; items carry no kind", async () => {
    for (const name of ["a", "b", "c"]) await apply(deployment(name, READY_IMAGE));
    const one = await objects.list(
      "apps/v1",
      "Deployment",
      NS,
      undefined,
      undefined,
      undefined,
      undefined,
      "app=b",
    );
    expect(one.items.map((item) => item.metadata?.name)).toEqual(["b"]);
    // Like the real server, list items lack apiVersion/kind: only the list has them.
    expect(one.items[0]?.kind).toBeUndefined();
    const byName = await objects.list(
      "apps/v1",
      "Deployment",
      NS,
      undefined,
      undefined,
      undefined,
      "metadata.name=c",
    );
    expect(byName.items).toHaveLength(1);
    const first = await apps.listNamespacedDeployment({ namespace: NS, limit: 2 });
    expect(first.items).toHaveLength(2);
    const rest = await apps.listNamespacedDeployment({
      namespace: NS,
      limit: 2,
      _continue: first.metadata?._continue ?? "",
    });
    expect(rest.items.map((item) => item.metadata?.name)).toEqual(["c"]);
    const unsupported = await apiError(
      core.listNamespacedPod({ namespace: NS, fieldSelector: "spec.image=x" }),
      400,
    );
    expect(unsupported.message).toBe("field label not supported: spec.image");
  });

  it("deletes objects (404 when missing) and garbage-collects their ReplicaSets and pods", async () => {
    await apply(deployment("web", READY_IMAGE));
    await waitForDeployment("web", (d) => d.status?.availableReplicas === 1);
    const status = await objects.delete(wire(deployment("web", READY_IMAGE)));
    expect(status).toMatchObject({
      status: "Success",
      details: { name: "web", group: "apps", kind: "deployments" },
    });
    await apiError(objects.delete(wire(deployment("web", READY_IMAGE))), 404);
    await kube.waitFor(
      () => !kube.objects().some((object) => object.kind === "Pod" || object.kind === "ReplicaSet"),
    );
  });

  it("injects faults as Status errors: 409 and repeated 500s, with delay", async () => {
    kube.failNext(
      { method: "PATCH", path: /\/deployments\/web$/ },
      { status: 409, message: "the object has been modified" },
    );
    const conflict = await apiError(apply(deployment("web", READY_IMAGE)), 409);
    expect(conflict).toMatchObject({
      kind: "Status",
      reason: "Conflict",
      message: "the object has been modified",
    });

    kube.failNext(
      { method: "GET", path: /\/deployments\/web$/ },
      { status: 500, times: 2, delayMs: 50 },
    );
    await apply(deployment("web", READY_IMAGE));
    const started = Date.now();
    const first = await apiError(readDeployment("web"), 500);
    expect(first.reason).toBe("InternalError");
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    await apiError(readDeployment("web"), 500);
    expect((await readDeployment("web")).metadata?.name).toBe("web");
    expect(kube.requests.filter((entry) => entry.status === 500)).toHaveLength(2);
  });

  it("answers SelfSubjectAccessReviews and RuntimeClass reads, and enforces denied access", async () => {
    const auth = kc.makeApiClient(AuthorizationV1Api);
    const node = kc.makeApiClient(NodeV1Api);
    const review = (verb: string, resource: string, group: string) =>
      auth.createSelfSubjectAccessReview({
        // The typed APIs want client-node model classes; a kubernetes-models object converts as in wire().
        body: new SelfSubjectAccessReview({
          spec: { resourceAttributes: { verb, resource, group, namespace: NS } },
        }).toJSON() as V1SelfSubjectAccessReview,
      });
    expect((await review("patch", "deployments", "apps")).status?.allowed).toBe(true);
    expect((await node.readRuntimeClass({ name: "kata-fc" })).handler).toBe("kata_fc");
    const missing = await apiError(node.readRuntimeClass({ name: "kata-qemu" }), 404);
    expect(missing.message).toBe('runtimeclasses.node.k8s.io "kata-qemu" not found');
    kube.runtimeClasses.add("kata-qemu");
    expect((await node.readRuntimeClass({ name: "kata-qemu" })).metadata?.name).toBe("kata-qemu");

    kube.allowAccess(
      (attributes) => !(attributes.verb === "delete" && attributes.resource === "namespaces"),
    );
    expect((await review("delete", "namespaces", "")).status?.allowed).toBe(false);
    expect((await review("create", "deployments", "apps")).status?.allowed).toBe(true);
    const denied = await apiError(objects.delete(wire(namespace(NS))), 403);
    expect(denied.message).toBe(
      'namespaces "slipway-42" is forbidden: User "system:serviceaccount:slipway:slipway" cannot delete resource "namespaces" in API group "" at the cluster scope',
    );
  });
});

function authHeader(kube: FakeKubernetes): string {
  const token = /token: (\S+)/.exec(kube.kubeconfigYaml())?.[1] ?? "";
  return `Bearer ${token}`;
}
