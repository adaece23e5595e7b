import type { ExecResult } from "./types.ts";

/**
 * An error the fake answers as a GraphQL error. Messages follow the real engine where its source
 * was checked (exec errors, `git authentication failed`, `repository does not contain ref`,
 * `no command has been set`); the others are modelled on git's and the registry's own words.
 */
export class EngineError extends Error {
  readonly extensions: Record<string, unknown> | undefined;

  constructor(message: string, extensions?: Record<string, unknown>) {
    super(message);
    this.name = "EngineError";
    this.extensions = extensions;
  }
}

/**
 * The engine's exec failure (core.ExecError.Extensions() in dagger/dagger; the message is
 * BuildKit's): the SDK turns `_type: "EXEC_ERROR"` into its `ExecError`. The engine trims
 * the captured output.
 */
export function execError(cmd: string[], result: ExecResult): EngineError {
  return new EngineError(
    `process ${JSON.stringify(cmd.join(" "))} did not complete successfully: exit code: ${result.exitCode}`,
    {
      _type: "EXEC_ERROR",
      cmd,
      exitCode: result.exitCode,
      stdout: result.stdout.trim(),
      stderr: result.stderr.trim(),
    },
  );
}

export function gitRepoNotFound(url: string): EngineError {
  return new EngineError(
    `failed to fetch remote ${url}: exit status 128: remote: Repository not found.\nfatal: repository '${url}/' not found`,
  );
}

export function gitAuthFailed(url: string): EngineError {
  return new EngineError(`failed to fetch remote ${url}: git authentication failed`);
}

export function gitCommitNotFound(url: string, sha: string): EngineError {
  return new EngineError(
    `failed to fetch remote ${url}: exit status 128: fatal: couldn't find remote ref ${sha}`,
  );
}

export function gitRefNotFound(name: string): EngineError {
  return new EngineError(`repository does not contain ref ${JSON.stringify(name)}`);
}

/** A registry's 401 as containerd reports it, with the distribution error body. */
export function registryDenied(address: string): EngineError {
  return new EngineError(
    `failed to push ${address}: unexpected status: 401 Unauthorized: unauthorized: authentication required`,
  );
}

export function noSuchFile(path: string): EngineError {
  return new EngineError(`${path}: no such file or directory`);
}
