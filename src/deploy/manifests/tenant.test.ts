import { describe, expect, it } from "vitest";
import { RenderInputError } from "./render-input-error.ts";
import { renderTenant, type TenantSettings } from "./tenant.ts";

const SETTINGS: TenantSettings = {
  installationId: 42,
  quota: { cpu: "4", memory: "8Gi", pods: 20 },
  defaults: { cpuRequest: "100m", memoryRequest: "128Mi", cpuLimit: "500m", memoryLimit: "512Mi" },
  max: { cpu: "2", memory: "2Gi" },
  ingressNamespace: "ingress-nginx",
};

const TENANT_LABELS = {
  "app.kubernetes.io/managed-by": "slipway",
  "slipway.dev/installation": "42",
};

describe("renderTenant", () => {
  const tenant = renderTenant(SETTINGS);
  const all = [
    tenant.namespace,
    tenant.resourceQuota,
    tenant.limitRange,
    ...tenant.networkPolicies,
  ];

  it.each(all.map((object) => [`${object.kind} ${object.metadata?.name ?? ""}`, object]))(
    "renders %s valid against the Kubernetes schema, labelled as the tenant's",
    (_name, object) => {
      expect(() => {
        object.validate();
      }).not.toThrow();
      expect(object.metadata?.labels).toMatchObject(TENANT_LABELS);
    },
  );

  it("puts every namespaced object in slipway-<installation id>", () => {
    expect(tenant.namespace.metadata?.name).toBe("slipway-42");
    for (const object of all.slice(1)) expect(object.metadata?.namespace).toBe("slipway-42");
  });

  it.each([
    ["pod-security.kubernetes.io/enforce", "restricted"],
    ["pod-security.kubernetes.io/enforce-version", "latest"],
    ["pod-security.kubernetes.io/warn", "restricted"],
    ["pod-security.kubernetes.io/warn-version", "latest"],
    ["pod-security.kubernetes.io/audit", "restricted"],
    ["pod-security.kubernetes.io/audit-version", "latest"],
  ])("labels the namespace %s=%s", (key, value) => {
    expect(tenant.namespace.metadata?.labels?.[key]).toBe(value);
  });

  it.each([
    ["requests.cpu", "4"],
    ["limits.cpu", "4"],
    ["requests.memory", "8Gi"],
    ["limits.memory", "8Gi"],
    ["pods", "20"],
    ["services.loadbalancers", "0"],
    ["services.nodeports", "0"],
  ])("sets the quota's %s to %s", (resource, value) => {
    expect(tenant.resourceQuota.spec?.hard?.[resource]).toBe(value);
  });

  it("gives containers default requests and limits and a maximum", () => {
    expect(tenant.limitRange.spec?.limits).toEqual([
      {
        type: "Container",
        defaultRequest: { cpu: "100m", memory: "128Mi" },
        default: { cpu: "500m", memory: "512Mi" },
        max: { cpu: "2", memory: "2Gi" },
      },
    ]);
  });

  it("names the policies in order", () => {
    expect(tenant.networkPolicies.map((policy) => policy.metadata?.name)).toEqual([
      "default-deny",
      "allow-ingress-controller",
      "allow-dns",
    ]);
  });

  it("denies all ingress and egress by default", () => {
    const [deny] = tenant.networkPolicies;
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("lets in only the ingress controller's namespace", () => {
    const allow = tenant.networkPolicies[1];
    expect(allow?.spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" },
              },
            },
          ],
        },
      ],
    });
  });

  it("lets out only DNS, to kube-dns in kube-system", () => {
    const dns = tenant.networkPolicies[2];
    expect(dns?.spec?.policyTypes).toEqual(["Egress"]);
    expect(dns?.spec?.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
    ]);
  });

  it("renders the same objects for the same settings", () => {
    expect(JSON.stringify(renderTenant(SETTINGS))).toBe(JSON.stringify(tenant));
  });

  it.each([
    ["installationId", { installationId: 0 }],
    ["ingressNamespace", { ingressNamespace: "Ingress_NGINX" }],
    ["quota.pods", { quota: { ...SETTINGS.quota, pods: -1 } }],
  ])("refuses a bad %s", (field, overrides) => {
    const render = () => renderTenant({ ...SETTINGS, ...overrides });
    expect(render).toThrow(RenderInputError);
    expect(render).toThrow(new RegExp(`^${field}: `));
  });
});
