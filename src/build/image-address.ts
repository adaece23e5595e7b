/**
 * One path component of an OCI repository name: lowercase alphanumerics joined by `.`, `_`,
 * `__` or runs of `-`. GitHub names allow capitals and other runs of separators, so those are
 * normalised (GitHub treats names case-insensitively, so lowercasing cannot collide).
 */
function component(name: string, fallback: string): string {
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/[._-]{2,}/g, (run) => (/^-+$/.test(run) || run === "__" ? run : run.charAt(0)))
    .replace(/^[._-]+|[._-]+$/g, "");
  return cleaned === "" ? fallback : cleaned;
}

/** Where a commit's image is published: `<registry>/<owner>/<repo>:<sha>`. */
export function imageAddress(
  registry: string,
  owner: string,
  repo: string,
  repoId: number,
  sha: string,
): string {
  return `${registry}/${component(owner, "owner")}/${component(repo, `repo-${repoId}`)}:${sha}`;
}

/** The registry host of an address (`ghcr.io/acme` → `ghcr.io`), for registry authentication. */
export function registryHost(registry: string): string {
  return registry.split("/")[0] ?? registry;
}
