import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ReplicaSet } from "kubernetes-models/apps/v1/ReplicaSet";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { SelfSubjectAccessReview } from "kubernetes-models/authorization.k8s.io/v1/SelfSubjectAccessReview";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { RuntimeClass } from "kubernetes-models/node.k8s.io/v1/RuntimeClass";
import { Event } from "kubernetes-models/v1/Event";
import { LimitRange } from "kubernetes-models/v1/LimitRange";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Pod } from "kubernetes-models/v1/Pod";
import { ResourceQuota } from "kubernetes-models/v1/ResourceQuota";
import { Service } from "kubernetes-models/v1/Service";
import type { Obj } from "./json.ts";

/** A kubernetes-models class: constructed empty, filled with the body, then `.validate()`d. */
type ModelClass = new () => { validate(): void };

export interface ResourceType {
  group: string;
  version: string;
  /** `apps/v1`, or `v1` for the core group. */
  apiVersion: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly string[];
  shortNames?: readonly string[];
  /** Subresources served under `<plural>/<name>/<sub>`. */
  subresources: readonly string[];
  model: ModelClass;
  /** False for kinds that are answered but never stored (reviews, runtime classes). */
  stored: boolean;
}

const RW = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

function type(
  apiVersion: string,
  plural: string,
  kind: string,
  model: ModelClass,
  extra: Partial<Omit<ResourceType, "apiVersion" | "group" | "version">> = {},
): ResourceType {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return {
    group: group ?? "",
    version: version ?? apiVersion,
    apiVersion,
    plural,
    singular: kind.toLowerCase(),
    kind,
    namespaced: true,
    verbs: RW,
    subresources: [],
    model,
    stored: true,
    ...extra,
  };
}

/** Everything the fake serves, in the order discovery lists it. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  type("v1", "events", "Event", Event, { shortNames: ["ev"] }),
  type("v1", "limitranges", "LimitRange", LimitRange, { shortNames: ["limits"] }),
  type("v1", "namespaces", "Namespace", Namespace, {
    namespaced: false,
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    shortNames: ["ns"],
    subresources: ["status"],
  }),
  type("v1", "persistentvolumeclaims", "PersistentVolumeClaim", PersistentVolumeClaim, {
    shortNames: ["pvc"],
    subresources: ["status"],
  }),
  type("v1", "pods", "Pod", Pod, { shortNames: ["po"], subresources: ["log", "status"] }),
  type("v1", "resourcequotas", "ResourceQuota", ResourceQuota, {
    shortNames: ["quota"],
    subresources: ["status"],
  }),
  type("v1", "services", "Service", Service, { shortNames: ["svc"], subresources: ["status"] }),
  type("apps/v1", "deployments", "Deployment", Deployment, {
    shortNames: ["deploy"],
    subresources: ["scale", "status"],
  }),
  type("apps/v1", "replicasets", "ReplicaSet", ReplicaSet, {
    shortNames: ["rs"],
    subresources: ["scale", "status"],
  }),
  type("apps/v1", "statefulsets", "StatefulSet", StatefulSet, {
    shortNames: ["sts"],
    subresources: ["scale", "status"],
  }),
  type("networking.k8s.io/v1", "ingresses", "Ingress", Ingress, {
    shortNames: ["ing"],
    subresources: ["status"],
  }),
  type("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", NetworkPolicy, {
    shortNames: ["netpol"],
  }),
  // Read-only here: the set of RuntimeClasses is `FakeKubernetes.runtimeClasses`.
  type("node.k8s.io/v1", "runtimeclasses", "RuntimeClass", RuntimeClass, {
    namespaced: false,
    verbs: ["get", "list"],
    stored: false,
  }),
  type(
    "authorization.k8s.io/v1",
    "selfsubjectaccessreviews",
    "SelfSubjectAccessReview",
    SelfSubjectAccessReview,
    { namespaced: false, verbs: ["create"], stored: false },
  ),
];

export function findResource(group: string, version: string, plural: string) {
  return RESOURCE_TYPES.find(
    (candidate) =>
      candidate.group === group && candidate.version === version && candidate.plural === plural,
  );
}

export function resourceForKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find(
    (candidate) => candidate.apiVersion === apiVersion && candidate.kind === kind,
  );
}

/** Looks a resource up by its `apps/v1`-style apiVersion and plural. */
export function requireResource(apiVersion: string, plural: string): ResourceType {
  const found = RESOURCE_TYPES.find(
    (candidate) => candidate.apiVersion === apiVersion && candidate.plural === plural,
  );
  if (found === undefined) throw new Error(`fake Kubernetes: no resource ${apiVersion} ${plural}`);
  return found;
}

function subresourceEntry(resource: ResourceType, sub: string): Obj {
  const base = {
    name: `${resource.plural}/${sub}`,
    singularName: "",
    namespaced: resource.namespaced,
  };
  if (sub === "log") return { ...base, kind: "Pod", verbs: ["get"] };
  if (sub === "scale") {
    return {
      ...base,
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
      verbs: ["get", "patch", "update"],
    };
  }
  return { ...base, kind: resource.kind, verbs: ["get", "patch", "update"] };
}

/**
 * `APIResourceList` for one group version. Subresources follow their resource, as on a real
 * server: `KubernetesObjectApi` takes the first entry whose kind matches, so order matters.
 */
export function apiResourceList(apiVersion: string): Obj | undefined {
  const types = RESOURCE_TYPES.filter((candidate) => candidate.apiVersion === apiVersion);
  if (types.length === 0) return undefined;
  const resources = types.flatMap((resource) => [
    {
      name: resource.plural,
      singularName: resource.singular,
      namespaced: resource.namespaced,
      kind: resource.kind,
      verbs: resource.verbs,
      ...(resource.shortNames === undefined ? {} : { shortNames: resource.shortNames }),
    },
    ...resource.subresources.map((sub) => subresourceEntry(resource, sub)),
  ]);
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersion, resources };
}

function groupVersions(): Array<{ name: string; version: string }> {
  const seen = new Map<string, string>();
  for (const resource of RESOURCE_TYPES) {
    if (resource.group !== "") seen.set(resource.group, resource.version);
  }
  return [...seen].map(([name, version]) => ({ name, version }));
}

/** An APIGroup's body; the list form carries no kind/apiVersion per group. */
function apiGroupBody(name: string, version: string): Obj {
  const entry = { groupVersion: `${name}/${version}`, version };
  return { name, versions: [entry], preferredVersion: entry };
}

export function apiGroupList(): Obj {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: groupVersions().map(({ name, version }) => apiGroupBody(name, version)),
  };
}

export function apiGroupFor(name: string): Obj | undefined {
  const found = groupVersions().find((group) => group.name === name);
  if (found === undefined) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...apiGroupBody(found.name, found.version) };
}
