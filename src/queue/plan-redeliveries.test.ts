import { describe, expect, it } from "vitest";
import { nextCursor } from "../github/hook-deliveries.ts";
import { planRedeliveries } from "./plan-redeliveries.ts";

const d = (id: number, guid: string, status_code: number) => ({ id, guid, status_code });

describe("planRedeliveries", () => {
  it.each([
    ["nothing failed", [d(2, "a", 200), d(1, "b", 202)], [], []],
    ["one failure", [d(2, "a", 200), d(1, "b", 503)], [], [1]],
    ["a failure redelivered with success", [d(3, "b", 200), d(1, "b", 503)], [], []],
    [
      "a failure whose redelivery failed too: the newest attempt, once",
      [d(3, "b", 500), d(1, "b", 503)],
      [],
      [3],
    ],
    ["already asked for", [d(1, "b", 503)], ["b"], []],
    ["timeouts and errors count as failed", [d(2, "c", 0), d(1, "e", 404)], [], [1, 2]],
  ])("%s", (_label, deliveries, asked, expected) => {
    expect(planRedeliveries(deliveries, new Set(asked)).map((x) => x.id)).toEqual(expected);
  });
});

describe("nextCursor", () => {
  it.each([
    [undefined, undefined],
    [
      '<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_123>; rel="next"',
      "v1_123",
    ],
    [
      '<https://api.github.com/app/hook/deliveries?cursor=a>; rel="prev", <https://x/app/hook/deliveries?cursor=b>; rel="next"',
      "b",
    ],
    ['<https://api.github.com/app/hook/deliveries?cursor=a>; rel="prev"', undefined],
  ])("%s → %s", (link, cursor) => {
    expect(nextCursor(link)).toBe(cursor);
  });
});
