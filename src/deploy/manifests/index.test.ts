import { Deployment } from "kubernetes-models/apps/v1";
import { describe, expect, it } from "vitest";
import { checkRestricted } from "../pod-security.ts";
import type { BranchInput } from "./branch.ts";
import { objectKey, renderAll, RenderInputError, type TenantSettings } from "./index.ts";

const TENANT: TenantSettings = {
  installationId: 7,
  quota: { cpu: "4", memory: "8Gi", pods: 20 },
  defaults: { cpuRequest: "100m", memoryRequest: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
  max: { cpu: "2", memory: "2Gi" },
  ingressNamespace: "ingress-nginx",
};

function branch(egress: BranchInput["egress"], name = "main"): BranchInput {
  return {
    target: {
      installationId: 7,
      owner: "acme",
      repo: "api",
      repoId: 99,
      branch: name,
      sha: "a".repeat(40),
    },
    image: `ghcr.io/acme/api@sha256:${"0".repeat(64)}`,
    port: 8080,
    healthcheckPath: "/",
    env: {},
    resources: {
      cpuRequest: "100m",
      memoryRequest: "128Mi",
      cpuLimit: "500m",
      memoryLimit: "512Mi",
    },
    egress,
    runtimeClassName: "kata-fc",
    baseDomain: "preview.example.com",
    ingressClassName: undefined,
    progressDeadlineSeconds: 120,
  };
}

describe("renderAll", () => {
  it.each<[BranchInput["egress"], string[]]>([
    [
      "none",
      [
        "v1/Namespace//slipway-7",
        "v1/ResourceQuota/slipway-7/tenant-quota",
        "v1/LimitRange/slipway-7/tenant-limits",
        "networking.k8s.io/v1/NetworkPolicy/slipway-7/default-deny",
        "networking.k8s.io/v1/NetworkPolicy/slipway-7/allow-ingress-controller",
        "networking.k8s.io/v1/NetworkPolicy/slipway-7/allow-dns",
        "apps/v1/Deployment/slipway-7/api-main-NAME",
        "v1/Service/slipway-7/api-main-NAME",
        "networking.k8s.io/v1/Ingress/slipway-7/api-main-NAME",
      ],
    ],
    [
      "internet",
      [
        "v1/Namespace//slipway-7",
        "v1/ResourceQuota/slipway-7/tenant-quota",
        "v1/LimitRange/slipway-7/tenant-limits",
        "networking.k8s.io/v1/NetworkPolicy/slipway-7/default-deny",
        "networking.k8s.io/v1/NetworkPolicy/slipway-7/allow-ingress-controller",
        "networking.k8s.io/v1/NetworkPolicy/slipway-7/allow-dns",
        "networking.k8s.io/v1/NetworkPolicy/slipway-7/api-main-NAME-egress-internet",
        "apps/v1/Deployment/slipway-7/api-main-NAME",
        "v1/Service/slipway-7/api-main-NAME",
        "networking.k8s.io/v1/Ingress/slipway-7/api-main-NAME",
      ],
    ],
  ])("orders every object for egress %s", (egress, expected) => {
    const keys = renderAll(TENANT, branch(egress)).map(objectKey);
    expect(keys.map((key) => key.replace(/api-main-[0-9a-f]{16}/, "api-main-NAME"))).toEqual(
      expected,
    );
  });

  it.each([
    ["a plain branch", "main"],
    ["200 characters of unicode", "Ünïcödé-ブランチ-🚀-".repeat(20).slice(0, 200)],
  ])("renders only valid objects, with restricted pods, for %s", (_case, name) => {
    const objects = renderAll(TENANT, branch("internet", name));
    for (const object of objects) {
      expect(() => {
        object.validate();
      }, objectKey(object)).not.toThrow();
      expect(object.metadata?.name?.length ?? 0).toBeLessThanOrEqual(63);
    }
    const deployments = objects.filter((object) => object instanceof Deployment);
    expect(deployments).toHaveLength(1);
    for (const deployment of deployments) {
      const template = deployment.spec?.template;
      expect(template?.spec?.runtimeClassName).toBe("kata-fc");
      expect(template?.spec?.automountServiceAccountToken).toBe(false);
      expect(
        checkRestricted(template?.spec ?? { containers: [] }, template?.metadata?.annotations),
      ).toEqual([]);
    }
  });

  it("refuses a branch of another installation", () => {
    const other = branch("none");
    expect(() =>
      renderAll(TENANT, { ...other, target: { ...other.target, installationId: 8 } }),
    ).toThrow(RenderInputError);
  });
});
