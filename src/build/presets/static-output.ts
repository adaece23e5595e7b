import type { NodeProject } from "./node-project.ts";

/** Tools whose build writes a static site to a known directory, by package name. */
const TOOL_OUTPUT: readonly { tool: string; dir: string }[] = [
  { tool: "vite", dir: "dist" },
  { tool: "astro", dir: "dist" },
  { tool: "parcel", dir: "dist" },
  { tool: "@vue/cli-service", dir: "dist" },
  { tool: "react-scripts", dir: "build" },
  { tool: "@docusaurus/core", dir: "build" },
  { tool: "@sveltejs/adapter-static", dir: "build" },
];

const OUT_DIR_FLAG = /--out-?dir[= ]+["']?([^\s"'&;|]+)/i;

function isSafeRelative(path: string): boolean {
  return !path.startsWith("/") && !path.split("/").includes("..");
}

/**
 * The directory a Node project's `build` script writes its static site to: an explicit
 * `--outDir`/`--out-dir`, else the known default of the tool it uses (Vite and Astro: dist/,
 * Create React App and Docusaurus: build/). Undefined when there is no `build` script or no telling.
 */
export function staticOutputDir(project: NodeProject): string | undefined {
  const script = project.scripts.get("build");
  if (script === undefined) return undefined;
  const flag = OUT_DIR_FLAG.exec(script)?.[1]?.replace(/^\.\//, "").replace(/\/+$/, "");
  if (flag !== undefined && flag !== "" && isSafeRelative(flag)) return flag;
  return TOOL_OUTPUT.find(({ tool }) => project.dependencies.has(tool))?.dir;
}
