import { DEFAULT_APP } from "../../src/build/build-stage.ts";
import type { BuildInput, BuildResult, BuildStage } from "../../src/build/build-stage.ts";
import type { DeployInput, DeployStage } from "../../src/deploy/deploy-stage.ts";
import type { BranchTarget } from "../../src/queue/intent.ts";
import type { StageContext } from "../../src/queue/stage-context.ts";

export interface ControlledBuild extends BuildStage {
  /** Builds started, in order. */
  started: BuildInput[];
  /** Builds that ran to completion (were not aborted). */
  finished: BuildInput[];
  /** Builds whose signal fired. */
  aborted: BuildInput[];
  /** Lets every build that is waiting, and every later one, finish. */
  releaseAll(): void;
  /** Lets the builds of this sha finish, now and later. */
  release(sha: string): void;
}

/**
 * A build stage that waits until released (or aborted), then succeeds with an image pinned by a
 * digest derived from the sha. With `autoRelease`, each build takes `durationMs` and finishes.
 */
export function controlledBuild(
  options: { autoReleaseMs?: number; result?: (input: BuildInput) => BuildResult } = {},
): ControlledBuild {
  const waiting = new Map<string, Array<() => void>>();
  const released = new Set<string>();
  let all = false;
  const stage: ControlledBuild = {
    started: [],
    finished: [],
    aborted: [],
    releaseAll() {
      all = true;
      for (const list of waiting.values()) for (const resolve of list) resolve();
      waiting.clear();
    },
    release(sha) {
      released.add(sha);
      for (const resolve of waiting.get(sha) ?? []) resolve();
      waiting.delete(sha);
    },
    async build(input: BuildInput, { signal }: StageContext): Promise<BuildResult> {
      stage.started.push(input);
      await new Promise<void>((resolve) => {
        if (all || released.has(input.target.sha)) {
          resolve();
          return;
        }
        if (options.autoReleaseMs !== undefined) {
          const timer = setTimeout(resolve, options.autoReleaseMs);
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve();
          });
          return;
        }
        const list = waiting.get(input.target.sha) ?? [];
        list.push(resolve);
        waiting.set(input.target.sha, list);
        signal.addEventListener("abort", () => {
          resolve();
        });
      });
      if (signal.aborted) {
        stage.aborted.push(input);
        throw new Error("aborted");
      }
      stage.finished.push(input);
      return (
        options.result?.(input) ?? {
          ok: true,
          app: DEFAULT_APP,
          image: `registry.test/${input.target.owner}/${input.target.repo}@sha256:${input.target.sha}${input.target.sha.slice(0, 24)}`,
        }
      );
    },
  };
  return stage;
}

export interface RecordingDeploy extends DeployStage {
  deploys: string[];
  /** Every deploy as it was asked for (target, image and app settings). */
  inputs: DeployInput[];
  teardowns: BranchTarget[];
  tenants: Array<{ action: string; installationId: number }>;
}

/** A deploy stage that succeeds at once and records what it was asked to do. */
export function recordingDeploy(): RecordingDeploy {
  const stage: RecordingDeploy = {
    deploys: [],
    inputs: [],
    teardowns: [],
    tenants: [],
    deploy(input) {
      stage.deploys.push(input.image);
      stage.inputs.push(input);
      return Promise.resolve({
        ok: true,
        // Branch names may hold characters no URL host can (e.g. a fork's `pr:12`).
        previewUrl: `https://${input.target.branch.replace(/[^A-Za-z0-9/-]/g, "-")}.preview.test`,
      });
    },
    teardownBranch(target) {
      stage.teardowns.push(target);
      return Promise.resolve();
    },
    provisionTenant(installationId) {
      stage.tenants.push({ action: "provision", installationId });
      return Promise.resolve();
    },
    suspendTenant(installationId) {
      stage.tenants.push({ action: "suspend", installationId });
      return Promise.resolve();
    },
    removeTenant(installationId) {
      stage.tenants.push({ action: "remove", installationId });
      return Promise.resolve();
    },
  };
  return stage;
}
