import { longestBacktickRun } from "./inline-code.ts";

/** A fenced code block whose fence is longer than any backtick run in `text`, so none closes it. */
export function fencedBlock(text: string): string {
  const fence = "`".repeat(fenceLength(text));
  const body = text.endsWith("\n") ? text : `${text}\n`;
  return `${fence}\n${body}${fence}`;
}

export function fenceLength(text: string): number {
  return Math.max(3, longestBacktickRun(text) + 1);
}
