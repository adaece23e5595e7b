import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChildWorker } from "./support/child-worker.ts";
import { pushPayload } from "./support/examples.ts";
import { controlledBuild } from "./support/fake-stages.ts";
import { startHarness, type Harness } from "./support/harness.ts";

const sha = (n: number) => n.toString(16).padStart(40, "9");
const ADMIN_TOKEN = "admin-token-0123456789abcdef";

describe("operations endpoints", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      name: "ops-endpoints",
      overrides: { buildStage: controlledBuild({ autoReleaseMs: 10 }) },
      env: { SLIPWAY_DEPLOY: "off", SLIPWAY_ADMIN_TOKEN: ADMIN_TOKEN },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  const metric = (text: string, name: string) =>
    text
      .split("\n")
      .filter((line) => line.startsWith(name))
      .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);

  it("serves Prometheus metrics that move after a push", async () => {
    const before = await (await fetch(`${h.url}/metrics`)).text();
    await h.deliver("push", pushPayload({ sha: sha(1), branch: "metrics" }));
    await h.github.waitFor(() =>
      h.github.checkRuns.find((r) => r.head_sha === sha(1) && r.status === "completed"),
    );
    const response = await fetch(`${h.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const after = await response.text();
    for (const name of [
      "slipway_webhook_deliveries_total",
      "slipway_jobs_total",
      "slipway_stage_duration_seconds_bucket",
      "slipway_queue_jobs",
      "slipway_github_api_calls_total",
      "slipway_github_rate_limit_remaining",
      "slipway_process_cpu_seconds_total",
      "slipway_nodejs_heap_size_used_bytes",
    ]) {
      expect(after, name).toContain(name);
    }
    expect(metric(after, 'slipway_webhook_deliveries_total{event="push",outcome="queued"}')).toBe(
      metric(before, 'slipway_webhook_deliveries_total{event="push",outcome="queued"}') + 1,
    );
    expect(metric(after, "slipway_github_api_calls_total")).toBeGreaterThanOrEqual(3);
  });

  it("refuses the queue dashboard without the admin token", async () => {
    expect((await fetch(`${h.url}/admin/queues`)).status).toBe(401);
    const wrong = await fetch(`${h.url}/admin/queues`, {
      headers: { authorization: "Bearer not-the-token-at-all" },
    });
    expect(wrong.status).toBe(401);
    const api = await fetch(`${h.url}/admin/queues/api/queues`);
    expect(api.status).toBe(401);
  });

  it("serves the queue dashboard to the admin token", async () => {
    const page = await fetch(`${h.url}/admin/queues`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<html");
    const basic = Buffer.from(`ops:${ADMIN_TOKEN}`).toString("base64");
    const api = await fetch(`${h.url}/admin/queues/api/queues`, {
      headers: { authorization: `Basic ${basic}` },
    });
    expect(api.status).toBe(200);
    const body = JSON.stringify(await api.json());
    expect(body).toContain("events");
    expect(body).toContain("builds");
  });
});

describe("the dashboard without SLIPWAY_ADMIN_TOKEN", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: "ops-no-admin", role: "web" });
  });
  afterAll(async () => {
    await h.close();
  });

  it("does not exist", async () => {
    const response = await fetch(`${h.url}/admin/queues`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(404);
  });
});

describe("graceful shutdown", { timeout: 60_000 }, () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ name: "ops-shutdown", role: "web", env: { SLIPWAY_DEPLOY: "off" } });
  });
  afterAll(async () => {
    await h.close();
  });

  it("hands a running build back on SIGTERM; another worker completes it", async () => {
    // A worker process whose builds take far longer than its 1 s grace period, and a lock so
    // long that only the hand-back (not BullMQ's stalled-job recovery) can free the job in time.
    const first = startChildWorker({
      ...h.env,
      SLIPWAY_LOCK_DURATION: "5m",
      FAKE_BUILD_MS: "60000",
      SLIPWAY_SHUTDOWN_GRACE: "1s",
    });
    await first.ready;
    await h.deliver("push", pushPayload({ sha: sha(2), branch: "shutdown" }));
    await h.github.waitFor(() => first.started.includes(sha(2)) || undefined);
    const signalled = performance.now();
    first.process.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => first.process.once("exit", resolve));
    const exitMs = performance.now() - signalled;
    expect(code).toBe(0);
    expect(exitMs).toBeLessThan(10_000);
    const requeued = await h.github.waitFor(() =>
      h.github.checkRuns.find(
        (r) => r.head_sha === sha(2) && r.history.some((s) => s.title?.startsWith("Requeued")),
      ),
    );
    expect(requeued.status).toBe("queued");

    const second = startChildWorker({ ...h.env, FAKE_BUILD_MS: "50" });
    await second.ready;
    const run = await h.github.waitFor(
      () => h.github.checkRuns.find((r) => r.head_sha === sha(2) && r.status === "completed"),
      20_000,
    );
    expect(run.conclusion).toBe("success");
    expect(second.finished).toEqual([sha(2)]);
    expect(h.github.checkRuns.filter((r) => r.head_sha === sha(2))).toHaveLength(1);
    await second.kill();
  });
});
