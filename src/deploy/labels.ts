import type { BranchTarget, RunTarget } from "../queue/intent.ts";
import { branchName, labelValue } from "./names.ts";

/** The label and annotation keys Slipway puts on everything it applies. */
export const LABEL = {
  managedBy: "app.kubernetes.io/managed-by",
  installation: "slipway.dev/installation",
  repository: "slipway.dev/repository",
  branch: "slipway.dev/branch",
  sha: "slipway.dev/sha",
} as const;

/** Annotations hold what does not fit a label value: any length, any character. */
export const ANNOTATION = {
  branchName: "slipway.dev/branch-name",
  repositoryName: "slipway.dev/repository-name",
  image: "slipway.dev/image",
  previousImage: "slipway.dev/previous-image",
} as const;

export type Labels = Record<string, string>;

/** Labels of a tenant's objects: everything in `slipway-<installation id>` carries them. */
export function tenantLabels(installationId: number): Labels {
  return {
    [LABEL.managedBy]: "slipway",
    [LABEL.installation]: String(installationId),
  };
}

/**
 * The labels that identify a branch's objects and never change between its deploys: a
 * Deployment's selector is immutable, so it holds these and never the sha. Teardown selects on
 * them too (repository id and branch, not names, which change when a repository is renamed).
 */
export function selectorLabels(target: BranchTarget): Labels {
  return {
    ...tenantLabels(target.installationId),
    [LABEL.repository]: String(target.repoId),
    // `branchName` is already a valid label value; `labelValue` keeps that true by construction.
    [LABEL.branch]: labelValue(branchName(target.branch)),
  };
}

/** Labels of a branch's objects for one commit: the selector labels plus the sha. */
export function branchLabels(target: RunTarget): Labels {
  return {
    ...selectorLabels(target),
    // A 40-hex sha is a valid value as is; `labelValue` guards against anything else.
    [LABEL.sha]: labelValue(target.sha),
  };
}

/** The real branch and repository names, which labels can only hold as slugs. */
export function branchAnnotations(target: BranchTarget): Labels {
  return {
    [ANNOTATION.branchName]: target.branch,
    [ANNOTATION.repositoryName]: `${target.owner}/${target.repo}`,
  };
}

/** An equality-based label selector string (`k=v,k=v`) for list, watch and delete calls. */
export function labelSelector(labels: Labels): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}
