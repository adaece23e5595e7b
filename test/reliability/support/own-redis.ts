import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "../../support/harness.ts";
import { until } from "./pool.ts";

export interface OwnRedis {
  port: number;
  url: string;
  /** The append-only file's directory (a temporary directory of this server's own). */
  dir: string;
  /** SIGKILL: what a crash or an OOM kill looks like; `appendfsync always` keeps every write. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and directory (it replays its AOF); a no-op while it runs. */
  restart(): Promise<void>;
  /** Stops the server for good and deletes its directory. */
  close(): Promise<void>;
}

async function answersPing(port: number): Promise<boolean> {
  const probe = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 500,
  });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * A Redis server of the test's own on 127.0.0.1 and a free port, append-only with an fsync per
 * write, so a test can crash and restart it without touching the machine's shared server.
 */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "slipway-redis-"));
  let child: ChildProcess | undefined;
  let stderr = "";

  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  /** Starts the server unless it runs already (two would fight over the port and one leak). */
  async function launch(): Promise<void> {
    if (running()) return;
    const started = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
        "--protected-mode",
        "yes",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    started.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    child = started;
    await until(
      `redis-server on port ${port} (stderr: ${stderr.slice(-500)})`,
      async () => {
        if (started.exitCode !== null)
          throw new Error(`redis-server exited: ${stderr.slice(-500)}`);
        return answersPing(port);
      },
      10_000,
      50,
    );
  }

  async function kill(): Promise<void> {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => {
        resolve();
      });
      running.kill("SIGKILL");
    });
  }

  // Should the test process end without its afterAll (a crash, a timeout), the server goes too.
  const onExit = () => {
    child?.kill("SIGKILL");
  };
  process.once("exit", onExit);

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    kill,
    restart: launch,
    async close() {
      process.off("exit", onExit);
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
