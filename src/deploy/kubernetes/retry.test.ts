import { describe, expect, it } from "vitest";
import { withRetry } from "./retry.ts";

class Transient extends Error {}

function flaky(failures: number, error: () => Error = () => new Transient("busy")) {
  const calls = { count: 0 };
  const task = () => {
    calls.count += 1;
    return calls.count <= failures ? Promise.reject(error()) : Promise.resolve("ok");
  };
  return { calls, task };
}

const retryable = (error: unknown) => error instanceof Transient;

describe("withRetry", () => {
  it.each([
    ["succeeds at once", 0, 1],
    ["retries a transient failure", 1, 2],
    ["retries up to the last attempt", 3, 4],
  ])("%s", async (_case, failures, calls) => {
    const run = flaky(failures);
    await expect(withRetry(run.task, { baseMs: 1, retryable })).resolves.toBe("ok");
    expect(run.calls.count).toBe(calls);
  });

  it("gives up after the attempts, with the last error", async () => {
    const run = flaky(10);
    await expect(withRetry(run.task, { attempts: 3, baseMs: 1, retryable })).rejects.toThrow(
      "busy",
    );
    expect(run.calls.count).toBe(3);
  });

  it("does not retry a final error", async () => {
    const run = flaky(1, () => new Error("invalid"));
    await expect(withRetry(run.task, { baseMs: 1, retryable })).rejects.toThrow("invalid");
    expect(run.calls.count).toBe(1);
  });

  it("stops waiting when the signal fires", async () => {
    const run = flaky(10);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => {
      controller.abort();
    }, 20);
    await expect(
      withRetry(run.task, { baseMs: 10_000, retryable, signal: controller.signal }),
    ).rejects.toThrow("busy");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(run.calls.count).toBe(1);
  });
});
