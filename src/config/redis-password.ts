/** The password in a Redis URL (`redis://:password@host`), for the redaction list. */
export function redisPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
