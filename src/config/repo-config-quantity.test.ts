import { describe, expect, it } from "vitest";
import { parseQuantity } from "./repo-config-quantity.ts";

describe("parseQuantity", () => {
  it.each([
    ["1", 1],
    ["1.5", 1.5],
    ["500m", 0.5],
    ["50m", 0.05],
    ["4000m", 4],
    [".5", 0.5],
    ["0.05", 0.05],
    ["64Mi", 64 * 2 ** 20],
    ["1.5Gi", 1.5 * 2 ** 30],
    ["8Gi", 8 * 2 ** 30],
    ["10Ki", 10 * 1024],
    ["512M", 512e6],
    ["1G", 1e9],
    ["2k", 2000],
    ["1e3", 1000],
    ["1E", 1e18],
    ["1E3", 1000],
    ["250u", 0.00025],
    ["007", 7],
  ])("%j → %d", (text, amount) => {
    expect(parseQuantity(text)).toBe(amount);
  });

  it.each([
    "",
    "-1",
    "+1",
    "1.5.5",
    "m",
    "1 Gi",
    "1gi",
    "1Gib",
    "Gi",
    "1e",
    "0x10",
    "1234567890123456",
  ])("rejects %j", (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});
