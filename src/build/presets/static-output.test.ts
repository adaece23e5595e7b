import { describe, expect, it } from "vitest";
import type { NodeProject } from "./node-project.ts";
import { staticOutputDir } from "./static-output.ts";

function project(build: string | undefined, dependencies: string[] = []): NodeProject {
  return {
    manager: "npm",
    lockfile: "package-lock.json",
    yarnBerry: false,
    scripts: new Map(build === undefined ? [] : [["build", build]]),
    dependencies: new Set(dependencies),
    manifests: ["package.json"],
    notes: [],
  };
}

describe("staticOutputDir", () => {
  it.each<[string | undefined, string[], string | undefined]>([
    ["vite build", ["vite"], "dist"],
    ["astro build", ["astro"], "dist"],
    ["react-scripts build", ["react-scripts"], "build"],
    ["docusaurus build", ["@docusaurus/core"], "build"],
    ["vite build --outDir site", ["vite"], "site"],
    ["vite build --outDir ./out/", ["vite"], "out"],
    ["esbuild app.ts --bundle --outdir=www && cp index.html www", [], "www"],
    ["parcel build index.html --out-dir '../escape'", ["parcel"], "dist"],
    ["tsc", ["typescript"], undefined],
    [undefined, ["vite"], undefined],
  ])("%j with %j → %j", (build, dependencies, expected) => {
    expect(staticOutputDir(project(build, dependencies))).toBe(expected);
  });
});
