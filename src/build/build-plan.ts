/**
 * What to build, decided by detection (pure) from the repository's files and `.slipway.yml`, and
 * carried out by the Dagger pipeline. Paths are relative to the repository root and never
 * contain `..`.
 */
export type BuildPlan = DockerfilePlan | PresetPlan;

export interface DockerfilePlan {
  kind: "dockerfile";
  /** Build context directory ("." for the repository root). */
  context: string;
  /** Dockerfile path relative to the context. */
  dockerfile: string;
  /** The port the app listens on (from config, or the preset default). */
  port: number;
}

export type Preset = "node" | "python" | "go" | "static";

export interface PresetPlan {
  kind: "preset";
  preset: Preset;
  context: string;
  port: number;
  /**
   * Container stages; the last one is the image. Each stage starts `from` a base image pinned by
   * version, then applies its steps in order.
   */
  stages: RecipeStage[];
}

export interface RecipeStage {
  name: string;
  from: string;
  steps: RecipeStep[];
}

export type RecipeStep =
  | { op: "workdir"; path: string }
  | { op: "env"; name: string; value: string }
  /** Copy from the build context: `source` "." is the whole context directory, anything else one file. */
  | { op: "copy"; source: string; dest: string; owner?: string }
  /** Copy a directory out of an earlier stage. */
  | { op: "copyFrom"; stage: string; source: string; dest: string; owner?: string }
  /** A package-manager cache, kept per repository as a Dagger cache volume named by `key`. */
  | { op: "cache"; path: string; key: string; owner?: string }
  | { op: "exec"; args: string[] }
  | { op: "user"; name: string }
  | { op: "expose"; port: number }
  | { op: "entrypoint"; args: string[] };
