import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Config } from "../../config/config.ts";
import type { CliSession, CliSessionOptions } from "./cli-session.ts";
import { sessionEngine, type EngineConnector } from "./engine-connector.ts";
import type { EngineManager } from "./engine-manager.ts";

export interface BuildEngineOptions {
  engine: Config["buildEngine"];
  dagger: Config["dagger"];
  /** The cluster's own ranges, which builds must not reach. */
  clusterCidrs: string[];
  /** The cluster the engines run on (default: KUBECONFIG, ~/.kube/config or in-cluster). */
  kubeConfig?: KubeConfig;
  log: Logger;
  now: () => number;
  /** How often a starting engine's pod is read (default 1 s). */
  pollMs?: number;
  /** Replaces `startCliSession` (tests count the sessions it opens). */
  startSession?: (options: CliSessionOptions) => Promise<CliSession>;
}

export interface BuildEngine {
  /** Undefined in `session` mode without a session: builds then say how to configure one. */
  connector: EngineConnector | undefined;
  /** Each installation's engine (`kubernetes` mode only). */
  manager: EngineManager | undefined;
}

/**
 * Where builds run, from `SLIPWAY_BUILD_ENGINE` (see {@link Config.buildEngine}). The Kubernetes
 * client loads only in `kubernetes` mode.
 */
export async function createBuildEngine(options: BuildEngineOptions): Promise<BuildEngine> {
  const { engine, dagger } = options;
  if (engine.kind === "session") {
    return {
      connector:
        dagger === undefined
          ? undefined
          : sessionEngine({ port: dagger.sessionPort, token: dagger.sessionToken }),
      manager: undefined,
    };
  }
  const [
    { createEngineCluster },
    { createEngineManager },
    { kubernetesEngine },
    { startCliSession },
  ] = await Promise.all([
    import("./engine-cluster.ts"),
    import("./engine-manager.ts"),
    import("./kubernetes-engine.ts"),
    import("./cli-session.ts"),
  ]);
  const kubeConfig =
    options.kubeConfig ?? (await import("../../deploy/default-kube-config.ts")).defaultKubeConfig();
  const manager = createEngineManager({
    cluster: createEngineCluster(kubeConfig),
    settings: {
      runtimeClass: engine.runtimeClass,
      image: engine.image,
      cacheSize: engine.cacheSize,
      idleMs: engine.idleMs,
      clusterCidrs: options.clusterCidrs,
    },
    now: options.now,
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
    log: options.log,
  });
  const connector = kubernetesEngine({
    manager,
    startSession: options.startSession ?? startCliSession,
    bin: engine.cli.bin,
    env: engine.cli.env,
  });
  return { connector, manager };
}

/**
 * Scales idle engines to zero every `everyMs` (each worker sweeps; a sweep is idempotent and
 * never scales an engine another worker just used). Returns a function that stops it.
 */
export function startIdleSweep(manager: EngineManager, everyMs: number, log: Logger): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    manager
      .sweepIdle(AbortSignal.timeout(everyMs))
      .catch((error: unknown) => {
        log.warn({ err: error }, "could not scale idle build engines to zero");
      })
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
  };
}
