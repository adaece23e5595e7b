import { describe, expect, it } from "vitest";
import { fmt, median, percentile, ratio } from "./stats.ts";

describe("percentile (nearest rank)", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted
  it.each([
    [50, 50],
    [99, 99],
    [100, 100],
    [1, 1],
    [0, 1],
  ])("p%d of 1…100 is %d", (p, expected) => {
    expect(percentile(hundred, p)).toBe(expected);
  });

  it("takes the sample at or above the rank, not an interpolation", () => {
    expect(percentile([10, 20, 30], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
  });

  it("is NaN without samples", () => {
    expect(percentile([], 99)).toBeNaN();
  });
});

describe("median", () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7],
  ])("of %j is %d", (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it("is NaN without rounds", () => {
    expect(median([])).toBeNaN();
  });
});

describe("table formats", () => {
  it.each([
    [1234.5, "1235"],
    [99.94, "99.9"],
    [Number.NaN, "–"],
  ])("fmt(%d) is %s", (value, expected) => {
    expect(fmt(value)).toBe(expected);
  });

  it("writes ratios with two decimals and a multiplication sign", () => {
    expect(ratio(0.7349)).toBe("0.73×");
    expect(ratio(Number.POSITIVE_INFINITY)).toBe("–");
  });
});
