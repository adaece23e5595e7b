import { describe, expect, it } from "vitest";
import type { Condition, DeploymentState, EventState, PodState } from "./deployment-state.ts";
import { diagnose, type Diagnosis } from "./diagnose.ts";

const IMAGE = `registry.example.com/acme/web@sha256:${"ab".repeat(32)}`;
const POD = "web-main-1a2b3c4d-7d9f8b6c5-x2k9q";
const NS = "slipway-42";

function pod(status: NonNullable<PodState["status"]>): PodState {
  return {
    metadata: { name: POD },
    spec: { containers: [{ name: "app", image: IMAGE }] },
    status,
  };
}

function waiting(reason: string, message?: string, extra: object = {}): PodState {
  return pod({
    phase: "Pending",
    containerStatuses: [
      {
        name: "app",
        image: IMAGE,
        ready: false,
        restartCount: 0,
        state: { waiting: { reason, ...(message === undefined ? {} : { message }) } },
        ...extra,
      },
    ],
  });
}

function podEvent(reason: string, message: string, type = "Warning"): EventState {
  return { type, reason, message, count: 3, involvedObject: { kind: "Pod", name: POD } };
}

function deploymentWith(conditions: Condition[]) {
  return {
    metadata: { name: "web-main-1a2b3c4d", generation: 2 },
    spec: { replicas: 1 },
    status: { observedGeneration: 2, replicas: 1, unavailableReplicas: 1, conditions },
  } satisfies DeploymentState;
}

const DEADLINE = {
  type: "Progressing",
  status: "False",
  reason: "ProgressDeadlineExceeded",
  message: 'ReplicaSet "web-main-1a2b3c4d-7d9f8b6c5" has timed out progressing.',
};

function replicaFailure(message: string) {
  return deploymentWith([
    { type: "Available", status: "False", reason: "MinimumReplicasUnavailable" },
    DEADLINE,
    { type: "ReplicaFailure", status: "True", reason: "FailedCreate", message },
  ]);
}

const CRASHING = pod({
  phase: "Running",
  containerStatuses: [
    {
      name: "app",
      image: IMAGE,
      ready: false,
      restartCount: 4,
      state: {
        waiting: {
          reason: "CrashLoopBackOff",
          message: `back-off 40s restarting failed container=app pod=${POD}_${NS}(0f1e)`,
        },
      },
      lastState: { terminated: { exitCode: 1, reason: "Error" } },
    },
  ],
});

const OOM = pod({
  phase: "Running",
  containerStatuses: [
    {
      name: "app",
      ready: false,
      restartCount: 2,
      state: { running: {} },
      lastState: { terminated: { exitCode: 137, reason: "OOMKilled" } },
    },
  ],
});

const UNSCHEDULABLE = pod({
  phase: "Pending",
  conditions: [
    {
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message: "0/3 nodes are available: 3 Insufficient memory.",
    },
  ],
});

const RUNNING_UNREADY = pod({
  phase: "Running",
  conditions: [{ type: "Ready", status: "False", reason: "ContainersNotReady" }],
  containerStatuses: [
    { name: "app", image: IMAGE, ready: false, restartCount: 0, state: { running: {} } },
  ],
});

