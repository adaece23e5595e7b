import { expect, it } from "vitest";
import { stripAnsi } from "./strip-ansi.ts";

it.each([
  ["colours", "\u001b[31merror\u001b[0m: \u001b[1;33mwarn\u001b[m", "error: warn"],
  ["cursor movement", "50%\u001b[2K\u001b[1G100%", "50%100%"],
  ["a hyperlink", "\u001b]8;;https://x.test\u0007link\u001b]8;;\u0007", "link"],
  ["a hyperlink ended by ST", "\u001b]8;;https://x.test\u001b\\link", "link"],
  ["plain text", "Step 1/3 [ok]", "Step 1/3 [ok]"],
])("strips %s", (_name, text, expected) => {
  expect(stripAnsi(text)).toBe(expected);
});
