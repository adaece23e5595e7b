import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkRestricted } from "../pod-security.ts";
import { renderBranch, type BranchInput } from "./branch.ts";
import { BLOCKED_IPV4, BLOCKED_IPV6 } from "./egress-policy.ts";
import { RenderInputError } from "./render-input-error.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const IMAGE = `registry.example.com/acme/web@${DIGEST}`;
const PREVIOUS = `registry.example.com/acme/web@sha256:${"cd".repeat(32)}`;
const SHA = "0123456789abcdef0123456789abcdef01234567";
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const LONG_UNICODE = "Ünïcödé-ブランチ-🚀-".repeat(20).slice(0, 200);

function sha16(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 16);
}

function input(overrides: Partial<BranchInput> = {}, branch = "feature/login"): BranchInput {
  return {
    target: { installationId: 42, owner: "acme", repo: "web", repoId: 1001, branch, sha: SHA },
    image: IMAGE,
    port: 3000,
    healthcheckPath: "/healthz",
    env: { ZED: "last", ALPHA: "first", NODE_ENV: "production" },
    resources: {
      cpuRequest: "100m",
      memoryRequest: "128Mi",
      cpuLimit: "500m",
      memoryLimit: "512Mi",
    },
    egress: "none",
    runtimeClassName: "kata-fc",
    baseDomain: "preview.example.com",
    ingressClassName: "nginx",
    progressDeadlineSeconds: 300,
    ...overrides,
  };
}

const BRANCHES = [
  ["a plain branch", "main"],
  ["slashes, dots and capitals", "Feature/Login.v2"],
  ["emoji only", "🔥🔥🔥"],
  ["200 characters of unicode", LONG_UNICODE],
] as const;

describe.each(BRANCHES)("renderBranch for %s", (_case, branch) => {
  const rendered = renderBranch(input({ egress: "internet" }, branch));
  const objects = [
    rendered.deployment,
    rendered.service,
    rendered.ingress,
    ...(rendered.egressPolicy === undefined ? [] : [rendered.egressPolicy]),
  ];

  it.each(objects.map((object) => [object.kind, object]))(
    "renders a valid %s with a DNS-1035 name in the tenant namespace, labelled",
    (_kind, object) => {
      expect(() => {
        object.validate();
      }).not.toThrow();
      expect(object.metadata?.name).toMatch(DNS_1035_LABEL);
      expect(object.metadata?.namespace).toBe("slipway-42");
      expect(object.metadata?.labels).toMatchObject({
        "app.kubernetes.io/managed-by": "slipway",
        "slipway.dev/installation": "42",
        "slipway.dev/repository": "1001",
        "slipway.dev/sha": SHA,
      });
      expect(object.metadata?.annotations?.["slipway.dev/branch-name"]).toBe(branch);
    },
  );

  it("renders a pod that meets Pod Security restricted on the sandbox runtime", () => {
    const template = rendered.deployment.spec?.template;
    const spec = template?.spec;
    expect(spec).toBeDefined();
    if (spec === undefined) return;
    expect(checkRestricted(spec, template?.metadata?.annotations)).toEqual([]);
    expect(spec.runtimeClassName).toBe("kata-fc");
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.enableServiceLinks).toBe(false);
  });

  it("routes the preview host to the Service", () => {
    const rule = rendered.ingress.spec?.rules?.[0];
    expect(rule?.host).toBe(rendered.host);
    expect(rule?.http?.paths[0]?.backend.service?.name).toBe(rendered.service.metadata?.name);
  });

  it("renders the same objects for the same input", () => {
    expect(JSON.stringify(renderBranch(input({ egress: "internet" }, branch)))).toBe(
      JSON.stringify(rendered),
    );
  });
});

