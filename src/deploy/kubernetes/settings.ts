import type { TenantSettings } from "../manifests/index.ts";

/** What the operator sets for every tenant: its quota, container defaults and maximums. */
export type TenantLimits = Pick<TenantSettings, "quota" | "defaults" | "max">;

/** How Slipway deploys: from the environment (`config.kubernetes`) plus tenant limits. */
export interface KubernetesSettings {
  /** `SLIPWAY_RUNTIME_CLASS`: the sandbox every preview pod runs in. */
  runtimeClass: string;
  /** `SLIPWAY_BASE_DOMAIN`: previews get `<branch>--<repo>.<base domain>`; none without it. */
  baseDomain: string | undefined;
  /** `SLIPWAY_INGRESS_CLASS`; the cluster's default IngressClass when undefined. */
  ingressClass: string | undefined;
  /** `SLIPWAY_INGRESS_NAMESPACE`: the only namespace allowed to reach preview pods. */
  ingressNamespace: string;
  /** `SLIPWAY_ROLLOUT_TIMEOUT`: how long a rollout may take to become ready. */
  rolloutTimeoutMs: number;
  tenant: TenantLimits;
  /** The cluster's pod, service and node ranges, which `egress: internet` must not reach. */
  clusterCidrs?: string[];
}

/** Small previews: 20 pods and 4 CPUs / 8 GiB per installation, at most 2 CPUs / 2 GiB a pod. */
export const DEFAULT_TENANT_LIMITS: TenantLimits = {
  quota: { cpu: "4", memory: "8Gi", pods: 20 },
  defaults: { cpuRequest: "100m", memoryRequest: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
  max: { cpu: "2", memory: "2Gi" },
};

/**
 * The Deployment's `progressDeadlineSeconds`: a little shorter than Slipway's own rollout
 * timeout, so Kubernetes declares `ProgressDeadlineExceeded` (a verdict it records on the object)
 * before Slipway stops waiting. Also sizes the startup probe's allowance.
 */
export function progressDeadlineSeconds(rolloutTimeoutMs: number): number {
  const seconds = Math.floor(rolloutTimeoutMs / 1000);
  return Math.max(1, seconds - Math.min(10, Math.floor(seconds / 10)));
}
