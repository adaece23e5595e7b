import type { PresetPlan, RecipeStep } from "../build-plan.ts";
import { BASE_IMAGES, IMAGE_USERS } from "./base-images.ts";
import { NODE_APP_DIR, nodeInstallSteps } from "./node-install.ts";
import { readNodeProject, type NodeProject } from "./node-project.ts";
import {
  describeContext,
  unsupported,
  type PresetInput,
  type PresetResult,
} from "./preset-result.ts";
import { staticOutputDir } from "./static-output.ts";

/** nginx-unprivileged's own listen port; its configuration is used as is. */
export const STATIC_PORT = 8080;
const HTML_DIR = "/usr/share/nginx/html";

function plan(input: PresetInput, stages: PresetPlan["stages"], siteSteps: RecipeStep[]) {
  const steps: RecipeStep[] = [
    ...siteSteps,
    { op: "user", name: IMAGE_USERS.nginx },
    { op: "env", name: "PORT", value: String(STATIC_PORT) },
    { op: "expose", port: STATIC_PORT },
  ];
  const site = { name: "site", from: BASE_IMAGES.static, steps };
  return {
    kind: "preset",
    preset: "static",
    context: input.context,
    port: STATIC_PORT,
    stages: [...stages, site],
  } satisfies PresetPlan;
}

/**
 * A static site served by nginx on 8080: the context as is when it has an index.html, else a Node
 * project's `build` output (dist/, build/, or its --outDir) built in a Node stage.
 */
export function staticPreset(input: PresetInput): PresetResult {
  const { files, config } = input;
  if (config.start !== undefined) {
    return unsupported("start", "the static preset", "nginx serves the files; remove `start`.");
  }
  if (config.port !== undefined && config.port !== STATIC_PORT) {
    const help = `nginx listens on ${STATIC_PORT}; remove \`port\` or set it to ${STATIC_PORT}.`;
    return unsupported(`port: ${config.port}`, "the static preset", help);
  }
  // A Node project that builds a site (Vite keeps its index.html at the root too) is built first.
  const read = files.has("package.json") ? readNodeProject(input) : undefined;
  const outDir = read?.ok === true ? staticOutputDir(read.project) : undefined;
  if (read?.ok === true && outDir !== undefined) return builtSite(input, read.project, outDir);
  if (files.has("index.html")) {
    const copy: RecipeStep = { op: "copy", source: ".", dest: HTML_DIR };
    const note = `Static site: ${describeContext(input.context)} served as is (every file in it is public).`;
    return { ok: true, plan: plan(input, [], [copy]), notes: [note] };
  }
  if (read === undefined) {
    const help =
      "The static preset serves a directory with an index.html, or builds a Node project and serves its output. Add index.html, or set `build.context` to the site's directory.";
    return { ok: false, reason: `No index.html in ${describeContext(input.context)}`, help };
  }
  if (!read.ok) return read;
  const help = read.project.scripts.has("build")
    ? 'Slipway could not tell where the "build" script writes the site. Name the directory in the script, e.g. "build": "vite build --outDir dist", or add a "start" script to run it as a Node.js app.'
    : 'Add a "build" script that writes the site to dist/ or build/, or a "start" script to run it as a Node.js app.';
  return { ok: false, reason: "No static site output to serve", help };
}

function builtSite(input: PresetInput, project: NodeProject, outDir: string): PresetResult {
  const build = { name: "build", from: BASE_IMAGES.node, steps: nodeInstallSteps(project) };
  const copy: RecipeStep = {
    op: "copyFrom",
    stage: "build",
    source: `${NODE_APP_DIR}/${outDir}`,
    dest: HTML_DIR,
  };
  const via = project.lockfile === undefined ? "" : ` with ${project.lockfile}`;
  const note = `Static site: built with ${project.manager}${via}, serving ${outDir}/.`;
  return { ok: true, plan: plan(input, [build], [copy]), notes: [note, ...project.notes] };
}
