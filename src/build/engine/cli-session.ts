import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { DaggerSession } from "../dagger-client.ts";
import {
  createSessionHome,
  freeLoopbackPort,
  kubeconfigFor,
  signalGroup,
  type SessionHome,
} from "./cli-process.ts";

/** The SDK version this worker speaks; the CLI and engine must match it (the Dockerfile pins it). */
export const DAGGER_VERSION = "0.21.9";

export interface CliSessionOptions {
  /** The Dagger CLI (`dagger` on PATH in the worker image). */
  bin: string;
  /**
   * The environment the CLI process starts from: a few non-secret variables (PATH, the
   * in-cluster API address…). Never the worker's own environment, which holds the GitHub App key
   * and registry password. HOME, TMPDIR and the XDG directories are replaced by the session's
   * own; the runner host and session token are added.
   */
  env: Record<string, string>;
  /** This job's `_EXPERIMENTAL_DAGGER_RUNNER_HOST`. */
  runnerHost: string;
  signal: AbortSignal;
  /** How long the CLI may take to connect to the engine (default 2 minutes). */
  timeoutMs?: number;
  /** How often the CLI's listener is probed while it connects (default 200 ms). */
  pollMs?: number;
  /** Where the session's private home is created (default the OS temporary directory). */
  tmpRoot?: string;
}

export interface CliSession {
  session: DaggerSession;
  /**
   * Ends the session: SIGTERM to the CLI's whole process group (its `kubectl exec` too), SIGKILL
   * after 10 s and for anything left once the CLI exited, then deletes the session's home.
   */
  close(): Promise<void>;
}

/** The CLI exited or timed out before it connected; `output` is the tail of its output. */
export class CliSessionError extends Error {
  override name = "CliSessionError";
  readonly output: string;

  constructor(message: string, output: string) {
    super(message);
    this.output = output;
  }
}

const OUTPUT_KEEP = 8 * 1024;
const STOPPED = "the build was stopped while the Dagger CLI was connecting";

/** Runs `start`, deleting the session's home if it throws (a spawn that fails later emits "error"). */
function spawnOrClean<T>(home: SessionHome, start: () => T): T {
  try {
    return start();
  } catch (error) {
    void home.remove();
    throw error;
  }
}

/** Whether the session on `port` answers a query with this session's token. */
async function answers(port: number, token: string, signal: AbortSignal): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/query`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${token}:`).toString("base64")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ query: "{__typename}" }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts `dagger listen --disable-host-read-write` for one build, so its engine (the runner
 * host) is this job's alone and that engine cannot reach back into the worker:
 *
 * - host read/write is disabled: the engine cannot ask the CLI's session attachables for the
 *   worker's files, sockets or network (a plain `dagger session` would serve them);
 * - `_EXPERIMENTAL_DAGGER_RUNNER_HOST` and the random `DAGGER_SESSION_TOKEN` are set on the
 *   child process only, never in the worker's own environment, which every tenant's job in this worker shares;
 * - the CLI listens on a free loopback port and gets a private HOME/TMPDIR, deleted afterwards;
 * - it leads its own process group, which `close` (or the build's signal) kills whole, so the
 *   `kubectl exec` it runs never outlives it.
 *
 * The SDK's own provisioning cannot do this (it spawns the CLI with the process environment and
 * downloads the CLI when missing), hence this small launcher; the port and token it returns feed
 * `daggerClient` as any session does. It is ready once its listener answers the token.
 */
export async function startCliSession(options: CliSessionOptions): Promise<CliSession> {
  const { bin, env, runnerHost, signal, timeoutMs = 120_000, pollMs = 200 } = options;
  if (signal.aborted) throw new CliSessionError(STOPPED, "");
  const port = await freeLoopbackPort();
  const token = randomBytes(32).toString("base64url");
  const home = await createSessionHome(options.tmpRoot);
  const child = spawnOrClean(home, () =>
    spawn(bin, ["listen", "--disable-host-read-write", "--listen", `127.0.0.1:${port}`], {
      env: {
        ...env,
        ...kubeconfigFor(env),
        ...home.env,
        _EXPERIMENTAL_DAGGER_RUNNER_HOST: runnerHost,
        DAGGER_SESSION_TOKEN: token,
      },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    // Keep draining for the whole session: a CLI blocked on a full pipe would stall the build.
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      output = (output + chunk).slice(-OUTPUT_KEEP);
    });
  }
  let spawnError: Error | undefined;
  let exit: string | undefined;
  const gone = new AbortController();
  /** Resolves once the CLI has exited and its output is read (or 5 s after it exited). */
  const exited = new Promise<void>((resolve) => {
    child.once("error", (error) => {
      spawnError = error;
      gone.abort();
      resolve();
    });
    child.once("exit", (code, killedBy) => {
      exit = killedBy ?? `code ${String(code)}`;
      // Whatever the CLI left in its group (a `kubectl exec`) goes with it, at once: later, its
      // pid could belong to another process.
      if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
      gone.abort();
      // "close" waits for the pipes, which a stray descendant could hold open.
      setTimeout(resolve, 5_000).unref();
    });
    child.once("close", () => {
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  const onAbort = () => {
    void close();
  };
  function close(): Promise<void> {
    closing ??= (async () => {
      signal.removeEventListener("abort", onAbort);
      const pid = child.pid;
      if (pid !== undefined && !gone.signal.aborted) {
        // The whole group: the CLI and its `kubectl exec`.
        signalGroup(pid, "SIGTERM");
        const timer = setTimeout(() => {
          if (!gone.signal.aborted) signalGroup(pid, "SIGKILL");
        }, 10_000);
        timer.unref();
        await exited;
        clearTimeout(timer);
      }
      await exited;
      await home.remove();
    })();
    return closing;
  }

  /** Why the CLI never answered, the first cause first. */
  function whyNotConnected(): string {
    if (spawnError !== undefined)
      return `cannot run the Dagger CLI (${bin}): ${spawnError.message}`;
    if (exit !== undefined) return `the Dagger CLI exited (${exit}) before it connected`;
    if (signal.aborted) return STOPPED;
    return `the Dagger CLI did not connect to the engine within ${Math.round(timeoutMs / 1000)} s`;
  }

  const stop = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs), gone.signal]);
  for (;;) {
    if (await answers(port, token, stop)) break;
    if (stop.aborted) {
      const reason = whyNotConnected();
      await close();
      throw new CliSessionError(reason, output.trim());
    }
    await sleep(pollMs, undefined, { signal: stop }).catch(() => undefined);
  }
  signal.addEventListener("abort", onAbort, { once: true });
  return { session: { port, token }, close };
}
