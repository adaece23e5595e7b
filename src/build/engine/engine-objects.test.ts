import { describe, expect, it } from "vitest";
import { checkRestricted } from "../../deploy/pod-security.ts";
import { planBranch, tenantObjects } from "../../deploy/kubernetes/push-plan.ts";
import { DEFAULT_TENANT_LIMITS } from "../../deploy/kubernetes/settings.ts";
import { BLOCKED_IPV4, BLOCKED_IPV6 } from "../../deploy/manifests/egress-policy.ts";
import { engineObjectList, engineObjects } from "./engine-objects.ts";
import type { EngineSettings } from "./engine-settings.ts";

const DIGEST = `sha256:${"c".repeat(64)}`;
const SETTINGS: EngineSettings = {
  runtimeClass: "kata-qemu",
  image: `registry.dagger.io/engine:v0.21.9@${DIGEST}`,
  cacheSize: "20Gi",
  idleMs: 30 * 60_000,
  clusterCidrs: ["10.42.0.0/16", "10.43.0.0/16"],
};

function render(settings: Partial<EngineSettings> = {}) {
  return engineObjects(42, { ...SETTINGS, ...settings });
}

function podSpec() {
  const spec = render().statefulSet.spec?.template.spec;
  if (spec === undefined) throw new Error("no pod spec");
  return spec;
}

describe("engineObjects", () => {
  it("puts the engine in the installation's own build namespace, apart from its apps", () => {
    const { namespace, networkPolicy, statefulSet } = render();
    expect(namespace.metadata?.name).toBe("slipway-42-build");
    expect(networkPolicy.metadata?.namespace).toBe("slipway-42-build");
    expect(statefulSet.metadata?.namespace).toBe("slipway-42-build");
    expect(namespace.metadata?.labels).toMatchObject({
      "slipway.dev/build-namespace": "true",
      "slipway.dev/installation": "42",
      "pod-security.kubernetes.io/enforce": "privileged",
    });
    expect(engineObjectList(render()).map((o) => o.kind)).toEqual([
      "Namespace",
      "NetworkPolicy",
      "StatefulSet",
    ]);
    for (const object of engineObjectList(render())) object.validate();
  });

  it("runs one engine pod on the VM sandbox RuntimeClass, without an API token", () => {
    const { statefulSet } = render();
    expect(statefulSet.spec?.replicas).toBe(1);
    expect(podSpec().runtimeClassName).toBe("kata-qemu");
    expect(
      render({ runtimeClass: "kata-clh" }).statefulSet.spec?.template.spec?.runtimeClassName,
    ).toBe("kata-clh");
    expect(podSpec().automountServiceAccountToken).toBe(false);
    expect(podSpec().hostNetwork).toBeUndefined();
    expect(podSpec().hostPID).toBeUndefined();
  });

  it("is privileged (only inside the VM), pinned by digest, with requests and limits", () => {
    const [container, ...others] = podSpec().containers;
    expect(others).toEqual([]);
    expect(container?.securityContext?.privileged).toBe(true);
    expect(container?.image).toBe(SETTINGS.image);
    expect(container?.resources?.requests).toEqual({ cpu: "500m", memory: "1Gi" });
    expect(container?.resources?.limits).toEqual({ cpu: "4", memory: "8Gi" });
    // The engine would never pass `restricted`: that is why it has a namespace of its own.
    expect(checkRestricted(podSpec()).join("\n")).toMatch(/privileged/);
  });

  it("is the only privileged container Slipway renders: a tenant's app pods stay `restricted`", () => {
    const settings = {
      runtimeClass: "kata-fc",
      baseDomain: "preview.test",
      ingressClass: undefined,
      ingressNamespace: "ingress-nginx",
      rolloutTimeoutMs: 300_000,
      tenant: DEFAULT_TENANT_LIMITS,
    };
    const tenant = tenantObjects(settings, 42);
    expect(tenant[0]?.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const { deployment } = planBranch(settings, {
      target: {
        installationId: 42,
        owner: "acme",
        repo: "web",
        repoId: 1,
        branch: "main",
        sha: "a".repeat(40),
      },
      image: `registry.test/acme/web@${DIGEST}`,
      app: { port: 8080, healthcheckPath: "/", env: {}, resources: {}, egress: "internet" },
    });
    const appSpec = deployment.spec?.template.spec;
    expect(appSpec && checkRestricted(appSpec)).toEqual([]);
    expect(JSON.stringify(deployment.toJSON())).not.toContain('"privileged"');
  });

  it("keeps the layer cache on a volume of its own, sized by the setting, kept when scaled to zero", () => {
    const { statefulSet } = render({ cacheSize: "50Gi" });
    const [claim] = statefulSet.spec?.volumeClaimTemplates ?? [];
    expect(claim?.spec?.resources?.requests).toEqual({ storage: "50Gi" });
    expect(claim?.spec?.accessModes).toEqual(["ReadWriteOnce"]);
    expect(podSpec().containers[0]?.volumeMounts).toEqual([
      { name: "cache", mountPath: "/var/lib/dagger" },
    ]);
    expect(statefulSet.spec?.persistentVolumeClaimRetentionPolicy).toEqual({
      whenScaled: "Retain",
      whenDeleted: "Delete",
    });
  });

  it("lets builds reach DNS and the internet only: no ingress, no cluster, no metadata service", () => {
    const { networkPolicy } = render();
    const spec = networkPolicy.spec;
    expect(spec?.podSelector).toEqual({});
    expect(spec?.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(spec?.ingress).toBeUndefined();
    const [dns, internet] = spec?.egress ?? [];
    expect(dns?.ports).toEqual([
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ]);
    const v4 = internet?.to?.[0]?.ipBlock;
    expect(v4?.cidr).toBe("0.0.0.0/0");
    expect(v4?.except).toEqual(
      expect.arrayContaining([
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "10.42.0.0/16",
        "10.43.0.0/16",
      ]),
    );
    expect(internet?.to?.[1]?.ipBlock?.except).toEqual(
      expect.arrayContaining(["fe80::/10", "fc00::/7"]),
    );
    // The same special-purpose ranges as a preview's internet egress: loopback, multicast,
    // reserved, and the IPv6 prefixes that embed an IPv4 address (NAT64, 6to4, mapped).
    expect(v4?.except).toEqual(expect.arrayContaining(BLOCKED_IPV4));
    expect(internet?.to?.[1]?.ipBlock?.except).toEqual(expect.arrayContaining(BLOCKED_IPV6));
    expect(internet?.ports).toBeUndefined();
  });

  it.each([
    ["a tag only", { image: "registry.dagger.io/engine:v0.21.9" }, /engineImage/],
    ["a short digest", { image: "registry.dagger.io/engine@sha256:abc" }, /engineImage/],
    ["a size without unit", { cacheSize: "20" }, /engineCacheSize/],
    ["a cluster range that is not a CIDR", { clusterCidrs: ["cluster"] }, /blockedCidrs/],
  ])("refuses %s", (_, settings, message) => {
    expect(() => render(settings)).toThrow(message);
  });
});
