import type {
  ContainerStatusState,
  DeploymentState,
  EventState,
  PodState,
} from "./deployment-state.ts";
import { formatDuration } from "./format-duration.ts";

export type FailureCause =
  | "runtime-class"
  | "pod-security"
  | "quota"
  | "create-failed"
  | "image-pull"
  | "crash-loop"
  | "container-error"
  | "sandbox"
  | "unschedulable"
  | "readiness"
  | "timeout";

export interface Diagnosis {
  cause: FailureCause;
  /** One line for the check run's title area: what went wrong and, where known, what to do. */
  message: string;
  /** The pod (and container) whose previous run's logs explain a crash loop. */
  logPodName?: string;
  logContainer?: string;
}

export interface DiagnoseOptions {
  /** The rollout timeout, for the message when nothing more specific is known. */
  timeoutMs: number;
}

const IMAGE_PULL = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "ErrImageNeverPull",
  "RegistryUnavailable",
]);
const CONTAINER_ERRORS = new Set([
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
  "PreCreateHookError",
  "PostStartHookError",
]);

/*
 * Pod creation failures all share the reason FailedCreate; only the admission message tells a
 * missing RuntimeClass from a Pod Security or quota rejection. These patterns match the texts of
 * the RuntimeClass admission plugin, Pod Security admission and the ResourceQuota admission.
 */
const CREATE_FAILURES: Array<{ pattern: RegExp; cause: FailureCause; explain: string }> = [
  {
    pattern: /RuntimeClass "[^"]*" not found/,
    cause: "runtime-class",
    explain:
      "install Kata Containers (kata-deploy creates the kata-* RuntimeClasses) or set SLIPWAY_RUNTIME_CLASS to a RuntimeClass that exists",
  },
  {
    pattern: /violates PodSecurity/,
    cause: "pod-security",
    explain: "the tenant namespace enforces Pod Security restricted",
  },
  {
    pattern: /exceeded quota/,
    cause: "quota",
    explain: "the installation's previews use up its resource quota; delete unused branches",
  },
];

function createFailure(deployment: DeploymentState | undefined, events: EventState[]) {
  const condition = deployment?.status?.conditions?.find(
    (entry) => entry.type === "ReplicaFailure" && entry.status === "True",
  );
  if (condition?.message !== undefined) return condition.message;
  const event = events.find(
    (entry) => entry.reason === "FailedCreate" && entry.involvedObject.kind === "ReplicaSet",
  );
  return event?.message?.replace(/^Error creating: /, "");
}

function diagnoseCreate(message: string): Diagnosis {
  const known = CREATE_FAILURES.find((entry) => entry.pattern.test(message));
  if (known === undefined) {
    return { cause: "create-failed", message: `Kubernetes could not create the pod: ${message}` };
  }
  return { cause: known.cause, message: `${message} (${known.explain})` };
}

function imageOf(pod: PodState, status: ContainerStatusState): string {
  const spec = pod.spec?.containers?.find((container) => container.name === status.name);
  return spec?.image ?? status.image ?? "the image";
}

function diagnoseContainer(pod: PodState, status: ContainerStatusState): Diagnosis | undefined {
  const podName = pod.metadata?.name ?? "";
  const waiting = status.state?.waiting;
  const reason = waiting?.reason ?? "";
  const detail = waiting?.message === undefined ? "" : `: ${waiting.message}`;
  if (IMAGE_PULL.has(reason)) {
    return {
      cause: "image-pull",
      message: `The image ${imageOf(pod, status)} could not be pulled (${reason})${detail}`,
    };
  }
  const last = status.lastState?.terminated;
  const restarts = status.restartCount ?? 0;
  if (reason === "CrashLoopBackOff" || (restarts > 0 && last !== undefined)) {
    const exit =
      last === undefined
        ? ""
        : `; last exit code ${last.exitCode ?? "unknown"}${last.reason === undefined ? "" : ` (${last.reason})`}`;
    const what =
      last?.reason === "OOMKilled"
        ? "The app ran out of memory and keeps restarting"
        : "The app keeps crashing on start";
    return {
      cause: "crash-loop",
      message: `${what} (CrashLoopBackOff, ${restarts} restarts${exit})`,
      logPodName: podName,
      logContainer: status.name,
    };
  }
  if (CONTAINER_ERRORS.has(reason)) {
    return {
      cause: "container-error",
      message: `The container could not start (${reason})${detail}`,
    };
  }
  return undefined;
}

