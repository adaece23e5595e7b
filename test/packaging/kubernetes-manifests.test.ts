import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ValidatingAdmissionPolicy } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy";
import { ValidatingAdmissionPolicyBinding } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { RuntimeClass } from "kubernetes-models/node.k8s.io/v1/RuntimeClass";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { IContainer, IPodSpec } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EnvSchema, parseEnv } from "../../src/config/env.ts";
import { checkRestricted } from "../../src/deploy/pod-security.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The Secrets the base references; deploy/kubernetes/README.md shows how to create each. */
const DOCUMENTED_SECRETS = new Set(["slipway-github", "slipway-registry", "slipway-redis"]);

/** A kubernetes-models class: constructed empty, filled with the object, then validated. */
type ModelClass = new () => { validate(): void };

/** Every kind the manifests may hold. A kind missing here fails the test: add its class. */
const MODELS: Record<string, ModelClass> = {
  "v1/Namespace": Namespace,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "rbac.authorization.k8s.io/v1/ClusterRole": ClusterRole,
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": ClusterRoleBinding,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": ValidatingAdmissionPolicy,
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding":
    ValidatingAdmissionPolicyBinding,
  "node.k8s.io/v1/RuntimeClass": RuntimeClass,
};

const RenderedObject = z
  .object({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: z.object({ name: z.string(), namespace: z.string().optional() }).loose(),
  })
  .loose();
type RenderedObject = z.infer<typeof RenderedObject>;

/** `kubectl kustomize <dir>`, split into its documents. */
function render(dir: string): RenderedObject[] {
  const result = spawnSync("kubectl", ["kustomize", dir], { cwd: ROOT, encoding: "utf8" });
  if (result.error !== undefined) {
    throw new Error(`kubectl is needed to render ${dir}: ${result.error.message}`);
  }
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout).map((document) => {
    if (document.errors.length > 0) throw new Error(String(document.errors[0]));
    return RenderedObject.parse(document.toJS());
  });
}

function describeObject(object: RenderedObject): string {
  return `${object.apiVersion} ${object.kind} ${object.metadata.name}`;
}

/** Schema problems of each object, by kubernetes-models; empty when every object is valid. */
function schemaProblems(objects: RenderedObject[]): string[] {
  return objects.flatMap((object) => {
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (Model === undefined) return [`${describeObject(object)}: no schema known to this test`];
    try {
      Object.assign(new Model(), object).validate();
      return [];
    } catch (error) {
      return [`${describeObject(object)}: ${error instanceof Error ? error.message : "invalid"}`];
    }
  });
}

/** The objects of one kind as typed, validated models. */
function ofKind<T extends { validate(): void }>(
  objects: RenderedObject[],
  Model: new () => T & { kind: string },
): T[] {
  const kind = new Model().kind;
  return objects
    .filter((object) => object.kind === kind)
    .map((object) => {
      const model = Object.assign(new Model(), object);
      model.validate();
      return model;
    });
}

function named<T extends { metadata?: { name?: string } }>(items: T[], name: string): T {
  const found = items.find((item) => item.metadata?.name === name);
  if (found === undefined) throw new Error(`no object named ${name}`);
  return found;
}

function podSpec(deployment: Deployment): IPodSpec {
  const spec = deployment.spec?.template.spec;
  if (spec === undefined) throw new Error(`${deployment.metadata?.name ?? "?"} has no pod spec`);
  return spec;
}

function onlyContainer(deployment: Deployment): IContainer {
  const [container, ...others] = podSpec(deployment).containers;
  if (container === undefined || others.length > 0) {
    throw new Error(`${deployment.metadata?.name ?? "?"} should have exactly one container`);
  }
  return container;
}

function envValue(container: IContainer, name: string): string | undefined {
  return container.env?.find((entry) => entry.name === name)?.value;
}

/** Every Secret a pod spec names: env entries, envFrom sources and volumes. */
function referencedSecrets(spec: IPodSpec): string[] {
  const fromContainers = spec.containers.flatMap((container) => [
    ...(container.env ?? []).map((entry) => entry.valueFrom?.secretKeyRef?.name),
    ...(container.envFrom ?? []).map((source) => source.secretRef?.name),
  ]);
  const fromVolumes = (spec.volumes ?? []).map((volume) => volume.secret?.secretName);
  return [...fromContainers, ...fromVolumes].filter((name): name is string => name !== undefined);
}

