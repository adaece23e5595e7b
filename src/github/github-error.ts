/** The HTTP status of an Octokit request error, or undefined for network errors and others. */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("status" in error)) return undefined;
  return typeof error.status === "number" ? error.status : undefined;
}

/**
 * Whether retrying cannot help: the installation or repository is gone, or GitHub rejected the
 * request as invalid. 5xx, 429, network errors and 403 are transient: a 403 is a rate limit or a
 * suspended installation, and both pass (the sweeper gives up on a run after a day).
 */
export function isPermanentGitHubError(error: unknown): boolean {
  const status = httpStatus(error);
  return (
    status === 400 ||
    status === 401 ||
    status === 404 ||
    status === 410 ||
    status === 422 ||
    status === 451
  );
}
