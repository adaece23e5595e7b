/**
 * Real-engine suite (`npm run test:e2e`): builds and publishes a real repository with a real
 * Dagger engine, through the same build stage the worker uses. It needs what CI machines lack:
 *   - the `dagger` CLI on PATH and a Docker engine it can start its engine in;
 *   - SLIPWAY_E2E_REPO=owner/name@<40-hex sha> of a repository with a Dockerfile or a preset app
 *     (public, or private with SLIPWAY_E2E_GITHUB_TOKEN able to read it);
 *   - SLIPWAY_E2E_REGISTRY (e.g. localhost:5000 with `docker run -p 5000:5000 registry:2`), and
 *     SLIPWAY_E2E_REGISTRY_USERNAME / _PASSWORD if it needs a login.
 * Without them each test says why it did not run.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { daggerBuildStage } from "../../src/build/dagger-build-stage.ts";
import { daggerClient, type DaggerSession } from "../../src/build/dagger-client.ts";
import { sessionEngine } from "../../src/build/engine/engine-connector.ts";
import { captureLogger } from "../support/logs.ts";

const env = process.env;
const repoSpec = /^([^/\s]+)\/([^@\s]+)@([0-9a-f]{40})$/.exec(env["SLIPWAY_E2E_REPO"] ?? "");
const hasDagger = spawnSync("dagger", ["version"], { stdio: "ignore" }).status === 0;
const hasDocker = spawnSync("docker", ["info"], { stdio: "ignore" }).status === 0;
const missing = [
  hasDagger ? undefined : "the dagger CLI is not on PATH",
  hasDocker ? undefined : "no Docker engine answers `docker info`",
  repoSpec ? undefined : "SLIPWAY_E2E_REPO=owner/name@sha is not set",
  env["SLIPWAY_E2E_REGISTRY"] ? undefined : "SLIPWAY_E2E_REGISTRY is not set",
].filter((m): m is string => m !== undefined);

if (missing.length > 0) {
  console.log(`real-engine suite skipped: ${missing.join("; ")}`);
}

/** Starts `dagger session` (the CLI prints {port, session_token} once the engine is up). */
async function startSession(): Promise<{ session: DaggerSession; child: ChildProcess }> {
  const child = spawn("dagger", ["session"], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const parsed = JSON.parse(line) as { port?: number; session_token?: string };
    if (parsed.port && parsed.session_token)
      return { session: { port: parsed.port, token: parsed.session_token }, child };
  }
  throw new Error("dagger session exited without printing its port");
}

describe.skipIf(missing.length > 0)("a real Dagger engine", { timeout: 900_000 }, () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill("SIGTERM");
  });

  it("clones the exact commit, builds it and publishes it by digest", async () => {
    const [, owner = "", repo = "", sha = ""] = repoSpec ?? [];
    const started = await startSession();
    child = started.child;
    const username = env["SLIPWAY_E2E_REGISTRY_USERNAME"];
    const password = env["SLIPWAY_E2E_REGISTRY_PASSWORD"];
    const stage = daggerBuildStage({
      engine: sessionEngine(started.session),
      registry: {
        address: env["SLIPWAY_E2E_REGISTRY"] ?? "",
        credentials: username && password ? { username, password } : undefined,
      },
      client: daggerClient,
      tokenFor: () => Promise.resolve(env["SLIPWAY_E2E_GITHUB_TOKEN"] ?? ""),
      cloneUrl: (o, r) => `https://github.com/${o}/${r}.git`,
      webUrl: (o, r) => `https://github.com/${o}/${r}`,
    });
    const { log } = captureLogger("info");
    const result = await stage.build(
      { runKey: "e2e", target: { installationId: 1, owner, repo, repoId: 1, branch: "e2e", sha } },
      { signal: AbortSignal.timeout(850_000), log },
    );
    expect(result).toMatchObject({ ok: true });
    if (result.ok === true) expect(result.image).toMatch(/@sha256:[0-9a-f]{64}$/);
  });
});
