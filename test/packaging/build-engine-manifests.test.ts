import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ValidatingAdmissionPolicy } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { BUILD_NAMESPACE_LABEL, buildNamespaceFor } from "../../src/build/engine/engine-names.ts";
import { engineObjectList, engineObjects } from "../../src/build/engine/engine-objects.ts";
import { parseEnv } from "../../src/config/env.ts";
import { namespaceFor } from "../../src/deploy/names.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function render(dir: string): Array<Record<string, unknown>> {
  const result = spawnSync("kubectl", ["kustomize", dir], { cwd: ROOT, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout).map((d) => d.toJS() as Record<string, unknown>);
}

function policy(name: string): ValidatingAdmissionPolicy {
  const found = render("deploy/kubernetes/policies").find(
    (o) =>
      o["kind"] === "ValidatingAdmissionPolicy" &&
      (o["metadata"] as { name: string }).name === name,
  );
  if (found === undefined) throw new Error(`no policy ${name}`);
  const model = Object.assign(new ValidatingAdmissionPolicy(), found);
  model.validate();
  return model;
}

/** The regular expressions a CEL expression passes to `matches(…)`. */
function patterns(expression: string): RegExp[] {
  return [...expression.matchAll(/matches\("([^"]+)"\)/g)].map((m) => new RegExp(m[1] ?? "$^"));
}

/** `config.env` as kustomize's configMapGenerator reads it: KEY=value lines, # comments. */
const config: Record<string, string> = Object.fromEntries(
  readFileSync(join(ROOT, "deploy/kubernetes/config.env"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
);

describe("cluster manifests for build engines", () => {
  it("configure the worker for one engine per installation, in a Kata VM, with a pinned image", () => {
    const parsed = parseEnv({ ...config, SLIPWAY_ROLE: "worker" });
    expect(parsed.buildEngine).toMatchObject({ kind: "kubernetes", runtimeClass: "kata-qemu" });
    const image = parsed.buildEngine.kind === "kubernetes" ? parsed.buildEngine.image : "";
    expect(image).toMatch(/@sha256:[0-9a-f]{64}$/);
  });

  it("hold every pod of a build namespace, found by its name or its label, to the RuntimeClass the worker renders", () => {
    const sandbox = policy("slipway-build-sandbox");
    const runtimeClass = config["SLIPWAY_BUILD_RUNTIME_CLASS"] ?? "?";
    expect(sandbox.spec?.validations?.[0]?.expression).toContain(
      `object.spec.runtimeClassName == "${runtimeClass}"`,
    );
    const rendered = engineObjects(42, {
      runtimeClass,
      image: `registry.test/engine@sha256:${"0".repeat(64)}`,
      cacheSize: "20Gi",
      idleMs: 1,
      clusterCidrs: [],
    });
    // No label selector: it would let a build namespace that lost its label escape the policy.
    expect(sandbox.spec?.matchConstraints?.namespaceSelector).toBeUndefined();
    const conditions = sandbox.spec?.matchConditions ?? [];
    expect(conditions).toHaveLength(1);
    const condition = conditions[0]?.expression ?? "";
    const [byName] = patterns(condition);
    expect(byName?.test(rendered.namespace.metadata?.name ?? "")).toBe(true);
    expect(byName?.test(buildNamespaceFor(42))).toBe(true);
    expect(byName?.test(namespaceFor(42))).toBe(false);
    expect(byName?.test("kube-system")).toBe(false);
    expect(condition).toMatch(/\|\|/);
    expect(condition).toContain(
      `namespaceObject.metadata.labels["${BUILD_NAMESPACE_LABEL}"] == "true"`,
    );
    expect(rendered.namespace.metadata?.labels).toMatchObject({ [BUILD_NAMESPACE_LABEL]: "true" });
    expect(rendered.statefulSet.spec?.template.spec?.runtimeClassName).toBe(runtimeClass);
  });

  it("let Slipway write to tenant namespaces, and in build ones only what the engine code writes", () => {
    const scope = policy("slipway-tenant-scope");
    const [names, restricted, labelled] = scope.spec?.validations ?? [];
    const [build, tenant] = patterns(names?.expression ?? "");
    expect(build?.test(buildNamespaceFor(42))).toBe(true);
    expect(build?.test(namespaceFor(42))).toBe(false);
    expect(tenant?.test(namespaceFor(42))).toBe(true);
    // A build namespace is never a tenant one: what is allowed there is the build list alone.
    expect(tenant?.test(buildNamespaceFor(42))).toBe(false);
    expect(tenant?.test("kube-system")).toBe(false);
    expect(names?.expression).toMatch(/\?\s*variables\.buildResource\s*:/);

    // The resources allowed in a build namespace: exactly the engine's objects, plus exec.
    const variable = (name: string) =>
      scope.spec?.variables?.find((v) => v.name === name)?.expression ?? "";
    const listed = /in \[([^\]]*)\]/.exec(variable("buildResource"))?.[1] ?? "";
    const allowed = [...listed.matchAll(/"([^"]+)"/g)].map((m) => m[1]).sort();
    const plural: Record<string, string> = {
      Namespace: "namespaces",
      NetworkPolicy: "networkpolicies",
      StatefulSet: "statefulsets",
    };
    const written = engineObjectList(rendered42()).map((o) => plural[o.kind] ?? o.kind);
    expect(allowed).toEqual([...new Set(written)].sort());
    expect(variable("buildResource")).toContain("variables.exec");
    expect(variable("exec")).toContain('request.subResource == "exec"');
    for (const deployerOnly of [
      "deployments",
      "services",
      "ingresses",
      "resourcequotas",
      "limitranges",
    ]) {
      expect(allowed).not.toContain(deployerOnly);
    }

    // `restricted` is required of tenant namespaces only; the build label of build namespaces.
    expect(patterns(restricted?.expression ?? "")[0]?.test(buildNamespaceFor(42))).toBe(false);
    expect(labelled?.expression).toContain(`"${BUILD_NAMESPACE_LABEL}"`);
    expect(
      scope.spec?.matchConstraints?.resourceRules?.some(
        (rule) => rule.operations?.includes("CONNECT") && rule.resources?.includes("pods/exec"),
      ),
    ).toBe(true);
  });
});

function rendered42() {
  return engineObjects(42, {
    runtimeClass: "kata-qemu",
    image: `registry.test/engine@sha256:${"0".repeat(64)}`,
    cacheSize: "20Gi",
    idleMs: 1,
    clusterCidrs: [],
  });
}
