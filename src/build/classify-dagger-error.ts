import { ExecError, GraphQLRequestError } from "@dagger.io/dagger";
import type { BuildResult } from "./build-stage.ts";

/** The last `lines` lines of a text. */
export function tail(text: string, lines: number): string {
  const all = text.replace(/\s+$/, "").split("\n");
  return all.slice(-lines).join("\n");
}

/**
 * What a failed step means for the developer, by the SDK's error class (never by message text):
 * an `ExecError` is a command of theirs that failed; a `GraphQLRequestError` is the engine
 * refusing the step (clone denied, registry refused, bad Dockerfile); anything else means the
 * engine could not be reached. `step` says which step it was, for the message.
 */
export function classifyDaggerError(
  error: unknown,
  step: { failed: string; help: string; engine: string; engineHelp?: string },
): Extract<BuildResult, { ok: false }> {
  if (error instanceof ExecError) {
    const output = [error.stdout, error.stderr].filter((s) => s.trim() !== "").join("\n");
    return {
      ok: false,
      reason: `Command failed with exit code ${error.exitCode}: ${error.cmd.join(" ")}`,
      log: tail(output, 150),
    };
  }
  if (error instanceof GraphQLRequestError) {
    return { ok: false, reason: step.failed, log: `${error.message}\n\n${step.help}` };
  }
  const message = error instanceof Error ? error.message : String(error);
  const cause =
    error instanceof Error && error.cause instanceof Error
      ? `\ncaused by: ${error.cause.message}`
      : "";
  return {
    ok: false,
    reason: `Dagger engine unreachable at ${step.engine}`,
    log: `${message}${cause}\n\n${step.engineHelp ?? "Check that the engine session is running and that DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN match it."}`,
  };
}
