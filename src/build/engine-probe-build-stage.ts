import type { Client } from "@dagger.io/dagger";
import type { BuildStage } from "./build-stage.ts";
import type { DaggerSession } from "./dagger-client.ts";

const NO_ENGINE_HELP = [
  "Slipway builds with a Dagger engine and none is configured.",
  "Start one (for example `dagger session`, which prints a port and a token) and set",
  "DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN for the worker.",
].join("\n");

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `\ncaused by: ${error.cause.message}` : "";
  return `${error.name}: ${error.message}${cause}`;
}

/**
 * The build stage until the Dagger pipeline lands: it reaches the configured engine and fails
 * with a message that says what happened — no engine configured, engine unreachable, or engine
 * reachable but this version cannot build yet. It never reports a build it did not do.
 */
export function engineProbeBuildStage(options: {
  session: DaggerSession | undefined;
  client: (session: DaggerSession) => Client;
}): BuildStage {
  return {
    async build() {
      const { session } = options;
      if (session === undefined) {
        return { ok: false, reason: "No Dagger engine is configured", log: NO_ENGINE_HELP };
      }
      let version: string;
      try {
        version = await options.client(session).version();
      } catch (error) {
        return {
          ok: false,
          reason: `Dagger engine unreachable at 127.0.0.1:${session.port}`,
          log: `${errorText(error)}\n\nCheck that the engine session is running and that DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN match it.`,
        };
      }
      return {
        ok: false,
        reason: "This Slipway version cannot build yet",
        log: `The Dagger engine answered (version ${version}), but this Slipway version has no build pipeline: clone, build and publish arrive in the next release.`,
      };
    },
  };
}
