import type { IContainer, IPodSpec } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { checkRestricted } from "./pod-security.ts";

function container(overrides: Partial<IContainer> = {}): IContainer {
  return {
    name: "app",
    image: "app@sha256:00",
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    },
    ...overrides,
  };
}

function pod(overrides: Partial<IPodSpec> = {}, app: Partial<IContainer> = {}): IPodSpec {
  return {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    containers: [container(app)],
    ...overrides,
  };
}

const GOOD_CONTEXT = container().securityContext;

describe("checkRestricted", () => {
  it.each<[string, IPodSpec]>([
    ["the minimal restricted pod", pod()],
    [
      "container-level runAsNonRoot and seccomp instead of pod-level",
      {
        containers: [
          container({
            securityContext: {
              ...GOOD_CONTEXT,
              runAsNonRoot: true,
              seccompProfile: { type: "Localhost", localhostProfile: "profiles/app.json" },
            },
          }),
        ],
      },
    ],
    [
      "NET_BIND_SERVICE added back",
      pod(
        {},
        {
          securityContext: {
            ...GOOD_CONTEXT,
            capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
          },
        },
      ),
    ],
    [
      "allowed volume types",
      pod({
        volumes: [
          { name: "tmp", emptyDir: {} },
          { name: "config", configMap: { name: "c" } },
          { name: "secret", secret: { secretName: "s" } },
          { name: "data", persistentVolumeClaim: { claimName: "d" } },
          { name: "info", downwardAPI: {} },
          { name: "all", projected: { sources: [] } },
        ],
      }),
    ],
    [
      "safe sysctls",
      pod({
        securityContext: {
          runAsNonRoot: true,
          seccompProfile: { type: "RuntimeDefault" },
          sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
        },
      }),
    ],
    [
      "an allowed SELinux type and AppArmor RuntimeDefault",
      pod(
        {},
        {
          securityContext: {
            ...GOOD_CONTEXT,
            seLinuxOptions: { type: "container_t", level: "s0:c1,c2" },
            appArmorProfile: { type: "RuntimeDefault" },
          },
        },
      ),
    ],
    ["a hostPort of 0", pod({}, { ports: [{ containerPort: 80, hostPort: 0 }] })],
    ["procMount Default", pod({}, { securityContext: { ...GOOD_CONTEXT, procMount: "Default" } })],
  ])("admits %s", (_case, spec) => {
    expect(checkRestricted(spec)).toEqual([]);
  });

  it.each<[string, IPodSpec, RegExp]>([
    ["hostNetwork", pod({ hostNetwork: true }), /^host namespaces: .*hostNetwork/],
    ["hostPID", pod({ hostPID: true }), /^host namespaces: .*hostPID/],
    ["hostIPC", pod({ hostIPC: true }), /^host namespaces: .*hostIPC/],
    [
      "a privileged container",
      pod({}, { securityContext: { ...GOOD_CONTEXT, privileged: true } }),
      /^privileged: container "app"/,
    ],
    [
      "privilege escalation left unset",
      pod({}, { securityContext: { capabilities: { drop: ["ALL"] } } }),
      /^allowPrivilegeEscalation: container "app"/,
    ],
    [
      "capabilities not dropped",
      pod({}, { securityContext: { allowPrivilegeEscalation: false } }),
      /^capabilities: container "app" must drop ALL/,
    ],
    [
      "an added capability",
      pod(
        {},
        {
          securityContext: { ...GOOD_CONTEXT, capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } },
        },
      ),
      /^capabilities: container "app" adds SYS_ADMIN/,
    ],
    [
      "runAsNonRoot unset",
      pod({ securityContext: { seccompProfile: { type: "RuntimeDefault" } } }),
      /^runAsNonRoot: pod or container "app" must set/,
    ],
    [
      "a container overriding runAsNonRoot",
      pod({}, { securityContext: { ...GOOD_CONTEXT, runAsNonRoot: false } }),
      /^runAsNonRoot: container "app" sets runAsNonRoot=false/,
    ],
    [
      "runAsUser 0",
      pod({
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 0,
          seccompProfile: { type: "RuntimeDefault" },
        },
      }),
      /^runAsUser: pod/,
    ],
    [
      "seccomp unset",
      pod({ securityContext: { runAsNonRoot: true } }),
      /^seccomp: pod or container "app" must set/,
    ],
    [
      "seccomp Unconfined on the pod",
      pod({ securityContext: { runAsNonRoot: true, seccompProfile: { type: "Unconfined" } } }),
      /^seccomp: pod sets seccompProfile.type=Unconfined/,
    ],
    [
      "seccomp Unconfined on a container",
      pod({}, { securityContext: { ...GOOD_CONTEXT, seccompProfile: { type: "Unconfined" } } }),
      /^seccomp: container "app"/,
    ],
    [
      "a hostPath volume",
      pod({ volumes: [{ name: "root", hostPath: { path: "/" } }] }),
      /^volume types: volume "root" uses hostPath/,
    ],
    [
      "an NFS volume",
      pod({ volumes: [{ name: "share", nfs: { server: "nfs", path: "/" } }] }),
      /^volume types: volume "share" uses nfs/,
    ],
    [
      "a hostPort",
      pod({}, { ports: [{ containerPort: 80, hostPort: 80 }] }),
      /^host ports: container "app" sets hostPort 80/,
    ],
    [
      "procMount Unmasked",
      pod({}, { securityContext: { ...GOOD_CONTEXT, procMount: "Unmasked" } }),
      /^procMount: container "app"/,
    ],
    [
      "an unsafe sysctl",
      pod({
        securityContext: {
          runAsNonRoot: true,
          seccompProfile: { type: "RuntimeDefault" },
          sysctls: [{ name: "kernel.msgmax", value: "65536" }],
        },
      }),
      /^sysctls: "kernel.msgmax"/,
    ],
    [
      "AppArmor Unconfined",
      pod({}, { securityContext: { ...GOOD_CONTEXT, appArmorProfile: { type: "Unconfined" } } }),
      /^AppArmor: container "app"/,
    ],
    [
      "a custom SELinux type",
      pod({}, { securityContext: { ...GOOD_CONTEXT, seLinuxOptions: { type: "spc_t" } } }),
      /^SELinux: container "app" sets type "spc_t"/,
    ],
    [
      "an SELinux user on the pod",
      pod({
        securityContext: {
          runAsNonRoot: true,
          seccompProfile: { type: "RuntimeDefault" },
          seLinuxOptions: { user: "system_u" },
        },
      }),
      /^SELinux: pod sets a user/,
    ],
    [
      "a Windows HostProcess container",
      pod({}, { securityContext: { ...GOOD_CONTEXT, windowsOptions: { hostProcess: true } } }),
      /^HostProcess: container "app"/,
    ],
    [
      "a probe aimed at another host",
      pod({}, { readinessProbe: { httpGet: { host: "169.254.169.254", port: 80, path: "/" } } }),
      /^probe or lifecycle host: container "app" targets host "169.254.169.254"/,
    ],
    [
      "an init container without a security context",
      pod({ initContainers: [{ name: "init", image: "init@sha256:00" }] }),
      /^allowPrivilegeEscalation: container "init"/,
    ],
  ])("refuses %s", (_case, spec, violation) => {
    const violations = checkRestricted(spec);
    expect(violations).toContainEqual(expect.stringMatching(violation));
  });

  it.each([
    ["unconfined", ["AppArmor: annotation"]],
    ["runtime/default", []],
    ["localhost/my-profile", []],
  ])("checks the legacy AppArmor annotation %s", (value, expected) => {
    const violations = checkRestricted(pod(), {
      "container.apparmor.security.beta.kubernetes.io/app": value,
    });
    expect(violations.map((v) => v.slice(0, "AppArmor: annotation".length))).toEqual(expected);
  });
});
