import { describe, expect, it } from "vitest";
import { capTail, capText, CHECK_RUN_TEXT_LIMIT } from "./truncate.ts";

const EMOJI = "😀🚀✅🎉"; // ✅ is one UTF-16 unit, the others two
const emojiText = EMOJI.repeat(20);

describe("capText", () => {
  it.each([
    ["shorter than the limit", "abc", 10, "abc"],
    ["exactly the limit", "a".repeat(10), 10, "a".repeat(10)],
    ["empty", "", 0, ""],
  ])("returns text %s unchanged", (_name, text, limit, expected) => {
    expect(capText(text, limit)).toBe(expected);
  });

  it.each([
    ["one over the limit", "x".repeat(CHECK_RUN_TEXT_LIMIT + 1)],
    ["a megabyte", "x".repeat(1_000_000)],
    ["a megabyte of emoji", "😀".repeat(500_000)],
  ])("cuts %s to the limit and says how much was cut", (_name, text) => {
    const result = capText(text);
    const match = /\n\n… truncated: (\d+) characters omitted$/.exec(result);
    expect(match).not.toBeNull();
    const omitted = Number(match?.[1]);
    expect(result.length).toBeLessThanOrEqual(CHECK_RUN_TEXT_LIMIT);
    // The note's room is reserved for the longest count, so a digit or two may go unused.
    expect(result.length).toBeGreaterThan(CHECK_RUN_TEXT_LIMIT - 6);
    expect(result.startsWith(text.slice(0, text.length - omitted))).toBe(true);
    expect(result.isWellFormed()).toBe(true);
  });

  it.each([
    ["before a pair", "ab😀cd", 4, "ab~"],
    ["after a pair", "ab😀cd", 5, "ab😀~"],
    ["in a plain run", "abcdef", 4, "abc~"],
  ])("never splits a surrogate pair: cut %s", (_name, text, limit, expected) => {
    expect(capText(text, limit, "~")).toBe(expected);
  });

  it.each(Array.from({ length: emojiText.length + 1 }, (_, limit) => [limit]))(
    "keeps emoji whole and within the limit at limit %i",
    (limit) => {
      const result = capText(emojiText, limit);
      expect(result.length).toBeLessThanOrEqual(limit);
      expect(result.isWellFormed()).toBe(true);
    },
  );
});

describe("capTail", () => {
  const lines = Array.from({ length: 10 }, (_, i) => `line ${i}`).join("\n");

  it.each([
    ["shorter than the limit", "abc", 10],
    ["exactly the limit", lines, lines.length],
  ])("returns text %s unchanged", (_name, text, limit) => {
    expect(capTail(text, limit)).toBe(text);
  });

  it.each([
    // The note for 69 omitted characters takes 32 of the limit.
    [
      "one over the limit, at a line start",
      lines,
      lines.length - 1,
      "line 5\nline 6\nline 7\nline 8\nline 9",
    ],
    ["at the next line start", lines, 50, "line 8\nline 9"],
    ["mid-line when there is no newline", "0123456789".repeat(5), 40, "23456789"],
    [
      "mid-line when the next line is too far",
      `${"x".repeat(100)}\nlast`,
      52,
      `${"x".repeat(14)}\nlast`,
    ],
    ["without splitting an emoji", "😀".repeat(30), 40, "😀".repeat(4)],
    ["without splitting an emoji at an odd cut", `a${"😀".repeat(30)}`, 41, "😀".repeat(4)],
  ])("keeps the end %s", (_name, text, limit, tail) => {
    const result = capTail(text, limit);
    expect(result).toBe(`… ${text.length - tail.length} earlier characters omitted\n${tail}`);
    expect(result.length).toBeLessThanOrEqual(limit);
  });

  it("keeps the newest lines of a megabyte of log", () => {
    const log = Array.from({ length: 50_000 }, (_, i) => `step ${i}: ${"·".repeat(12)}`).join("\n");
    const result = capTail(log);
    expect(result.length).toBeLessThanOrEqual(CHECK_RUN_TEXT_LIMIT);
    expect(result).toMatch(/^… \d+ earlier characters omitted\nstep \d+: /);
    expect(result.endsWith("step 49999: ············")).toBe(true);
  });

  it.each(Array.from({ length: emojiText.length + 1 }, (_, limit) => [limit]))(
    "keeps emoji whole and within the limit at limit %i",
    (limit) => {
      const result = capTail(emojiText, limit);
      expect(result.length).toBeLessThanOrEqual(limit);
      expect(result.isWellFormed()).toBe(true);
    },
  );
});
