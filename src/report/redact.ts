const MASK = "***";

/** Shorter "secrets" (a port, `true`, an empty value) would mask ordinary words all over a log. */
const MIN_SECRET_LENGTH = 4;

/**
 * Things that look like credentials whoever leaked them. Capture group 1, when the pattern has
 * one, is the part to mask (so `x-access-token:***@` keeps its shape); otherwise the whole match.
 */
const CREDENTIAL_PATTERNS: readonly RegExp[] = [
  // GitHub token formats: a fixed prefix then base62 (github_pat_ also uses `_`).
  /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})/dg,
  // Git's installation-token URLs, also when printed outside a URL (git config, error messages).
  /x-access-token:([^\s@]+)@/dgi,
  // Any userinfo password in a URL: scheme://user:password@host.
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:([^\s/?#]+)@/dgi,
  /\bauthorization["']?\s*[:=]\s*["']?(?:bearer|token|basic)\s+([^\s"'`,;]+)/dgi,
  // A PEM private key; an unterminated one (a log cut after BEGIN) is masked to the end.
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----\s*([\s\S]*?)\s*(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/dg,
];

const PEM_END = /-----END [A-Z0-9 ]*PRIVATE KEY-----/g;
const PEM_BODY_LINE = /^[A-Za-z0-9+/=]+\r?$/;

type Range = readonly [start: number, end: number];

/**
 * Replaces every occurrence of each known secret, and anything that looks like a credential,
 * with `***`. Occurrences are collected on the original text and overlapping ones are masked as
 * one, so a secret that contains or overlaps another is masked entirely, whatever the order.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  // Masking can only join text around a `***`, so a second pass settles anything a first pass
  // exposed (a secret that itself contains `***`); the bound keeps pathological input cheap.
  for (let pass = 0; pass < 3; pass++) {
    const next = maskRanges(result, findRanges(result, secrets));
    if (next === result) break;
    result = next;
  }
  return result;
}

function findRanges(text: string, secrets: readonly string[]): Range[] {
  const ranges: Range[] = [];
  for (const secret of new Set(secrets)) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    // Step by one so overlapping occurrences of a self-similar secret are all found.
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
      ranges.push([at, at + secret.length]);
    }
  }
  for (const pattern of CREDENTIAL_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const range = match.indices?.[1] ?? match.indices?.[0];
      if (range !== undefined && range[1] > range[0]) ranges.push(range);
    }
  }
  ranges.push(...headlessKeyBodies(text));
  return ranges;
}

/** A log tail can start inside a key: mask the base64 lines right above an END line. */
function headlessKeyBodies(text: string): Range[] {
  const ranges: Range[] = [];
  for (const match of text.matchAll(PEM_END)) {
    let start = match.index;
    while (start > 0 && text[start - 1] === "\n") {
      const lineStart = start >= 2 ? text.lastIndexOf("\n", start - 2) + 1 : 0;
      if (!PEM_BODY_LINE.test(text.slice(lineStart, start - 1))) break;
      start = lineStart;
    }
    if (start < match.index) ranges.push([start, match.index - 1]);
  }
  return ranges;
}

function maskRanges(text: string, ranges: Range[]): string {
  if (ranges.length === 0) return text;
  const sorted = ranges.toSorted((a, b) => a[0] - b[0]);
  let result = "";
  let copied = 0;
  let maskEnd = -1;
  for (const [start, end] of sorted) {
    if (start <= maskEnd) {
      maskEnd = Math.max(maskEnd, end);
      continue;
    }
    if (maskEnd !== -1) copied = maskEnd;
    result += text.slice(copied, start) + MASK;
    maskEnd = end;
  }
  return result + text.slice(maskEnd);
}
