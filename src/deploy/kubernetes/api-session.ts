import type { KubernetesObject } from "@kubernetes/client-node";
import { isNotFound, isRetryable, KubernetesApiError } from "./api-error.ts";
import { withRetry } from "./retry.ts";

/** The client-node shape of a kubernetes-models object: the same JSON, typed differently. */
export function wire(object: { toJSON(): unknown }): KubernetesObject {
  return object.toJSON() as KubernetesObject;
}

/**
 * The calls of one session (a stage, an engine action): each retried on transient failures until
 * `signal` fires, its failure a {@link KubernetesApiError} naming the action. Shared by the
 * deployer's and the engine manager's clients.
 */
export function apiSession(signal: AbortSignal, retryBaseMs: number | undefined) {
  async function call<T>(
    action: string,
    task: () => Promise<T>,
    retryable: (error: unknown) => boolean = isRetryable,
  ): Promise<T> {
    try {
      return await withRetry(task, {
        retryable,
        signal,
        ...(retryBaseMs === undefined ? {} : { baseMs: retryBaseMs }),
      });
    } catch (error) {
      throw new KubernetesApiError(action, error);
    }
  }

  /** 404 → undefined; other failures as {@link call}. */
  function optional<T>(action: string, task: () => Promise<T>): Promise<T | undefined> {
    return call(action, () =>
      task().catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      }),
    );
  }

  return { call, optional };
}
