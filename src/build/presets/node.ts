import type { RecipeStep } from "../build-plan.ts";
import { BASE_IMAGES } from "./base-images.ts";
import { nodeInstallSteps } from "./node-install.ts";
import { readNodeProject } from "./node-project.ts";
import type { PresetInput, PresetResult } from "./preset-result.ts";

export const NODE_DEFAULT_PORT = 3000;

const START_HELP = `Add a "start" script to package.json (e.g. "start": "node server.js"), or set the command in .slipway.yml:

    start: node server.js

A static site built with "build" (into dist/ or build/) needs no start script: set \`build.preset: static\`.`;

/**
 * A Node.js app: install with the project's package manager and lockfile, run `build` if there is
 * one, then start with `start` from .slipway.yml or the `start` script, as uid 1000.
 */
export function nodePreset(input: PresetInput): PresetResult {
  const read = readNodeProject(input);
  if (!read.ok) return read;
  const { project } = read;
  const scriptStart = project.scripts.has("start") ? `${project.manager} start` : undefined;
  const start = input.config.start ?? scriptStart;
  if (start === undefined) {
    return { ok: false, reason: "No start script in package.json", help: START_HELP };
  }
  const port = input.config.port ?? NODE_DEFAULT_PORT;
  const runtime: RecipeStep[] = [
    // After the install and build: NODE_ENV=production earlier would skip devDependencies.
    { op: "env", name: "NODE_ENV", value: "production" },
    { op: "env", name: "PORT", value: String(port) },
    { op: "expose", port },
    { op: "entrypoint", args: ["sh", "-c", start] },
  ];
  const via = project.lockfile === undefined ? "" : ` with ${project.lockfile}`;
  return {
    ok: true,
    plan: {
      kind: "preset",
      preset: "node",
      context: input.context,
      port,
      stages: [
        { name: "app", from: BASE_IMAGES.node, steps: [...nodeInstallSteps(project), ...runtime] },
      ],
    },
    notes: [`Node.js app: ${project.manager}${via}, started with \`${start}\`.`, ...project.notes],
  };
}
