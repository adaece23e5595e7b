import type {
  IContainer,
  IEphemeralContainer,
  IPodSpec,
  ISecurityContext,
  IVolume,
} from "kubernetes-models/v1";

/*
 * The Pod Security Standards `restricted` profile (which includes `baseline`), as the Pod Security
 * admission controller checks it at version `latest`, so Slipway can prove in tests what the
 * tenant namespace's `enforce: restricted` label would otherwise reject at apply time. Where an
 * upstream version relaxes a rule (Windows pods), this stays strict: Slipway renders Linux pods.
 */

type AnyContainer = IContainer | IEphemeralContainer;

/** Sysctls namespaced per pod and isolated from other pods (PSS "Sysctls", up to v1.32). */
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
]);

const SELINUX_TYPES = new Set([
  "",
  "container_t",
  "container_init_t",
  "container_kvm_t",
  "container_engine_t",
]);

/** Inline volume sources `restricted` allows; every other source (hostPath, nfs, …) is refused. */
const ALLOWED_VOLUME_SOURCES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

const GOOD_SECCOMP = new Set(["RuntimeDefault", "Localhost"]);
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

function containersOf(spec: IPodSpec): AnyContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])];
}

function where(container: AnyContainer): string {
  return `container ${JSON.stringify(container.name)}`;
}

function checkHostNamespaces(spec: IPodSpec): string[] {
  const shared = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((key) => spec[key]);
  return shared.map((key) => `host namespaces: pod must not set ${key}=true`);
}

function checkVolumes(volumes: IVolume[]): string[] {
  return volumes.flatMap((volume) => {
    const sources = Object.entries(volume)
      .filter(([key, value]) => key !== "name" && value !== undefined)
      .map(([key]) => key);
    const refused = sources.filter((source) => !ALLOWED_VOLUME_SOURCES.has(source));
    return refused.map(
      (source) => `volume types: volume ${JSON.stringify(volume.name)} uses ${source}`,
    );
  });
}

function checkSysctls(spec: IPodSpec): string[] {
  const sysctls = spec.securityContext?.sysctls ?? [];
  return sysctls
    .filter((sysctl) => !SAFE_SYSCTLS.has(sysctl.name))
    .map((sysctl) => `sysctls: ${JSON.stringify(sysctl.name)} is not a safe sysctl`);
}

function checkAppArmorAnnotations(annotations: Record<string, string>): string[] {
  return Object.entries(annotations)
    .filter(([key]) => key.startsWith(APPARMOR_ANNOTATION))
    .filter(([, value]) => value !== "runtime/default" && !value.startsWith("localhost/"))
    .map(
      ([key, value]) =>
        `AppArmor: annotation ${key}=${value} is not runtime/default or localhost/*`,
    );
}

function checkSeLinux(
  subject: string,
  options: { type?: string; user?: string; role?: string } | undefined,
): string[] {
  if (options === undefined) return [];
  const problems: string[] = [];
  if (!SELINUX_TYPES.has(options.type ?? "")) {
    problems.push(`SELinux: ${subject} sets type ${JSON.stringify(options.type)}`);
  }
  if ((options.user ?? "") !== "") problems.push(`SELinux: ${subject} sets a user`);
  if ((options.role ?? "") !== "") problems.push(`SELinux: ${subject} sets a role`);
  return problems;
}

/** Pod-level settings: the ones a container inherits or cannot override. */
function checkPodSecurityContext(spec: IPodSpec): string[] {
  const context = spec.securityContext;
  if (context === undefined) return [];
  const problems: string[] = [];
  if (context.windowsOptions?.hostProcess === true) {
    problems.push("HostProcess: pod must not set windowsOptions.hostProcess=true");
  }
  if (context.runAsNonRoot === false) {
    problems.push("runAsNonRoot: pod must not set runAsNonRoot=false");
  }
  if (context.runAsUser === 0) problems.push("runAsUser: pod must not set runAsUser=0");
  if (context.seccompProfile !== undefined && !GOOD_SECCOMP.has(context.seccompProfile.type)) {
    problems.push(`seccomp: pod sets seccompProfile.type=${context.seccompProfile.type}`);
  }
  if (context.appArmorProfile?.type === "Unconfined") {
    problems.push("AppArmor: pod sets appArmorProfile.type=Unconfined");
  }
  problems.push(...checkSeLinux("pod", context.seLinuxOptions));
  return problems;
}