function eventsOf(events: EventState[], pod: PodState, reason: string): EventState[] {
  const name = pod.metadata?.name;
  return events.filter(
    (event) =>
      event.reason === reason &&
      event.involvedObject.kind === "Pod" &&
      event.involvedObject.name === name,
  );
}

function diagnosePod(pod: PodState, events: EventState[]): Diagnosis | undefined {
  const sandbox = eventsOf(events, pod, "FailedCreatePodSandBox").at(-1);
  if (sandbox !== undefined) {
    return {
      cause: "sandbox",
      message: `The sandbox runtime could not start the pod: ${sandbox.message ?? "FailedCreatePodSandBox"}`,
    };
  }
  const scheduled = pod.status?.conditions?.find((entry) => entry.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return {
      cause: "unschedulable",
      message: `No node can run the pod: ${scheduled.message ?? "Unschedulable"}`,
    };
  }
  return undefined;
}

function diagnoseReadiness(pods: PodState[], events: EventState[]): Diagnosis | undefined {
  for (const pod of pods) {
    const unready = pod.status?.containerStatuses?.some(
      (status) => status.state?.running !== undefined && status.ready !== true,
    );
    const probe = eventsOf(events, pod, "Unhealthy").at(-1);
    if (unready === true && probe !== undefined) {
      return {
        cause: "readiness",
        message: `The app runs but does not pass its health check: ${probe.message ?? "Unhealthy"}`,
      };
    }
  }
  return undefined;
}

/**
 * Why a rollout did not complete, from the new pods, the namespace's recent events and the
 * Deployment, most specific cause first: pods that could not be created (missing RuntimeClass,
 * Pod Security, quota), images that cannot be pulled, crash loops (with the pod whose logs to
 * show), container errors, sandbox failures, unschedulable pods, failing health checks; otherwise
 * the timeout.
 */
export function diagnose(
  pods: PodState[],
  events: EventState[],
  deployment: DeploymentState | undefined,
  options: DiagnoseOptions,
): Diagnosis {
  const create = createFailure(deployment, events);
  if (create !== undefined) return diagnoseCreate(create);
  for (const pod of pods) {
    for (const status of pod.status?.containerStatuses ?? []) {
      const found = diagnoseContainer(pod, status);
      if (found === undefined) continue;
      // A failing startup or liveness probe restarts the container too: say so.
      const probe = eventsOf(events, pod, "Unhealthy").at(-1)?.message;
      if (found.cause !== "crash-loop" || probe === undefined) return found;
      return { ...found, message: `${found.message}; last failed check: ${probe}` };
    }
  }
  for (const pod of pods) {
    const found = diagnosePod(pod, events);
    if (found !== undefined) return found;
  }
  const readiness = diagnoseReadiness(pods, events);
  if (readiness !== undefined) return readiness;
  const deadline = deployment?.status?.conditions?.some(
    (entry) => entry.type === "Progressing" && entry.reason === "ProgressDeadlineExceeded",
  );
  const within = formatDuration(options.timeoutMs);
  return {
    cause: "timeout",
    message:
      deadline === true
        ? `The app did not become ready within ${within} (ProgressDeadlineExceeded)`
        : `The app did not become ready within ${within}`,
  };
}

/**
 * A failure waiting cannot fix, known from the Deployment alone: its pods are refused for a
 * missing RuntimeClass or by Pod Security. The rollout wait stops early on it.
 */
export function hopeless(deployment: DeploymentState): Diagnosis | undefined {
  const message = createFailure(deployment, []);
  if (message === undefined) return undefined;
  const found = diagnoseCreate(message);
  return found.cause === "runtime-class" || found.cause === "pod-security" ? found : undefined;
}
