// Build tools colour their output; GitHub would show the escape codes as `[32m` noise.
const ANSI_ESCAPES =
  // eslint-disable-next-line no-control-regex -- matching ESC and BEL is the point
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;

/** Removes ANSI colour, cursor and hyperlink escape sequences from terminal output. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPES, "");
}
