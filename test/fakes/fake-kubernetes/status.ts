import type { Obj } from "./json.ts";

export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "MethodNotAllowed"
  | "AlreadyExists"
  | "Conflict"
  | "Expired"
  | "Gone"
  | "Invalid"
  | "UnsupportedMediaType"
  | "TooManyRequests"
  | "InternalError"
  | "ServiceUnavailable"
  | "Timeout";

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

const REASON_BY_CODE: Record<number, StatusReason> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  410: "Expired",
  415: "UnsupportedMediaType",
  422: "Invalid",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

export function reasonForCode(code: number): string {
  return REASON_BY_CODE[code] ?? (code >= 500 ? "InternalError" : "BadRequest");
}

/** A `metav1.Status` failure, exactly as the API server encodes one. */
export function failureStatus(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): Obj {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

/** Thrown inside handlers; the router answers it as a Status object. */
export class StatusError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;
  readonly headers: Record<string, string>;

  constructor(
    code: number,
    reason: string,
    message: string,
    details?: StatusDetails,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
    this.headers = headers;
  }

  toStatus(): Obj {
    return failureStatus(this.code, this.reason, this.message, this.details);
  }
}

/** `deployments.apps "web"`, the way the API server names an object in messages. */
export function qualified(plural: string, group: string, name: string): string {
  return `${group === "" ? plural : `${plural}.${group}`} "${name}"`;
}

export function notFound(plural: string, group: string, name: string): StatusError {
  return new StatusError(
    404,
    "NotFound",
    `${qualified(plural, group, name)} not found`,
    group === "" ? { name, kind: plural } : { name, group, kind: plural },
  );
}

export function alreadyExists(plural: string, group: string, name: string): StatusError {
  return new StatusError(
    409,
    "AlreadyExists",
    `${qualified(plural, group, name)} already exists`,
    group === "" ? { name, kind: plural } : { name, group, kind: plural },
  );
}

export function badRequest(message: string): StatusError {
  return new StatusError(400, "BadRequest", message);
}

/** 422 with one cause per field, message `Kind.group "name" is invalid: field: Reason, …`. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: StatusCause[],
): StatusError {
  const qualifiedKind = group === "" ? kind : `${kind}.${group}`;
  const summary = causes.map((cause) =>
    cause.field === undefined ? cause.message : `${cause.field}: ${cause.message}`,
  );
  const joined = summary.length === 1 ? summary[0] : `[${summary.join(", ")}]`;
  return new StatusError(
    422,
    "Invalid",
    `${qualifiedKind} "${name}" is invalid: ${joined ?? ""}`,
    group === "" ? { name, kind, causes } : { name, group, kind, causes },
  );
}
