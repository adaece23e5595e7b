import type { Directory } from "@dagger.io/dagger";

/** Manifest files detection reads, relative to the build context. */
export const MANIFESTS = ["package.json", "go.mod", "requirements.txt", "pyproject.toml"] as const;

/** Every file path of a tree (directories and `.git/` left out), `/`-separated. */
export async function listFiles(tree: Directory): Promise<string[]> {
  const entries = await tree.glob("**/*");
  return entries.filter((path) => !path.endsWith("/") && !path.startsWith(".git/"));
}

/** Reads the given files that exist, in parallel. */
export async function readFiles(
  tree: Directory,
  files: ReadonlySet<string>,
  paths: readonly string[],
) {
  const present = paths.filter((path) => files.has(path));
  const contents = await Promise.all(present.map((path) => tree.file(path).contents()));
  return new Map(present.map((path, i) => [path, contents[i] ?? ""]));
}
