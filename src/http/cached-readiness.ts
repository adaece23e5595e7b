/** A readiness check that costs API calls, run at most once per `ttlMs`. */
export function cachedReadiness(
  check: () => Promise<{ ok: true } | { ok: false; problems: string[] }>,
  ttlMs: number,
): () => Promise<void> {
  let last: { at: number; problems: string[] } | undefined;
  return async () => {
    if (last === undefined || Date.now() - last.at > ttlMs) {
      const result = await check();
      last = { at: Date.now(), problems: result.ok ? [] : result.problems };
    }
    if (last.problems.length > 0) throw new Error(last.problems.join("; "));
  };
}