/** Probes and lifecycle handlers share these two actions. */
type Handler = { httpGet?: { host?: string }; tcpSocket?: { host?: string } };

function probeHosts(probe: Handler | undefined): string[] {
  return [probe?.httpGet?.host, probe?.tcpSocket?.host].filter(
    (host): host is string => host !== undefined && host !== "",
  );
}

function checkContainerHosts(container: AnyContainer): string[] {
  const hosts = [
    ...probeHosts(container.livenessProbe),
    ...probeHosts(container.readinessProbe),
    ...probeHosts(container.startupProbe),
    ...probeHosts(container.lifecycle?.postStart),
    ...probeHosts(container.lifecycle?.preStop),
  ];
  const problems = hosts.map(
    (host) => `probe or lifecycle host: ${where(container)} targets host ${JSON.stringify(host)}`,
  );
  for (const port of container.ports ?? []) {
    if (port.hostPort !== undefined && port.hostPort !== 0) {
      problems.push(`host ports: ${where(container)} sets hostPort ${port.hostPort}`);
    }
  }
  return problems;
}

function checkCapabilities(
  container: AnyContainer,
  context: ISecurityContext | undefined,
): string[] {
  const problems: string[] = [];
  if (!(context?.capabilities?.drop ?? []).includes("ALL")) {
    problems.push(`capabilities: ${where(container)} must drop ALL`);
  }
  const added = (context?.capabilities?.add ?? []).filter((cap) => cap !== "NET_BIND_SERVICE");
  if (added.length > 0) {
    problems.push(`capabilities: ${where(container)} adds ${added.join(", ")}`);
  }
  return problems;
}

function checkContainer(spec: IPodSpec, container: AnyContainer): string[] {
  const context = container.securityContext;
  const pod = spec.securityContext;
  const problems = [...checkContainerHosts(container), ...checkCapabilities(container, context)];
  if (context?.privileged === true) problems.push(`privileged: ${where(container)} is privileged`);
  if (context?.allowPrivilegeEscalation !== false) {
    problems.push(`allowPrivilegeEscalation: ${where(container)} must set it to false`);
  }
  if (context?.windowsOptions?.hostProcess === true) {
    problems.push(`HostProcess: ${where(container)} sets windowsOptions.hostProcess=true`);
  }
  if (context?.procMount !== undefined && context.procMount !== "Default") {
    problems.push(`procMount: ${where(container)} sets procMount=${context.procMount}`);
  }
  if (context?.runAsNonRoot === false) {
    problems.push(`runAsNonRoot: ${where(container)} sets runAsNonRoot=false`);
  } else if (context?.runAsNonRoot !== true && pod?.runAsNonRoot !== true) {
    problems.push(`runAsNonRoot: pod or ${where(container)} must set runAsNonRoot=true`);
  }
  if (context?.runAsUser === 0) problems.push(`runAsUser: ${where(container)} sets runAsUser=0`);
  const seccomp = context?.seccompProfile?.type;
  if (seccomp !== undefined && !GOOD_SECCOMP.has(seccomp)) {
    problems.push(`seccomp: ${where(container)} sets seccompProfile.type=${seccomp}`);
  } else if (seccomp === undefined && pod?.seccompProfile === undefined) {
    problems.push(`seccomp: pod or ${where(container)} must set seccompProfile.type`);
  }
  if (context?.appArmorProfile?.type === "Unconfined") {
    problems.push(`AppArmor: ${where(container)} sets appArmorProfile.type=Unconfined`);
  }
  problems.push(...checkSeLinux(where(container), context?.seLinuxOptions));
  return problems;
}

/**
 * Violations of the Pod Security Standards `restricted` profile by a pod spec (and its pod
 * annotations, for legacy AppArmor annotations); an empty list means the pod is admitted in a
 * namespace labelled `pod-security.kubernetes.io/enforce: restricted`. Each entry names the rule
 * and the pod or container at fault.
 */
export function checkRestricted(
  spec: IPodSpec,
  annotations: Record<string, string> = {},
): string[] {
  return [
    ...checkHostNamespaces(spec),
    ...checkPodSecurityContext(spec),
    ...checkSysctls(spec),
    ...checkVolumes(spec.volumes ?? []),
    ...checkAppArmorAnnotations(annotations),
    ...containersOf(spec).flatMap((container) => checkContainer(spec, container)),
  ];
}
