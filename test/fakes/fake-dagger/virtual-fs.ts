import { matchesGlob, posix } from "node:path";

/** Files by normalized relative path (no leading or trailing slash). Directories are implied. */
export type Vfs = ReadonlyMap<string, string>;

export function vfsFrom(files: Record<string, string>): Vfs {
  return new Map(Object.entries(files).map(([p, c]) => [normalizePath(p), c]));
}

/** `/a/./b/` → `a/b`; the root is `""`. Relative paths resolve against `cwd`. */
export function normalizePath(path: string, cwd = "/"): string {
  const joined = posix.resolve("/", cwd.replace(/^\/*/, "/"), path);
  return joined === "/" ? "" : joined.slice(1);
}

function under(dir: string, path: string): string | undefined {
  if (dir === "") return path;
  return path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : undefined;
}

export function isDirectory(fs: Vfs, dir: string): boolean {
  if (dir === "") return true;
  for (const path of fs.keys()) if (under(dir, path) !== undefined) return true;
  return false;
}

/** The files under `dir`, re-rooted there; `undefined` when there is no such directory. */
export function subtree(fs: Vfs, dir: string): Vfs | undefined {
  if (!isDirectory(fs, dir)) return undefined;
  const out = new Map<string, string>();
  for (const [path, contents] of fs) {
    const rel = under(dir, path);
    if (rel !== undefined) out.set(rel, contents);
  }
  return out;
}

/** Direct children of `dir`, sorted, directories with a trailing slash (engine ≥ v0.17). */
export function entries(fs: Vfs, dir: string): string[] | undefined {
  const sub = subtree(fs, dir);
  if (sub === undefined) return undefined;
  const names = new Set<string>();
  for (const path of sub.keys()) {
    const [first, ...rest] = path.split("/");
    if (first !== undefined) names.add(rest.length > 0 ? `${first}/` : first);
  }
  return [...names].sort();
}

/** Every file and directory matching `pattern`, sorted, directories with a trailing slash. */
export function glob(fs: Vfs, pattern: string): string[] {
  const candidates = new Set<string>();
  for (const path of fs.keys()) {
    candidates.add(path);
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) candidates.add(`${parts.slice(0, i).join("/")}/`);
  }
  return [...candidates].filter((c) => matchesGlob(c.replace(/\/$/, ""), pattern)).sort();
}

function matchesAny(path: string, patterns: string[]): boolean {
  const parts = path.split("/");
  // A pattern naming a directory selects everything below it, as in .dockerignore.
  return patterns.some((pattern) =>
    parts.some((_, i) => matchesGlob(parts.slice(0, i + 1).join("/"), pattern.replace(/\/$/, ""))),
  );
}

/** `fs` with `source`'s files copied under `dir`, filtered by include/exclude patterns. */
export function withDirectory(
  fs: Vfs,
  dir: string,
  source: Vfs,
  filter: { include?: string[]; exclude?: string[] } = {},
): Vfs {
  const out = new Map(fs);
  for (const [path, contents] of source) {
    if (
      filter.include !== undefined &&
      filter.include.length > 0 &&
      !matchesAny(path, filter.include)
    )
      continue;
    if (filter.exclude !== undefined && matchesAny(path, filter.exclude)) continue;
    out.set(dir === "" ? path : `${dir}/${path}`, contents);
  }
  return out;
}

export function withFile(fs: Vfs, path: string, contents: string): Vfs {
  return new Map(fs).set(path, contents);
}

/** `fs` without the file or directory at `path`. */
export function without(fs: Vfs, path: string): Vfs {
  const out = new Map(fs);
  for (const key of fs.keys()) if (key === path || under(path, key) !== undefined) out.delete(key);
  return out;
}