describe("renderBranch", () => {
  const rendered = renderBranch(input());
  const deployment = rendered.deployment.spec;
  const pod = deployment?.template.spec;
  const app = pod?.containers[0];

  it.each([
    ["replicas", deployment?.replicas, 1],
    ["revisionHistoryLimit", deployment?.revisionHistoryLimit, 3],
    ["progressDeadlineSeconds", deployment?.progressDeadlineSeconds, 300],
    [
      "strategy",
      deployment?.strategy,
      { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    ],
    [
      "selector",
      deployment?.selector,
      {
        matchLabels: {
          "app.kubernetes.io/managed-by": "slipway",
          "slipway.dev/installation": "42",
          "slipway.dev/repository": "1001",
          "slipway.dev/branch": `feature-login-${sha16("feature/login")}`,
        },
      },
    ],
    [
      "template image annotation",
      deployment?.template.metadata?.annotations?.["slipway.dev/image"],
      IMAGE,
    ],
    ["runtimeClassName", pod?.runtimeClassName, "kata-fc"],
    ["automountServiceAccountToken", pod?.automountServiceAccountToken, false],
    ["enableServiceLinks", pod?.enableServiceLinks, false],
    [
      "pod securityContext",
      pod?.securityContext,
      { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    ],
    ["volumes", pod?.volumes, [{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }]],
    ["containers", pod?.containers.map((c) => c.name), ["app"]],
    ["image", app?.image, IMAGE],
    ["command (image entrypoint)", app?.command, undefined],
    ["ports", app?.ports, [{ name: "http", containerPort: 3000, protocol: "TCP" }]],
    [
      "env (PORT first, then sorted)",
      app?.env,
      [
        { name: "PORT", value: "3000" },
        { name: "ALPHA", value: "first" },
        { name: "NODE_ENV", value: "production" },
        { name: "ZED", value: "last" },
      ],
    ],
    [
      "resources",
      app?.resources,
      { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    ],
    [
      "container securityContext",
      app?.securityContext,
      {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
      },
    ],
    ["volumeMounts", app?.volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]],
    [
      "readinessProbe target",
      app?.readinessProbe?.httpGet,
      { path: "/healthz", port: "http", scheme: "HTTP" },
    ],
    [
      "livenessProbe target",
      app?.livenessProbe?.httpGet,
      { path: "/healthz", port: "http", scheme: "HTTP" },
    ],
    [
      "startup allowance (periods × failures)",
      (app?.startupProbe?.periodSeconds ?? 0) * (app?.startupProbe?.failureThreshold ?? 0),
      300,
    ],
  ])("renders the Deployment's %s", (_field, actual, expected) => {
    expect(actual).toEqual(expected);
  });

  it("renders a ClusterIP Service on port 80 to the app's port", () => {
    expect(rendered.service.spec).toEqual({
      type: "ClusterIP",
      selector: deployment?.selector.matchLabels,
      ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
    });
  });

  it("renders an Ingress for the preview host with the ingress class", () => {
    expect(rendered.host).toMatch(/^feature-login-[0-9a-f]{16}--web\.preview\.example\.com$/);
    expect(rendered.ingress.spec).toEqual({
      ingressClassName: "nginx",
      rules: [
        {
          host: rendered.host,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: rendered.name, port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    });
  });

  it("leaves the ingress class out when none is configured", () => {
    const spec = renderBranch(input({ ingressClassName: undefined })).ingress.spec;
    expect(spec).toBeDefined();
    expect(Object.keys(spec ?? {})).not.toContain("ingressClassName");
  });

  it("runs a start command through sh -c", () => {
    const container = renderBranch(input({ start: "npm run serve -- --port $PORT" })).deployment
      .spec?.template.spec?.containers[0];
    expect(container?.command).toEqual(["sh", "-c", "npm run serve -- --port $PORT"]);
  });

  it("records the previous image for a revert, outside the pod template", () => {
    const deployment = renderBranch(input({ previousImage: PREVIOUS })).deployment;
    expect(deployment.metadata?.annotations?.["slipway.dev/previous-image"]).toBe(PREVIOUS);
    expect(deployment.spec?.template.metadata?.annotations).not.toHaveProperty(
      "slipway.dev/previous-image",
    );
  });

  it("renders no egress policy unless the branch asks for the internet", () => {
    expect(rendered.egressPolicy).toBeUndefined();
  });

  it("opens egress to public addresses only, for this branch's pods", () => {
    const policy = renderBranch(
      input({ egress: "internet", blockedCidrs: ["10.42.0.0/16", "fd00:10::/56", "10.0.0.0/8"] }),
    ).egressPolicy;
    expect(policy?.metadata?.name).toBe(`${rendered.name}-egress-internet`);
    expect(policy?.metadata?.name?.length).toBeLessThanOrEqual(63);
    expect(policy?.spec).toEqual({
      podSelector: { matchLabels: deployment?.selector.matchLabels },
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              ipBlock: {
                cidr: "0.0.0.0/0",
                except: [...BLOCKED_IPV4, "10.42.0.0/16"],
              },
            },
            { ipBlock: { cidr: "::/0", except: [...BLOCKED_IPV6, "fd00:10::/56"] } },
          ],
        },
      ],
    });
  });

  it("keeps the selector when only the commit changes, and rolls the pod template", () => {
    const next = renderBranch(
      input({ target: { ...input().target, sha: "f".repeat(40) }, image: PREVIOUS }),
    );
    expect(next.name).toBe(rendered.name);
    expect(next.deployment.spec?.selector).toEqual(deployment?.selector);
    expect(next.deployment.spec?.template.metadata?.labels?.["slipway.dev/sha"]).toBe(
      "f".repeat(40),
    );
  });

  it.each([
    ["image", { image: "registry.example.com/acme/web:latest" }],
    ["image", { image: `registry.example.com/acme/web@sha256:${"ab".repeat(31)}` }],
    ["previousImage", { previousImage: "web:main" }],
    ["port", { port: 0 }],
    ["port", { port: 70000 }],
    ["healthcheckPath", { healthcheckPath: "healthz" }],
    ["env.PORT", { env: { PORT: "8080" } }],
    ["progressDeadlineSeconds", { progressDeadlineSeconds: 0 }],
    ["blockedCidrs", { blockedCidrs: ["10.42.0.0"] }],
    ["blockedCidrs", { blockedCidrs: ["0.0.0.0/0"] }],
    ["blockedCidrs", { blockedCidrs: ["example.com/8"] }],
    ["baseDomain", { baseDomain: "not a domain" }],
    ["repoId", { target: { ...input().target, repoId: 0 } }],
  ])("refuses a bad %s", (field, overrides) => {
    const render = () => renderBranch(input(overrides));
    expect(render).toThrow(RenderInputError);
    expect(render).toThrow(new RegExp(`^${field.replace(".", "\\.")}: `));
  });

  it("accepts env.PORT when it agrees with port", () => {
    const env = renderBranch(input({ env: { PORT: "3000" } })).deployment.spec?.template.spec
      ?.containers[0]?.env;
    expect(env).toEqual([{ name: "PORT", value: "3000" }]);
  });
});
