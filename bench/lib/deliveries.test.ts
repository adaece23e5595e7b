import { verify } from "@octokit/webhooks-methods";
import { describe, expect, it } from "vitest";
import { routeEvent } from "../../src/github/route-event.ts";
import { pushDeliveries } from "./deliveries.ts";

const shape = { branches: 3, repositories: 2, installations: 2 };

describe("the bench's push deliveries", () => {
  const next = pushDeliveries("bench-secret", shape, 7);
  const deliveries = Array.from({ length: 6 }, (_, i) => next(i));

  it("are signed with the secret, as GitHub signs them", async () => {
    for (const { body, headers } of deliveries) {
      expect(await verify("bench-secret", body, headers["x-hub-signature-256"] ?? "")).toBe(true);
      expect(await verify("another-secret", body, headers["x-hub-signature-256"] ?? "")).toBe(
        false,
      );
    }
  });

  it("are pushes Slipway builds, cycling over the shape's branches, repositories and installations", () => {
    const targets = deliveries.map(({ body, headers }) => {
      const intent = routeEvent(headers["x-github-event"] ?? "", JSON.parse(body));
      if (intent.kind !== "run") throw new Error(`not a run: ${intent.kind}`);
      return intent.target;
    });
    expect(targets.map((t) => t.branch)).toEqual([
      "bench-0",
      "bench-1",
      "bench-2",
      "bench-0",
      "bench-1",
      "bench-2",
    ]);
    expect(targets.map((t) => t.repoId)).toEqual([1000, 1001, 1000, 1001, 1000, 1001]);
    expect(targets.map((t) => t.installationId)).toEqual([100, 101, 100, 101, 100, 101]);
    // Every push is a different commit and delivery, so none is a duplicate of another.
    expect(new Set(targets.map((t) => t.sha)).size).toBe(6);
    expect(new Set(deliveries.map((d) => d.headers["x-github-delivery"])).size).toBe(6);
  });

  it("differ between rounds (the salt), so a round never replays the one before", () => {
    const other = pushDeliveries("bench-secret", shape, 8)(0);
    expect(other.body).not.toBe(deliveries[0]?.body);
  });
});