const CASES: Array<[string, PodState[], EventState[], DeploymentState | undefined, Diagnosis]> = [
  [
    "a missing RuntimeClass",
    [],
    [],
    replicaFailure(
      'pods "web-main-1a2b3c4d-7d9f8b6c5-" is forbidden: pod rejected: RuntimeClass "kata-fc" not found',
    ),
    {
      cause: "runtime-class",
      message:
        'pods "web-main-1a2b3c4d-7d9f8b6c5-" is forbidden: pod rejected: RuntimeClass "kata-fc" not found (install Kata Containers (kata-deploy creates the kata-* RuntimeClasses) or set SLIPWAY_RUNTIME_CLASS to a RuntimeClass that exists)',
    },
  ],
  [
    "a Pod Security rejection",
    [],
    [],
    replicaFailure(
      'pods "web-x-" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true',
    ),
    {
      cause: "pod-security",
      message:
        'pods "web-x-" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true (the tenant namespace enforces Pod Security restricted)',
    },
  ],
  [
    "an exhausted quota, known only from the ReplicaSet's event",
    [],
    [
      {
        type: "Warning",
        reason: "FailedCreate",
        message:
          'Error creating: pods "web-x-abcde" is forbidden: exceeded quota: tenant-quota, requested: limits.memory=512Mi, used: limits.memory=8Gi, limited: limits.memory=8Gi',
        involvedObject: { kind: "ReplicaSet", name: "web-x" },
      },
    ],
    deploymentWith([DEADLINE]),
    {
      cause: "quota",
      message:
        'pods "web-x-abcde" is forbidden: exceeded quota: tenant-quota, requested: limits.memory=512Mi, used: limits.memory=8Gi, limited: limits.memory=8Gi (the installation\'s previews use up its resource quota; delete unused branches)',
    },
  ],
  [
    "another admission failure",
    [],
    [],
    replicaFailure('pods "web-x-" is forbidden: error looking up service account'),
    {
      cause: "create-failed",
      message:
        'Kubernetes could not create the pod: pods "web-x-" is forbidden: error looking up service account',
    },
  ],
  [
    "an image that cannot be pulled (ErrImagePull)",
    [
      waiting(
        "ErrImagePull",
        `rpc error: code = NotFound desc = failed to pull and unpack image "${IMAGE}": not found`,
      ),
    ],
    [podEvent("Failed", "Error: ErrImagePull")],
    deploymentWith([DEADLINE]),
    {
      cause: "image-pull",
      message: `The image ${IMAGE} could not be pulled (ErrImagePull): rpc error: code = NotFound desc = failed to pull and unpack image "${IMAGE}": not found`,
    },
  ],
  [
    "an image in pull back-off",
    [waiting("ImagePullBackOff", `Back-off pulling image "${IMAGE}"`)],
    [],
    undefined,
    {
      cause: "image-pull",
      message: `The image ${IMAGE} could not be pulled (ImagePullBackOff): Back-off pulling image "${IMAGE}"`,
    },
  ],
  [
    "a crash loop",
    [CRASHING],
    [podEvent("BackOff", "Back-off restarting failed container app")],
    deploymentWith([DEADLINE]),
    {
      cause: "crash-loop",
      message:
        "The app keeps crashing on start (CrashLoopBackOff, 4 restarts; last exit code 1 (Error))",
      logPodName: POD,
      logContainer: "app",
    },
  ],
  [
    "a crash loop driven by a failing liveness probe",
    [CRASHING],
    [podEvent("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500")],
    undefined,
    {
      cause: "crash-loop",
      message:
        "The app keeps crashing on start (CrashLoopBackOff, 4 restarts; last exit code 1 (Error)); last failed check: Liveness probe failed: HTTP probe failed with statuscode: 500",
      logPodName: POD,
      logContainer: "app",
    },
  ],
  [
    "a container killed for memory",
    [OOM],
    [],
    undefined,
    {
      cause: "crash-loop",
      message:
        "The app ran out of memory and keeps restarting (CrashLoopBackOff, 2 restarts; last exit code 137 (OOMKilled))",
      logPodName: POD,
      logContainer: "app",
    },
  ],
  [
    "a container that cannot be created",
    [waiting("CreateContainerConfigError", 'secret "db" not found')],
    [],
    undefined,
    {
      cause: "container-error",
      message: 'The container could not start (CreateContainerConfigError): secret "db" not found',
    },
  ],
  [
    "a sandbox that does not start",
    [waiting("ContainerCreating")],
    [
      podEvent(
        "FailedCreatePodSandBox",
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create containerd task: QEMU exited",
      ),
    ],
    undefined,
    {
      cause: "sandbox",
      message:
        "The sandbox runtime could not start the pod: Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create containerd task: QEMU exited",
    },
  ],
  [
    "an unschedulable pod",
    [UNSCHEDULABLE],
    [podEvent("FailedScheduling", "0/3 nodes are available: 3 Insufficient memory.")],
    deploymentWith([DEADLINE]),
    {
      cause: "unschedulable",
      message: "No node can run the pod: 0/3 nodes are available: 3 Insufficient memory.",
    },
  ],
  [
    "a failing readiness probe",
    [RUNNING_UNREADY],
    [podEvent("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503")],
    deploymentWith([DEADLINE]),
    {
      cause: "readiness",
      message:
        "The app runs but does not pass its health check: Readiness probe failed: HTTP probe failed with statuscode: 503",
    },
  ],
  [
    "an unready pod without probe events, past the deadline",
    [RUNNING_UNREADY],
    [{ ...podEvent("Unhealthy", "x"), involvedObject: { kind: "Pod", name: "another-pod" } }],
    deploymentWith([DEADLINE]),
    {
      cause: "timeout",
      message: "The app did not become ready within 5m (ProgressDeadlineExceeded)",
    },
  ],
  [
    "nothing known",
    [],
    [],
    undefined,
    { cause: "timeout", message: "The app did not become ready within 5m" },
  ],
];

describe("diagnose", () => {
  it.each(CASES)("names %s", (_case, pods, events, deployment, expected) => {
    expect(diagnose(pods, events, deployment, { timeoutMs: 300_000 })).toEqual(expected);
  });

  it("prefers a pod-creation failure over what older pods show", () => {
    const found = diagnose(
      [CRASHING],
      [],
      replicaFailure('pods "w-" is forbidden: pod rejected: RuntimeClass "kata-qemu" not found'),
      { timeoutMs: 1000 },
    );
    expect(found.cause).toBe("runtime-class");
  });
});
