import { expect } from "vitest";
import type { RecordedCall } from "../../fakes/fake-github.ts";
import { pushPayload } from "../../support/examples.ts";
import type { Harness } from "../../support/harness.ts";

export const OWNER = "Codertocat";
let counter = 0;
/** A fresh commit sha (distinct in its first seven characters). */
export const nextSha = () => {
  counter += 1;
  return `${counter.toString(16).padStart(4, "0")}${"f".repeat(36)}`;
};

export const createPath = (repo: string) => new RegExp(`^/repos/${OWNER}/${repo}/check-runs$`);
export const updatePath = (repo: string) => new RegExp(`^/repos/${OWNER}/${repo}/check-runs/\\d+$`);

/** The calls the fake GitHub received for a method and path. */
export function callsTo(h: Harness, method: string, path: RegExp): RecordedCall[] {
  return h.github.calls.filter((c) => c.method === method && path.test(c.path));
}

/** Each captured log line with its pino `msg`. */
export function logMessages(h: Harness): Array<{ msg: string; line: string }> {
  return h.logs.map((line) => {
    try {
      const parsed = JSON.parse(line) as { msg?: unknown };
      return { msg: typeof parsed.msg === "string" ? parsed.msg : "", line };
    } catch {
      return { msg: "", line };
    }
  });
}

/** Delivers a push of a fresh commit to `repo`; its sha and delivery id (the run's key). */
export async function pushTo(
  h: Harness,
  repo: string,
  repoId: number,
  options: { installationId?: number } = {},
): Promise<{ sha: string; runKey: string }> {
  const sha = nextSha();
  const answer = await h.deliver(
    "push",
    pushPayload({ sha, repo, repoId, branch: `b-${repo}`, ...options }),
  );
  expect(answer.status).toBe(200);
  return { sha, runKey: answer.deliveryId };
}

export function concluded(h: Harness, sha: string, timeoutMs = 15_000) {
  return h.github.waitFor(
    () => h.github.checkRuns.find((r) => r.head_sha === sha && r.status === "completed"),
    timeoutMs,
  );
}

/** Exactly one check run on the commit, and it succeeded. */
export function expectOneRun(h: Harness, sha: string): void {
  const runs = h.github.checkRuns.filter((r) => r.head_sha === sha);
  expect(runs, `check runs on ${sha}`).toHaveLength(1);
  expect(runs[0]?.conclusion).toBe("success");
}