/**
 * The environment a container starts with, as far as the manifests decide it: the ConfigMaps it
 * loads, then its own entries. A value from a Secret is a placeholder of the right form.
 */
function containerEnv(container: IContainer, configMaps: ConfigMap[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    if (name !== undefined) Object.assign(env, named(configMaps, name).data);
  }
  for (const entry of container.env ?? []) {
    const fromSecret = entry.valueFrom?.secretKeyRef !== undefined;
    const placeholder = entry.name === "APP_ID" ? "12345" : "from-a-secret";
    const value = fromSecret ? placeholder : entry.value;
    if (value !== undefined) env[entry.name] = value;
  }
  return env;
}

const base = render("deploy/kubernetes");
const deployments = ofKind(base, Deployment);
const configMaps = ofKind(base, ConfigMap);
const web = named(deployments, "slipway-web");
const worker = named(deployments, "slipway-worker");

describe("deploy/kubernetes (kubectl kustomize)", () => {
  it("renders objects that are all valid against the Kubernetes schemas", () => {
    expect(base.length).toBeGreaterThan(0);
    expect(schemaProblems(base)).toEqual([]);
  });

  it("puts every namespaced object in slipway-system, which enforces Pod Security restricted", () => {
    const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);
    const outside = base
      .filter((object) => !clusterScoped.has(object.kind))
      .filter((object) => object.metadata.namespace !== "slipway-system")
      .map(describeObject);
    expect(outside).toEqual([]);
    const namespace = named(ofKind(base, Namespace), "slipway-system");
    expect(namespace.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it.each([
    ["slipway-web", web],
    ["slipway-worker", worker],
  ])("%s: its pods meet Pod Security restricted and run as the slipway ServiceAccount", (_, d) => {
    const spec = podSpec(d);
    expect(checkRestricted(spec, d.spec?.template.metadata?.annotations ?? {})).toEqual([]);
    expect(spec.serviceAccountName).toBe("slipway");
    const account = named(ofKind(base, ServiceAccount), "slipway");
    expect(account.metadata?.namespace).toBe(d.metadata?.namespace);
    expect(onlyContainer(d).securityContext?.readOnlyRootFilesystem).toBe(true);
    const selector = d.spec?.selector.matchLabels ?? {};
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    expect(d.spec?.template.metadata?.labels).toMatchObject(selector);
  });

  it.each([
    ["slipway-web", web],
    ["slipway-worker", worker],
  ])("%s: stops within its grace period, after Slipway's own shutdown grace", (_, d) => {
    const container = onlyContainer(d);
    const { shutdownGraceMs } = parseEnv(containerEnv(container, configMaps));
    const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    const grace = podSpec(d).terminationGracePeriodSeconds ?? 30;
    expect(grace).toBe(40);
    expect(grace).toBeGreaterThan(shutdownGraceMs / 1000 + preStop);
  });

  it.each([
    ["slipway-web", web],
    ["slipway-worker", worker],
  ])("%s: its environment is one Slipway accepts, and its key file is mounted", (_, d) => {
    const container = onlyContainer(d);
    const env = containerEnv(container, configMaps);
    const known = new Set([...Object.keys(EnvSchema.shape), "KUBECONFIG"]);
    expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
    const config = parseEnv(env);
    expect(config.production).toBe(true);
    expect(config.kubernetes.runtimeClass).toBe("kata-fc");
    expect(env.PRIVATE_KEY).toBeUndefined();
    const keyPath = env.PRIVATE_KEY_PATH ?? "";
    const mounts = (container.volumeMounts ?? []).map((mount) => mount.mountPath);
    expect(mounts.some((path) => keyPath.startsWith(`${path}/`))).toBe(true);
  });

  it("web: two replicas answering the Service on port 80, ready on /readyz, live on /healthz", () => {
    const container = onlyContainer(web);
    expect(envValue(container, "SLIPWAY_ROLE")).toBe("web");
    expect(web.spec?.replicas).toBe(2);
    expect(podSpec(web).automountServiceAccountToken).toBe(false);
    expect(container.readinessProbe?.httpGet).toMatchObject({ path: "/readyz", port: "http" });
    expect(container.livenessProbe?.httpGet).toMatchObject({ path: "/healthz", port: "http" });
    expect(container.ports).toEqual([{ name: "http", containerPort: 3000 }]);

    const service = named(ofKind(base, Service), "slipway-web");
    expect(service.spec?.ports).toEqual([{ name: "http", port: 80, targetPort: "http" }]);
    expect(web.spec?.template.metadata?.labels).toMatchObject(service.spec?.selector ?? {});
    expect(Object.keys(service.spec?.selector ?? {}).length).toBeGreaterThan(0);
    expect(worker.spec?.template.metadata?.labels).not.toMatchObject(service.spec?.selector ?? {});
  });

  it("worker: the worker role, with API credentials, scaled on CPU from one to five", () => {
    const container = onlyContainer(worker);
    expect(envValue(container, "SLIPWAY_ROLE")).toBe("worker");
    expect(podSpec(worker).automountServiceAccountToken).toBe(true);
    expect(container.readinessProbe?.httpGet).toMatchObject({ path: "/readyz" });
    expect(container.livenessProbe?.httpGet).toMatchObject({ path: "/healthz" });

    const autoscaler = named(ofKind(base, HorizontalPodAutoscaler), "slipway-worker");
    expect(autoscaler.spec.scaleTargetRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "slipway-worker",
    });
    expect(autoscaler.spec.minReplicas).toBe(1);
    expect(autoscaler.spec.maxReplicas).toBe(5);
    expect(autoscaler.spec.metrics?.map((metric) => metric.resource?.name)).toEqual(["cpu"]);
    // The autoscaler owns the replica count; a fixed one would reset it on every apply.
    expect(worker.spec?.replicas).toBeUndefined();
  });

  it("carries no secret values, only references to the documented Secrets", () => {
    const withValues = ofKind(base, Secret).filter(
      (secret) => secret.data !== undefined || secret.stringData !== undefined,
    );
    expect(withValues.map((secret) => secret.metadata?.name)).toEqual([]);
    const referenced = deployments.flatMap((d) => referencedSecrets(podSpec(d)));
    expect(referenced).toContain("slipway-github");
    expect(referenced.filter((name) => !DOCUMENTED_SECRETS.has(name))).toEqual([]);
    const configValues = configMaps.flatMap((map) => Object.keys(map.data ?? {}));
    const secretVariables = ["PRIVATE_KEY", "WEBHOOK_SECRET", "SLIPWAY_REGISTRY_PASSWORD"];
    expect(configValues.filter((name) => secretVariables.includes(name))).toEqual([]);
  });
});

describe("deploy/kubernetes/policies (kubectl kustomize)", () => {
  const policies = render("deploy/kubernetes/policies");

  it("renders valid objects: each policy bound with the Deny action", () => {
    expect(schemaProblems(policies)).toEqual([]);
    const bindings = ofKind(policies, ValidatingAdmissionPolicyBinding);
    const names = ofKind(policies, ValidatingAdmissionPolicy).map((p) => p.metadata?.name);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const binding = bindings.find((b) => b.spec.policyName === name);
      expect(binding?.spec.validationActions, `binding of ${name ?? "?"}`).toEqual(["Deny"]);
    }
  });

  it("requires the RuntimeClass Slipway is configured with, and names Slipway's ServiceAccount", () => {
    const all = ofKind(policies, ValidatingAdmissionPolicy);
    expect(configMaps).toHaveLength(1);
    const runtimeClass = configMaps[0]?.data?.SLIPWAY_RUNTIME_CLASS;
    const sandbox = named(all, "slipway-sandbox-runtime");
    const sandboxRule = sandbox.spec?.validations?.[0]?.expression ?? "";
    expect(sandboxRule).toContain(`object.spec.runtimeClassName == "${runtimeClass ?? "?"}"`);

    const binding = named(ofKind(base, ClusterRoleBinding), "slipway");
    const subject = binding.subjects?.[0];
    const username = `system:serviceaccount:${subject?.namespace ?? "?"}:${subject?.name ?? "?"}`;
    const scope = named(all, "slipway-tenant-scope");
    expect(scope.spec?.matchConditions?.[0]?.expression).toBe(
      `request.userInfo.username == "${username}"`,
    );
  });
});
