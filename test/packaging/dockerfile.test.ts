import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseEnv } from "../../src/config/env.ts";

/*
 * No Docker engine runs here, so the image is never built in CI: these checks read the Dockerfile
 * as text, the way a linter would, for the properties the image promises.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments and blank lines dropped. */
function instructions(text: string): Instruction[] {
  const logical = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return logical.map((line) => {
    const [keyword = "", ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
  });
}

/** The instructions of the last stage: what the image that runs is made of. */
function finalStage(all: Instruction[]): Instruction[] {
  const lastFrom = all.map((i) => i.keyword).lastIndexOf("FROM");
  return all.slice(lastFrom);
}

function args(all: Instruction[], keyword: string): string[] {
  return all.filter((i) => i.keyword === keyword).map((i) => i.args);
}

const dockerfile = instructions(readFileSync(join(ROOT, "Dockerfile"), "utf8"));
const final = finalStage(dockerfile);
const StartScript = z.object({ scripts: z.object({ start: z.string() }) });

describe("Dockerfile", () => {
  it("builds every stage from the same Node 24 slim image, pinned to an exact version", () => {
    const bases = args(dockerfile, "FROM").map((from) => from.split(/\s+/)[0]);
    expect(bases.length).toBeGreaterThanOrEqual(2);
    const first = bases[0] ?? "";
    expect(
      bases.filter((base) => base !== first),
      `every stage FROM ${first}`,
    ).toEqual([]);
    expect(first).toMatch(/^node:24\.\d+\.\d+-(bookworm|trixie)-slim$/);
  });

  it("installs production dependencies only, exactly from the lock file", () => {
    const npm = args(dockerfile, "RUN").filter((run) => /\bnpm\b/.test(run));
    expect(npm.some((run) => /\bnpm ci\b/.test(run))).toBe(true);
    for (const run of npm) {
      expect(run).not.toMatch(/\bnpm (install|i)\b/);
      if (/\bnpm ci\b/.test(run)) expect(run).toContain("--omit=dev");
    }
  });

  it("runs as a numeric, non-root user in production mode", () => {
    const users = args(final, "USER");
    const user = users.at(-1) ?? "";
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(":")[0])).toBeGreaterThan(0);
    expect(args(final, "ENV")).toContain("NODE_ENV=production");
  });

  it("exposes Slipway's default port and checks /healthz there", () => {
    const port = parseEnv({}).http.port;
    expect(args(final, "EXPOSE")).toEqual([String(port)]);
    const healthcheck = args(final, "HEALTHCHECK").join(" ");
    expect(healthcheck).toContain("/healthz");
    expect(healthcheck).toContain(String(port));
  });

  it("starts with `npm start`'s command line, under tini as PID 1 (signals forwarded, orphans reaped)", () => {
    const cmd = z.array(z.string()).parse(JSON.parse(args(final, "CMD").at(-1) ?? "null"));
    const packageJson = StartScript.parse(
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")),
    );
    expect(cmd).toEqual(packageJson.scripts.start.split(/\s+/));
    // Exec form: tini itself is PID 1, not a shell that would swallow SIGTERM.
    const entrypoints = args(final, "ENTRYPOINT");
    expect(entrypoints).toHaveLength(1);
    expect(JSON.parse(entrypoints[0] ?? "null")).toEqual(["/usr/bin/tini", "--"]);
    expect(args(final, "COPY")).toContain("--from=tools /usr/bin/tini /usr/bin/tini");
    expect(args(dockerfile, "RUN").join("\n")).toMatch(/apt-get install [^\n]*\btini\b/);
  });

  it("copies what the app runs from (sources, not a build) and every copied path exists", () => {
    const sources = args(final, "COPY")
      .filter((copy) => !copy.startsWith("--from"))
      .flatMap((copy) => copy.split(/\s+/).slice(0, -1));
    expect(sources).toEqual(
      expect.arrayContaining(["src", "schema", "app.yml", "package.json", "package-lock.json"]),
    );
    expect(sources.filter((source) => !existsSync(join(ROOT, source)))).toEqual([]);
  });

  it("keeps dependencies, history, secrets and test output out of the build context", () => {
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((line) => line.trim());
    const required = [".git", "node_modules", ".env", "test-results", "coverage", "bench/results"];
    expect(required.filter((entry) => !ignored.includes(entry))).toEqual([]);
  });
});

describe("Dockerfile: the build engine's tools", () => {
  const PackageJson = z.object({ dependencies: z.record(z.string(), z.string()) });
  const sdk = PackageJson.parse(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")))
    .dependencies["@dagger.io/dagger"];
  const runs = args(dockerfile, "RUN").join("\n");

  it("installs the Dagger CLI of the SDK's exact version, at image build time", () => {
    expect(sdk).toMatch(/^\d+\.\d+\.\d+$/);
    expect(args(dockerfile, "ARG")).toContain(`DAGGER_VERSION=${sdk ?? ""}`);
    expect(runs).toContain("https://dl.dagger.io/dagger/releases/${DAGGER_VERSION}/");
    // The worker image carries it; nothing is downloaded when a build runs.
    expect(args(final, "COPY")).toContain(
      "--from=tools /tools/dagger /tools/kubectl /usr/local/bin/",
    );
  });

  it("checks every download against its published checksum", () => {
    const downloads = runs.match(/curl -fsSLO?/g) ?? [];
    expect(downloads.length).toBeGreaterThanOrEqual(3);
    expect(runs.match(/sha256sum -c -/g)).toHaveLength(2);
    expect(runs).toContain("checksums.txt");
    expect(runs).toContain("${kubectl}.sha256");
  });

  it("installs curl in the tools stage only, never in the image that runs", () => {
    expect(args(final, "RUN").join("\n")).not.toMatch(/\bcurl\b|apt-get install/);
  });
});
