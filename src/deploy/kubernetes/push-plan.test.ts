import { describe, expect, it } from "vitest";
import { DEFAULT_APP, type AppSettings } from "../../build/build-stage.ts";
import { objectKey, RenderInputError } from "../manifests/index.ts";
import { containerResources, planBranch, tenantObjects, type PushInput } from "./push-plan.ts";
import {
  DEFAULT_TENANT_LIMITS,
  progressDeadlineSeconds,
  type KubernetesSettings,
} from "./settings.ts";

const SETTINGS: KubernetesSettings = {
  runtimeClass: "kata-fc",
  baseDomain: "preview.example.com",
  ingressClass: "nginx",
  ingressNamespace: "ingress-nginx",
  rolloutTimeoutMs: 300_000,
  tenant: DEFAULT_TENANT_LIMITS,
};
const IMAGE = `registry.example.com/acme/web@sha256:${"ab".repeat(32)}`;

function push(app: Partial<AppSettings> = {}): PushInput {
  return {
    target: {
      installationId: 7,
      owner: "acme",
      repo: "web",
      repoId: 1001,
      branch: "main",
      sha: "a".repeat(40),
    },
    image: IMAGE,
    app: { ...DEFAULT_APP, ...app },
  };
}

function keys(plan: ReturnType<typeof planBranch>): string[] {
  return plan.objects.map((object) => objectKey(object).replace(/web-main-[0-9a-f]{16}/, "NAME"));
}

describe("planBranch", () => {
  it.each<[string, Partial<KubernetesSettings>, Partial<AppSettings>, string[], string[]]>([
    [
      "egress none, with a base domain",
      {},
      {},
      [
        "apps/v1/Deployment/slipway-7/NAME",
        "v1/Service/slipway-7/NAME",
        "networking.k8s.io/v1/Ingress/slipway-7/NAME",
      ],
      ["NAME-egress-internet"],
    ],
    [
      "egress internet: the policy comes before the Deployment",
      {},
      { egress: "internet" },
      [
        "networking.k8s.io/v1/NetworkPolicy/slipway-7/NAME-egress-internet",
        "apps/v1/Deployment/slipway-7/NAME",
        "v1/Service/slipway-7/NAME",
        "networking.k8s.io/v1/Ingress/slipway-7/NAME",
      ],
      [],
    ],
    [
      "no base domain: no Ingress",
      { baseDomain: undefined },
      {},
      ["apps/v1/Deployment/slipway-7/NAME", "v1/Service/slipway-7/NAME"],
      ["NAME-egress-internet"],
    ],
  ])("plans %s", (_case, settings, app, expected, prune) => {
    const plan = planBranch({ ...SETTINGS, ...settings }, push(app));
    expect(keys(plan)).toEqual(expected);
    expect(plan.prune.map((ref) => ref.name.replace(/web-main-[0-9a-f]{16}/, "NAME"))).toEqual(
      prune,
    );
  });

  it("gives the preview host only with a base domain", () => {
    expect(planBranch(SETTINGS, push()).host).toMatch(
      /^main-[0-9a-f]{16}--web\.preview\.example\.com$/,
    );
    expect(planBranch({ ...SETTINGS, baseDomain: undefined }, push()).host).toBeUndefined();
  });

  it("uses the runtime class, the progress deadline and the previous image", () => {
    const plan = planBranch(
      SETTINGS,
      push(),
      `registry.example.com/acme/web@sha256:${"cd".repeat(32)}`,
    );
    const spec = plan.deployment.spec;
    expect(spec?.template.spec?.runtimeClassName).toBe("kata-fc");
    expect(spec?.progressDeadlineSeconds).toBe(290);
    expect(plan.deployment.metadata?.annotations?.["slipway.dev/previous-image"]).toContain("cdcd");
  });

  it("refuses an image that is not pinned", () => {
    expect(() => planBranch(SETTINGS, { ...push(), image: "web:latest" })).toThrow(
      RenderInputError,
    );
  });
});

describe("containerResources", () => {
  it.each<[string, AppSettings["resources"], ReturnType<typeof containerResources>]>([
    [
      "nothing set: the tenant defaults",
      {},
      { cpuRequest: "100m", cpuLimit: "500m", memoryRequest: "128Mi", memoryLimit: "512Mi" },
    ],
    [
      "cpu and memory set: both request and limit",
      { cpu: "1", memory: "1Gi" },
      { cpuRequest: "1", cpuLimit: "1", memoryRequest: "1Gi", memoryLimit: "1Gi" },
    ],
    [
      "memory only",
      { memory: "256Mi" },
      { cpuRequest: "100m", cpuLimit: "500m", memoryRequest: "256Mi", memoryLimit: "256Mi" },
    ],
    [
      "exactly the maximum",
      { cpu: "2000m", memory: "2Gi" },
      { cpuRequest: "2000m", cpuLimit: "2000m", memoryRequest: "2Gi", memoryLimit: "2Gi" },
    ],
  ])("%s", (_case, resources, expected) => {
    expect(containerResources(resources, DEFAULT_TENANT_LIMITS)).toEqual(expected);
  });

  it.each([
    ["resources.cpu", { cpu: "3" }, "resources.cpu: 3 is more than the 2 CPU"],
    ["resources.memory", { memory: "4Gi" }, "resources.memory: 4Gi is more than the 2Gi"],
  ])("refuses %s over the maximum", (_field, resources, message) => {
    expect(() => containerResources(resources, DEFAULT_TENANT_LIMITS)).toThrow(message);
  });
});

describe("tenantObjects", () => {
  it("lists the namespace first, then quota, limits and policies", () => {
    expect(tenantObjects(SETTINGS, 7).map(objectKey)).toEqual([
      "v1/Namespace//slipway-7",
      "v1/ResourceQuota/slipway-7/tenant-quota",
      "v1/LimitRange/slipway-7/tenant-limits",
      "networking.k8s.io/v1/NetworkPolicy/slipway-7/default-deny",
      "networking.k8s.io/v1/NetworkPolicy/slipway-7/allow-ingress-controller",
      "networking.k8s.io/v1/NetworkPolicy/slipway-7/allow-dns",
    ]);
  });
});

describe("progressDeadlineSeconds", () => {
  it.each([
    [300_000, 290],
    [60_000, 54],
    [40_000, 36],
    [5_000, 5],
    [500, 1],
  ])("for a %d ms timeout is %d s", (timeoutMs, seconds) => {
    expect(progressDeadlineSeconds(timeoutMs)).toBe(seconds);
  });
});
