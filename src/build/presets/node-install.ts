import type { RecipeStep } from "../build-plan.ts";
import { IMAGE_USERS } from "./base-images.ts";
import type { NodeProject } from "./node-project.ts";

export const NODE_APP_DIR = "/app";
const HOME = "/home/node"; // the node images' uid 1000
const OWNER = `${IMAGE_USERS.app}:${IMAGE_USERS.app}`;

/** Where each package manager keeps its download cache under HOME. */
function cachePath(project: NodeProject): string {
  if (project.manager === "npm") return `${HOME}/.npm`;
  if (project.manager === "pnpm") return `${HOME}/.local/share/pnpm/store`;
  return project.yarnBerry ? `${HOME}/.yarn/berry/cache` : `${HOME}/.cache/yarn`;
}

function installCommand(project: NodeProject): string[] {
  const locked = project.lockfile !== undefined;
  if (project.manager === "npm") return locked ? ["npm", "ci"] : ["npm", "install"];
  if (project.manager === "pnpm")
    return ["pnpm", "install", ...(locked ? ["--frozen-lockfile"] : [])];
  if (!locked) return ["yarn", "install"];
  return ["yarn", "install", project.yarnBerry ? "--immutable" : "--frozen-lockfile"];
}

/** `npm run build`, `pnpm run build` or `yarn run build`. */
export function runScript(project: NodeProject, script: string): string[] {
  return [project.manager, "run", script];
}

/**
 * Steps on a Node.js image that install the project's dependencies with its lockfile and run its
 * `build` script, as uid 1000 in /app: package.json and the lockfile are copied and installed before
 * the rest of the source, so a source-only change reuses the install layer.
 */
export function nodeInstallSteps(project: NodeProject): RecipeStep[] {
  const copy = (source: string): RecipeStep => ({
    op: "copy",
    source,
    dest: source === "." ? NODE_APP_DIR : `${NODE_APP_DIR}/${source}`,
    owner: OWNER,
  });
  const corepack: RecipeStep[] =
    project.manager === "npm"
      ? []
      : [
          // Corepack fetches the pnpm or yarn version package.json asks for; never prompt in a build.
          { op: "env", name: "COREPACK_ENABLE_DOWNLOAD_PROMPT", value: "0" },
          { op: "exec", args: ["corepack", "enable"] },
        ];
  const build = project.scripts.has("build")
    ? [{ op: "exec", args: runScript(project, "build") } satisfies RecipeStep]
    : [];
  return [
    ...corepack,
    // As root: the image's /app does not exist, and the app user must own it to install into it.
    {
      op: "exec",
      args: ["install", "-d", "-o", IMAGE_USERS.app, "-g", IMAGE_USERS.app, NODE_APP_DIR],
    },
    { op: "workdir", path: NODE_APP_DIR },
    { op: "user", name: IMAGE_USERS.app },
    { op: "env", name: "HOME", value: HOME },
    { op: "cache", key: project.manager, path: cachePath(project), owner: OWNER },
    ...(project.manifests ?? []).map(copy),
    { op: "exec", args: installCommand(project) },
    copy("."),
    ...build,
  ];
}
