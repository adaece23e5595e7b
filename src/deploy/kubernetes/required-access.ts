/** One RBAC rule the deployer needs, in the terms of a ClusterRole rule. */
export interface AccessRule {
  /** API group, `""` for the core group. */
  group: string;
  resource: string;
  subresource?: string;
  verbs: readonly string[];
  /** What Slipway does with it, for the message when it is missing. */
  why: string;
}

/**
 * Everything the deployer does to the cluster, cluster-wide (tenant namespaces are created per
 * installation, so a namespaced Role cannot cover them). Server-side apply is authorized as
 * `patch`, and as `create` too when the object does not exist yet. The RBAC manifests must grant
 * exactly these; the start-up check asks the API server about each verb.
 */
export const REQUIRED_ACCESS = [
  {
    group: "",
    resource: "namespaces",
    verbs: ["create", "patch", "delete"],
    why: "apply each installation's tenant namespace and delete it on uninstall",
  },
  {
    group: "",
    resource: "resourcequotas",
    verbs: ["create", "patch"],
    why: "apply the tenant's quota",
  },
  {
    group: "",
    resource: "limitranges",
    verbs: ["create", "patch"],
    why: "apply the tenant's container limits",
  },
  {
    group: "networking.k8s.io",
    resource: "networkpolicies",
    verbs: ["create", "patch", "list", "delete"],
    why: "apply the tenant's network policies and a branch's internet egress, and remove them",
  },
  {
    group: "apps",
    resource: "deployments",
    verbs: ["create", "patch", "get", "list", "delete"],
    why: "roll out, watch, revert, scale down and remove previews",
  },
  {
    group: "",
    resource: "services",
    verbs: ["create", "patch", "list", "delete"],
    why: "apply and remove a preview's Service",
  },
  {
    group: "networking.k8s.io",
    resource: "ingresses",
    verbs: ["create", "patch", "list", "delete"],
    why: "apply and remove a preview's Ingress",
  },
  {
    group: "",
    resource: "pods",
    verbs: ["list"],
    why: "diagnose a failed rollout from its pods",
  },
  {
    group: "",
    resource: "pods",
    subresource: "log",
    verbs: ["get"],
    why: "show the last log lines of a crashing app",
  },
  {
    group: "",
    resource: "events",
    verbs: ["list"],
    why: "diagnose a failed rollout from its events",
  },
  {
    group: "node.k8s.io",
    resource: "runtimeclasses",
    verbs: ["get"],
    why: "check that the sandbox RuntimeClass exists",
  },
  // Each installation's build engine (SLIPWAY_BUILD_ENGINE=kubernetes), in its build namespace.
  {
    group: "apps",
    resource: "statefulsets",
    verbs: ["create", "patch", "list"],
    why: "apply each installation's build engine, and find and scale idle ones to zero",
  },
  {
    group: "",
    resource: "pods",
    verbs: ["get"],
    why: "wait for a build engine to be ready (kubectl exec reads the pod too)",
  },
  {
    group: "",
    resource: "pods",
    subresource: "exec",
    // `create` for SPDY, `get` for the WebSocket exec of newer kubectl versions.
    verbs: ["create", "get"],
    why: "reach a build engine with the Dagger CLI's kube-pod runner (kubectl exec … buildctl dial-stdio)",
  },
] as const satisfies readonly AccessRule[];
