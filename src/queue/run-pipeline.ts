import type { Logger } from "pino";
import type { BuildStage } from "../build/build-stage.ts";
import type { DeployInput, DeployStage } from "../deploy/deploy-stage.ts";
import type { RunOutcome, StageName, StageOutcome } from "../report/outcome.ts";
import type { AppSettings } from "../build/build-stage.ts";
import type { RunTarget, RunTrigger } from "./intent.ts";
import type { ReadyImages } from "./ready-images.ts";
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
  /** Called when a stage reports what it waits for (to show it on the check run). */
  onProgress?: (stage: StageName, message: string) => Promise<void>;
  /** The branch's ready images: recorded after each ready deploy, popped by a rollback. */
  images?: ReadyImages;
}

/** What the pipeline returns: the outcome, before a cancel reason is added. */
export type PipelineResult = Omit<RunOutcome, "cancelReason">;

/** A fork's code never gets network egress, whatever its `.slipway.yml` asks for. */
function trusted(target: RunTarget, app: AppSettings): AppSettings {
  return target.fork === undefined ? app : { ...app, egress: "none" };
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
  input: { runKey: string; target: RunTarget; trigger?: RunTrigger },
  cancel: AbortSignal,
  options: PipelineOptions,
): Promise<PipelineResult> {
  const { stages, timeouts, log, now, onStage } = options;
  const base = { sha: input.target.sha, branch: input.target.branch };
  const skipDeploy = (reason: string): StageOutcome => ({
    stage: "deploy",
    result: "skipped",
    reason,
  });
  if (input.trigger === "rollback") return rollBack(input, cancel, options);

  await onStage?.("build");
  const { onProgress } = options;
  const build = await runStage({ timeoutMs: timeouts.buildMs, cancel, log, now }, (context) =>
    stages.build.build(
      input,
      onProgress === undefined
        ? context
        : { ...context, progress: (message) => onProgress("build", message) },
    ),
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
  const { image } = build.value;
  const app = trusted(input.target, build.value.app);
  const comments = app.comments ?? true;
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
      comments,
      stages: [built, skipDeploy("SLIPWAY_DEPLOY=off")],
    };
  }

  return deployAfter(built, { ...input, image, app }, stages.deploy, cancel, options, {
    comments,
    onReady: async () => {
      await options.images
        ?.record(input.target, { sha: input.target.sha, image, app })
        .catch((error: unknown) => {
          log.warn({ err: error }, "could not record the ready image; Roll back will not offer it");
        });
    },
  });
}

/**
 * Runs the deploy stage after `first` (the build, or the build a rollback skips) and says what
 * happened; `onReady` runs once the preview is ready.
 */
async function deployAfter(
  first: StageOutcome,
  input: DeployInput,
  deployStage: DeployStage,
  cancel: AbortSignal,
  options: PipelineOptions,
  extra: { comments: boolean | undefined; onReady: () => Promise<void> },
): Promise<PipelineResult> {
  const { timeouts, log, now, onStage } = options;
  const base = {
    sha: input.target.sha,
    branch: input.target.branch,
    image: input.image,
    ...(extra.comments === undefined ? {} : { comments: extra.comments }),
  };
  await onStage?.("deploy");
  const deploy = await runStage({ timeoutMs: timeouts.deployMs, cancel, log, now }, (context) =>
    deployStage.deploy(input, context),
  );
  if (deploy.kind !== "done") {
    return {
      ...base,
      conclusion: deploy.kind,
      stages: [first, stopped("deploy", deploy, timeouts.deployMs)],
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
    return { ...base, conclusion: "failure", stages: [first, failed] };
  }
  await extra.onReady();
  return {
    ...base,
    conclusion: "success",
    stages: [first, { stage: "deploy", result: "success", durationMs: deploy.durationMs }],
    ...(deploy.value.previewUrl === undefined ? {} : { previewUrl: deploy.value.previewUrl }),
  };
}

/**
 * "Roll back": deploys the image that became ready for the run's commit earlier (the check-action
 * job picked it: the branch's previous ready image), as it ran then, without building anything.
 * Once it is ready, the images recorded after it are forgotten, so the next rollback goes one
 * further back.
 */
async function rollBack(
  input: { runKey: string; target: RunTarget },
  cancel: AbortSignal,
  options: PipelineOptions,
): Promise<PipelineResult> {
  const { stages, log, images } = options;
  const { target } = input;
  const base = { sha: target.sha, branch: target.branch };
  const failed = (reason: string): PipelineResult => ({
    ...base,
    conclusion: "failure",
    stages: [
      { stage: "build", result: "skipped", reason: "roll back: nothing to build" },
      { stage: "deploy", result: "failure", durationMs: 0, reason },
    ],
  });
  const deployStage = stages.deploy;
  if (deployStage === undefined || images === undefined)
    return failed("Roll back needs the deploy stage, which is off (SLIPWAY_DEPLOY=off)");
  const back = await images.find(target, target.sha);
  if (back === undefined) {
    return failed(
      `The image of ${target.sha.slice(0, 7)} is no longer recorded for ${target.branch} (Slipway keeps the last 20 ready images for 30 days)`,
    );
  }
  const skipped: StageOutcome = {
    stage: "build",
    result: "skipped",
    reason: `roll back to ${target.sha.slice(0, 7)}: its image is reused, nothing is built`,
  };
  const app = trusted(target, back.app);
  return deployAfter(
    skipped,
    { runKey: input.runKey, target, image: back.image, app },
    deployStage,
    cancel,
    options,
    {
      comments: back.app.comments,
      onReady: async () => {
        await images.rolledBackTo(target, target.sha).catch((error: unknown) => {
          log.warn({ err: error }, "could not forget the images rolled back from");
        });
      },
    },
  );
}
