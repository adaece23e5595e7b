import { buildNamespaceFor, ENGINE_CONTAINER, ENGINE_POD } from "./engine-names.ts";

/**
 * The Dagger CLI's `_EXPERIMENTAL_DAGGER_RUNNER_HOST` for an installation's builds:
 * `kube-pod://<pod>?namespace=<ns>&container=<name>`, which makes the CLI reach the engine with
 * `kubectl exec … buildctl dial-stdio` (through the API server, never the pod network). Derived
 * from the installation id alone, so no job can be pointed at another tenant's engine.
 */
export function runnerHost(installationId: number): string {
  const query = new URLSearchParams({
    namespace: buildNamespaceFor(installationId),
    container: ENGINE_CONTAINER,
  });
  return `kube-pod://${ENGINE_POD}?${query.toString()}`;
}
