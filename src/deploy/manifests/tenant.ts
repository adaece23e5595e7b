import { LimitRange, Namespace, ResourceQuota } from "kubernetes-models/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { tenantLabels } from "../labels.ts";
import { namespaceFor } from "../names.ts";
import { DNS_EGRESS } from "./egress-policy.ts";
import { RenderInputError } from "./render-input-error.ts";

/** What the operator configures for every tenant. Quantities are Kubernetes quantities. */
export interface TenantSettings {
  installationId: number;
  /** The namespace's total: requests and limits of all pods together, and the pod count. */
  quota: { cpu: string; memory: string; pods: number };
  /** Requests and limits a container gets when it states none. */
  defaults: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string };
  /** The most one container may ask for. */
  max: { cpu: string; memory: string };
  /** Where the ingress controller runs: the only namespace allowed to reach tenant pods. */
  ingressNamespace: string;
}

export interface TenantObjects {
  namespace: Namespace;
  resourceQuota: ResourceQuota;
  limitRange: LimitRange;
  /** `default-deny`, `allow-ingress-controller`, `allow-dns`, in that order. */
  networkPolicies: NetworkPolicy[];
}

const POD_SECURITY_LEVEL = "restricted";
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const NAMESPACE_NAME = "kubernetes.io/metadata.name";

function podSecurityLabels(): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ["enforce", "warn", "audit"]) {
    labels[`pod-security.kubernetes.io/${mode}`] = POD_SECURITY_LEVEL;
    labels[`pod-security.kubernetes.io/${mode}-version`] = "latest";
  }
  return labels;
}

/**
 * The objects of one installation's tenant: its namespace (Pod Security `restricted` enforced,
 * warned and audited), a quota, container defaults and maximums, and network policies that deny
 * everything except traffic from the ingress controller and DNS lookups. Internet egress is per
 * branch (see `renderBranch`).
 */
export function renderTenant(settings: TenantSettings): TenantObjects {
  const name = namespaceFor(settings.installationId);
  if (!DNS_LABEL.test(settings.ingressNamespace)) {
    throw new RenderInputError(
      "ingressNamespace",
      `${JSON.stringify(settings.ingressNamespace)} is not a namespace name (a DNS-1123 label)`,
    );
  }
  if (!Number.isSafeInteger(settings.quota.pods) || settings.quota.pods < 0) {
    throw new RenderInputError(
      "quota.pods",
      `must be a non-negative integer, got ${settings.quota.pods}`,
    );
  }
  const labels = tenantLabels(settings.installationId);
  const metadata = (objectName: string) => ({
    name: objectName,
    namespace: name,
    labels: { ...labels },
  });

  const namespace = new Namespace({
    metadata: { name, labels: { ...labels, ...podSecurityLabels() } },
  });

  const resourceQuota = new ResourceQuota({
    metadata: metadata("tenant-quota"),
    spec: {
      hard: {
        "requests.cpu": settings.quota.cpu,
        "requests.memory": settings.quota.memory,
        "limits.cpu": settings.quota.cpu,
        "limits.memory": settings.quota.memory,
        pods: String(settings.quota.pods),
        // Previews are reached through the ingress controller only, never exposed directly.
        "services.loadbalancers": "0",
        "services.nodeports": "0",
      },
    },
  });

  const limitRange = new LimitRange({
    metadata: metadata("tenant-limits"),
    spec: {
      limits: [
        {
          type: "Container",
          defaultRequest: {
            cpu: settings.defaults.cpuRequest,
            memory: settings.defaults.memoryRequest,
          },
          default: { cpu: settings.defaults.cpuLimit, memory: settings.defaults.memoryLimit },
          max: { cpu: settings.max.cpu, memory: settings.max.memory },
        },
      ],
    },
  });

  const defaultDeny = new NetworkPolicy({
    metadata: metadata("default-deny"),
    // An empty pod selector with both types and no rules: nothing in or out unless allowed below.
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
  });

  const allowIngressController = new NetworkPolicy({
    metadata: metadata("allow-ingress-controller"),
    spec: {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: settings.ingressNamespace } } },
          ],
        },
      ],
    },
  });

  const allowDns = new NetworkPolicy({
    metadata: metadata("allow-dns"),
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [DNS_EGRESS],
    },
  });

  return {
    namespace,
    resourceQuota,
    limitRange,
    networkPolicies: [defaultDeny, allowIngressController, allowDns],
  };
}
