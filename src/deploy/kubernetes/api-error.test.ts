import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { apiFailure, isNotFound, isRetryable, KubernetesApiError } from "./api-error.ts";

function status(code: number, reason: string, message: string): ApiException<string> {
  const body = JSON.stringify({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  });
  return new ApiException(code, `HTTP-Code: ${code}`, body, {});
}

const NETWORK = new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") });

describe("apiFailure", () => {
  it("reads the Status from the body text", () => {
    expect(apiFailure(status(404, "NotFound", 'deployments.apps "web" not found'))).toEqual({
      code: 404,
      reason: "NotFound",
      message: 'deployments.apps "web" not found',
    });
  });

  it.each([
    ["a body that is not JSON", "<html>bad gateway</html>"],
    ["a body that is not a Status", JSON.stringify({ message: 42 })],
  ])("falls back to the HTTP code for %s", (_case, body) => {
    expect(apiFailure(new ApiException(502, "HTTP-Code: 502", body, {}))).toEqual({
      code: 502,
      reason: undefined,
      message: "HTTP 502",
    });
  });

  it("is undefined for errors that are not API answers", () => {
    expect(apiFailure(NETWORK)).toBeUndefined();
  });
});

describe("isRetryable", () => {
  it.each([
    ["500 InternalError", status(500, "InternalError", "etcd timeout"), true],
    ["503 ServiceUnavailable", status(503, "ServiceUnavailable", "try later"), true],
    ["429 TooManyRequests", status(429, "TooManyRequests", "slow down"), true],
    ["409 Conflict", status(409, "Conflict", "the object has been modified"), true],
    ["a refused connection", NETWORK, true],
    ["422 Invalid", status(422, "Invalid", "spec.replicas: Invalid value"), false],
    ["403 Forbidden", status(403, "Forbidden", "cannot patch"), false],
    ["404 NotFound", status(404, "NotFound", "not found"), false],
    ["a programming error", new TypeError("x is not a function"), false],
  ])("%s → %s", (_case, error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });

  it("isNotFound reads the code", () => {
    expect(isNotFound(status(404, "NotFound", "gone"))).toBe(true);
    expect(isNotFound(status(403, "Forbidden", "no"))).toBe(false);
  });
});

describe("KubernetesApiError", () => {
  it("names the action and quotes the server", () => {
    const error = new KubernetesApiError(
      "apply Deployment slipway-42/web",
      status(422, "Invalid", 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1'),
    );
    expect(error.message).toBe(
      'Kubernetes refused to apply Deployment slipway-42/web: Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1',
    );
    expect(error).toMatchObject({ code: 422, reason: "Invalid", retryable: false });
  });

  it("says when the server was not reached", () => {
    const error = new KubernetesApiError("read Deployment slipway-42/web", NETWORK);
    expect(error.message).toBe(
      "Could not reach Kubernetes to read Deployment slipway-42/web: fetch failed",
    );
    expect(error).toMatchObject({ code: undefined, retryable: true });
  });
});
