import { DEFAULT_APP } from "../build/build-stage.ts";
import { describe, expect, it } from "vitest";
import { captureLogger } from "../../test/support/logs.ts";
import type { BuildResult } from "../build/build-stage.ts";
import type { DeployResult, DeployStage } from "../deploy/deploy-stage.ts";
import { runPipeline } from "./run-pipeline.ts";

const { log } = captureLogger("silent");
const target = {
  installationId: 1,
  owner: "o",
  repo: "r",
  repoId: 2,
  branch: "main",
  sha: "a".repeat(40),
};
const image = "registry.test/o/r@sha256:" + "b".repeat(64);

function deployStage(result: DeployResult | "hang"): DeployStage {
  const noop = () => Promise.resolve();
  return {
    deploy: () => (result === "hang" ? new Promise(() => undefined) : Promise.resolve(result)),
    teardownBranch: noop,
    provisionTenant: noop,
    suspendTenant: noop,
    removeTenant: noop,
  };
}

async function run(build: BuildResult | "hang", deploy: DeployStage | undefined) {
  const stages: string[] = [];
  const outcome = await runPipeline({ runKey: "k", target }, new AbortController().signal, {
    stages: {
      build: {
        build: () => (build === "hang" ? new Promise(() => undefined) : Promise.resolve(build)),
      },
      deploy,
    },
    timeouts: { buildMs: 50, deployMs: 50 },
    log,
    now: Date.now,
    onStage: (stage) => {
      stages.push(stage);
      return Promise.resolve();
    },
  });
  return { outcome, stages };
}

describe("runPipeline", () => {
  it.each([
    [
      "build and deploy succeed",
      { ok: true, app: DEFAULT_APP, image } as const,
      deployStage({ ok: true, previewUrl: "https://p.example" }),
      "success",
      ["success", "success"],
      ["build", "deploy"],
    ],
    [
      "build-only mode",
      { ok: true, app: DEFAULT_APP, image } as const,
      undefined,
      "success",
      ["success", "skipped"],
      ["build"],
    ],
    [
      "build fails",
      { ok: false, reason: "exit 1" } as const,
      deployStage({ ok: true }),
      "failure",
      ["failure", "skipped"],
      ["build"],
    ],
    [
      "build times out",
      "hang" as const,
      deployStage({ ok: true }),
      "timed_out",
      ["timed_out", "skipped"],
      ["build"],
    ],
    [
      "deploy fails",
      { ok: true, app: DEFAULT_APP, image } as const,
      deployStage({ ok: false, reason: "crash loop" }),
      "failure",
      ["success", "failure"],
      ["build", "deploy"],
    ],
    [
      "deploy times out",
      { ok: true, app: DEFAULT_APP, image } as const,
      deployStage("hang"),
      "timed_out",
      ["success", "timed_out"],
      ["build", "deploy"],
    ],
  ])("%s", async (_label, build, deploy, conclusion, results, stagesShown) => {
    const { outcome, stages } = await run(build, deploy);
    expect(outcome.conclusion).toBe(conclusion);
    expect(outcome.stages.map((s) => s.result)).toEqual(results);
    expect(stages).toEqual(stagesShown);
    expect(outcome.sha).toBe(target.sha);
  });

  it("carries the image and preview URL of a success", async () => {
    const { outcome } = await run(
      { ok: true, app: DEFAULT_APP, image },
      deployStage({ ok: true, previewUrl: "https://p.example" }),
    );
    expect(outcome).toMatchObject({ image, previewUrl: "https://p.example" });
  });

  it("keeps a failing build's log for the report", async () => {
    const { outcome } = await run({ ok: false, reason: "exit 1", log: "npm ERR!" }, undefined);
    expect(outcome.stages[0]).toMatchObject({
      result: "failure",
      reason: "exit 1",
      log: "npm ERR!",
    });
  });
});
