import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ValidatingAdmissionPolicy } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { REQUIRED_ACCESS, type AccessRule } from "../../src/deploy/kubernetes/required-access.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * The readiness check asks the API server about each rule of REQUIRED_ACCESS through
 * SelfSubjectAccessReviews, which REQUIRED_ACCESS cannot list about itself. Every authenticated
 * user may create one by default; the ClusterRole grants it anyway, for clusters that removed
 * that default.
 */
const ACCESS_REVIEW: AccessRule = {
  group: "authorization.k8s.io",
  resource: "selfsubjectaccessreviews",
  verbs: ["create"],
  why: "ask the API server whether each rule above is granted",
};

/** Verbs that change objects: the ones the tenant-scope admission policy must cover. */
const WRITE_VERBS = new Set(["create", "patch", "update", "delete", "deletecollection"]);

const Loose = z
  .object({ kind: z.string(), metadata: z.object({ name: z.string() }).loose() })
  .loose();

function render(dir: string): z.infer<typeof Loose>[] {
  const result = spawnSync("kubectl", ["kustomize", dir], { cwd: ROOT, encoding: "utf8" });
  if (result.error !== undefined) {
    throw new Error(`kubectl is needed to render ${dir}: ${result.error.message}`);
  }
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${result.stderr}`);
  return parseAllDocuments(result.stdout).map((document) => Loose.parse(document.toJS()));
}

function one<T extends { validate(): void; metadata?: { name?: string } }>(
  objects: z.infer<typeof Loose>[],
  Model: new () => T & { kind: string },
  name: string,
): T {
  const kind = new Model().kind;
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  const model = Object.assign(new Model(), found);
  model.validate();
  return model;
}

/** `group resource verb` triples, one per verb: how RBAC authorizes a request. */
function triples(rules: readonly AccessRule[]): Set<string> {
  return new Set(
    rules.flatMap((rule) => {
      const resource =
        rule.subresource === undefined ? rule.resource : `${rule.resource}/${rule.subresource}`;
      return rule.verbs.map((verb) => `${rule.group || "core"} ${resource} ${verb}`);
    }),
  );
}

function granted(role: ClusterRole): Set<string> {
  return new Set(
    (role.rules ?? []).flatMap((rule) =>
      (rule.apiGroups ?? []).flatMap((group) =>
        (rule.resources ?? []).flatMap((resource) =>
          rule.verbs.map((verb) => `${group || "core"} ${resource} ${verb}`),
        ),
      ),
    ),
  );
}

const base = render("deploy/kubernetes");
const role = one(base, ClusterRole, "slipway");

describe("Slipway's ClusterRole", () => {
  it("grants every verb the deployer uses (REQUIRED_ACCESS) and nothing else", () => {
    const needed = triples([...REQUIRED_ACCESS, ACCESS_REVIEW]);
    const has = granted(role);
    const missing = [...needed].filter((triple) => !has.has(triple)).sort();
    const extra = [...has].filter((triple) => !needed.has(triple)).sort();
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it("uses no wildcards, resource names or non-resource URLs", () => {
    for (const rule of role.rules ?? []) {
      const values = [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs];
      expect(values).not.toContain("*");
      expect(rule.resourceNames).toBeUndefined();
      expect(rule.nonResourceURLs).toBeUndefined();
    }
  });

  it("is bound to the ServiceAccount of the worker, the one pod that gets an API token", () => {
    const binding = one(base, ClusterRoleBinding, "slipway");
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: "slipway",
    });
    const worker = one(base, Deployment, "slipway-worker");
    expect(binding.subjects).toEqual([
      {
        kind: "ServiceAccount",
        name: worker.spec?.template.spec?.serviceAccountName,
        namespace: worker.metadata?.namespace,
      },
    ]);
  });

  it("writes only what the tenant-scope admission policy confines to tenant namespaces", () => {
    const policy = one(
      render("deploy/kubernetes/policies"),
      ValidatingAdmissionPolicy,
      "slipway-tenant-scope",
    );
    const covered = new Set(
      (policy.spec?.matchConstraints?.resourceRules ?? [])
        .filter(
          (rule) =>
            (["CREATE", "UPDATE", "DELETE"] as const).every((op) =>
              rule.operations?.includes(op),
            ) ||
            // `kubectl exec` is a CONNECT: the one operation a pods/exec rule needs to cover.
            (rule.operations?.includes("CONNECT") === true &&
              (rule.resources ?? []).every((resource) => resource.endsWith("/exec"))),
        )
        .flatMap((rule) =>
          (rule.apiGroups ?? []).flatMap((group) =>
            (rule.resources ?? []).map((resource) => `${group || "core"} ${resource}`),
          ),
        ),
    );
    const written = [...granted(role)]
      .filter((triple) => WRITE_VERBS.has(triple.split(" ")[2] ?? ""))
      .map((triple) => triple.split(" ").slice(0, 2).join(" "))
      // A review is answered, never stored: there is nothing in a namespace to confine.
      .filter((resource) => resource !== "authorization.k8s.io selfsubjectaccessreviews");
    expect([...new Set(written)].filter((resource) => !covered.has(resource))).toEqual([]);
  });
});
