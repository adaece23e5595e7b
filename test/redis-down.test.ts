import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushPayload } from "./support/examples.ts";
import { freePort, startHarness, type Harness } from "./support/harness.ts";

describe("when Redis does not answer", () => {
  let h: Harness;
  beforeAll(async () => {
    const closed = await freePort(); // nothing listens there
    h = await startHarness({
      name: "redis-down",
      role: "web",
      env: { REDIS_URL: `redis://127.0.0.1:${closed}` },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("answers deliveries with a 5xx so GitHub records them as failed (and they can be redelivered)", async () => {
    const response = await h.deliver("push", pushPayload({ sha: "9".repeat(40) }));
    expect(response.status).toBeGreaterThanOrEqual(500);
    expect(response.ms).toBeLessThan(9_000); // within GitHub's 10 s, not a hang
  });

  it("is not ready, and says why", async () => {
    const ready = await fetch(`${h.url}/readyz`);
    expect(ready.status).toBe(503);
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
