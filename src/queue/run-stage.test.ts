import { describe, expect, it } from "vitest";
import { captureLogger } from "../../test/support/logs.ts";
import { runStage } from "./run-stage.ts";

const { log } = captureLogger("silent");
const options = (cancel = new AbortController().signal, timeoutMs = 1000) => ({
  timeoutMs,
  cancel,
  log,
  now: Date.now,
});

describe("runStage", () => {
  it("returns what the stage returns, with its duration", async () => {
    const run = await runStage(options(), () => Promise.resolve(42));
    expect(run).toMatchObject({ kind: "done", value: 42 });
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("times out a stage that ignores its signal", async () => {
    const run = await runStage(options(undefined, 50), () => new Promise(() => undefined));
    expect(run.kind).toBe("timed_out");
  });

  it("gives the stage a signal that fires on timeout", async () => {
    let seen: AbortSignal | undefined;
    const run = await runStage(options(undefined, 30), ({ signal }) => {
      seen = signal;
      return new Promise((_resolve, reject) => {
        signal.addEventListener("abort", () => {
          reject(new Error("stopped"));
        });
      });
    });
    expect(run.kind).toBe("timed_out");
    expect(seen?.aborted).toBe(true);
  });

  it("reports cancelled when the run's cancel signal fires", async () => {
    const cancel = new AbortController();
    setTimeout(() => {
      cancel.abort("superseded");
    }, 20);
    const run = await runStage(options(cancel.signal), () => new Promise(() => undefined));
    expect(run.kind).toBe("cancelled");
  });

  it("reports cancelled without starting work when already cancelled", async () => {
    const cancel = new AbortController();
    cancel.abort("superseded");
    let called = false;
    const run = await runStage(options(cancel.signal), () => {
      called = true;
      return Promise.resolve("late");
    });
    expect(run.kind).toBe("cancelled");
    expect(called).toBe(false);
  });

  it("propagates an unexpected error so the job can retry", async () => {
    await expect(runStage(options(), () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
  });
});
