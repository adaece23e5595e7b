import { expect, it } from "vitest";
import { shorten } from "./shorten.ts";

it.each([
  ["fits", "main", 10, "main"],
  ["exactly fits", "abcdefghij", 10, "abcdefghij"],
  ["one too long", "abcdefghijk", 10, "abcdefghi…"],
  ["line breaks and tabs", "one\r\ntwo\tthree\n", 20, "one two three"],
  ["control characters", "a\u0000b\u001bc", 10, "a b c"],
  ["bidi overrides", "safe\u202eevil\u202c", 20, "safeevil"],
  ["trailing space before the ellipsis", "abcd efgh", 6, "abcd…"],
  ["an emoji at the cut", "ab😀cd", 4, "ab…"],
  ["a family emoji at the cut", "a👨‍👩‍👧b", 6, "a…"],
  ["a decomposed accent at the cut", "cafe\u0301 noir", 5, "caf…"],
  ["no room", "abc", 0, ""],
])("shortens text that %s", (_name, text, max, expected) => {
  const result = shorten(text, max);
  expect(result).toBe(expected);
  expect(result.length).toBeLessThanOrEqual(max);
});
