import { StatefulSet } from "kubernetes-models/apps/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { Namespace } from "kubernetes-models/v1";
import { tenantLabels } from "../../deploy/labels.ts";
import { blockedRanges, DNS_EGRESS } from "../../deploy/manifests/egress-policy.ts";
import { RenderInputError } from "../../deploy/manifests/render-input-error.ts";
import {
  BUILD_NAMESPACE_LABEL,
  buildNamespaceFor,
  ENGINE_CONTAINER,
  ENGINE_NAME,
} from "./engine-names.ts";
import { ENGINE_RESOURCES, type EngineSettings } from "./engine-settings.ts";

export interface EngineObjects {
  namespace: Namespace;
  networkPolicy: NetworkPolicy;
  statefulSet: StatefulSet;
}

export type EngineObject = Namespace | NetworkPolicy | StatefulSet;

const PINNED_IMAGE = /^[a-z0-9][a-z0-9._\-/:]*@sha256:[0-9a-f]{64}$/;
const QUANTITY = /^[1-9]\d*(Ki|Mi|Gi|Ti)$/;

/** Selects the engine's pod; never changes (a StatefulSet's selector is immutable). */
function engineSelector(installationId: number): Record<string, string> {
  return {
    "app.kubernetes.io/name": ENGINE_NAME,
    "slipway.dev/installation": String(installationId),
  };
}

/**
 * The objects of one installation's Dagger engine, in its build namespace
 * `slipway-<id>-build`:
 *
 * - the **namespace**, Pod Security `privileged`: the Dagger engine runs containers itself
 *   (namespaces, mounts, overlayfs), which needs a privileged container. Pod Security cannot
 *   say "privileged, but only inside a VM", so this namespace holds nothing but the engine, and
 *   the admission policy `slipway-build-sandbox` (deploy/kubernetes/policies) refuses any pod
 *   here that is not on the sandbox RuntimeClass. The tenant's app namespace stays `restricted`.
 * - a **NetworkPolicy**: no ingress at all (the worker reaches the engine with `kubectl exec`,
 *   through the API server and the kubelet, not the pod network); egress to cluster DNS and to
 *   public addresses only, never private, link-local (cloud metadata at 169.254.169.254) or the
 *   cluster's own ranges (pods, services, nodes, the API server).
 * - a **StatefulSet** of one engine pod on the VM sandbox RuntimeClass (Kata), privileged inside
 *   its VM only, with requests and limits, the image pinned by digest, and the layer cache on a
 *   volume of its own that no other tenant's engine mounts.
 *
 * Throws a {@link RenderInputError} for an image not pinned by digest or a bad cache size.
 */
export function engineObjects(installationId: number, settings: EngineSettings): EngineObjects {
  const name = buildNamespaceFor(installationId);
  if (!PINNED_IMAGE.test(settings.image)) {
    throw new RenderInputError(
      "engineImage",
      `${JSON.stringify(settings.image)} is not pinned by digest (<image>@sha256:<64 hex>)`,
    );
  }
  if (!QUANTITY.test(settings.cacheSize)) {
    throw new RenderInputError(
      "engineCacheSize",
      `${JSON.stringify(settings.cacheSize)} is not a size such as 20Gi`,
    );
  }
  const labels = tenantLabels(installationId);
  const selector = engineSelector(installationId);
  const blocked = blockedRanges(settings.clusterCidrs);

  const namespace = new Namespace({
    metadata: {
      name,
      labels: {
        ...labels,
        [BUILD_NAMESPACE_LABEL]: "true",
        // The one namespace per tenant where a privileged pod is admitted (see above): Pod
        // Security has no "privileged inside a VM" level; the admission policy adds that rule.
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/enforce-version": "latest",
      },
    },
  });

  const networkPolicy = new NetworkPolicy({
    metadata: { name: "engine-isolation", namespace: name, labels: { ...labels } },
    spec: {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      egress: [
        DNS_EGRESS,
        {
          // Package registries, base images, the image registry: public addresses only.
          to: [
            { ipBlock: { cidr: "0.0.0.0/0", except: blocked.ipv4 } },
            { ipBlock: { cidr: "::/0", except: blocked.ipv6 } },
          ],
        },
      ],
    },
  });

  const statefulSet = new StatefulSet({
    metadata: { name: ENGINE_NAME, namespace: name, labels: { ...labels, ...selector } },
    spec: {
      replicas: 1,
      serviceName: ENGINE_NAME,
      selector: { matchLabels: { ...selector } },
      // Scaling to zero keeps the cache; deleting the namespace deletes it.
      persistentVolumeClaimRetentionPolicy: { whenScaled: "Retain", whenDeleted: "Delete" },
      template: {
        metadata: { labels: { ...labels, ...selector } },
        spec: {
          runtimeClassName: settings.runtimeClass,
          // The engine never calls the Kubernetes API: no token to steal from inside it.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 60,
          containers: [
            {
              name: ENGINE_CONTAINER,
              image: settings.image,
              // Needed by the engine to run build containers; confined to the Kata VM, whose
              // kernel is not the node's (the only privileged container Slipway renders).
              securityContext: { privileged: true },
              resources: {
                requests: { ...ENGINE_RESOURCES.requests },
                limits: { ...ENGINE_RESOURCES.limits },
              },
              // Ready once the engine's workers answer: what `kube-pod://` connects to.
              readinessProbe: {
                exec: { command: ["buildctl", "debug", "workers"] },
                periodSeconds: 5,
                timeoutSeconds: 5,
              },
              volumeMounts: [{ name: "cache", mountPath: "/var/lib/dagger" }],
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "cache", labels: { ...labels } },
          spec: {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: settings.cacheSize } },
          },
        },
      ],
    },
  });

  return { namespace, networkPolicy, statefulSet };
}

/** The engine's objects in apply order: the namespace, its network policy, then the engine. */
export function engineObjectList(objects: EngineObjects): EngineObject[] {
  return [objects.namespace, objects.networkPolicy, objects.statefulSet];
}
