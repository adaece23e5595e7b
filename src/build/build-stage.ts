import type { CheckRunAnnotation } from "../report/outcome.ts";
import type { RunTarget } from "../queue/intent.ts";
import type { StageContext } from "../queue/stage-context.ts";

export interface BuildInput {
  runKey: string;
  target: RunTarget;
}

/** How the built app runs, from `.slipway.yml` and detection, for the deploy stage. */
export interface AppSettings {
  port: number;
  healthcheckPath: string;
  env: Record<string, string>;
  resources: { cpu?: string; memory?: string };
  egress: "none" | "internet";
  /** `.slipway.yml` `comments`: comment on pull requests (absent means yes). */
  comments?: boolean;
}

/** The defaults of an app without `.slipway.yml`. */
export const DEFAULT_APP: AppSettings = {
  port: 8080,
  healthcheckPath: "/",
  env: {},
  resources: {},
  egress: "none",
};

/**
 * An expected build outcome. Unexpected errors are thrown instead: the job then retries with
 * backoff, and only its last attempt is reported as a failure.
 */
export type BuildResult =
  | { ok: true; image: string; app: AppSettings; log?: string }
  | { ok: false; reason: string; log?: string; annotations?: CheckRunAnnotation[] }
  /** Nothing to do for this branch (`.slipway.yml` `branches` does not select it). */
  | { ok: "skip"; reason: string };

/** Turns a commit into a published image. */
export interface BuildStage {
  build(input: BuildInput, context: StageContext): Promise<BuildResult>;
}
