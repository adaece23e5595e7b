/** How each installation's Dagger engine runs on the cluster (`SLIPWAY_BUILD_ENGINE=kubernetes`). */
export interface EngineSettings {
  /** `SLIPWAY_BUILD_RUNTIME_CLASS`: the VM sandbox the privileged engine runs in (Kata). */
  runtimeClass: string;
  /** `SLIPWAY_ENGINE_IMAGE`: the Dagger engine image, pinned by digest. */
  image: string;
  /** `SLIPWAY_ENGINE_CACHE_SIZE`: the engine's persistent layer cache, a Kubernetes quantity. */
  cacheSize: string;
  /** `SLIPWAY_ENGINE_IDLE`: an engine without builds for this long is scaled to zero. */
  idleMs: number;
  /** `SLIPWAY_CLUSTER_CIDRS`: the cluster's own ranges, which builds must not reach. */
  clusterCidrs: string[];
}

/** What one engine may use: builds are CPU- and memory-hungry, so requests stay modest. */
export const ENGINE_RESOURCES = {
  requests: { cpu: "500m", memory: "1Gi" },
  limits: { cpu: "4", memory: "8Gi" },
} as const;

/**
 * How long an engine may take to become ready: a VM boot and an image pull. A build can hold an
 * engine this long plus `SLIPWAY_BUILD_TIMEOUT`, so `SLIPWAY_ENGINE_IDLE` must be longer than both.
 */
export const ENGINE_READY_TIMEOUT_MS = 5 * 60_000;

/**
 * An engine scaled to zero and unused for this long is deleted with its build namespace and
 * cache. Bounds what a stale engine costs, and removes a build namespace that a build racing
 * `installation.deleted` recreated (nothing else would ever delete it).
 */
export const ENGINE_RETENTION_MS = 14 * 24 * 60 * 60_000;
