import { expect, it } from "vitest";
import { inlineCode, longestBacktickRun } from "./inline-code.ts";

it.each([
  ["plain text", "main", "`main`"],
  ["unicode and a pipe", "feature/ünïcødé|x", "`feature/ünïcødé|x`"],
  ["a backtick inside", "a`b", "``a`b``"],
  ["a run of backticks inside", "a```b`c", "````a```b`c````"],
  ["a backtick at an edge", "`x", "`` `x ``"],
  ["spaces at both edges", " a ", "`  a  `"],
  ["only spaces", "  ", "`  `"],
  ["nothing", "", "` `"],
  ["line breaks", "a\r\nb\nc", "`a b c`"],
])("wraps %s", (_name, text, expected) => {
  expect(inlineCode(text)).toBe(expected);
});

it.each([
  ["", 0],
  ["no ticks", 0],
  ["a`b", 1],
  ["``` and `````", 5],
])("finds the longest backtick run in %j", (text, expected) => {
  expect(longestBacktickRun(text)).toBe(expected);
});
