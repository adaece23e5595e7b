import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { processGone } from "../../../test/support/process-gone.ts";
import { CliSessionError, startCliSession } from "./cli-session.ts";

const RUNNER = "kube-pod://dagger-engine-0?namespace=slipway-1-build&container=engine";

/**
 * A scripted "CLI": reports how it was started to `$REPORT`, then serves the session token on
 * the `--listen` address (as `dagger listen` does), or never listens with `$NEVER_LISTEN`. With
 * `$DIE_AFTER` (ms) it starts a child (its "kubectl") and exits, leaving that child running.
 */
const SCRIPT = `#!/usr/bin/env node
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { statSync, writeFileSync } from "node:fs";
const args = process.argv.slice(2);
const port = Number(/:(\\d+)$/.exec(args[args.indexOf("--listen") + 1] ?? "")?.[1]);
const env = process.env;
writeFileSync(env.REPORT, JSON.stringify({
  args, home: env.HOME, tmpdir: env.TMPDIR, mode: statSync(env.HOME).mode & 0o777,
  runner: env._EXPERIMENTAL_DAGGER_RUNNER_HOST, hasToken: (env.DAGGER_SESSION_TOKEN ?? "") !== "",
}));
const auth = "Basic " + Buffer.from(env.DAGGER_SESSION_TOKEN + ":").toString("base64");
if (env.NEVER_LISTEN === undefined) {
  createServer((req, res) => {
    res.writeHead(req.headers.authorization === auth ? 200 : 401).end("{}");
  }).listen(port, "127.0.0.1");
} else setInterval(() => {}, 60_000);
if (env.DIE_AFTER !== undefined) {
  const kubectl = spawn(process.execPath, ["-e", "setInterval(() => {}, 60_000)"], { stdio: "ignore" });
  writeFileSync(env.REPORT + ".child", String(kubectl.pid));
  setTimeout(() => process.exit(3), Number(env.DIE_AFTER));
}
`;

interface Report {
  args: string[];
  home: string;
  tmpdir: string;
  mode: number;
  runner: string;
  hasToken: boolean;
}

describe("startCliSession", () => {
  let dir: string;
  let cli: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-cli-test-"));
    cli = join(dir, "dagger.mjs");
    await writeFile(cli, SCRIPT);
    await chmod(cli, 0o755);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}) => ({
    PATH: process.env["PATH"] ?? "",
    REPORT: join(dir, "report.json"),
    ...extra,
  });

  it("runs `dagger listen --disable-host-read-write` on loopback with a private home, and deletes it on close", async () => {
    const cli2 = await startCliSession({
      bin: cli,
      env: env({ HOME: dir }),
      runnerHost: RUNNER,
      signal: AbortSignal.timeout(10_000),
      pollMs: 20,
    });
    const report = JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as Report;
    expect(report.args).toEqual([
      "listen",
      "--disable-host-read-write",
      "--listen",
      `127.0.0.1:${cli2.session.port}`,
    ]);
    // The token reaches the CLI in its environment only, never in its (world-readable) argv.
    expect(report.hasToken).toBe(true);
    expect(report.args.join(" ")).not.toContain(cli2.session.token);
    expect(cli2.session.token.length).toBeGreaterThanOrEqual(32);
    expect(report.runner).toBe(RUNNER);
    expect(report.home).not.toBe(dir);
    expect(report.mode).toBe(0o700);
    expect(report.tmpdir.startsWith(`${report.home}/`)).toBe(true);
    // Nothing of the session lands in the worker's own environment.
    expect(process.env["DAGGER_SESSION_TOKEN"]).toBeUndefined();
    await cli2.close();
    await expect(stat(report.home)).rejects.toThrow(/ENOENT/);
  });

  it("gives each session its own port, token and home", async () => {
    const signal = AbortSignal.timeout(10_000);
    const a = await startCliSession({ bin: cli, env: env(), runnerHost: RUNNER, signal });
    const homeA = (JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as Report).home;
    const b = await startCliSession({ bin: cli, env: env(), runnerHost: RUNNER, signal });
    const homeB = (JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as Report).home;
    expect(a.session.port).not.toBe(b.session.port);
    expect(a.session.token).not.toBe(b.session.token);
    expect(homeA).not.toBe(homeB);
    await Promise.all([a.close(), b.close()]);
  });

  it("kills what a CLI that died mid-session left behind, at once", async () => {
    const session = await startCliSession({
      bin: cli,
      env: env({ DIE_AFTER: "300" }),
      runnerHost: RUNNER,
      signal: AbortSignal.timeout(10_000),
      pollMs: 20,
    });
    const child = Number(await readFile(join(dir, "report.json.child"), "utf8"));
    try {
      expect(processGone(child)).toBe(false);
      await vi.waitFor(
        () => {
          expect(processGone(child)).toBe(true);
        },
        { timeout: 5_000, interval: 20 },
      );
    } finally {
      await session.close();
    }
  });

  it("says why when the CLI is missing", async () => {
    const started = startCliSession({
      bin: "/nonexistent/dagger",
      env: {},
      runnerHost: RUNNER,
      signal: AbortSignal.timeout(5_000),
    });
    await expect(started).rejects.toThrow(/cannot run the Dagger CLI \(\/nonexistent\/dagger\)/);
  });

  it("fails with the CLI's own error output when it exits before connecting", async () => {
    // Node as the "CLI": `node listen …` exits at once, complaining on stderr.
    const error: unknown = await startCliSession({
      bin: process.execPath,
      env: {},
      runnerHost: RUNNER,
      signal: AbortSignal.timeout(5_000),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CliSessionError);
    expect((error as CliSessionError).message).toMatch(/exited \(code 1\) before it connected/);
    expect((error as CliSessionError).output).toMatch(/listen/);
  });

  it("gives up when the CLI never answers", async () => {
    const started = startCliSession({
      bin: cli,
      env: env({ NEVER_LISTEN: "1" }),
      runnerHost: RUNNER,
      signal: AbortSignal.timeout(10_000),
      timeoutMs: 600,
      pollMs: 20,
    });
    await expect(started).rejects.toThrow(/did not connect to the engine within 1 s/);
  });

  it("stops waiting when the build is stopped", async () => {
    const controller = new AbortController();
    const started = startCliSession({
      bin: cli,
      env: env({ NEVER_LISTEN: "1" }),
      runnerHost: RUNNER,
      signal: controller.signal,
    });
    setTimeout(() => {
      controller.abort();
    }, 100);
    await expect(started).rejects.toThrow(/stopped while the Dagger CLI was connecting/);
  });
});
