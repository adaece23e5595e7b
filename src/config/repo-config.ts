import { LineCounter, parseDocument, type Document } from "yaml";
import { matchGlob } from "./repo-config-glob.ts";
import { issueProblems } from "./repo-config-issues.ts";
import type { RepoConfigProblem } from "./repo-config-problems.ts";
import { RepoConfig } from "./repo-config-schema.ts";

export { RepoConfig } from "./repo-config-schema.ts";
export {
  formatProblems,
  problemAnnotations,
  REPO_CONFIG_FILE,
  type CheckRunAnnotation,
  type RepoConfigProblem,
} from "./repo-config-problems.ts";

export type RepoConfigResult =
  { ok: true; config: RepoConfig } | { ok: false; problems: RepoConfigProblem[] };

const MAX_BYTES = 64 * 1024;
/** Enough for any sensible file; a low cap stops "billion laughs" alias expansion. */
const MAX_ALIASES = 20;
const MAX_PROBLEMS = 50;
const MAX_SYNTAX_PROBLEMS = 10;

function failed(problems: RepoConfigProblem[]): RepoConfigResult {
  const sorted = problems.toSorted((a, b) => a.line - b.line);
  if (sorted.length <= MAX_PROBLEMS) return { ok: false, problems: sorted };
  const more = sorted.length - (MAX_PROBLEMS - 1);
  const shown = sorted.slice(0, MAX_PROBLEMS - 1);
  return {
    ok: false,
    problems: [...shown, { path: "(file)", message: `and ${more} more problems`, line: 1 }],
  };
}

function syntaxProblems(
  text: string,
  doc: Document,
  lineCounter: LineCounter,
): RepoConfigProblem[] {
  const seen = new Set<string>();
  const problems: RepoConfigProblem[] = [];
  // An error found at the end of input (an unclosed bracket) belongs to the last line with text.
  const lastLine = lineCounter.linePos(Math.max(0, text.trimEnd().length - 1)).line;
  for (const error of doc.errors) {
    const line = Math.min(lineCounter.linePos(error.pos[0]).line, lastLine);
    // Deep nesting reports the same exhaustion at every level; one line per code and line is enough.
    if (seen.has(`${error.code}:${line}`) || problems.length === MAX_SYNTAX_PROBLEMS) continue;
    seen.add(`${error.code}:${line}`);
    const message =
      error.code === "MULTIPLE_DOCS"
        ? "must hold a single YAML document (remove the second ---)"
        : error.code === "RESOURCE_EXHAUSTION"
          ? "nests too deeply to read"
          : `is not valid YAML: ${error.message}`;
    problems.push({ path: "(file)", message, line });
  }
  return problems;
}

function parse(text: string): RepoConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: "error" });
  if (doc.errors.length > 0) return failed(syntaxProblems(text, doc, lineCounter));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch {
    const message = `uses too many YAML aliases (at most ${MAX_ALIASES}) or nests too deeply`;
    return failed([{ path: "(file)", message, line: 1 }]);
  }
  // An empty file, or one with only comments, is a file that sets nothing.
  const result = RepoConfig.safeParse(data ?? {});
  if (result.success) return { ok: true, config: result.data };
  return failed(
    result.error.issues.flatMap((issue) => issueProblems(issue, doc, lineCounter, data)),
  );
}

/**
 * Reads `.slipway.yml`. `undefined` (no file), an empty file and a `null` document give the
 * defaults. Otherwise every problem is reported — syntax errors, unknown keys, bad values — with
 * the line it is on, ready for {@link formatProblems} and {@link problemAnnotations}. Never throws.
 */
export function parseRepoConfig(text: string | undefined): RepoConfigResult {
  if (text === undefined) return parse("");
  if (text.length > MAX_BYTES || new TextEncoder().encode(text).length > MAX_BYTES) {
    return failed([{ path: "(file)", message: "file too large: at most 64 KiB", line: 1 }]);
  }
  try {
    return parse(text);
  } catch {
    // Nothing above is expected to throw; a parser bug must still fail the check run, not the job.
    return failed([{ path: "(file)", message: "could not be read as YAML", line: 1 }]);
  }
}

/** Whether pushes to `branch` are deployed: it matches one of the `branches` globs. */
export function branchSelected(config: Pick<RepoConfig, "branches">, branch: string): boolean {
  return config.branches.some((pattern) => matchGlob(pattern, branch));
}
