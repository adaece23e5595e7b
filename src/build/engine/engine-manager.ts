import { setTimeout as sleep } from "node:timers/promises";
import type { V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { labelSelector } from "../../deploy/labels.ts";
import type { EngineCluster } from "./engine-cluster.ts";
import {
  buildNamespaceFor,
  ENGINE_NAME,
  ENGINE_POD,
  LAST_USED_ANNOTATION,
} from "./engine-names.ts";
import { engineObjectList, engineObjects } from "./engine-objects.ts";
import {
  ENGINE_READY_TIMEOUT_MS,
  ENGINE_RETENTION_MS,
  type EngineSettings,
} from "./engine-settings.ts";

/** Shown on the check run while an installation's engine starts. */
export const STARTING_MESSAGE = "Starting the build engine for this installation";

export interface EnsureContext {
  signal: AbortSignal;
  log: Logger;
  /** Says what the build is waiting for (the check run shows it). */
  progress?: (message: string) => Promise<void>;
}

/** `cancelled`: the build was stopped (cancelled, superseded or timed out) while it waited. */
export type EnsureResult =
  { ok: true; started: boolean } | { ok: false; reason: string; log: string } | { ok: "cancelled" };

/** Each installation's Dagger engine: started on demand, scaled to zero when idle, deleted. */
export interface EngineManager {
  /**
   * Applies the installation's engine objects (scaled to one, marked as used now) and waits
   * until its pod is Ready. `started` says whether it had to start. Until `release`, the engine
   * counts as used: its last-use mark is refreshed every `idleMs / 3`, so no worker's sweep
   * scales it down under a long build. Throws a `KubernetesApiError` when the cluster refuses.
   */
  ensure(installationId: number, context: EnsureContext): Promise<EnsureResult>;
  /** A build on the engine finished: it stays up for `idleMs` from now. */
  release(installationId: number): Promise<void>;
  /**
   * Scales engines unused for `idleMs` to zero (their cache stays), and deletes the build
   * namespaces of engines scaled to zero and unused for `retentionMs`; returns how many engines
   * it scaled down or deleted.
   */
  sweepIdle(signal: AbortSignal): Promise<number>;
  /** Deletes the installation's build namespace: its engine and its cache. */
  remove(installationId: number, signal: AbortSignal): Promise<boolean>;
  /** For `/readyz` and start-up: the build sandbox RuntimeClass exists. */
  checkReadiness(): Promise<{ ok: true } | { ok: false; problems: string[] }>;
}

export interface EngineManagerDeps {
  cluster: (signal: AbortSignal) => EngineCluster;
  settings: EngineSettings;
  now: () => number;
  /** How often the engine's pod is read while it starts (default 1 s). */
  pollMs?: number;
  /** How long an engine may take to become ready (default `ENGINE_READY_TIMEOUT_MS`). */
  /** How long a scaled-down engine is kept (default `ENGINE_RETENTION_MS`). */
  retentionMs?: number;
  readyTimeoutMs?: number;
  log: Logger;
}

/** The engine's StatefulSets are found by these labels, across build namespaces. */
const ENGINE_SELECTOR = labelSelector({
  "app.kubernetes.io/managed-by": "slipway",
  "app.kubernetes.io/name": ENGINE_NAME,
});

function isReady(pod: V1Pod | undefined): boolean {
  if (pod === undefined || pod.metadata?.deletionTimestamp !== undefined) return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** Why a pod is not ready yet, from its conditions and containers' waiting states. */
function describePod(pod: V1Pod | undefined): string {
  if (pod === undefined) return `The pod ${ENGINE_POD} was not created.`;
  const lines = [`Pod ${ENGINE_POD}: phase ${pod.status?.phase ?? "unknown"}`];
  for (const condition of pod.status?.conditions ?? []) {
    if (condition.status === "True") continue;
    lines.push(
      `  ${condition.type}: ${[condition.reason, condition.message].filter(Boolean).join(" — ")}`,
    );
  }
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (waiting !== undefined) {
      lines.push(
        `  container ${status.name}: ${[waiting.reason, waiting.message].filter(Boolean).join(" — ")}`,
      );
    }
  }
  return lines.join("\n");
}

/**
 * The engine manager of `SLIPWAY_BUILD_ENGINE=kubernetes`. Objects are applied on every build
 * (server-side apply is idempotent, and a deleted or edited engine heals itself); last use is an
 * annotation on the StatefulSet, so every worker's idle sweep sees every worker's builds, and the
 * sweep scales down only if nothing touched the StatefulSet since it looked (resourceVersion).
 */
export function createEngineManager(deps: EngineManagerDeps): EngineManager {
  const { settings, now } = deps;
  const pollMs = deps.pollMs ?? 1000;
  const readyTimeoutMs = deps.readyTimeoutMs ?? ENGINE_READY_TIMEOUT_MS;
  const retentionMs = deps.retentionMs ?? ENGINE_RETENTION_MS;
  /** Builds running here per installation: never scaled down under them. */
  const active = new Map<number, number>();
  /** While an installation has builds here, the timer that keeps marking its engine as used. */
  const heartbeats = new Map<number, NodeJS.Timeout>();

  function stamp(): Record<string, string> {
    return { [LAST_USED_ANNOTATION]: new Date(now()).toISOString() };
  }

  /** One build more on the installation's engine here. */
  function hold(installationId: number): void {
    active.set(installationId, (active.get(installationId) ?? 0) + 1);
    if (heartbeats.has(installationId)) return;
    // The `active` map protects the engine from this worker's sweep only; the annotation is what
    // every other worker's sweep reads.
    const timer = setInterval(
      () => {
        deps
          .cluster(AbortSignal.timeout(30_000))
          .annotate(buildNamespaceFor(installationId), ENGINE_NAME, stamp())
          .catch((error: unknown) => {
            deps.log.warn(
              { err: error, installationId },
              "could not mark the build engine as in use",
            );
          });
      },
      Math.max(1, Math.floor(settings.idleMs / 3)),
    );
    timer.unref();
    heartbeats.set(installationId, timer);
  }

  /** One build fewer on the installation's engine here. */
  function finished(installationId: number): void {
    const left = (active.get(installationId) ?? 1) - 1;
    if (left > 0) {
      active.set(installationId, left);
      return;
    }
    active.delete(installationId);
    clearInterval(heartbeats.get(installationId));
    heartbeats.delete(installationId);
  }

  /** Reads the engine's pod until it is Ready, the wait times out, or the build is stopped. */
  async function waitReady(
    cluster: EngineCluster,
    namespace: string,
    signal: AbortSignal,
  ): Promise<{ ready: true } | { ready: false; pod: V1Pod | undefined }> {
    const stop = AbortSignal.any([signal, AbortSignal.timeout(readyTimeoutMs)]);
    for (;;) {
      const pod = await cluster.readPod(namespace, ENGINE_POD);
      if (isReady(pod)) return { ready: true };
      if (stop.aborted) return { ready: false, pod };
      await sleep(pollMs, undefined, { signal: stop }).catch(() => undefined);
    }
  }

  return {
    async ensure(installationId, { signal, log, progress }) {
      const cluster = deps.cluster(signal);
      const namespace = buildNamespaceFor(installationId);
      const objects = engineObjects(installationId, settings);
      objects.statefulSet.metadata = {
        ...objects.statefulSet.metadata,
        annotations: stamp(),
      };
      hold(installationId);
      try {
        for (const object of engineObjectList(objects)) await cluster.apply(object);
        if (isReady(await cluster.readPod(namespace, ENGINE_POD))) {
          return { ok: true, started: false };
        }
        log.info({ installationId, namespace }, "starting the build engine");
        await progress?.(STARTING_MESSAGE).catch((error: unknown) => {
          log.warn({ err: error }, "could not show that the build engine is starting");
        });
        const started = now();
        const waited = await waitReady(cluster, namespace, signal);
        if (waited.ready) {
          log.info({ installationId, namespace, ms: now() - started }, "build engine ready");
          return { ok: true, started: true };
        }
        finished(installationId);
        // Stopped, not slow: the pod says nothing about why the build ended.
        if (signal.aborted) return { ok: "cancelled" };
        return {
          ok: false,
          reason: `The build engine did not become ready within ${Math.max(1, Math.round(readyTimeoutMs / 1000))} s`,
          log: [
            describePod(waited.pod),
            "",
            `The engine runs as ${namespace}/${ENGINE_POD} on the RuntimeClass ${settings.runtimeClass}.`,
            "Ask the operator to check that Kata Containers and that RuntimeClass are installed, that",
            "SLIPWAY_ENGINE_IMAGE can be pulled, and that a volume of SLIPWAY_ENGINE_CACHE_SIZE can be provisioned.",
          ].join("\n"),
        };
      } catch (error) {
        finished(installationId);
        if (signal.aborted) return { ok: "cancelled" };
        throw error;
      }
    },

    async release(installationId) {
      finished(installationId);
      const cluster = deps.cluster(AbortSignal.timeout(30_000));
      await cluster.annotate(buildNamespaceFor(installationId), ENGINE_NAME, stamp());
    },

    async sweepIdle(signal) {
      const cluster = deps.cluster(signal);
      const cutoff = now() - settings.idleMs;
      const expired = now() - retentionMs;
      let scaled = 0;
      for (const statefulSet of await cluster.listStatefulSets(ENGINE_SELECTOR)) {
        const metadata = statefulSet.metadata;
        const namespace = metadata?.namespace ?? "";
        const name = metadata?.name ?? "";
        const installation = Number(metadata?.labels?.["slipway.dev/installation"]);
        if (active.has(installation)) continue;
        const lastUsed = Date.parse(
          metadata?.annotations?.[LAST_USED_ANNOTATION] ??
            String(metadata?.creationTimestamp ?? ""),
        );
        if (Number.isNaN(lastUsed)) continue;
        if ((statefulSet.spec?.replicas ?? 1) === 0) {
          // Only the installation's own build namespace: the selector is labels, which anyone
          // may put on a StatefulSet elsewhere.
          if (lastUsed > expired || namespace !== buildNamespaceFor(installation)) continue;
          if (await cluster.deleteNamespace(namespace)) {
            scaled += 1;
            deps.log.info(
              { namespace, idleMs: now() - lastUsed },
              "build engine unused for long deleted with its cache",
            );
          }
          continue;
        }
        if (lastUsed > cutoff) continue;
        if (await cluster.scaleToZero(namespace, name, metadata?.resourceVersion ?? "")) {
          scaled += 1;
          deps.log.info(
            { namespace, idleMs: now() - lastUsed },
            "idle build engine scaled to zero",
          );
        }
      }
      return scaled;
    },

    remove(installationId, signal) {
      return deps.cluster(signal).deleteNamespace(buildNamespaceFor(installationId));
    },

    async checkReadiness() {
      const cluster = deps.cluster(AbortSignal.timeout(30_000));
      if (await cluster.runtimeClassExists(settings.runtimeClass)) return { ok: true };
      return {
        ok: false,
        problems: [
          `RuntimeClass ${settings.runtimeClass} (SLIPWAY_BUILD_RUNTIME_CLASS) does not exist: build engines cannot start. Install Kata Containers with it (deploy/kubernetes/README.md).`,
        ],
      };
    },
  };
}
