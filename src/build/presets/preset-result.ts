import type { RepoConfig } from "../../config/repo-config.ts";
import type { PresetPlan } from "../build-plan.ts";

/** What a preset sees: the build context, with every path relative to it. */
export interface PresetInput {
  /** Every file in the context, `/`-separated. */
  files: ReadonlySet<string>;
  /** The contents of a small manifest file (package.json, go.mod, …), or undefined. */
  read: (path: string) => string | undefined;
  config: RepoConfig;
  /** The context directory relative to the repository root; "." for the root. */
  context: string;
}

/** Why nothing can be built, and what the developer can do about it. */
export interface BuildProblem {
  ok: false;
  /** One line, e.g. "No start script in package.json". */
  reason: string;
  /** What to do: which file or `.slipway.yml` setting to add. */
  help: string;
}

export type PresetResult =
  | {
      ok: true;
      plan: PresetPlan;
      /** Things worth telling the developer, e.g. "No lockfile: …". */
      notes: string[];
    }
  | BuildProblem;

/** "the repository root" or "`apps/web`", for messages. */
export function describeContext(context: string): string {
  return context === "." ? "the repository root" : `\`${context}\``;
}

/** A problem for a setting a preset cannot honour. */
export function unsupported(setting: string, withWhat: string, help: string): BuildProblem {
  return { ok: false, reason: `\`${setting}\` cannot be used with ${withWhat}`, help };
}
