import { describe, expect, it } from "vitest";
import { matchGlob } from "./repo-config-glob.ts";

describe("matchGlob", () => {
  it.each([
    ["**", "main", true],
    ["**", "feature/a/b", true],
    ["main", "main", true],
    ["main", "mainline", false],
    ["main", "Main", false],
    ["*", "main", true],
    ["*", "feature/x", false],
    ["feature/*", "feature/login", true],
    ["feature/*", "feature/login/v2", false],
    ["feature/*", "feature/", true],
    ["feature/**", "feature/login/v2", true],
    ["feature/**", "feature", false],
    ["release/v?", "release/v1", true],
    ["release/v?", "release/v10", false],
    ["release/v?", "release/v/", false],
    ["release-*.*", "release-1.2", true],
    ["**/hotfix", "team/a/hotfix", true],
    ["**-preview", "feature/x-preview", true],
    ["*-preview", "feature/x-preview", false],
    ["?", "é", true],
    ["?", "🚀", true],
    ["a.b", "aXb", false],
    ["[abc]", "[abc]", true],
    ["", "", true],
    ["", "main", false],
  ])("%j matches %j: %s", (pattern, branch, expected) => {
    expect(matchGlob(pattern, branch)).toBe(expected);
  });

  it("stays linear on patterns that make regular expressions backtrack", () => {
    const started = performance.now();
    expect(matchGlob("*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
