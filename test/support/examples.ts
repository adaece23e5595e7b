import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { z } from "zod";

const Examples = z.array(
  z.object({ name: z.string(), examples: z.array(z.record(z.string(), z.unknown())) }),
);
const examples = Examples.parse(
  JSON.parse(
    readFileSync(
      createRequire(import.meta.url).resolve(
        "@octokit/webhooks-examples/api.github.com/index.json",
      ),
      "utf8",
    ),
  ),
);

/**
 * Real webhook payloads from `@octokit/webhooks-examples`, deep-copied so a test can change one.
 * `match` picks one by its fields (e.g. `{ action: "rerequested" }`, or a ref).
 */
export function examplePayload(
  event: string,
  match: (payload: Record<string, unknown>) => boolean = () => true,
): Record<string, unknown> {
  const group = examples.find((e) => e.name === event);
  const found = group?.examples.find((p) => match(p));
  if (found === undefined) throw new Error(`no ${event} example matches`);
  return structuredClone(found);
}

/** A push example on a branch, with installation and the given fields overridden. */
export function pushPayload(overrides: {
  installationId?: number;
  branch?: string;
  sha?: string;
  repoId?: number;
  owner?: string;
  repo?: string;
  deleted?: boolean;
}): Record<string, unknown> {
  const payload = examplePayload(
    "push",
    (p) => p["ref"] === "refs/heads/master" && p["installation"] !== undefined,
  );
  const repository = payload["repository"] as Record<string, unknown>;
  const owner = repository["owner"] as Record<string, unknown>;
  if (overrides.branch !== undefined) payload["ref"] = `refs/heads/${overrides.branch}`;
  if (overrides.sha !== undefined) payload["after"] = overrides.sha;
  if (overrides.deleted !== undefined) {
    payload["deleted"] = overrides.deleted;
    if (overrides.deleted) payload["after"] = "0".repeat(40);
  }
  if (overrides.installationId !== undefined)
    payload["installation"] = { id: overrides.installationId, node_id: "x" };
  if (overrides.repoId !== undefined) repository["id"] = overrides.repoId;
  if (overrides.repo !== undefined) repository["name"] = overrides.repo;
  if (overrides.owner !== undefined) owner["login"] = overrides.owner;
  return payload;
}
