/**
 * Backslash-escapes the characters that would start markdown syntax inline: emphasis, code,
 * links, raw HTML, entities, table cells (`|`), strikethrough, math (`$`), and GitHub's issue
 * and mention autolinks (`#`, `@`). Line breaks are left alone; callers shorten to one line.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|~&#@!$]/g, "\\$&");
}
