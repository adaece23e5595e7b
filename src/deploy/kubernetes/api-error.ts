import { ApiException } from "@kubernetes/client-node";
import { z } from "zod";

/** The fields of a `metav1.Status` failure Slipway reads. */
const KubeStatus = z.object({
  kind: z.literal("Status").optional(),
  message: z.string().optional(),
  reason: z.string().optional(),
  code: z.number().optional(),
});
type KubeStatus = z.infer<typeof KubeStatus>;

export interface ApiFailure {
  /** HTTP status code. */
  code: number;
  /** The Status `reason` (`NotFound`, `Invalid`, `Forbidden`, …), when the server sent one. */
  reason: string | undefined;
  /** The server's message, or the HTTP status when there was none. */
  message: string;
}

function parseBody(body: unknown): KubeStatus | undefined {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const parsed = KubeStatus.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The API server's answer to a failed request: the client throws an `ApiException` whose `body`
 * is the Status as JSON text. `undefined` for anything else (a network error, a bug).
 */
export function apiFailure(error: unknown): ApiFailure | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const { code } = error as ApiException<unknown>;
  const status = parseBody((error as ApiException<unknown>).body);
  return {
    code,
    reason: status?.reason,
    message: status?.message ?? `HTTP ${code}`,
  };
}

export function isNotFound(error: unknown): boolean {
  return apiFailure(error)?.code === 404;
}

/**
 * Whether trying again may succeed: server errors, throttling (429), conflicts (409, e.g. "the
 * object has been modified"), and failures that never reached the server (connection refused or
 * reset). Invalid objects (422), denied access (403) and bad requests are final.
 */
export function isRetryable(error: unknown): boolean {
  const failure = apiFailure(error);
  if (failure === undefined) return isNetworkError(error);
  return failure.code >= 500 || failure.code === 429 || failure.code === 409;
}

/** undici (under the client) reports a failed connection as `TypeError: fetch failed`, with a cause. */
function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError && error.cause !== undefined;
}

/**
 * A Kubernetes request that failed, naming what Slipway was doing (`apply Deployment
 * slipway-42/web-main-1a2b3c4d`) and the server's own message.
 */
export class KubernetesApiError extends Error {
  override name = "KubernetesApiError";
  /** HTTP status code, or undefined when the server was not reached. */
  readonly code: number | undefined;
  readonly reason: string | undefined;
  /** Whether retrying later may succeed (see {@link isRetryable}). */
  readonly retryable: boolean;

  constructor(action: string, cause: unknown) {
    const failure = apiFailure(cause);
    const detail = failure?.message ?? (cause instanceof Error ? cause.message : "unknown error");
    const lead =
      failure === undefined
        ? "Could not reach Kubernetes to"
        : failure.code >= 500
          ? "Kubernetes failed to"
          : "Kubernetes refused to";
    super(`${lead} ${action}: ${detail}`, { cause });
    this.code = failure?.code;
    this.reason = failure?.reason;
    this.retryable = isRetryable(cause);
  }
}
