import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  NodeV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
  type V1StatefulSet,
} from "@kubernetes/client-node";
import { apiFailure, isRetryable, KubernetesApiError } from "../../deploy/kubernetes/api-error.ts";
import { apiSession, wire } from "../../deploy/kubernetes/api-session.ts";
import { FIELD_MANAGER } from "../../deploy/kubernetes/cluster-client.ts";
import type { EngineObject } from "./engine-objects.ts";

/** The requests the engine manager makes, each retried on transient failures. */
export interface EngineCluster {
  /** Server-side apply, forced, as field manager `slipway`. */
  apply(object: EngineObject): Promise<void>;
  readPod(namespace: string, name: string): Promise<V1Pod | undefined>;
  /** Merges annotations into a StatefulSet's metadata. */
  annotate(namespace: string, name: string, annotations: Record<string, string>): Promise<void>;
  /** Every StatefulSet the selector picks, in all namespaces. */
  listStatefulSets(labelSelector: string): Promise<V1StatefulSet[]>;
  /**
   * Scales a StatefulSet to zero unless it changed since `resourceVersion` was read (a build
   * started on it meanwhile): `false` then.
   */
  scaleToZero(namespace: string, name: string, resourceVersion: string): Promise<boolean>;
  /** Deletes the namespace and everything in it; false when it did not exist. */
  deleteNamespace(name: string): Promise<boolean>;
  runtimeClassExists(name: string): Promise<boolean>;
}

/**
 * The engine manager's Kubernetes client over one KubeConfig (the worker's ServiceAccount in a
 * cluster); `session(signal)` gives calls whose retries stop when the signal fires. Failures are
 * {@link KubernetesApiError}s naming the action.
 */
export function createEngineCluster(
  kubeConfig: KubeConfig,
  options: { retryBaseMs?: number } = {},
): (signal: AbortSignal) => EngineCluster {
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const node = kubeConfig.makeApiClient(NodeV1Api);
  const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

  return function session(signal: AbortSignal): EngineCluster {
    const { call, optional } = apiSession(signal, options.retryBaseMs);

    return {
      async apply(object) {
        const { namespace, name = "" } = object.metadata ?? {};
        const where = namespace === undefined ? name : `${namespace}/${name}`;
        await call(`apply ${object.kind} ${where}`, () =>
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
      readPod(namespace, name) {
        return optional(`read Pod ${namespace}/${name}`, () =>
          core.readNamespacedPod({ namespace, name }),
        );
      },
      async annotate(namespace, name, annotations) {
        await call(`annotate StatefulSet ${namespace}/${name}`, () =>
          apps.patchNamespacedStatefulSet(
            { namespace, name, body: { metadata: { annotations } }, fieldManager: FIELD_MANAGER },
            mergePatch,
          ),
        );
      },
      async listStatefulSets(labelSelector) {
        const list = await call("list the build engines", () =>
          apps.listStatefulSetForAllNamespaces({ labelSelector }),
        );
        return list.items;
      },
      async scaleToZero(namespace, name, resourceVersion) {
        try {
          await call(
            `scale StatefulSet ${namespace}/${name} to 0`,
            () =>
              apps.patchNamespacedStatefulSet(
                {
                  namespace,
                  name,
                  // The resourceVersion makes the patch conditional: 409 if a build touched it.
                  body: { metadata: { resourceVersion }, spec: { replicas: 0 } },
                  fieldManager: FIELD_MANAGER,
                },
                mergePatch,
              ),
            (error) => isRetryable(error) && apiFailure(error)?.code !== 409,
          );
          return true;
        } catch (error) {
          if (error instanceof KubernetesApiError && error.code === 409) return false;
          throw error;
        }
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
    };
  };
}
