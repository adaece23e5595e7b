import { EngineError, execError } from "./engine-error.ts";
import type { Vfs } from "./virtual-fs.ts";
import type { World } from "./world.ts";

/** What evaluating a container's chain yields. Paths in `fs` are relative to `/`. */
export interface ContainerState {
  image: string | undefined;
  fs: Vfs;
  user: string;
  workdir: string;
  env: ReadonlyMap<string, string>;
  labels: ReadonlyMap<string, string>;
  annotations: ReadonlyMap<string, string>;
  exposedPorts: ReadonlyArray<{ port: number; protocol: string }>;
  entrypoint: string[];
  defaultArgs: string[];
  /** By registry host. */
  registryAuth: ReadonlyMap<string, { address: string; username: string; secretName: string }>;
  /** Environment variable → secret name. */
  secretEnv: ReadonlyMap<string, string>;
  /** Mount path → cache volume key. */
  caches: ReadonlyMap<string, string>;
  lastExec: { cmd: string[]; exitCode: number; stdout: string; stderr: string } | undefined;
}

export function emptyContainer(): ContainerState {
  return {
    image: undefined,
    fs: new Map(),
    user: "",
    workdir: "",
    env: new Map(),
    labels: new Map(),
    annotations: new Map(),
    exposedPorts: [],
    entrypoint: [],
    defaultArgs: [],
    registryAuth: new Map(),
    secretEnv: new Map(),
    caches: new Map(),
    lastExec: undefined,
  };
}

/**
 * Runs `cmd` through `failExec`. `expect` is the engine's ReturnType: SUCCESS (default), FAILURE
 * or ANY.
 */
export function runExec(
  world: World,
  state: ContainerState,
  cmd: string[],
  expect = "SUCCESS",
): ContainerState {
  if (cmd.length === 0) throw new EngineError("no command has been set");
  const result = world.options.failExec?.(cmd) ?? { exitCode: 0, stdout: "", stderr: "" };
  const failed = result.exitCode !== 0;
  if ((failed && expect === "SUCCESS") || (!failed && expect === "FAILURE")) {
    throw execError(cmd, result);
  }
  return { ...state, lastExec: { cmd, ...result } };
}

/** The registry host of an image reference or a `withRegistryAuth` address, Docker's rule. */
export function registryHost(address: string): string {
  const slash = address.indexOf("/");
  // A bare "ghcr.io" or "localhost:5000" in withRegistryAuth names a host; a bare "node:24" does not.
  const first = slash === -1 ? address.replace(/@.*$/, "") : address.slice(0, slash);
  const isHost =
    first.includes(".") ||
    first === "localhost" ||
    first.startsWith("localhost:") ||
    (slash !== -1 && first.includes(":"));
  if (!isHost) return "docker.io";
  return ["index.docker.io", "registry-1.docker.io"].includes(first) ? "docker.io" : first;
}

/** `host/repo:tag@sha256:…` → `host/repo`. */
export function withoutTag(address: string): string {
  const name = address.replace(/@.*$/, "");
  const colon = name.lastIndexOf(":");
  return colon > name.lastIndexOf("/") ? name.slice(0, colon) : name;
}
