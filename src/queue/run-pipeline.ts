import type { Logger } from "pino";
import type { BuildStage } from "../build/build-stage.ts";
import type { DeployStage } from "../deploy/deploy-stage.ts";
import type { RunOutcome, StageName, StageOutcome } from "../report/outcome.ts";
import type { RunTarget } from "./intent.ts";
import { runStage, type StageRun } from "./run-stage.ts";

export interface PipelineStages {
  build: BuildStage;
  /** Undefined in build-only mode (`SLIPWAY_DEPLOY=off`). */
  deploy: DeployStage | undefined;
}

export interface PipelineOptions {
  stages: PipelineStages;
  timeouts: { buildMs: number; deployMs: number };
  log: Logger;
  now: () => number;
  /** Called as each stage starts (to show it on the check run). */
  onStage?: (stage: StageName) => Promise<void>;
}

function stopped(stage: StageName, run: StageRun<unknown>, timeoutMs: number): StageOutcome {
  return run.kind === "timed_out"
    ? { stage, result: "timed_out", durationMs: run.durationMs, timeoutMs }
    : { stage, result: "cancelled", durationMs: run.durationMs };
}

/**
 * Runs build then deploy for one commit, each under its own timeout and the run's cancel signal,
 * and says what happened. Expected failures become the outcome; unexpected errors are thrown
 * for the job to retry.
 */
export async function runPipeline(
  input: { runKey: string; target: RunTarget },
  cancel: AbortSignal,
  options: PipelineOptions,
): Promise<Omit<RunOutcome, "cancelReason">> {
  const { stages, timeouts, log, now, onStage } = options;
  const base = { sha: input.target.sha, branch: input.target.branch };
  const skipDeploy = (reason: string): StageOutcome => ({
    stage: "deploy",
    result: "skipped",
    reason,
  });

  await onStage?.("build");
  const build = await runStage({ timeoutMs: timeouts.buildMs, cancel, log, now }, (context) =>
    stages.build.build(input, context),
  );
  if (build.kind !== "done") {
    const stage = stopped("build", build, timeouts.buildMs);
    return {
      ...base,
      conclusion: build.kind,
      stages: [
        stage,
        skipDeploy(`build ${build.kind === "cancelled" ? "cancelled" : "timed out"}`),
      ],
    };
  }
  if (build.value.ok === "skip") {
    const skipped: StageOutcome = { stage: "build", result: "skipped", reason: build.value.reason };
    return { ...base, conclusion: "skipped", stages: [skipped, skipDeploy(build.value.reason)] };
  }
  if (!build.value.ok) {
    const failed: StageOutcome = {
      stage: "build",
      result: "failure",
      durationMs: build.durationMs,
      reason: build.value.reason,
      ...(build.value.log === undefined ? {} : { log: build.value.log }),
      ...(build.value.annotations === undefined ? {} : { annotations: build.value.annotations }),
    };
    return { ...base, conclusion: "failure", stages: [failed, skipDeploy("build failed")] };
  }
  const { image, app } = build.value;
  const built: StageOutcome = {
    stage: "build",
    result: "success",
    durationMs: build.durationMs,
    detail: image,
  };
  if (stages.deploy === undefined) {
    return {
      ...base,
      conclusion: "success",
      image,
      stages: [built, skipDeploy("SLIPWAY_DEPLOY=off")],
    };
  }

  const deployStage = stages.deploy;
  await onStage?.("deploy");
  const deploy = await runStage({ timeoutMs: timeouts.deployMs, cancel, log, now }, (context) =>
    deployStage.deploy({ ...input, image, app }, context),
  );
  if (deploy.kind !== "done") {
    return {
      ...base,
      conclusion: deploy.kind,
      image,
      stages: [built, stopped("deploy", deploy, timeouts.deployMs)],
    };
  }
  if (!deploy.value.ok) {
    const failed: StageOutcome = {
      stage: "deploy",
      result: "failure",
      durationMs: deploy.durationMs,
      reason: deploy.value.reason,
      ...(deploy.value.log === undefined ? {} : { log: deploy.value.log }),
    };
    return { ...base, conclusion: "failure", image, stages: [built, failed] };
  }
  const deployed: StageOutcome = {
    stage: "deploy",
    result: "success",
    durationMs: deploy.durationMs,
  };
  return {
    ...base,
    conclusion: "success",
    image,
    stages: [built, deployed],
    ...(deploy.value.previewUrl === undefined ? {} : { previewUrl: deploy.value.previewUrl }),
  };
}
