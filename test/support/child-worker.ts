import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./worker-process.ts", import.meta.url));

export interface ChildWorker {
  process: ChildProcess;
  started: string[];
  finished: string[];
  ready: Promise<void>;
  /** SIGKILL: no clean-up, no lock release — what a crash or OOM kill looks like. */
  kill(): Promise<void>;
}

/** Starts a real worker process (Node's own TypeScript support runs the sources as they are). */
export function startChildWorker(env: Record<string, string>): ChildWorker {
  const child = spawn(
    process.execPath,
    ["--experimental-strip-types", "--disable-warning=ExperimentalWarning", SCRIPT],
    {
      // PORT 0: the worker's health server takes any free port, never another test's.
      env: { ...process.env, PORT: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const worker: ChildWorker = {
    process: child,
    started: [],
    finished: [],
    ready: new Promise((resolve, reject) => {
      let buffer = "";
      child.stdout.on("data", (chunk: Buffer) => {
        buffer += chunk.toString("utf8");
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) {
          if (line === "ready") resolve();
          const [word, sha] = line.split(" ");
          if (word === "started" && sha) worker.started.push(sha);
          if (word === "finished" && sha) worker.finished.push(sha);
        }
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString("utf8");
      });
      child.on("exit", (code, signal) => {
        reject(
          new Error(
            `worker exited (${code ?? signal ?? "?"}) before it was ready: ${stderr.slice(-2000)}`,
          ),
        );
      });
    }),
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once("exit", () => {
          resolve();
        });
        child.kill("SIGKILL");
      }),
  };
  return worker;
}
