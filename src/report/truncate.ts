/** GitHub rejects a check run whose `output.summary` or `output.text` is longer than this. */
export const CHECK_RUN_TEXT_LIMIT = 65_535;

/**
 * Keeps the start of `text` so that it, plus `note`, fits in `limit` UTF-16 code units.
 * The default note says how many characters were cut.
 */
export function capText(text: string, limit = CHECK_RUN_TEXT_LIMIT, note?: string): string {
  if (text.length <= limit) return text;
  const noteFor = (omitted: number) => note ?? `\n\n… truncated: ${omitted} characters omitted`;
  // The longest note is the one for cutting everything, so reserving its length always fits.
  const room = limit - noteFor(text.length).length;
  if (room < 0) return text.slice(0, pairSafeEnd(text, limit));
  const keep = pairSafeEnd(text, room);
  return text.slice(0, keep) + noteFor(text.length - keep);
}

/**
 * Keeps the end of `text` (a log's newest lines) within `limit`, behind a note saying how many
 * earlier characters were cut. Cuts at a line start unless that would drop over half the room.
 */
export function capTail(text: string, limit = CHECK_RUN_TEXT_LIMIT): string {
  if (text.length <= limit) return text;
  const noteFor = (omitted: number) => `… ${omitted} earlier characters omitted\n`;
  const room = limit - noteFor(text.length).length;
  if (room < 0) return text.slice(pairSafeStart(text, text.length - limit));
  const start = lineSafeStart(text, pairSafeStart(text, text.length - room), room);
  return noteFor(start) + text.slice(start);
}

function lineSafeStart(text: string, start: number, room: number): number {
  if (text[start - 1] === "\n") return start;
  const newline = text.indexOf("\n", start);
  const lineStart = newline + 1;
  if (newline === -1 || lineStart >= text.length || lineStart - start > room / 2) return start;
  return lineStart;
}

/** Moves a cut back by one when it would keep a high surrogate without its low half. */
function pairSafeEnd(text: string, end: number): number {
  return end > 0 &&
    isHighSurrogate(text.charCodeAt(end - 1)) &&
    isLowSurrogate(text.charCodeAt(end))
    ? end - 1
    : end;
}

/** Moves a cut forward by one when it would keep a low surrogate without its high half. */
function pairSafeStart(text: string, start: number): number {
  return start > 0 &&
    isHighSurrogate(text.charCodeAt(start - 1)) &&
    isLowSurrogate(text.charCodeAt(start))
    ? start + 1
    : start;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
