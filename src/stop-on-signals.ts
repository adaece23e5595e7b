import type { Logger } from "pino";
import type { Running } from "./main.ts";

/**
 * SIGTERM or SIGINT stops gracefully (see {@link Running.close}) and exits 0; a second signal
 * exits at once: running jobs' locks then expire and other workers take them over.
 */
export function stopOnSignals(running: Running, log: Logger, graceMs: number): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    const started = Date.now();
    log.info({ signal, graceMs }, "stopping");
    running.close({ graceMs }).then(
      () => {
        log.info({ ms: Date.now() - started }, "stopped");
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, "stopping failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => {
    stop("SIGTERM");
  });
  process.on("SIGINT", () => {
    stop("SIGINT");
  });
}
