import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./support/harness.ts";

describe("missed-delivery recovery", { timeout: 40_000 }, () => {
  let h: Harness;
  const guid = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, "0")}`;

  beforeAll(async () => {
    h = await startHarness({ name: "recovery", deferStart: true });
    const log = h.github.hookDeliveries;
    // 150 deliveries (two pages): three failed, one of them already redelivered successfully.
    for (let i = 1; i <= 150; i++) {
      const failed = i === 10 || i === 70 || i === 140;
      log.add({
        guid: guid(i),
        event: "push",
        action: null,
        installation_id: 1,
        repository_id: 1,
        status_code: failed ? 503 : 200,
      });
    }
    log.add({
      guid: guid(70),
      event: "push",
      action: null,
      installation_id: 1,
      repository_id: 1,
      status_code: 200,
      redelivery: true,
    });
    await h.start("all", {}, { SLIPWAY_REDELIVER_INTERVAL: "10s" });
  });
  afterAll(async () => {
    await h.close();
  });

  const redelivered = () =>
    h.github.hookDeliveries.redeliveryRequests.map(
      (id) => h.github.hookDeliveries.deliveries.find((d) => d.id === id)?.guid,
    );

  it("asks GitHub to redeliver exactly the deliveries that failed, following the cursor", async () => {
    await h.github.waitFor(
      () => h.github.hookDeliveries.redeliveryRequests.length >= 2 || undefined,
    );
    await h.github.waitFor(() => h.logs.find((l) => l.includes("asked GitHub to redeliver")));
    expect(redelivered().sort()).toEqual([guid(10), guid(140)]);
    const pages = h.github.calls.filter((c) => c.path === "/app/hook/deliveries");
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages[1]?.query["cursor"]).toBeDefined();
  });

  it("never asks twice, and picks up new failures next time", async () => {
    const log = h.github.hookDeliveries;
    log.setRedeliveryStatus(503); // the redeliveries fail again: still not asked twice
    log.add({
      guid: guid(151),
      event: "push",
      action: null,
      installation_id: 1,
      repository_id: 1,
      status_code: 502,
    });
    await h.github.waitFor(() => redelivered().includes(guid(151)) || undefined, 20_000);
    expect(redelivered().filter((g) => g === guid(10))).toHaveLength(1);
    expect(redelivered().filter((g) => g === guid(140))).toHaveLength(1);
  });
});
