/** The configuration Slipway runs with, derived once from the environment. */
export interface Config {
  production: boolean;
  role: "all" | "web" | "worker";
  github: {
    appId: string | undefined;
    privateKey: { value: string } | { path: string } | undefined;
    webhookSecret: string | undefined;
    webhookPath: string;
    webhookProxyUrl: string | undefined;
    /** The REST API's base URL. */
    baseUrl: string;
    /** The web host repositories are cloned from (https://github.com or the GHE host). */
    webUrl: string;
  };
  http: { port: number; host: string | undefined };
  logLevel: "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
  logFormat: "json" | "pretty";
  /** How long running jobs may finish after SIGTERM before they are handed back. */
  shutdownGraceMs: number;
  /** How often failed webhook deliveries are looked for and redelivered; undefined when off. */
  redeliverIntervalMs: number | undefined;
  /** Enables the queue dashboard at /admin/queues for holders of this token. */
  adminToken: string | undefined;
  redis: { url: string; prefix: string };
  queue: {
    buildConcurrency: number;
    eventConcurrency: number;
    attempts: number;
    retryDelayMs: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
    cancelPollMs: number;
    /**
     * How long a queued build waits before it may start, so a burst of pushes to one branch
     * builds only its last commit (the others are superseded while they wait). 0 for none.
     */
    buildCoalesceMs: number;
  };
  timeouts: { buildMs: number; deployMs: number };
  deploy: boolean;
  dagger: { sessionPort: number; sessionToken: string } | undefined;
  /**
   * `SLIPWAY_BUILD_ENGINE`: `session` builds on the engine of `dagger` above (development,
   * tests); `kubernetes` gives each installation its own engine in a Kata VM (a web role, which
   * never builds, may leave the image unset and gets `session`).
   */
  buildEngine:
    | { kind: "session" }
    | {
        kind: "kubernetes";
        runtimeClass: string;
        image: string;
        cacheSize: string;
        idleMs: number;
        /** The Dagger CLI and its whole environment (non-secret variables only). */
        cli: { bin: string; env: Record<string, string> };
      };
  /** Where images are published; credentials only when the registry needs them. */
  registry:
    | { address: string; credentials: { username: string; password: string } | undefined }
    | undefined;
  kubernetes: {
    runtimeClass: string;
    baseDomain: string | undefined;
    ingressClass: string | undefined;
    ingressNamespace: string;
    rolloutTimeoutMs: number;
    /** The cluster's own ranges, which `egress: internet` must not reach (besides private ranges). */
    clusterCidrs: string[];
  };
}
