import {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  NodeV1Api,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type KubeConfig,
  type V1Deployment,
  type V1Pod,
  type V1SelfSubjectAccessReview,
} from "@kubernetes/client-node";
import { SelfSubjectAccessReview } from "kubernetes-models/authorization.k8s.io/v1";
import type { SlipwayObject } from "../manifests/index.ts";
import { apiSession, wire } from "./api-session.ts";
import type { ObjectRef } from "./push-plan.ts";

/** The field manager of every write: server-side apply records Slipway's fields under it. */
export const FIELD_MANAGER = "slipway";

export interface AccessAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
}

/** The requests the deployer makes, each retried on transient failures. */
export interface ClusterClient {
  /** Server-side apply, forced: Slipway's intent wins over other managers' edits. */
  apply(object: SlipwayObject): Promise<void>;
  /** Deletes the object; false when it did not exist. */
  remove(ref: ObjectRef): Promise<boolean>;
  readDeployment(namespace: string, name: string): Promise<V1Deployment | undefined>;
  listDeployments(namespace: string, labelSelector: string): Promise<V1Deployment[]>;
  scaleDeployment(namespace: string, name: string, replicas: number): Promise<void>;
  listNames(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector: string,
  ): Promise<string[]>;
  listPods(namespace: string, labelSelector: string): Promise<V1Pod[]>;
  listWarningEvents(namespace: string): Promise<CoreV1Event[]>;
  /** The last lines of a container's previous (crashed) run. */
  previousLogs(namespace: string, pod: string, container: string, lines: number): Promise<string>;
  /** Deletes the namespace and everything in it; false when it did not exist. */
  deleteNamespace(name: string): Promise<boolean>;
  runtimeClassExists(name: string): Promise<boolean>;
  /** A SelfSubjectAccessReview, cluster-wide (tenant namespaces come and go). */
  allowed(attributes: AccessAttributes): Promise<boolean>;
}

export interface ClusterOptions {
  /** The first retry's delay (doubling; 4 tries in all). */
  retryBaseMs?: number;
}

/** A SelfSubjectAccessReview body, built as a typed model and handed over as its JSON. */
function accessReview(attributes: AccessAttributes): V1SelfSubjectAccessReview {
  const review = new SelfSubjectAccessReview({ spec: { resourceAttributes: { ...attributes } } });
  return review.toJSON() as V1SelfSubjectAccessReview;
}

/** The client-node shape of a kubernetes-models object: the same JSON, typed differently. */
function describe(kind: string, namespace: string | undefined, name: string): string {
  return `${kind} ${namespace === undefined || namespace === "" ? "" : `${namespace}/`}${name}`;
}

/**
 * A Kubernetes client for the deployer over one KubeConfig. One `KubernetesObjectApi` is shared
 * by every session (it caches API discovery per instance); `session(signal)` gives the calls of
 * one stage, whose retries stop when the signal fires. Failures are {@link KubernetesApiError}s
 * naming the action.
 */
export function createCluster(
  kubeConfig: KubeConfig,
  options: ClusterOptions = {},
): (signal: AbortSignal) => ClusterClient {
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const node = kubeConfig.makeApiClient(NodeV1Api);
  const auth = kubeConfig.makeApiClient(AuthorizationV1Api);
  const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

  return function session(signal: AbortSignal): ClusterClient {
    const { call, optional } = apiSession(signal, options.retryBaseMs);

    return {
      async apply(object) {
        const { namespace, name = "" } = object.metadata ?? {};
        await call(`apply ${describe(object.kind, namespace, name)}`, () =>
          objects.patch(
            wire(object),
            undefined,
            undefined,
            FIELD_MANAGER,
            true,
            PatchStrategy.ServerSideApply,
          ),
        );
      },
      async remove(ref) {
        const spec = {
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, namespace: ref.namespace },
        };
        const done = await optional(`delete ${describe(ref.kind, ref.namespace, ref.name)}`, () =>
          objects.delete(spec),
        );
        return done !== undefined;
      },
      readDeployment(namespace, name) {
        return optional(`read ${describe("Deployment", namespace, name)}`, () =>
          apps.readNamespacedDeployment({ namespace, name }),
        );
      },
      async listDeployments(namespace, labelSelector) {
        const list = await call(`list Deployments in ${namespace}`, () =>
          apps.listNamespacedDeployment({ namespace, labelSelector }),
        );
        return list.items;
      },
      async scaleDeployment(namespace, name, replicas) {
        await call(`scale ${describe("Deployment", namespace, name)} to ${replicas}`, () =>
          apps.patchNamespacedDeployment(
            { namespace, name, body: { spec: { replicas } }, fieldManager: FIELD_MANAGER },
            mergePatch,
          ),
        );
      },
      async listNames(apiVersion, kind, namespace, labelSelector) {
        const list = await call(`list ${kind}s in ${namespace}`, () =>
          objects.list(
            apiVersion,
            kind,
            namespace,
            undefined,
            undefined,
            undefined,
            undefined,
            labelSelector,
          ),
        );
        return list.items.map((item) => item.metadata?.name ?? "").filter((name) => name !== "");
      },
      async listPods(namespace, labelSelector) {
        const list = await call(`list Pods in ${namespace}`, () =>
          core.listNamespacedPod({ namespace, labelSelector }),
        );
        return list.items;
      },
      async listWarningEvents(namespace) {
        const list = await call(`list Events in ${namespace}`, () =>
          core.listNamespacedEvent({ namespace, fieldSelector: "type=Warning", limit: 500 }),
        );
        return list.items;
      },
      previousLogs(namespace, pod, container, lines) {
        return call(`read the logs of ${describe("Pod", namespace, pod)}`, () =>
          core.readNamespacedPodLog({
            namespace,
            name: pod,
            container,
            previous: true,
            tailLines: lines,
          }),
        );
      },
      async deleteNamespace(name) {
        const done = await optional(`delete Namespace ${name}`, () =>
          core.deleteNamespace({ name }),
        );
        return done !== undefined;
      },
      async runtimeClassExists(name) {
        const found = await optional(`read RuntimeClass ${name}`, () =>
          node.readRuntimeClass({ name }),
        );
        return found !== undefined;
      },
      async allowed(attributes) {
        const review = await call(
          `review access to ${attributes.verb} ${attributes.resource}`,
          () => auth.createSelfSubjectAccessReview({ body: accessReview(attributes) }),
        );
        return review.status?.allowed === true;
      },
    };
  };
}
