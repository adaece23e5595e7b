import { describe, expect, it } from "vitest";
import type { RunTarget } from "../queue/intent.ts";
import {
  branchAnnotations,
  branchLabels,
  labelSelector,
  selectorLabels,
  tenantLabels,
} from "./labels.ts";
import { branchName } from "./names.ts";

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

const SHA = "0123456789abcdef0123456789abcdef01234567";

function target(branch: string, overrides: Partial<RunTarget> = {}): RunTarget {
  return {
    installationId: 42,
    owner: "Acme-Corp",
    repo: "web.app",
    repoId: 1001,
    branch,
    sha: SHA,
    ...overrides,
  };
}

function expectValidLabels(labels: Record<string, string>): void {
  for (const [key, value] of Object.entries(labels)) {
    expect(key).toMatch(LABEL_KEY);
    expect(value, key).toMatch(LABEL_VALUE);
  }
}

describe("tenantLabels", () => {
  it("marks the installation and the manager", () => {
    expect(tenantLabels(42)).toEqual({
      "app.kubernetes.io/managed-by": "slipway",
      "slipway.dev/installation": "42",
    });
  });
});

describe("branchLabels", () => {
  it.each([
    ["main"],
    ["feature/Ünïcödé-🚀"],
    ["Ünïcödé-ブランチ-🚀-".repeat(20).slice(0, 200)],
    [""],
  ])("labels branch %j with valid keys and values", (branch) => {
    const labels = branchLabels(target(branch));
    expectValidLabels(labels);
    expect(labels).toEqual({
      "app.kubernetes.io/managed-by": "slipway",
      "slipway.dev/installation": "42",
      "slipway.dev/repository": "1001",
      "slipway.dev/branch": branchName(branch),
      "slipway.dev/sha": SHA,
    });
  });

  it("keeps branches that slug alike apart", () => {
    const values = ["feature/x", "feature-x", "Feature/X"].map(
      (branch) => branchLabels(target(branch))["slipway.dev/branch"],
    );
    expect(new Set(values).size).toBe(3);
  });
});

describe("selectorLabels", () => {
  it("holds only what never changes between deploys of a branch", () => {
    const first = selectorLabels(target("main"));
    const next = selectorLabels(target("main", { sha: "f".repeat(40) }));
    expect(next).toEqual(first);
    expect(Object.keys(first)).not.toContain("slipway.dev/sha");
    expectValidLabels(first);
  });

  it("is a subset of the branch labels, as a Deployment's template must be", () => {
    expect(branchLabels(target("main"))).toMatchObject(selectorLabels(target("main")));
  });

  it.each([
    ["another repository", { repoId: 1002 }],
    ["another installation", { installationId: 43 }],
    ["another branch", { branch: "develop" }],
  ])("differs for %s", (_case, overrides) => {
    expect(selectorLabels(target("main", overrides))).not.toEqual(selectorLabels(target("main")));
  });
});

describe("branchAnnotations", () => {
  it("keeps the real names, whatever their length or characters", () => {
    const branch = "feature/Ünïcödé 🚀 ".repeat(15);
    expect(branchAnnotations(target(branch))).toEqual({
      "slipway.dev/branch-name": branch,
      "slipway.dev/repository-name": "Acme-Corp/web.app",
    });
  });
});

describe("labelSelector", () => {
  it("joins labels as an equality selector", () => {
    expect(labelSelector({ a: "1", "slipway.dev/branch": "main-1234abcd" })).toBe(
      "a=1,slipway.dev/branch=main-1234abcd",
    );
  });
});
