type Token =
  { kind: "star"; crossesSlash: boolean } | { kind: "one" } | { kind: "char"; char: string };

function tokenize(pattern: readonly string[]): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] ?? "";
    if (char === "?") {
      tokens.push({ kind: "one" });
    } else if (char !== "*") {
      tokens.push({ kind: "char", char });
    } else {
      let stars = 1;
      while (pattern[i + 1] === "*") {
        stars++;
        i++;
      }
      tokens.push({ kind: "star", crossesSlash: stars > 1 });
    }
  }
  return tokens;
}

/**
 * Whether `text` (a branch name) matches a glob: `*` is any run of characters without `/`, `**`
 * any run including `/`, `?` one character other than `/`; everything else matches itself.
 * These are the branch-filter semantics of GitHub Actions, except that `?` is a wildcard.
 *
 * Matching is a dynamic programme over (pattern position, text position) rather than a regular
 * expression, so a pattern such as `*a*a*a*a*b` cannot backtrack exponentially. Patterns and names
 * are compared by code point (`?` matches one emoji; a combining sequence is several characters).
 */
export function matchGlob(pattern: string, text: string): boolean {
  const chars = Array.from(text);
  // reachable[i]: the tokens consumed so far can match the first i characters of the text.
  let reachable = Array.from({ length: chars.length + 1 }, (_, i) => i === 0);
  for (const token of tokenize(Array.from(pattern))) {
    const next: boolean[] = [];
    for (let i = 0; i <= chars.length; i++) {
      const previous = chars[i - 1];
      if (token.kind === "star") {
        const grows = i > 0 && next[i - 1] === true && (token.crossesSlash || previous !== "/");
        next.push(reachable[i] === true || grows);
      } else {
        const fits = token.kind === "one" ? previous !== "/" : previous === token.char;
        next.push(previous !== undefined && reachable[i - 1] === true && fits);
      }
    }
    reachable = next;
  }
  return reachable[chars.length] === true;
}
