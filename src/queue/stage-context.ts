import type { Logger } from "pino";

/** What every stage gets besides its input. */
export interface StageContext {
  /** Aborted when the run is cancelled (superseded, tenant removed) or the stage times out. */
  signal: AbortSignal;
  log: Logger;
}
