import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { examplePayload, pushPayload } from "./support/examples.ts";
import { controlledBuild, recordingDeploy } from "./support/fake-stages.ts";
import { startHarness, type Harness } from "./support/harness.ts";
import { REDIS_URL } from "./support/redis.ts";

const sha = (n: number) => n.toString(16).padStart(40, "a");
const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

/** What the web role decided for a delivery, from its log line (written before it answers). */
function handled(h: Harness, deliveryId: string): string | undefined {
  const line = h.logs.find((l) => l.includes('"delivery handled"') && l.includes(deliveryId));
  return line === undefined ? undefined : (JSON.parse(line) as { result: string }).result;
}

describe("push → check run", () => {
  let h: Harness;
  const build = controlledBuild({ autoReleaseMs: 30 });
  const deploy = recordingDeploy();
  const runsOn = (s: string) => h.github.checkRuns.filter((r) => r.head_sha === s);
  const completed = (s: string) =>
    h.github.waitFor(() =>
      h.github.checkRuns.find((r) => r.head_sha === s && r.status === "completed"),
    );

  beforeAll(async () => {
    h = await startHarness({
      name: "push-flow",
      overrides: { buildStage: build, deployStage: deploy },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("refuses a forged signature and queues nothing", async () => {
    const forged = await h.deliver("push", pushPayload({ sha: sha(1) }), {
      signature: `sha256=${"0".repeat(64)}`,
    });
    const unsigned = await h.deliver("push", pushPayload({ sha: sha(1) }), { signature: "" });
    for (const response of [forged, unsigned]) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      // Refused before any handler ran: nothing was routed or queued, now or later.
      expect(handled(h, response.deliveryId)).toBeUndefined();
    }
    expect(runsOn(sha(1))).toHaveLength(0);
    expect(build.started.some((b) => b.target.sha === sha(1))).toBe(false);
  });

  it("builds exactly the pushed commit and concludes its check run", async () => {
    const response = await h.deliver(
      "push",
      pushPayload({ sha: sha(2), branch: "main", installationId: 11 }),
    );
    expect(response.status).toBe(200);
    const run = await completed(sha(2));
    expect(run).toMatchObject({
      conclusion: "success",
      name: "Slipway",
      owner: "Codertocat",
      repo: "Hello-World",
    });
    expect(run.history.map((s) => s.status)).toEqual(["queued", "in_progress", "completed"]);
    expect(run.output?.summary).toContain(sha(2));
    const built = build.finished.filter((b) => b.target.sha === sha(2));
    expect(built).toHaveLength(1);
    expect(built[0]?.target).toMatchObject({
      installationId: 11,
      branch: "main",
      owner: "Codertocat",
    });
    // The token was requested for the installation that sent the push.
    expect(h.github.calls.some((c) => c.path === "/app/installations/11/access_tokens")).toBe(true);
  });

  it("costs three check-run calls and three deployment calls per push", async () => {
    const before = h.github.apiCalls().length;
    await h.deliver("push", pushPayload({ sha: sha(3), branch: "budget", installationId: 11 }));
    await completed(sha(3));
    await settle(200); // room for a late, unwanted call
    const calls = h.github.apiCalls().slice(before);
    expect(calls.map((c) => `${c.method} ${c.path.replace(/\/\d+(?=\/|$)/g, "/:id")}`)).toEqual([
      "POST /repos/Codertocat/Hello-World/check-runs",
      "PATCH /repos/Codertocat/Hello-World/check-runs/:id",
      "POST /repos/Codertocat/Hello-World/deployments",
      "POST /repos/Codertocat/Hello-World/deployments/:id/statuses",
      "POST /repos/Codertocat/Hello-World/deployments/:id/statuses",
      "PATCH /repos/Codertocat/Hello-World/check-runs/:id",
    ]);
    const deployment = h.github.deployments.find((d) => d.ref === sha(3));
    expect(deployment).toMatchObject({
      environment: "preview/budget",
      transient_environment: true,
      production_environment: false,
      auto_merge: false,
      required_contexts: [],
    });
    expect(deployment?.statuses.map((s) => s.state)).toEqual(["in_progress", "success"]);
    expect(deployment?.statuses[1]?.environment_url).toBe("https://budget.preview.test");
    expect(deployment?.statuses[1]?.log_url).toMatch(/\/Codertocat\/Hello-World\/runs\/\d+$/);
  });

  it("deploys the default branch to the production environment", async () => {
    await h.deliver("push", pushPayload({ sha: sha(8), branch: "master", installationId: 11 }));
    await completed(sha(8));
    const deployment = await h.github.waitFor(() =>
      h.github.deployments.find((d) => d.ref === sha(8)),
    );
    expect(deployment).toMatchObject({
      environment: "production",
      production_environment: true,
      transient_environment: false,
    });
  });

  it("does nothing for a redelivery, even after the first job was cleaned up", async () => {
    const first = await h.deliver("push", pushPayload({ sha: sha(4), branch: "redeliver" }));
    await completed(sha(4));
    const again = await h.deliver("push", pushPayload({ sha: sha(4), branch: "redeliver" }), {
      deliveryId: first.deliveryId,
    });
    expect(again.status).toBe(200);
    expect(
      h.logs.filter((l) => l.includes(first.deliveryId) && l.includes('"result":"duplicate"')),
    ).toHaveLength(1);
    // Remove every finished job, as BullMQ's retention eventually does.
    const events = new Queue("events", { connection: { url: REDIS_URL }, prefix: h.prefix });
    const builds = new Queue("builds", { connection: { url: REDIS_URL }, prefix: h.prefix });
    await events.clean(0, 10_000, "completed");
    await builds.clean(0, 10_000, "completed");
    expect(await events.getJob(`announce-${first.deliveryId}`)).toBeUndefined();
    const third = await h.deliver("push", pushPayload({ sha: sha(4), branch: "redeliver" }), {
      deliveryId: first.deliveryId,
    });
    expect(third.status).toBe(200);
    expect(
      h.logs.filter((l) => l.includes(first.deliveryId) && l.includes('"result":"duplicate"')),
    ).toHaveLength(2);
    expect(await events.getJob(`announce-${first.deliveryId}`)).toBeUndefined();
    await Promise.all([events.close(), builds.close()]);
    expect(runsOn(sha(4))).toHaveLength(1);
  });

  it("tears down on branch deletion, never builds, and retires its deployments", async () => {
    // A preview of the branch first, so the teardown has a deployment to retire.
    await h.deliver("push", pushPayload({ sha: sha(9), branch: "gone", installationId: 31 }));
    await completed(sha(9));
    const before = build.started.length;
    const response = await h.deliver(
      "push",
      pushPayload({ branch: "gone", deleted: true, installationId: 31 }),
    );
    expect(response.status).toBe(200);
    const torn = await h.github.waitFor(() => deploy.teardowns.find((t) => t.branch === "gone"));
    expect(torn).toMatchObject({ installationId: 31, owner: "Codertocat", repo: "Hello-World" });
    await h.github.waitFor(() =>
      h.github.deployments.find(
        (d) => d.environment === "preview/gone" && d.statuses.some((s) => s.state === "inactive"),
      ),
    );
    expect(build.started.length).toBe(before);
    expect(runsOn("0".repeat(40))).toHaveLength(0);
  });

  it("ignores tag pushes", async () => {
    const payload = pushPayload({ sha: sha(5) });
    payload["ref"] = "refs/tags/v1.0.0";
    const response = await h.deliver("push", payload);
    expect(response.status).toBe(200);
    expect(handled(h, response.deliveryId)).toBe("ignored");
    expect(runsOn(sha(5))).toHaveLength(0);
  });

  it("rebuilds on purpose when a check run is rerequested, once per request", async () => {
    const payload = examplePayload("check_run", (p) => p["action"] === "rerequested");
    const run = payload["check_run"] as Record<string, unknown>;
    run["head_sha"] = sha(6);
    const first = await h.deliver("check_run", payload);
    await completed(sha(6));
    await h.deliver("check_run", payload, { deliveryId: first.deliveryId }); // a redelivery: nothing
    expect(
      h.logs.filter((l) => l.includes(first.deliveryId) && l.includes('"result":"duplicate"')),
    ).toHaveLength(1);
    await h.deliver("check_run", payload); // a second rerun request: a new run
    await h.github.waitFor(
      () => runsOn(sha(6)).filter((r) => r.status === "completed").length === 2 || undefined,
    );
    expect(runsOn(sha(6))).toHaveLength(2);
    expect(build.finished.filter((b) => b.target.sha === sha(6))).toHaveLength(2);
  });

  it("retries a check-run create that GitHub answers 502, and creates one check run", async () => {
    h.github.failNext({ method: "POST", path: /\/check-runs$/ }, { status: 502, times: 1 });
    await h.deliver("push", pushPayload({ sha: sha(7), branch: "flaky" }));
    const run = await completed(sha(7));
    expect(run.conclusion).toBe("success");
    expect(runsOn(sha(7))).toHaveLength(1);
    const creates = h.github.calls.filter(
      (c) => c.method === "POST" && c.path.endsWith("/check-runs"),
    );
    expect(
      creates
        .filter((c) => (c.body as { head_sha?: string }).head_sha === sha(7))
        .map((c) => c.status),
    ).toEqual([502, 201]);
  });

  it("keeps job data to identifiers: no token in Redis", async () => {
    const { dumpPrefix } = await import("./support/redis.ts");
    const dump = await dumpPrefix(h.prefix);
    const text = [...dump].join("\n");
    expect(h.github.tokensIssued.length).toBeGreaterThan(0);
    for (const token of h.github.tokensIssued) expect(text).not.toContain(token);
    expect(text).not.toContain(h.secret);
    expect(text).not.toContain("PRIVATE KEY");
  });
});

describe("the web role", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: "web-only", role: "web" });
  });
  afterAll(async () => {
    await h.close();
  });

  it("makes no GitHub API call on the request path", async () => {
    for (let i = 0; i < 5; i++) {
      const response = await h.deliver("push", pushPayload({ sha: sha(100 + i), branch: `b${i}` }));
      expect(response.status).toBe(200);
    }
    await h.deliver(
      "installation",
      examplePayload("installation", (p) => p["action"] === "created"),
    );
    // The web role has no worker: any GitHub call would have been made while answering.
    expect(h.github.calls).toEqual([]);
  });

  it("answers health and readiness", async () => {
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });
});
