const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Bidirectional overrides and isolates can make text read differently from what it is. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
const LINE_BREAKS_AND_CONTROLS = /[\s\p{Cc}]+/gu;

/**
 * Makes `text` one line of at most `max` UTF-16 code units: whitespace runs and control
 * characters become one space, and a longer line ends in `…`, cut between grapheme clusters so
 * no emoji or accented letter is split.
 */
export function shorten(text: string, max: number): string {
  const line = text.replace(BIDI_CONTROLS, "").replace(LINE_BREAKS_AND_CONTROLS, " ").trim();
  if (line.length <= max) return line;
  if (max < 1) return "";
  let kept = "";
  for (const { segment } of graphemes.segment(line)) {
    if (kept.length + segment.length > max - 1) break;
    kept += segment;
  }
  return `${kept.trimEnd()}…`;
}
