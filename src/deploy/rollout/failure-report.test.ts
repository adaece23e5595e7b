import { describe, expect, it } from "vitest";
import { failureLog, recoveryNote, type FailureReport, type Recovery } from "./failure-report.ts";

const IMAGE = `registry.test/acme/web@sha256:${"a1".repeat(32)}`;
const NAME = "web-main-1a2b3c4d";

const REPORT: FailureReport = {
  diagnosis: {
    cause: "crash-loop",
    message:
      "The app keeps crashing on start (CrashLoopBackOff, 3 restarts; last exit code 1 (Error))",
    logPodName: `${NAME}-7d9f8b6c5-x2k9q`,
    logContainer: "app",
  },
  deployment: `slipway-42/${NAME}`,
  name: NAME,
  pods: [
    {
      metadata: { name: `${NAME}-7d9f8b6c5-x2k9q` },
      status: {
        phase: "Running",
        containerStatuses: [
          {
            name: "app",
            ready: false,
            restartCount: 3,
            state: { waiting: { reason: "CrashLoopBackOff" } },
          },
        ],
      },
    },
  ],
  events: [
    {
      reason: "BackOff",
      message: "Back-off restarting failed container app",
      count: 4,
      involvedObject: { kind: "Pod", name: `${NAME}-7d9f8b6c5-x2k9q` },
    },
    {
      reason: "BackOff",
      message: "another branch's trouble",
      involvedObject: { kind: "Pod", name: "web-other-99999999-abc-def" },
    },
  ],
  logs: { pod: `${NAME}-7d9f8b6c5-x2k9q`, container: "app", text: "starting\nError: boom\n" },
  recovery: { kind: "rolled-back", image: IMAGE },
};

describe("failureLog", () => {
  it("lays out the diagnosis, pods, this branch's events, the logs and the recovery", () => {
    expect(failureLog(REPORT)).toBe(
      [
        "The app keeps crashing on start (CrashLoopBackOff, 3 restarts; last exit code 1 (Error))",
        `Deployment slipway-42/${NAME}`,
        `New pods:\n  ${NAME}-7d9f8b6c5-x2k9q: Running; app waiting (CrashLoopBackOff), 3 restarts`,
        `Warning events:\n  Pod/${NAME}-7d9f8b6c5-x2k9q BackOff (×4): Back-off restarting failed container app`,
        `Last log lines of container "app" in pod ${NAME}-7d9f8b6c5-x2k9q (the run that crashed):\nstarting\nError: boom`,
        `Rolled back to ${IMAGE}, the last image of this branch that became ready.`,
      ].join("\n\n"),
    );
  });

  it("says why logs are missing", () => {
    const text = failureLog({ ...REPORT, logs: { pod: "p", error: "container not found" } });
    expect(text).toContain("No logs of pod p: container not found");
  });
});

describe("recoveryNote", () => {
  it.each<[Recovery, string]>([
    [{ kind: "rolled-back", image: IMAGE }, `Rolled back to ${IMAGE}.`],
    [{ kind: "scaled-down" }, "Scaled down to 0 replicas."],
    [{ kind: "none", why: "left as is" }, ""],
  ])("for %j is %j", (recovery, note) => {
    expect(recoveryNote(recovery)).toBe(note);
  });
});
