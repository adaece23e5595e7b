import { expect, it } from "vitest";
import { escapeMarkdown } from "./escape-markdown.ts";

it.each([
  [
    "plain text",
    "Dagger engine unreachable at 127.0.0.1:8080",
    "Dagger engine unreachable at 127.0.0.1:8080",
  ],
  ["a table pipe", "a | b", "a \\| b"],
  ["backticks", "run `npm ci`", "run \\`npm ci\\`"],
  ["emphasis", "*bold* _it_ ~~del~~", "\\*bold\\* \\_it\\_ \\~\\~del\\~\\~"],
  ["a link and an image", "![x](y) [a](b)", "\\!\\[x\\](y) \\[a\\](b)"],
  ["raw HTML and entities", "<img src=x> &amp;", "\\<img src=x\\> \\&amp;"],
  ["a backslash before a pipe", "\\|", "\\\\\\|"],
  ["mentions, references and math", "@octocat #12 $x$", "\\@octocat \\#12 \\$x\\$"],
])("escapes %s", (_name, text, expected) => {
  expect(escapeMarkdown(text)).toBe(expected);
});
