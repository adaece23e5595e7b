import type { IContainerStatus } from "kubernetes-models/v1/ContainerStatus";
import type { IPodCondition } from "kubernetes-models/v1/PodCondition";
import type { KubeletMode } from "./cluster.ts";
import { strAt, timestamp, type Obj } from "./json.ts";

export interface SimContainer {
  name: string;
  image: string;
  mode: KubeletMode;
  logs: string;
}

/** What the "kubelet" knows about one pod; `stage` only moves forward. */
export interface PodSim {
  uid: string;
  createdAt: number;
  containers: SimContainer[];
  /** 0 created, 1 scheduled (or found unschedulable), 2 containers started, 3+ one per period. */
  stage: number;
  scheduledAt: number;
  startedAt: number;
  lastBeat: number;
  restarts: number;
  podIP: string;
}

export const UNSCHEDULABLE_MESSAGE = "0/3 nodes are available: 3 Insufficient memory.";

function containerId(sim: PodSim, container: SimContainer, restart: number): string {
  const hex = Buffer.from(`${sim.uid}${container.name}${restart}`).toString("hex");
  return `containerd://${hex.padEnd(64, "0").slice(0, 64)}`;
}

function imageId(image: string): string {
  const hex = Buffer.from(image).toString("hex").padEnd(64, "0").slice(0, 64);
  return `${image.split("@")[0] ?? image}@sha256:${hex}`;
}

function containerStatus(pod: Obj, sim: PodSim, container: SimContainer): IContainerStatus {
  const base = { name: container.name, image: container.image, imageID: "", restartCount: 0 };
  if (sim.stage < 2) {
    return {
      ...base,
      ready: false,
      started: false,
      state: { waiting: { reason: "ContainerCreating" } },
    };
  }
  const started = timestamp(sim.startedAt);
  const pulled = {
    ...base,
    imageID: imageId(container.image),
    containerID: containerId(sim, container, sim.restarts),
  };
  switch (container.mode) {
    case "ready":
    case "unschedulable":
      return { ...pulled, ready: true, started: true, state: { running: { startedAt: started } } };
    case "never-ready":
      return { ...pulled, ready: false, started: true, state: { running: { startedAt: started } } };
    case "crashloop": {
      const backoff = Math.min(300, 10 * 2 ** Math.max(0, sim.restarts - 1));
      const name = strAt(pod, "metadata", "name") ?? "";
      const namespace = strAt(pod, "metadata", "namespace") ?? "";
      return {
        ...pulled,
        ready: false,
        started: false,
        restartCount: sim.restarts,
        state: {
          waiting: {
            reason: "CrashLoopBackOff",
            message: `back-off ${backoff}s restarting failed container=${container.name} pod=${name}_${namespace}(${sim.uid})`,
          },
        },
        lastState: {
          terminated: {
            exitCode: 1,
            reason: "Error",
            startedAt: started,
            finishedAt: timestamp(sim.lastBeat),
            containerID: containerId(sim, container, Math.max(0, sim.restarts - 1)),
          },
        },
      };
    }
    case "image-pull-error":
      return {
        ...base,
        ready: false,
        started: false,
        state: {
          waiting:
            sim.stage === 2
              ? {
                  reason: "ErrImagePull",
                  message: `rpc error: code = NotFound desc = failed to pull and unpack image "${container.image}": not found`,
                }
              : {
                  reason: "ImagePullBackOff",
                  message: `Back-off pulling image "${container.image}"`,
                },
        },
      };
  }
}

function condition(
  type: string,
  ok: boolean,
  at: number,
  reason?: string,
  message?: string,
): IPodCondition {
  return {
    type,
    status: ok ? "True" : "False",
    lastTransitionTime: timestamp(at),
    ...(reason === undefined ? {} : { reason }),
    ...(message === undefined ? {} : { message }),
  };
}

function qosClass(pod: Obj): string {
  const text = JSON.stringify(pod.spec ?? {});
  return text.includes('"resources":{"') ? "Burstable" : "BestEffort";
}

/** The pod's `status` as the kubelet would report it at the simulated stage. */
export function podStatus(pod: Obj, sim: PodSim): Obj {
  const unschedulable = sim.containers.some((container) => container.mode === "unschedulable");
  if (sim.stage === 0) return { phase: "Pending", qosClass: qosClass(pod) };
  if (unschedulable) {
    return {
      phase: "Pending",
      qosClass: qosClass(pod),
      conditions: [
        condition("PodScheduled", false, sim.scheduledAt, "Unschedulable", UNSCHEDULABLE_MESSAGE),
      ],
    };
  }
  const statuses = sim.containers.map((container) => containerStatus(pod, sim, container));
  const unready = statuses.filter((status) => !status.ready).map((status) => status.name);
  const allReady = unready.length === 0;
  const pulling =
    sim.stage < 2 || sim.containers.some((container) => container.mode === "image-pull-error");
  const readyAt = sim.stage < 2 ? sim.scheduledAt : sim.startedAt;
  const notReady = `containers with unready status: [${unready.join(" ")}]`;
  return {
    phase: pulling ? "Pending" : "Running",
    conditions: [
      condition("PodReadyToStartContainers", sim.stage >= 2, readyAt),
      condition("Initialized", true, sim.scheduledAt),
      allReady
        ? condition("Ready", true, readyAt)
        : condition("Ready", false, readyAt, "ContainersNotReady", notReady),
      allReady
        ? condition("ContainersReady", true, readyAt)
        : condition("ContainersReady", false, readyAt, "ContainersNotReady", notReady),
      condition("PodScheduled", true, sim.scheduledAt),
    ],
    hostIP: "10.0.0.11",
    hostIPs: [{ ip: "10.0.0.11" }],
    podIP: sim.podIP,
    podIPs: [{ ip: sim.podIP }],
    startTime: timestamp(sim.scheduledAt),
    containerStatuses: statuses,
    qosClass: qosClass(pod),
  };
}
