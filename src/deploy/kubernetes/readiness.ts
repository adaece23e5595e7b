import { KubernetesApiError } from "./api-error.ts";
import type { AccessAttributes, ClusterClient } from "./cluster-client.ts";
import { REQUIRED_ACCESS, type AccessRule } from "./required-access.ts";

export type ReadinessResult = { ok: true } | { ok: false; problems: string[] };

interface Check {
  attributes: AccessAttributes;
  rule: AccessRule;
}

function checks(rules: readonly AccessRule[]): Check[] {
  return rules.flatMap((rule) =>
    rule.verbs.map((verb) => ({
      rule,
      attributes: {
        verb,
        group: rule.group,
        resource: rule.resource,
        ...(rule.subresource === undefined ? {} : { subresource: rule.subresource }),
      },
    })),
  );
}

/** What a missing permission means and the ClusterRole rule that grants it. */
export function deniedMessage({ attributes, rule }: Check): string {
  const resource =
    attributes.subresource === undefined
      ? attributes.resource
      : `${attributes.resource}/${attributes.subresource}`;
  const qualified = attributes.group === "" ? resource : `${resource}.${attributes.group}`;
  return (
    `Slipway may not ${attributes.verb} ${qualified} (cluster-wide), which it needs to ${rule.why}: ` +
    `add verb "${attributes.verb}" for apiGroups ["${attributes.group}"], resources ["${resource}"] ` +
    "to Slipway's ClusterRole"
  );
}

export function missingRuntimeClassMessage(runtimeClass: string): string {
  return (
    `RuntimeClass "${runtimeClass}" (SLIPWAY_RUNTIME_CLASS) does not exist, so no preview can start: ` +
    "install Kata Containers with kata-deploy (https://github.com/kata-containers/kata-containers/tree/main/tools/packaging/kata-deploy), " +
    "which creates the kata-* RuntimeClasses (kata-fc for Firecracker, kata-qemu, …), or set " +
    "SLIPWAY_RUNTIME_CLASS to a RuntimeClass the cluster has (kubectl get runtimeclass)"
  );
}

function failed(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Whether the deployer can work: the sandbox RuntimeClass exists, and a SelfSubjectAccessReview
 * allows each verb of {@link REQUIRED_ACCESS}. Every problem found is listed, each saying what
 * to do.
 */
export async function checkReadiness(
  client: ClusterClient,
  runtimeClass: string,
  rules: readonly AccessRule[] = REQUIRED_ACCESS,
): Promise<ReadinessResult> {
  const problems: string[] = [];
  try {
    if (!(await client.runtimeClassExists(runtimeClass))) {
      problems.push(missingRuntimeClassMessage(runtimeClass));
    }
  } catch (error) {
    // Unreachable, or not allowed to read RuntimeClasses: the access reviews below say which.
    if (!(error instanceof KubernetesApiError) || error.code === undefined) {
      return { ok: false, problems: [failed(error)] };
    }
    problems.push(failed(error));
  }
  const all = checks(rules);
  const reviews = await Promise.allSettled(all.map((check) => client.allowed(check.attributes)));
  reviews.forEach((review, index) => {
    const check = all[index];
    if (check === undefined) return;
    if (review.status === "rejected") problems.push(failed(review.reason));
    else if (!review.value) problems.push(deniedMessage(check));
  });
  return problems.length === 0 ? { ok: true } : { ok: false, problems };
}
