const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * Parses a duration such as `900`, `900s`, `15m`, `1h` or `250ms` into milliseconds.
 * A bare number means seconds, the unit operators most often think in for timeouts.
 * Returns `undefined` when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!match?.[1]) return undefined;
  const unit = (match[2] ?? "s") as keyof typeof UNIT_MS;
  return Number(match[1]) * UNIT_MS[unit];
}
