import type { Cluster, KubeletMode } from "./cluster.ts";
import { NODE_NAME, recordEvent, type EventSpec } from "./events.ts";
import { arrAt, isObj, metadataOf, strAt, type Obj } from "./json.ts";
import { podStatus, UNSCHEDULABLE_MESSAGE, type PodSim, type SimContainer } from "./pod-status.ts";
import { requireResource } from "./resources.ts";
import { badRequest, notFound } from "./status.ts";

export const PODS = requireResource("v1", "pods");

export interface Kubelet {
  /** Moves every pod one step along its mode's script when its time has come. */
  tick(now: number): void;
  /** The text `pods/<name>/log` answers; throws the API server's 400s. */
  logs(namespace: string, name: string, query: Record<string, string>): string;
}

function modeFor(cluster: Cluster, image: string): { mode: KubeletMode; logs: string } {
  const rule = cluster.kubeletRules.findLast((candidate) => candidate.match(image));
  return rule === undefined ? { mode: "ready", logs: "" } : { mode: rule.mode, logs: rule.logs };
}

function containersOf(cluster: Cluster, pod: Obj): SimContainer[] {
  return (arrAt(pod, "spec", "containers") ?? []).filter(isObj).map((container) => {
    const image = strAt(container, "image") ?? "";
    return { name: strAt(container, "name") ?? "", image, ...modeFor(cluster, image) };
  });
}

function onContainer(container: SimContainer, spec: Omit<EventSpec, "component">): EventSpec {
  return { ...spec, component: "kubelet", fieldPath: `spec.containers{${container.name}}` };
}

/** Events when containers first run (or fail to), per mode. */
function startEvents(pod: Obj, sim: PodSim, container: SimContainer): EventSpec[] {
  const image = container.image;
  if (container.mode === "image-pull-error") {
    return [
      onContainer(container, {
        type: "Warning",
        reason: "Failed",
        message: `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`,
      }),
      onContainer(container, { type: "Warning", reason: "Failed", message: "Error: ErrImagePull" }),
    ];
  }
  const ran = [
    onContainer(container, {
      type: "Normal",
      reason: "Pulled",
      message: `Successfully pulled image "${image}" in 1.2s (1.2s including waiting). Image size: 12345678 bytes.`,
    }),
    onContainer(container, {
      type: "Normal",
      reason: "Created",
      message: `Created container: ${container.name}`,
    }),
    onContainer(container, {
      type: "Normal",
      reason: "Started",
      message: `Started container ${container.name}`,
    }),
  ];
  return [...ran, ...periodicEvents(pod, sim, container)];
}

/** Events repeated every period while a pod stays broken (aggregated into `count`). */
function periodicEvents(pod: Obj, sim: PodSim, container: SimContainer): EventSpec[] {
  const name = strAt(pod, "metadata", "name") ?? "";
  const namespace = strAt(pod, "metadata", "namespace") ?? "";
  switch (container.mode) {
    case "crashloop":
      return [
        onContainer(container, {
          type: "Warning",
          reason: "BackOff",
          message: `Back-off restarting failed container ${container.name} in pod ${name}_${namespace}(${sim.uid})`,
        }),
      ];
    case "never-ready":
      return [
        onContainer(container, {
          type: "Warning",
          reason: "Unhealthy",
          message: "Readiness probe failed: HTTP probe failed with statuscode: 503",
        }),
      ];
    case "image-pull-error":
      if (sim.stage < 2) return [];
      return [
        onContainer(container, {
          type: "Normal",
          reason: "BackOff",
          message: `Back-off pulling image "${container.image}"`,
        }),
        onContainer(container, {
          type: "Warning",
          reason: "Failed",
          message: "Error: ImagePullBackOff",
        }),
      ];
    default:
      return [];
  }
}

