import { z } from "zod";
import { describeContext, type BuildProblem, type PresetInput } from "./preset-result.ts";

export type NodePackageManager = "npm" | "pnpm" | "yarn";

/** What the Node.js and static presets need to know about a package.json project. */
export interface NodeProject {
  manager: NodePackageManager;
  /** The lockfile the install honours, if any. */
  lockfile: string | undefined;
  /** Yarn 2+ ("berry"): `--immutable` instead of `--frozen-lockfile`, another cache directory. */
  yarnBerry: boolean;
  /** String-valued `scripts`. */
  scripts: ReadonlyMap<string, string>;
  /** Names in `dependencies` and `devDependencies`. */
  dependencies: ReadonlySet<string>;
  /**
   * Files to copy before installing, so that the install layer survives source changes; undefined
   * when the install needs the whole tree (workspaces).
   */
  manifests: string[] | undefined;
  notes: string[];
}

// Only what the presets read; `catch` keeps a malformed field from hiding the rest.
const PackageJson = z.object({
  scripts: z.record(z.string(), z.unknown()).catch({}),
  dependencies: z.record(z.string(), z.unknown()).catch({}),
  devDependencies: z.record(z.string(), z.unknown()).catch({}),
  packageManager: z.string().optional().catch(undefined),
  workspaces: z.unknown().optional(),
});

const LOCKFILES: readonly { file: string; manager: NodePackageManager }[] = [
  { file: "pnpm-lock.yaml", manager: "pnpm" },
  { file: "yarn.lock", manager: "yarn" },
  { file: "package-lock.json", manager: "npm" },
  { file: "npm-shrinkwrap.json", manager: "npm" },
];

/** Package-manager configuration the install reads, copied with package.json when present. */
const CONFIG_FILES = [".npmrc", ".yarnrc", ".yarnrc.yml", ".pnpmfile.cjs"];
/** Directories whose files the install may need (Yarn releases and plugins, patch-package). */
const CONFIG_DIRS = [".yarn/releases/", ".yarn/plugins/", ".yarn/patches/", "patches/"];
/** Past this many files, copying them one by one is no better than copying everything. */
const MAX_MANIFESTS = 40;

function parsePackageJson(text: string): z.output<typeof PackageJson> | undefined {
  try {
    const result = PackageJson.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

function chooseManager(
  files: ReadonlySet<string>,
  declared: string | undefined,
): { manager: NodePackageManager; lockfile: string | undefined; notes: string[] } {
  const found = LOCKFILES.filter((entry) => files.has(entry.file));
  const lock = found.find((entry) => entry.manager === declared) ?? found[0];
  const notes =
    found.length > 1
      ? [`Several lockfiles (${found.map((e) => e.file).join(", ")}); using ${lock?.file ?? ""}.`]
      : [];
  if (lock !== undefined) return { manager: lock.manager, lockfile: lock.file, notes };
  const manager = declared === "pnpm" || declared === "yarn" ? declared : "npm";
  const note = `No lockfile in package.json's directory, so dependency versions are not pinned: commit the lockfile ${manager} writes for reproducible builds.`;
  return { manager, lockfile: undefined, notes: [note] };
}

function manifestsToCopy(files: ReadonlySet<string>, lockfile: string | undefined) {
  const manifests = ["package.json", ...(lockfile === undefined ? [] : [lockfile])];
  manifests.push(...CONFIG_FILES.filter((file) => files.has(file)));
  manifests.push(...[...files].filter((file) => CONFIG_DIRS.some((dir) => file.startsWith(dir))));
  return manifests.length > MAX_MANIFESTS ? undefined : manifests;
}

/** Reads package.json and the lockfiles beside it; a problem when package.json is unusable. */
export function readNodeProject(
  input: PresetInput,
): { ok: true; project: NodeProject } | BuildProblem {
  const text = input.read("package.json");
  const where = describeContext(input.context);
  if (!input.files.has("package.json") || text === undefined) {
    const help = `The node preset builds a package.json project; there is none in ${where}. Set \`build.context\` to the directory that has one, or use another preset.`;
    return { ok: false, reason: `No package.json in ${where}`, help };
  }
  const pkg = parsePackageJson(text);
  if (pkg === undefined) {
    const help =
      "package.json must hold a JSON object that `npm install` can read; fix its syntax.";
    return { ok: false, reason: "package.json is not a JSON object", help };
  }
  const declared = pkg.packageManager?.split("@")[0];
  const { manager, lockfile, notes } = chooseManager(input.files, declared);
  const berryDeclared = /^yarn@(?:[2-9]|\d\d)/.test(pkg.packageManager ?? "");
  const workspaces = pkg.workspaces !== undefined || input.files.has("pnpm-workspace.yaml");
  const manifests = workspaces ? undefined : manifestsToCopy(input.files, lockfile);
  if (workspaces) notes.push("Workspaces: the whole context is copied before installing.");
  const scripts = Object.entries(pkg.scripts).filter(
    (entry): entry is [string, string] => typeof entry[1] === "string",
  );
  const project: NodeProject = {
    manager,
    lockfile,
    yarnBerry: manager === "yarn" && (berryDeclared || input.files.has(".yarnrc.yml")),
    scripts: new Map(scripts),
    dependencies: new Set([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]),
    manifests,
    notes,
  };
  return { ok: true, project };
}
