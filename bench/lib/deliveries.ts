import { createHmac, randomUUID } from "node:crypto";
import { pushPayload } from "../../test/support/examples.ts";
import type { LoadRequest } from "./load.ts";

const SHA = "a1b2c3d4".repeat(5);
const BRANCH = "bench-branch-marker";
const REPO_ID = "987654321";
const INSTALLATION_ID = "876543219";

export interface PushShape {
  /** Distinct branches the pushes cycle through (a push to a known branch supersedes its run). */
  branches: number;
  installations: number;
  repositories: number;
}

/**
 * Signed `push` deliveries from `@octokit/webhooks-examples` (~7.6 kB each), each with its own
 * delivery id and commit, spread over branches, repositories and installations. The body is
 * filled in from a template so the load generator spends microseconds, not a deep copy, per request.
 */
export function pushDeliveries(secret: string, shape: PushShape, salt = 0) {
  const template = JSON.stringify(
    pushPayload({
      sha: SHA,
      branch: BRANCH,
      repoId: Number(REPO_ID),
      installationId: Number(INSTALLATION_ID),
    }),
  );
  return (index: number): LoadRequest => {
    const n = index + salt * 1_000_000_000;
    const body = template
      .replaceAll(SHA, n.toString(16).padStart(40, "0"))
      .replace(BRANCH, `bench-${index % shape.branches}`)
      .replace(REPO_ID, String(1000 + (index % shape.repositories)))
      .replace(INSTALLATION_ID, String(100 + (index % shape.installations)));
    return {
      body,
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/bench",
        "x-github-event": "push",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
      },
    };
  };
}
