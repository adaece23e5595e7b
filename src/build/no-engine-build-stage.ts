import type { BuildStage } from "./build-stage.ts";

const HELP = [
  "Slipway builds with a Dagger engine and none is configured.",
  "Start one (for example `dagger session`, which prints a port and a token) and set",
  "DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN for the worker.",
].join("\n");

/**
 * The build stage of a worker without a Dagger engine: every build fails with a message that
 * says how to configure one. Slipway never downloads the Dagger CLI to start an engine itself.
 */
export function noEngineBuildStage(): BuildStage {
  return {
    build() {
      return Promise.resolve({ ok: false, reason: "No Dagger engine is configured", log: HELP });
    },
  };
}
