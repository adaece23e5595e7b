import type { StageContext } from "../../queue/stage-context.ts";
import type { DaggerSession } from "../dagger-client.ts";

/** One build's connection to its engine, held for the build and closed after it. */
export interface EngineLease {
  session: DaggerSession;
  /** Where the engine is, for messages (never a secret). */
  engine: string;
  /** What to check when the engine stops answering mid-build. */
  help: string;
  close(): Promise<void>;
}

/** `cancelled`: the build was stopped while its engine started or its session connected. */
export type OpenedEngine =
  | { ok: true; lease: EngineLease }
  | { ok: false; reason: string; log: string }
  | { ok: "cancelled" };

/** Finds (and if need be starts) the engine that builds an installation's commits. */
export interface EngineConnector {
  open(installationId: number, context: StageContext): Promise<OpenedEngine>;
}

/**
 * `SLIPWAY_BUILD_ENGINE=session`: every build goes to the one engine session the worker was
 * given (`DAGGER_SESSION_PORT`/`DAGGER_SESSION_TOKEN`), for development and tests. Its engine
 * and cache are shared by every installation: not for untrusted code.
 */
export function sessionEngine(session: DaggerSession): EngineConnector {
  const lease: EngineLease = {
    session,
    engine: `127.0.0.1:${session.port}`,
    help: "Check that the engine session is running and that DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN match it.",
    close: () => Promise.resolve(),
  };
  return { open: () => Promise.resolve({ ok: true, lease }) };
}
