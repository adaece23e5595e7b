import { arrAt, isObj, metadataOf, objAt, strAt, type Obj } from "./json.ts";
import type { ResourceType } from "./resources.ts";

function defaults(target: Obj, values: Obj): void {
  for (const [key, value] of Object.entries(values)) {
    if (target[key] === undefined) target[key] = value;
  }
}

function child(target: Obj, key: string): Obj {
  const existing = target[key];
  if (isObj(existing)) return existing;
  const created: Obj = {};
  target[key] = created;
  return created;
}

function defaultContainer(container: Obj): void {
  const image = strAt(container, "image") ?? "";
  const tagged = image.includes("@") || /:[^/]+$/.test(image);
  defaults(container, {
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: !tagged || image.endsWith(":latest") ? "Always" : "IfNotPresent",
    resources: {},
  });
  for (const port of arrAt(container, "ports") ?? []) {
    if (isObj(port)) defaults(port, { protocol: "TCP" });
  }
}

/** The pod spec defaults the API server fills in (visible when reading objects back). */
export function defaultPodSpec(spec: Obj): void {
  defaults(spec, {
    restartPolicy: "Always",
    terminationGracePeriodSeconds: 30,
    dnsPolicy: "ClusterFirst",
    schedulerName: "default-scheduler",
    securityContext: {},
  });
  for (const container of [
    ...(arrAt(spec, "containers") ?? []),
    ...(arrAt(spec, "initContainers") ?? []),
  ]) {
    if (isObj(container)) defaultContainer(container);
  }
}

let nextClusterIp = 10;

/** Applies the API server's defaulting for the kinds the fake serves; mutates `object`. */
export function applyDefaults(resource: ResourceType, object: Obj): void {
  const metadata = metadataOf(object);
  const spec = objAt(object, "spec");
  switch (resource.kind) {
    case "Namespace": {
      // Set by the API server on every namespace; NetworkPolicy namespaceSelectors rely on it.
      if (typeof metadata.name === "string") {
        metadata.labels = {
          ...objAt(metadata, "labels"),
          "kubernetes.io/metadata.name": metadata.name,
        };
      }
      child(object, "spec").finalizers = ["kubernetes"];
      return;
    }
    case "Deployment": {
      if (spec === undefined) return;
      defaults(spec, {
        replicas: 1,
        strategy: {
          type: "RollingUpdate",
          rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
        },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      });
      defaultPodSpec(child(child(spec, "template"), "spec"));
      return;
    }
    case "ReplicaSet": {
      if (spec === undefined) return;
      defaults(spec, { replicas: 1 });
      defaultPodSpec(child(child(spec, "template"), "spec"));
      return;
    }
    case "Pod": {
      if (spec !== undefined) defaultPodSpec(spec);
      return;
    }
    case "Service": {
      if (spec === undefined) return;
      if (spec.clusterIP === undefined) {
        nextClusterIp += 1;
        spec.clusterIP = `10.96.${Math.floor(nextClusterIp / 250) % 250}.${(nextClusterIp % 250) + 1}`;
      }
      defaults(spec, {
        type: "ClusterIP",
        sessionAffinity: "None",
        clusterIPs: [spec.clusterIP],
        ipFamilies: ["IPv4"],
        ipFamilyPolicy: "SingleStack",
        internalTrafficPolicy: "Cluster",
      });
      for (const port of arrAt(spec, "ports") ?? []) {
        if (isObj(port)) defaults(port, { protocol: "TCP", targetPort: port.port });
      }
      return;
    }
    case "NetworkPolicy": {
      if (spec === undefined || spec.policyTypes !== undefined) return;
      spec.policyTypes = spec.egress === undefined ? ["Ingress"] : ["Ingress", "Egress"];
      return;
    }
    default:
      return;
  }
}

/** The status a freshly created object starts with. */
export function initialStatus(resource: ResourceType): Obj | undefined {
  switch (resource.kind) {
    case "Namespace":
      return { phase: "Active" };
    case "Pod":
      return { phase: "Pending" };
    case "Deployment":
    case "Service":
    case "Ingress":
    case "ResourceQuota":
      return {};
    case "ReplicaSet":
      return { replicas: 0 };
    default:
      return undefined;
  }
}

/** Kinds whose `metadata.generation` the server maintains. */
export function hasGeneration(resource: ResourceType): boolean {
  return !["Namespace", "Event", "Service", "LimitRange", "ResourceQuota"].includes(resource.kind);
}
