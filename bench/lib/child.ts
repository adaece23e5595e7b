import { readFileSync } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The repository root, so children run with the same cwd and node_modules as `npm run bench`. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface NodeChild {
  pid: number;
  process: ChildProcess;
  /** The last lines the child wrote to stderr (for error messages). */
  stderr(): string;
  /** Resolves with the first IPC message that `accept` returns something for. */
  message<T>(accept: (message: unknown) => T | undefined, timeoutMs?: number): Promise<T>;
  send(message: unknown): void;
  /** Resident set size now and its high-water mark since the process started, in MB (10⁶ bytes). */
  memory(): Promise<{ rssMB: number; peakRssMB: number }>;
  /** CPU time (user + system) the process has used so far, in seconds. */
  cpuSeconds(): Promise<number>;
  /** SIGTERM (or an IPC `stop` first), then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used, from /proc/<pid>/stat. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start at its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Children still running: killed if the bench itself exits early (an error, Ctrl-C). */
const live = new Set<ChildProcess>();

/** Kills every child still running (the bench is exiting early). */
export function killChildren(): void {
  for (const child of live) child.kill("SIGKILL");
}
process.once("exit", killChildren);

/** Node flags every child runs with, as `npm start` does. */
const NODE_FLAGS = ["--experimental-strip-types", "--disable-warning=ExperimentalWarning"];

/**
 * The V8 flags of `npm start` (and the image's CMD): Slipway is measured as it is run. Only
 * `--max-…` flags are taken; the rest is how TypeScript loads, already in NODE_FLAGS.
 */
export function productionFlags(): string[] {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.split(/\s+/).filter((arg) => arg.startsWith("--max-"));
}

/**
 * Starts a TypeScript entry point in its own Node process (so a load generator in this process
 * does not share its event loop), stdout discarded as a log collector would take it, stderr kept.
 * `profileDir` adds `--cpu-prof`: the profile is written there when the child exits cleanly.
 */
export function spawnNode(
  entry: string,
  options: {
    env: Record<string, string>;
    ipc?: boolean;
    profileDir?: string | undefined;
    /** Extra Node flags (e.g. {@link productionFlags}). */
    flags?: string[];
  },
): NodeChild {
  const flags = [...NODE_FLAGS, ...(options.flags ?? [])];
  if (options.profileDir !== undefined)
    flags.push("--cpu-prof", `--cpu-prof-dir=${options.profileDir}`);
  const child = spawn(process.execPath, [...flags, entry], {
    cwd: ROOT,
    env: { PATH: process.env["PATH"] ?? "", ...options.env },
    stdio:
      options.ipc === true ? ["ignore", "ignore", "pipe", "ipc"] : ["ignore", "ignore", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`bench: could not start ${entry}`);
  live.add(child);
  let errors = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    errors = (errors + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      live.delete(child);
      resolve();
    });
  });

  return {
    pid,
    process: child,
    stderr: () => errors,
    message<T>(accept: (message: unknown) => T | undefined, timeoutMs = 60_000): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`bench: ${entry} sent no expected message in ${timeoutMs} ms\n${errors}`),
          );
        }, timeoutMs);
        const onMessage = (message: unknown) => {
          const value = accept(message);
          if (value === undefined) return;
          cleanup();
          resolve(value);
        };
        const onExit = (code: number | null) => {
          cleanup();
          reject(new Error(`bench: ${entry} exited (${String(code)}) early\n${errors}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          child.off("message", onMessage);
          child.off("exit", onExit);
        };
        child.on("message", onMessage);
        child.once("exit", onExit);
      });
    },
    send(message) {
      child.send(message as Parameters<ChildProcess["send"]>[0]);
    },
    async memory() {
      const status = await readFile(`/proc/${pid}/status`, "utf8");
      // /proc reports kB meaning KiB.
      const mb = (field: string) =>
        (Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)?.[1]) * 1024) / 1e6;
      return { rssMB: mb("VmRSS"), peakRssMB: mb("VmHWM") };
    },
    cpuSeconds: () => processCpuSeconds(pid),
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (options.ipc === true && child.connected) child.send({ type: "stop" });
      else child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
