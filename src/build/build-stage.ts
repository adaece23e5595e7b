import type { RunTarget } from "../queue/intent.ts";
import type { StageContext } from "../queue/stage-context.ts";

export interface BuildInput {
  runKey: string;
  target: RunTarget;
}

/**
 * An expected build outcome. Unexpected errors are thrown instead: the job then retries with
 * backoff, and only its last attempt is reported as a failure.
 */
export type BuildResult =
  { ok: true; image: string; log?: string } | { ok: false; reason: string; log?: string };

/** Turns a commit into a published image. The Dagger pipeline implements it (issue 3). */
export interface BuildStage {
  build(input: BuildInput, context: StageContext): Promise<BuildResult>;
}
