import { expect, it } from "vitest";
import { formatDuration } from "./format-duration.ts";

it.each([
  [0, "0 ms"],
  [-5, "0 ms"],
  [Number.NaN, "0 ms"],
  [850, "850 ms"],
  [999.4, "999 ms"],
  [999.6, "1.0 s"],
  [12_345, "12.3 s"],
  [59_949, "59.9 s"],
  [59_950, "1 min"],
  [125_000, "2 min 5 s"],
  [900_000, "15 min"],
  [3_599_499, "59 min 59 s"],
  [3_599_500, "1 h"],
  [3_900_000, "1 h 5 min"],
  [90_000_000, "25 h"],
])("formats %d ms as %s", (ms, expected) => {
  expect(formatDuration(ms)).toBe(expected);
});
