import { apiFailure, KubernetesApiError } from "../../deploy/kubernetes/api-error.ts";
import type { StageContext } from "../../queue/stage-context.ts";
import { CliSessionError, type CliSession, type CliSessionOptions } from "./cli-session.ts";
import type { EngineConnector } from "./engine-connector.ts";
import type { EngineManager, EnsureResult } from "./engine-manager.ts";
import { buildNamespaceFor, ENGINE_POD } from "./engine-names.ts";
import { runnerHost } from "./runner-host.ts";

export interface KubernetesEngineDeps {
  manager: EngineManager;
  /** Starts one Dagger CLI session against a runner host (`startCliSession`, or a fake). */
  startSession: (options: CliSessionOptions) => Promise<CliSession>;
  /** The Dagger CLI to run. */
  bin: string;
  /** The CLI's whole environment, without any runner host (see `startCliSession`). */
  env: Record<string, string>;
}

/**
 * `SLIPWAY_BUILD_ENGINE=kubernetes`: each build gets the engine of its own installation. The
 * engine is started if need be, then a Dagger CLI session is opened for this build alone, its
 * runner host derived from the build's installation id (never from anything shared), and closed
 * when the build ends. The cluster refusing the engine's objects is a build failure that quotes
 * the API server; a build stopped while it waited is `cancelled`, never "not ready".
 */
export function kubernetesEngine(deps: KubernetesEngineDeps): EngineConnector {
  return {
    async open(installationId, context: StageContext) {
      let ensured: EnsureResult;
      try {
        ensured = await deps.manager.ensure(installationId, context);
      } catch (error) {
        if (context.signal.aborted) return { ok: "cancelled" };
        if (!(error instanceof KubernetesApiError)) throw error;
        return {
          ok: false,
          reason: `Could not start the build engine: ${apiFailure(error.cause)?.message ?? error.message}`,
          log: [
            error.message,
            "",
            `The engine runs as ${buildNamespaceFor(installationId)}/${ENGINE_POD}. Ask the operator to check`,
            "Slipway's RBAC (deploy/kubernetes/cluster-role.yaml) and admission policies",
            "(deploy/kubernetes/policies), and that the API server is reachable from the worker.",
          ].join("\n"),
        };
      }
      if (ensured.ok !== true) return ensured;
      const host = runnerHost(installationId);
      const where = `${buildNamespaceFor(installationId)}/${ENGINE_POD}`;
      let cli: CliSession;
      try {
        cli = await deps.startSession({
          bin: deps.bin,
          env: deps.env,
          runnerHost: host,
          signal: context.signal,
        });
      } catch (error) {
        await deps.manager.release(installationId).catch(() => undefined);
        if (context.signal.aborted) return { ok: "cancelled" };
        if (!(error instanceof CliSessionError)) throw error;
        return {
          ok: false,
          reason: `Could not connect to the build engine ${where}`,
          log: `${error.message}\n\n${error.output}`.trim(),
        };
      }
      context.log.info({ installationId, runnerHost: host }, "build engine session open");
      return {
        ok: true,
        lease: {
          session: cli.session,
          engine: where,
          help: "The installation's build engine stopped answering (its pod may have been restarted or evicted). Push again or re-run the check to build again.",
          async close() {
            await cli.close();
            await deps.manager.release(installationId).catch((error: unknown) => {
              context.log.warn({ err: error }, "could not record the build engine's last use");
            });
          },
        },
      };
    },
  };
}
