import { describe, expect, it } from "vitest";
import { environmentFor } from "./environment.ts";

describe("environmentFor", () => {
  it.each([
    ["main", "main", { name: "production", production: true }],
    ["feature/x", "main", { name: "preview/feature/x", production: false }],
    ["main", undefined, { name: "preview/main", production: false }],
  ])("%s (default %s)", (branch, defaultBranch, expected) => {
    expect(environmentFor(branch, defaultBranch)).toEqual(expected);
  });
});
