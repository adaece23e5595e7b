import { namespaceFor } from "../../deploy/names.ts";

/** The StatefulSet, and therefore its one pod `dagger-engine-0`. */
export const ENGINE_NAME = "dagger-engine";
export const ENGINE_POD = `${ENGINE_NAME}-0`;
export const ENGINE_CONTAINER = "engine";

/** The label that marks a build namespace (admission policies select on it). */
export const BUILD_NAMESPACE_LABEL = "slipway.dev/build-namespace";
/** When the engine last served a build (RFC 3339), for the idle sweep. */
export const LAST_USED_ANNOTATION = "slipway.dev/engine-last-used";

/**
 * The build namespace of an installation: `slipway-<installation id>-build`, next to its tenant
 * namespace and never the same one, because it is the only place a privileged pod may run.
 */
export function buildNamespaceFor(installationId: number): string {
  return `${namespaceFor(installationId)}-build`;
}
