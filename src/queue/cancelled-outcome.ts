import type { RunOutcome } from "../report/outcome.ts";
import type { RunTarget } from "./intent.ts";
import { describeCancel, type CancelReason } from "./latest.ts";

/** The outcome of a run cancelled before any stage ran. */
export function cancelledOutcome(target: RunTarget, reason: CancelReason): RunOutcome {
  return {
    conclusion: "cancelled",
    sha: target.sha,
    branch: target.branch,
    stages: [
      { stage: "build", result: "skipped", reason: "cancelled before it started" },
      { stage: "deploy", result: "skipped", reason: "cancelled before it started" },
    ],
    cancelReason: describeCancel(reason),
  };
}

/** The outcome of a run Slipway could not finish (retries exhausted, worker crashes). */
export function internalFailureOutcome(target: RunTarget, reason: string): RunOutcome {
  return {
    conclusion: "failure",
    sha: target.sha,
    branch: target.branch,
    stages: [{ stage: "build", result: "failure", durationMs: 0, reason }],
  };
}