function advance(cluster: Cluster, pod: Obj, sim: PodSim, now: number): EventSpec[] {
  const age = now - sim.createdAt;
  const delay = cluster.delayMs;
  const name = strAt(pod, "metadata", "name") ?? "";
  const namespace = strAt(pod, "metadata", "namespace") ?? "";
  if (sim.stage === 0 && age >= delay) {
    sim.stage = 1;
    sim.scheduledAt = now;
    if (sim.containers.some((container) => container.mode === "unschedulable")) {
      return [
        {
          type: "Warning",
          reason: "FailedScheduling",
          message: UNSCHEDULABLE_MESSAGE,
          component: "default-scheduler",
        },
      ];
    }
    const spec: Obj = isObj(pod.spec) ? pod.spec : {};
    pod.spec = { ...spec, nodeName: NODE_NAME };
    return [
      {
        type: "Normal",
        reason: "Scheduled",
        message: `Successfully assigned ${namespace}/${name} to ${NODE_NAME}`,
        component: "default-scheduler",
      },
      ...sim.containers.map((container) =>
        onContainer(container, {
          type: "Normal",
          reason: "Pulling",
          message: `Pulling image "${container.image}"`,
        }),
      ),
    ];
  }
  if (sim.containers.some((container) => container.mode === "unschedulable")) return [];
  if (sim.stage === 1 && age >= 2 * delay) {
    sim.stage = 2;
    sim.startedAt = now;
    sim.lastBeat = now;
    sim.restarts = sim.containers.some((container) => container.mode === "crashloop") ? 1 : 0;
    return sim.containers.flatMap((container) => startEvents(pod, sim, container));
  }
  if (sim.stage >= 2 && now - sim.lastBeat >= delay) {
    sim.stage += 1;
    sim.lastBeat = now;
    if (sim.containers.some((container) => container.mode === "crashloop")) sim.restarts += 1;
    return sim.containers.flatMap((container) => periodicEvents(pod, sim, container));
  }
  return [];
}

function tailLines(text: string, query: Record<string, string>): string {
  const tail = query.tailLines === undefined ? undefined : Number(query.tailLines);
  if (tail === undefined || !Number.isInteger(tail) || tail < 0) return text;
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const kept = lines.slice(Math.max(0, lines.length - tail));
  return kept.length === 0 ? "" : `${kept.join("\n")}\n`;
}

export function createKubelet(cluster: Cluster): Kubelet {
  const sims = new Map<string, PodSim>();
  let ipCounter = 10;

  function simFor(pod: Obj, now: number): PodSim {
    const uid = strAt(pod, "metadata", "uid") ?? "";
    const existing = sims.get(uid);
    if (existing !== undefined) return existing;
    ipCounter += 1;
    const sim: PodSim = {
      uid,
      createdAt: now,
      containers: containersOf(cluster, pod),
      stage: 0,
      scheduledAt: now,
      startedAt: now,
      lastBeat: now,
      restarts: 0,
      podIP: `10.244.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 2}`,
    };
    sims.set(uid, sim);
    return sim;
  }

  return {
    tick(now) {
      const live = new Set<string>();
      for (const pod of cluster.store.list(PODS)) {
        const sim = simFor(pod, now);
        live.add(sim.uid);
        if (strAt(pod, "metadata", "deletionTimestamp") !== undefined) continue;
        const events = advance(cluster, pod, sim, now);
        pod.status = podStatus(pod, sim);
        const stored = cluster.store.update(PODS, pod);
        for (const event of events) recordEvent(cluster.store, stored, event);
      }
      for (const uid of sims.keys()) if (!live.has(uid)) sims.delete(uid);
    },
    logs(namespace, name, query) {
      const pod = cluster.store.get(PODS, namespace, name);
      if (pod === undefined) throw notFound("pods", "", name);
      const sim = sims.get(String(metadataOf(pod).uid));
      const names = (arrAt(pod, "spec", "containers") ?? []).map(
        (container) => strAt(container, "name") ?? "",
      );
      const wanted = query.container ?? (names.length === 1 ? names[0] : undefined);
      if (wanted === undefined) {
        throw badRequest(
          `a container name must be specified for pod ${name}, choose one of: [${names.join(" ")}]`,
        );
      }
      const container = sim?.containers.find((candidate) => candidate.name === wanted);
      if (!names.includes(wanted))
        throw badRequest(`container ${wanted} is not valid for pod ${name}`);
      if (
        sim === undefined ||
        container === undefined ||
        sim.stage < 2 ||
        container.mode === "unschedulable"
      ) {
        throw badRequest(
          `container "${wanted}" in pod "${name}" is waiting to start: ContainerCreating`,
        );
      }
      if (container.mode === "image-pull-error") {
        throw badRequest(
          `container "${wanted}" in pod "${name}" is waiting to start: trying and failing to pull image`,
        );
      }
      const previous = query.previous === "true" || query.previous === "1";
      if (previous && !(container.mode === "crashloop" && sim.restarts >= 1)) {
        throw badRequest(`previous terminated container "${wanted}" in pod "${name}" not found`);
      }
      return tailLines(container.logs, query);
    },
  };
}
