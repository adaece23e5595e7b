import { expect, it } from "vitest";
import { fencedBlock } from "./fenced-block.ts";

it.each([
  ["a plain log", "npm ci\nexit 1", "```\nnpm ci\nexit 1\n```"],
  ["a log ending in a newline", "exit 1\n", "```\nexit 1\n```"],
  ["a log with a fence in it", "a\n```\nb", "````\na\n```\nb\n````"],
  ["a log with a long backtick run", "x ````` y", "``````\nx ````` y\n``````"],
  ["an empty log", "", "```\n\n```"],
])("fences %s", (_name, text, expected) => {
  expect(fencedBlock(text)).toBe(expected);
});
