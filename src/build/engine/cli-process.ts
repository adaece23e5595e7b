import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A free TCP port on 127.0.0.1, for `dagger listen --listen 127.0.0.1:<port>`. Another process
 * may take it before the CLI binds it; the CLI then exits and the build fails to connect, and
 * a stranger's listener on it would refuse this session's random token (or the readiness probe
 * would never see an answer to it).
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

export interface SessionHome {
  /** The session's `HOME` (mode 0700), with `tmp`, `.cache` and `.config` inside. */
  home: string;
  env: { HOME: string; TMPDIR: string; XDG_CACHE_HOME: string; XDG_CONFIG_HOME: string };
  remove(): Promise<void>;
}

/**
 * A private home for one CLI session (`mkdtemp` creates it 0700): nothing the CLI or the
 * `kubectl` it runs caches or writes is shared with another tenant's session, and it is all
 * deleted when the session ends. `root` defaults to the worker's temporary directory.
 */
export async function createSessionHome(root: string = tmpdir()): Promise<SessionHome> {
  const home = await mkdtemp(join(root, "slipway-dagger-"));
  const env = {
    HOME: home,
    TMPDIR: join(home, "tmp"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_CONFIG_HOME: join(home, ".config"),
  };
  for (const dir of [env.TMPDIR, env.XDG_CACHE_HOME, env.XDG_CONFIG_HOME]) {
    await mkdir(dir, { mode: 0o700 });
  }
  return {
    home,
    env,
    remove: () => rm(home, { recursive: true, force: true, maxRetries: 3 }),
  };
}

/**
 * The kubeconfig the CLI's `kubectl exec` uses once `HOME` is the session's own: `KUBECONFIG`
 * if set, else the worker's `~/.kube/config` when it exists (development), else none (in a
 * cluster, kubectl then uses the pod's ServiceAccount).
 */
export function kubeconfigFor(env: Record<string, string>): Record<string, string> {
  const explicit = env["KUBECONFIG"];
  if (explicit !== undefined) return { KUBECONFIG: explicit };
  const home = env["HOME"];
  if (home === undefined) return {};
  const file = join(home, ".kube", "config");
  return existsSync(file) ? { KUBECONFIG: file } : {};
}

/**
 * Signals a process group (the CLI is started `detached`, so it leads one, and its `kubectl`
 * children are in it). A group that is already gone is not an error.
 */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}
