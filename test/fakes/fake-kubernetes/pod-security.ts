import { arrAt, isObj, objAt, strAt, valueAt, type Obj } from "./json.ts";
import type { ResourceType } from "./resources.ts";

interface Container {
  name: string;
  securityContext: unknown;
}

function containersOf(podSpec: Obj): Container[] {
  return [...(arrAt(podSpec, "initContainers") ?? []), ...(arrAt(podSpec, "containers") ?? [])]
    .filter(isObj)
    .map((container) => ({
      name: strAt(container, "name") ?? "",
      securityContext: container.securityContext,
    }));
}

function who(names: string[]): string {
  const quoted = names.map((name) => `"${name}"`).join(", ");
  return names.length === 1 ? `container ${quoted}` : `containers ${quoted}`;
}

function podOr(names: string[]): string {
  return names.length === 1
    ? `pod or container "${names[0] ?? ""}"`
    : `pod or containers ${names.map((n) => `"${n}"`).join(", ")}`;
}

/**
 * The Pod Security `restricted` checks a template is most likely to miss, worded as the
 * admission plugin words them (in its order). Empty when the pod spec passes.
 */
export function restrictedViolations(podSpec: Obj): string[] {
  const containers = containersOf(podSpec);
  const pod = valueAt(podSpec, ["securityContext"]);
  const failing = (test: (container: Container) => boolean) =>
    containers.filter(test).map((container) => container.name);
  const violations: string[] = [];

  const privileged = failing((c) => valueAt(c.securityContext, ["privileged"]) === true);
  if (privileged.length > 0) {
    violations.push(`privileged (${who(privileged)} must not set securityContext.privileged=true)`);
  }
  const hostNamespaces = ["hostNetwork", "hostPID", "hostIPC"].filter(
    (key) => podSpec[key] === true,
  );
  if (hostNamespaces.length > 0) {
    violations.push(`host namespaces (${hostNamespaces.map((key) => `${key}=true`).join(", ")})`);
  }
  const escalation = failing(
    (c) => valueAt(c.securityContext, ["allowPrivilegeEscalation"]) !== false,
  );
  if (escalation.length > 0) {
    violations.push(
      `allowPrivilegeEscalation != false (${who(escalation)} must set securityContext.allowPrivilegeEscalation=false)`,
    );
  }
  const capabilities = failing((c) => {
    const drop = valueAt(c.securityContext, ["capabilities", "drop"]);
    return !Array.isArray(drop) || !drop.includes("ALL");
  });
  if (capabilities.length > 0) {
    violations.push(
      `unrestricted capabilities (${who(capabilities)} must set securityContext.capabilities.drop=["ALL"])`,
    );
  }
  const hostPaths = (arrAt(podSpec, "volumes") ?? []).filter((volume) =>
    isObj(valueAt(volume, ["hostPath"])),
  );
  if (hostPaths.length > 0) {
    const names = hostPaths.map((volume) => `"${strAt(volume, "name") ?? ""}"`).join(", ");
    violations.push(
      `restricted volume types (volume ${names} uses restricted volume type "hostPath")`,
    );
  }
  const podNonRoot = valueAt(pod, ["runAsNonRoot"]);
  const nonRoot = failing((c) => {
    const own = valueAt(c.securityContext, ["runAsNonRoot"]);
    return own === false || (own !== true && podNonRoot !== true);
  });
  if (nonRoot.length > 0) {
    violations.push(
      `runAsNonRoot != true (${podOr(nonRoot)} must set securityContext.runAsNonRoot=true)`,
    );
  }
  const root = failing((c) => valueAt(c.securityContext, ["runAsUser"]) === 0);
  if (valueAt(pod, ["runAsUser"]) === 0)
    violations.push(`runAsUser=0 (pod must not set runAsUser=0)`);
  else if (root.length > 0) violations.push(`runAsUser=0 (${who(root)} must not set runAsUser=0)`);
  const allowedSeccomp = (type: unknown) => type === "RuntimeDefault" || type === "Localhost";
  const podSeccomp = allowedSeccomp(valueAt(pod, ["seccompProfile", "type"]));
  const seccomp = failing((c) => {
    const own = valueAt(c.securityContext, ["seccompProfile", "type"]);
    return own === undefined ? !podSeccomp : !allowedSeccomp(own);
  });
  if (seccomp.length > 0) {
    violations.push(
      `seccompProfile (${podOr(seccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`,
    );
  }
  return violations;
}

/** Whether a namespace enforces Pod Security `restricted` (its `enforce` label). */
export function enforcesRestricted(namespace: Obj | undefined): boolean {
  return (
    strAt(namespace, "metadata", "labels", "pod-security.kubernetes.io/enforce") === "restricted"
  );
}

/**
 * Why pod admission would reject a pod with this spec, as the message of the 403, or undefined.
 * `podName` is the pod's name, or its generateName prefix for controller-created pods.
 */
export function podAdmissionError(
  podName: string,
  podSpec: Obj,
  namespace: Obj | undefined,
  runtimeClasses: ReadonlySet<string>,
): string | undefined {
  const runtimeClass = strAt(podSpec, "runtimeClassName");
  if (runtimeClass !== undefined && !runtimeClasses.has(runtimeClass)) {
    return `pods "${podName}" is forbidden: pod rejected: RuntimeClass "${runtimeClass}" not found`;
  }
  if (!enforcesRestricted(namespace)) return undefined;
  const violations = restrictedViolations(podSpec);
  if (violations.length === 0) return undefined;
  return `pods "${podName}" is forbidden: violates PodSecurity "restricted:latest": ${violations.join(", ")}`;
}

/** The pod spec inside a Pod, Deployment, ReplicaSet or StatefulSet. */
export function podTemplateSpec(resource: ResourceType, object: Obj): Obj | undefined {
  if (resource.kind === "Pod") return objAt(object, "spec");
  if (["Deployment", "ReplicaSet", "StatefulSet"].includes(resource.kind))
    return objAt(object, "spec", "template", "spec");
  return undefined;
}

/** `Warning` header values for a namespace that enforces or warns on `restricted`. */
export function podSecurityWarnings(
  namespace: Obj | undefined,
  podSpec: Obj | undefined,
): string[] {
  const labels = objAt(namespace, "metadata", "labels") ?? {};
  const restricted = ["enforce", "warn"].some(
    (mode) => labels[`pod-security.kubernetes.io/${mode}`] === "restricted",
  );
  if (!restricted || podSpec === undefined) return [];
  const violations = restrictedViolations(podSpec);
  if (violations.length === 0) return [];
  return [
    `299 - ${JSON.stringify(`would violate PodSecurity "restricted:latest": ${violations.join(", ")}`)}`,
  ];
}
