/** A check-run annotation as GitHub takes it (at most 50 per request). */
export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
}

/** The stages a pipeline runs, in order. */
export type StageName = "build" | "deploy";

/** What happened in one stage; durations are wall-clock milliseconds. */
export type StageOutcome =
  | { stage: StageName; result: "success"; durationMs: number; detail?: string }
  | {
      stage: StageName;
      result: "failure";
      durationMs: number;
      /** One line a developer can act on, e.g. "Dagger engine unreachable at 127.0.0.1:8080". */
      reason: string;
      /** Tail of the failing step's log, unredacted: rendering redacts it. */
      log?: string;
      /** Check-run annotations pointing at files (e.g. a bad `.slipway.yml` field). */
      annotations?: CheckRunAnnotation[];
    }
  | { stage: StageName; result: "timed_out"; durationMs: number; timeoutMs: number }
  | { stage: StageName; result: "cancelled"; durationMs: number }
  | { stage: StageName; result: "skipped"; reason: string };

export type Conclusion = "success" | "failure" | "cancelled" | "timed_out" | "skipped";

/** Everything the check run shows once a run is over. */
export interface RunOutcome {
  conclusion: Conclusion;
  sha: string;
  branch: string;
  stages: StageOutcome[];
  /** Why the run was cancelled, e.g. "Superseded by 1a2b3c4". */
  cancelReason?: string;
  /** Image reference pinned by digest, once published. */
  image?: string;
  previewUrl?: string;
  /** `.slipway.yml` `comments`, when the build read it: false turns the pull-request comment off. */
  comments?: boolean;
}

/** What the check run shows while a run is waiting or running. */
export interface RunProgress {
  sha: string;
  branch: string;
  /** The stage now running, or undefined while queued. */
  currentStage?: StageName;
  /** Stages finished so far. */
  stages: StageOutcome[];
}
