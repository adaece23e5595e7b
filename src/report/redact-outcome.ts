import type { RunOutcome, StageOutcome } from "./outcome.ts";
import { redact } from "./redact.ts";

function redactStage(stage: StageOutcome, secrets: readonly string[]): StageOutcome {
  switch (stage.result) {
    case "failure":
      return {
        ...stage,
        reason: redact(stage.reason, secrets),
        ...(stage.log === undefined ? {} : { log: redact(stage.log, secrets) }),
        ...(stage.annotations === undefined
          ? {}
          : {
              annotations: stage.annotations.map((a) => ({
                ...a,
                message: redact(a.message, secrets),
              })),
            }),
      };
    case "skipped":
      return { ...stage, reason: redact(stage.reason, secrets) };
    default:
      return stage;
  }
}

/**
 * An outcome safe to store and show: reasons, logs and annotations redacted. Outcomes carry text
 * from builds and clusters (an engine or a crashing app may print a credential), and they are
 * kept in Redis until reported, where no secret may ever be written.
 */
export function redactOutcome(outcome: RunOutcome, secrets: readonly string[]): RunOutcome {
  return {
    ...outcome,
    stages: outcome.stages.map((stage) => redactStage(stage, secrets)),
    ...(outcome.cancelReason === undefined
      ? {}
      : { cancelReason: redact(outcome.cancelReason, secrets) }),
  };
}
