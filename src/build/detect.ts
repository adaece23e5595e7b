import type { RepoConfig } from "../config/repo-config.ts";
import type { BuildPlan, Preset } from "./build-plan.ts";
import { goPreset } from "./presets/go.ts";
import { nodePreset } from "./presets/node.ts";
import {
  describeContext,
  unsupported,
  type BuildProblem,
  type PresetInput,
  type PresetResult,
} from "./presets/preset-result.ts";
import { pythonPreset } from "./presets/python.ts";
import { staticPreset } from "./presets/static.ts";

export interface DetectInput {
  /** Every file in the repository at the commit, relative to its root, `/`-separated. */
  files: readonly string[];
  /** Contents of a small manifest file (package.json, go.mod, …) by repository path. */
  read: (path: string) => string | undefined;
  config: RepoConfig;
}

export type Detection =
  | {
      ok: true;
      plan: BuildPlan;
      /** What was detected and anything worth fixing, for the check run. */
      notes: string[];
    }
  | BuildProblem;

export const DOCKERFILE_DEFAULT_PORT = 8080;

const PRESETS: Record<Preset, (input: PresetInput) => PresetResult> = {
  node: nodePreset,
  python: pythonPreset,
  go: goPreset,
  static: staticPreset,
};

/**
 * Presets tried in order when none is configured, each when one of its manifests is there. Static
 * comes last: an index.html beside go.mod is a template, and a Node project without a start script
 * may still be a site its `build` script produces.
 */
const DETECTION_ORDER: readonly { preset: Preset; manifests: readonly string[] }[] = [
  { preset: "node", manifests: ["package.json"] },
  { preset: "python", manifests: ["requirements.txt", "pyproject.toml"] },
  { preset: "go", manifests: ["go.mod"] },
  { preset: "static", manifests: ["index.html", "package.json"] },
];

const EXAMPLE = `    build:
      dockerfile: deploy/Dockerfile   # or: preset: node | python | go | static
      context: .                      # a subdirectory, for monorepos
    port: 8080
    start: node server.js             # for presets`;

function dockerfilePlan(input: PresetInput, dockerfile: string): Detection {
  if (input.config.start !== undefined) {
    const help =
      "A Dockerfile says how its image starts (CMD/ENTRYPOINT). Remove `start`, or set it in the Dockerfile.";
    return unsupported("start", "a Dockerfile", help);
  }
  const port = input.config.port ?? DOCKERFILE_DEFAULT_PORT;
  const plan = { kind: "dockerfile", context: input.context, dockerfile, port } as const;
  return { ok: true, plan, notes: [`Building ${dockerfile}; the app must listen on ${port}.`] };
}

function nothingToBuild(input: PresetInput): BuildProblem {
  const where = describeContext(input.context);
  const dockerfiles = [...input.files].filter((f) =>
    /(?:^|\/)(?:Dockerfile(?:\.[^/]+)?|[^/]+\.Dockerfile)$/i.test(f),
  );
  const hint =
    dockerfiles.length === 0
      ? ""
      : `\n\nFound ${dockerfiles.slice(0, 3).join(", ")}: to build one, set \`build.dockerfile\` to its path.`;
  const help = `Slipway looked in ${where} for a Dockerfile, package.json (Node.js), requirements.txt or pyproject.toml (Python), go.mod (Go) and index.html (a static site), and found none. Add one of them, or say what to build in .slipway.yml, for example:\n\n${EXAMPLE}${hint}`;
  return { ok: false, reason: "Nothing to build", help };
}

function scope(input: DetectInput): PresetInput {
  const { config } = input;
  const context = config.build.context;
  const prefix = context === "." ? "" : `${context}/`;
  const files = new Set(
    input.files.filter((file) => file.startsWith(prefix)).map((file) => file.slice(prefix.length)),
  );
  return { files, read: (path) => input.read(prefix + path), config, context };
}

/**
 * Decides what to build from the repository's files and `.slipway.yml` (pure). In order: the
 * configured Dockerfile; the configured preset; a Dockerfile at the root of the build context;
 * the first preset whose manifest is there and that can build it. Everything happens inside
 * `build.context`, and the plan's paths are relative to it.
 */
export function detectBuild(input: DetectInput): Detection {
  const scoped = scope(input);
  const { files, config, context } = scoped;
  if (files.size === 0 && context !== ".") {
    const help = `\`build.context\` in .slipway.yml names a directory with no files at this commit. Set it to a directory relative to the repository root, such as \`apps/web\`.`;
    return { ok: false, reason: `Build context \`${context}\` not found`, help };
  }
  const { dockerfile, preset } = config.build;
  if (dockerfile !== undefined) {
    if (files.has(dockerfile)) return dockerfilePlan(scoped, dockerfile);
    const help = `\`build.dockerfile\` in .slipway.yml is relative to the build context (${describeContext(context)}); no file ${dockerfile} is there at this commit. Fix the path or commit the file.`;
    return { ok: false, reason: `Dockerfile \`${dockerfile}\` not found`, help };
  }
  if (preset !== undefined) {
    const result = PRESETS[preset](scoped);
    if (!result.ok || !files.has("Dockerfile")) return result;
    return {
      ...result,
      notes: [...result.notes, `Dockerfile not used: \`build.preset\` is ${preset}.`],
    };
  }
  if (files.has("Dockerfile")) return dockerfilePlan(scoped, "Dockerfile");
  let firstProblem: BuildProblem | undefined;
  for (const candidate of DETECTION_ORDER) {
    if (!candidate.manifests.some((manifest) => files.has(manifest))) continue;
    const result = PRESETS[candidate.preset](scoped);
    if (result.ok) return result;
    firstProblem ??= result;
  }
  return firstProblem ?? nothingToBuild(scoped);
}
