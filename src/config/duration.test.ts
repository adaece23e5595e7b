import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.ts";

describe("parseDuration", () => {
  it.each([
    ["900", 900_000],
    ["900s", 900_000],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["250ms", 250],
    [" 2s ", 2000],
    ["0", 0],
  ])("%j → %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "abc", "1.5m", "-1", "10d", "m"])("rejects %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
