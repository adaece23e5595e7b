import type { Directory } from "@dagger.io/dagger";

/** Manifest files detection reads, relative to the build context. */
export const MANIFESTS = ["package.json", "go.mod", "requirements.txt", "pyproject.toml"] as const;

/**
 * Limits on what a repository can make the worker hold in memory (files are read into the
 * worker, not just into the engine): a hostile repository must not exhaust a worker shared by
 * every tenant.
 */
export const SOURCE_LIMITS = { files: 100_000, manifestBytes: 1024 * 1024, configBytes: 64 * 1024 };

export type SourceRead<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Every file path of a tree (directories and `.git/` left out), `/`-separated. */
export async function listFiles(tree: Directory): Promise<SourceRead<string[]>> {
  const entries = await tree.glob("**/*");
  if (entries.length > SOURCE_LIMITS.files) {
    return { ok: false, reason: `The repository has more than ${SOURCE_LIMITS.files} files` };
  }
  return {
    ok: true,
    value: entries.filter((path) => !path.endsWith("/") && !path.startsWith(".git/")),
  };
}

/** Reads a file of at most `maxBytes`, checking its size first. */
export async function readSmallFile(
  tree: Directory,
  path: string,
  maxBytes: number,
): Promise<SourceRead<string>> {
  const file = tree.file(path);
  const size = await file.size();
  if (size > maxBytes)
    return { ok: false, reason: `${path} is larger than ${Math.round(maxBytes / 1024)} KiB` };
  return { ok: true, value: await file.contents() };
}

/** Reads the given manifests that exist, in parallel, each within the manifest size limit. */
export async function readFiles(
  tree: Directory,
  files: ReadonlySet<string>,
  paths: readonly string[],
): Promise<SourceRead<Map<string, string>>> {
  const present = paths.filter((path) => files.has(path));
  const reads = await Promise.all(
    present.map((path) => readSmallFile(tree, path, SOURCE_LIMITS.manifestBytes)),
  );
  const contents = new Map<string, string>();
  for (const [i, read] of reads.entries()) {
    if (!read.ok) return read;
    contents.set(present[i] ?? "", read.value);
  }
  return { ok: true, value: contents };
}
