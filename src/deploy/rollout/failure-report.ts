import type { ContainerStatusState, EventState, PodState } from "./deployment-state.ts";
import type { Diagnosis } from "./diagnose.ts";

/** What Slipway did about the failed rollout. */
export type Recovery =
  { kind: "rolled-back"; image: string } | { kind: "scaled-down" } | { kind: "none"; why: string };

export interface FailureReport {
  diagnosis: Diagnosis;
  /** `<namespace>/<name>` of the Deployment. */
  deployment: string;
  /** The Deployment's name: events about its ReplicaSets and pods start with it. */
  name: string;
  pods: PodState[];
  events: EventState[];
  logs?: { pod: string; container: string; text: string } | { pod: string; error: string };
  recovery: Recovery;
}

const MAX_EVENTS = 10;

function containerLine(status: ContainerStatusState): string {
  const { state } = status;
  const now =
    state?.waiting !== undefined
      ? `waiting (${state.waiting.reason ?? "unknown"})`
      : state?.terminated !== undefined
        ? `terminated (${state.terminated.reason ?? `exit code ${state.terminated.exitCode ?? "?"}`})`
        : state?.running !== undefined
          ? status.ready === true
            ? "running, ready"
            : "running, not ready"
          : "unknown";
  return `${status.name} ${now}, ${status.restartCount ?? 0} restarts`;
}

function podLine(pod: PodState): string {
  const containers = (pod.status?.containerStatuses ?? []).map(containerLine);
  const phase = pod.status?.phase ?? "Unknown";
  return `  ${pod.metadata?.name ?? "?"}: ${[phase, ...containers].join("; ")}`;
}

function eventLine(event: EventState): string {
  const count = (event.count ?? 1) > 1 ? ` (×${event.count ?? 1})` : "";
  const subject = `${event.involvedObject.kind ?? "?"}/${event.involvedObject.name ?? "?"}`;
  return `  ${subject} ${event.reason ?? "?"}${count}: ${event.message ?? ""}`;
}

function recoveryLine(recovery: Recovery): string {
  switch (recovery.kind) {
    case "rolled-back":
      return `Rolled back to ${recovery.image}, the last image of this branch that became ready.`;
    case "scaled-down":
      return "Scaled the preview down to 0 replicas: no earlier image of this branch became ready, and a failing pod should not keep running.";
    case "none":
      return recovery.why;
  }
}

/** The sentence the check run's reason ends with, saying what Slipway did about the failure. */
export function recoveryNote(recovery: Recovery): string {
  switch (recovery.kind) {
    case "rolled-back":
      return `Rolled back to ${recovery.image}.`;
    case "scaled-down":
      return "Scaled down to 0 replicas.";
    case "none":
      return "";
  }
}

/**
 * The failed deploy's log for the check run: the diagnosis, the new pods and their containers,
 * recent warning events about this branch's objects, the crashed container's last log lines, and
 * what Slipway did about it (last, since the check run shows the tail).
 */
export function failureLog(report: FailureReport): string {
  const ours = report.events
    .filter((event) => {
      const name = event.involvedObject.name ?? "";
      return name === report.name || name.startsWith(`${report.name}-`);
    })
    .slice(-MAX_EVENTS);
  const sections = [report.diagnosis.message, `Deployment ${report.deployment}`];
  if (report.pods.length > 0) sections.push(["New pods:", ...report.pods.map(podLine)].join("\n"));
  if (ours.length > 0) sections.push(["Warning events:", ...ours.map(eventLine)].join("\n"));
  const { logs } = report;
  if (logs !== undefined && "text" in logs) {
    const heading = `Last log lines of container "${logs.container}" in pod ${logs.pod} (the run that crashed):`;
    sections.push(
      logs.text.trim() === "" ? `${heading}\n  (empty)` : `${heading}\n${logs.text.trimEnd()}`,
    );
  } else if (logs !== undefined) {
    sections.push(`No logs of pod ${logs.pod}: ${logs.error}`);
  }
  sections.push(recoveryLine(report.recovery));
  return sections.join("\n\n");
}
