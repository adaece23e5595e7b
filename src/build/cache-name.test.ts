import { describe, expect, it } from "vitest";
import { cacheName } from "./cache-name.ts";

describe("cache volume names", () => {
  it("shares a repository's caches between its own branches", () => {
    expect(cacheName({ repoId: 7 }, "npm")).toBe("slipway-7-npm");
  });

  it("gives each fork pull request caches of its own", () => {
    expect(cacheName({ repoId: 7, fork: 12 }, "npm")).toBe("slipway-7-pr12-npm");
    expect(cacheName({ repoId: 7, fork: 12 }, "npm")).not.toBe(cacheName({ repoId: 7 }, "npm"));
    expect(cacheName({ repoId: 7, fork: 12 }, "go-build")).not.toBe(
      cacheName({ repoId: 7, fork: 13 }, "go-build"),
    );
  });
});
