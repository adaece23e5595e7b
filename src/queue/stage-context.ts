import type { Logger } from "pino";

/** What every stage gets besides its input. */
export interface StageContext {
  /** Aborted when the run is cancelled (superseded, tenant removed) or the stage times out. */
  signal: AbortSignal;
  log: Logger;
  /**
   * Says on the check run what the stage is waiting for (e.g. a build engine starting). Costs a
   * GitHub call: only for waits a user would otherwise wonder about.
   */
  progress?: (message: string) => Promise<void>;
}
