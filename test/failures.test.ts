import { DEFAULT_APP } from "../src/build/build-stage.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BuildStage } from "../src/build/build-stage.ts";
import { pushPayload } from "./support/examples.ts";
import { controlledBuild } from "./support/fake-stages.ts";
import { freePort, startHarness, type Harness } from "./support/harness.ts";

const sha = (n: number) => n.toString(16).padStart(40, "e");

async function concluded(h: Harness, s: string) {
  return h.github.waitFor(
    () => h.github.checkRuns.find((r) => r.head_sha === s && r.status === "completed"),
    15_000,
  );
}

describe("the production build stage without a working engine", () => {
  const harnesses: Harness[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.close();
  });

  it("fails with a clear message when no Dagger engine is configured", async () => {
    const h = await startHarness({ name: "no-engine" });
    harnesses.push(h);
    await h.deliver("push", pushPayload({ sha: sha(1) }));
    const run = await concluded(h, sha(1));
    expect(run.conclusion).toBe("failure");
    expect(run.output?.title).toContain("No Dagger engine is configured");
    expect(run.output?.text).toContain("DAGGER_SESSION_PORT");
  });

  it("fails with a clear message when the engine is unreachable, without leaking its token", async () => {
    const port = await freePort(); // nothing listens there
    const token = "dagger-session-token-0123456789";
    const h = await startHarness({
      name: "engine-down",
      env: {
        DAGGER_SESSION_PORT: String(port),
        DAGGER_SESSION_TOKEN: token,
        SLIPWAY_REGISTRY: "localhost:5000",
      },
    });
    harnesses.push(h);
    await h.deliver("push", pushPayload({ sha: sha(2) }));
    const run = await concluded(h, sha(2));
    expect(run.conclusion).toBe("failure");
    expect(run.output?.title).toContain(`Dagger engine unreachable at 127.0.0.1:${port}`);
    expect(JSON.stringify(run)).not.toContain(token);
  });
});

describe("stage failures", () => {
  let h: Harness;
  let calls = 0;
  const flaky: BuildStage = {
    build(input) {
      calls += 1;
      if (input.target.sha === sha(10) && calls === 1)
        return Promise.reject(new Error("connection reset by engine"));
      if (input.target.sha === sha(11))
        return Promise.reject(
          new Error("engine exploded with ghs_0123456789abcdefghijklmnopqrstuv"),
        );
      return Promise.resolve({
        ok: true,
        app: DEFAULT_APP,
        image: "registry.test/x@sha256:" + "0".repeat(64),
      });
    },
  };

  beforeAll(async () => {
    h = await startHarness({
      name: "stage-failures",
      overrides: { buildStage: flaky },
      env: { SLIPWAY_DEPLOY: "off" },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("retries an unexpected stage error and then succeeds", async () => {
    await h.deliver("push", pushPayload({ sha: sha(10) }));
    const run = await concluded(h, sha(10));
    expect(run.conclusion).toBe("success");
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(h.github.checkRuns.filter((r) => r.head_sha === sha(10))).toHaveLength(1);
  });

  it("reports a failure, redacted, once the attempts are used up", async () => {
    await h.deliver("push", pushPayload({ sha: sha(11), branch: "broken" }));
    const run = await concluded(h, sha(11));
    expect(run.conclusion).toBe("failure");
    expect(JSON.stringify(run.output)).toContain("engine exploded");
    expect(JSON.stringify(run.output)).not.toContain("ghs_0123456789abcdefghijklmnopqrstuv");
  });
});

describe("timeouts", () => {
  let h: Harness;
  const stuck = controlledBuild(); // never released
  beforeAll(async () => {
    h = await startHarness({
      name: "timeouts",
      overrides: { buildStage: stuck },
      env: { SLIPWAY_DEPLOY: "off", SLIPWAY_BUILD_TIMEOUT: "500ms" },
    });
  });
  afterAll(async () => {
    stuck.releaseAll();
    await h.close();
  });

  it("concludes timed_out when a stage outlives its timeout", async () => {
    await h.deliver("push", pushPayload({ sha: sha(20) }));
    const run = await concluded(h, sha(20));
    expect(run.conclusion).toBe("timed_out");
    expect(run.output?.title).toMatch(/timed out/i);
    expect(stuck.aborted.map((b) => b.target.sha)).toContain(sha(20));
  });
});

describe("a run that cannot report its failure", () => {
  let h: Harness;
  const failing: BuildStage = { build: () => Promise.reject(new Error("disk full")) };
  beforeAll(async () => {
    h = await startHarness({
      name: "sweeper",
      overrides: { buildStage: failing },
      env: { SLIPWAY_DEPLOY: "off", SLIPWAY_JOB_ATTEMPTS: "1" },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("is concluded by the sweeper once GitHub answers again", async () => {
    // Every update fails for a while (Octokit retries 3 times per call).
    h.github.failNext({ method: "PATCH", path: /\/check-runs\/\d+$/ }, { status: 500, times: 8 });
    await h.deliver("push", pushPayload({ sha: sha(30) }));
    const run = await concluded(h, sha(30));
    expect(run.conclusion).toBe("failure");
    expect(JSON.stringify(run.output)).toContain("disk full");
    expect(h.github.calls.filter((c) => c.method === "PATCH" && c.status === 500).length).toBe(8);
    await h.github.waitFor(
      () => h.logs.some((line) => line.includes("concluded open runs")) || undefined,
    );
  });
});

describe("check run while every build slot is busy", () => {
  let h: Harness;
  const build = controlledBuild();
  beforeAll(async () => {
    h = await startHarness({
      name: "slots-busy",
      overrides: { buildStage: build },
      env: { SLIPWAY_DEPLOY: "off", SLIPWAY_BUILD_CONCURRENCY: "1" },
    });
  });
  afterAll(async () => {
    build.releaseAll();
    await h.close();
  });

  it("exists on the pushed sha as queued", async () => {
    await h.deliver("push", pushPayload({ sha: sha(40), branch: "holds-the-slot" }));
    await h.github.waitFor(() => build.started.length === 1 || undefined);
    await h.deliver("push", pushPayload({ sha: sha(41), branch: "waits" }));
    const queued = await h.github.waitFor(() =>
      h.github.checkRuns.find((r) => r.head_sha === sha(41)),
    );
    expect(queued.status).toBe("queued");
    expect(build.started.map((b) => b.target.sha)).toEqual([sha(40)]);
    build.releaseAll();
    expect((await concluded(h, sha(41))).conclusion).toBe("success");
  });
});

describe("a repository GitHub no longer lets Slipway see", () => {
  let h: Harness;
  const build = controlledBuild({ autoReleaseMs: 10 });
  beforeAll(async () => {
    h = await startHarness({
      name: "repo-gone",
      overrides: { buildStage: build },
      env: { SLIPWAY_DEPLOY: "off" },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("fails once, without retries or a build, and logs why", async () => {
    h.github.failNext(
      { method: "POST", path: /\/check-runs$/ },
      { status: 404, times: 10, body: { message: "Not Found" } },
    );
    await h.deliver("push", pushPayload({ sha: sha(50), branch: "gone" }));
    await h.github.waitFor(() =>
      h.logs.find(
        (line) => line.includes("event job attempt failed") && line.includes("Not Found"),
      ),
    );
    await new Promise((r) => setTimeout(r, 600)); // longer than the retry delay
    const creates = h.github.calls.filter(
      (c) => c.method === "POST" && c.path.endsWith("/check-runs"),
    );
    expect(creates).toHaveLength(1);
    expect(build.started).toEqual([]);
  });
});
