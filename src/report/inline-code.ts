/**
 * Wraps `text` in a code span that its own backticks cannot close, on one line.
 * Not for table cells: GitHub splits cells on `|` even inside code spans.
 */
export function inlineCode(text: string): string {
  const content = text.replace(/[\r\n]+/g, " ");
  if (content === "") return "` `";
  const fence = "`".repeat(longestBacktickRun(content) + 1);
  // CommonMark strips one space from each side of a span, so pad when the content would lose
  // a space or would merge its edge backtick into the fence.
  const pad =
    content.startsWith("`") ||
    content.endsWith("`") ||
    (content.startsWith(" ") && content.endsWith(" ") && content.trim() !== "")
      ? " "
      : "";
  return `${fence}${pad}${content}${pad}${fence}`;
}

export function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  return longest;
}
