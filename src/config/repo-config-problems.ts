/** The repository configuration file, relative to the repository root. */
export const REPO_CONFIG_FILE = ".slipway.yml";

/** One thing wrong with `.slipway.yml`, phrased as what is allowed. */
export interface RepoConfigProblem {
  /** The field, e.g. `resources.cpu`, `branches[2]`, or `(file)` for the file as a whole. */
  path: string;
  /** What is allowed, e.g. "must be at most 4 CPUs". */
  message: string;
  /** The offending value as JSON, at most 200 characters. */
  value?: string;
  /** 1-based line of the offending key or value, or 1. */
  line: number;
}

/** A check-run annotation as GitHub's REST API takes it (`output.annotations[]`). */
export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "failure";
  title: string;
  message: string;
}

/** GitHub accepts at most 50 annotations per request. */
const MAX_ANNOTATIONS = 50;
/** GitHub's limit on an annotation title. */
const MAX_TITLE = 255;

function describe(problem: RepoConfigProblem): string {
  return problem.value === undefined
    ? problem.message
    : `${problem.message} (got ${problem.value})`;
}

/** The problems as check-run text, one line each: `.slipway.yml:3: port: must be … (got "x")`. */
export function formatProblems(problems: readonly RepoConfigProblem[]): string {
  return problems
    .map((problem) => `${REPO_CONFIG_FILE}:${problem.line}: ${problem.path}: ${describe(problem)}`)
    .join("\n");
}

/** The problems as annotations on `.slipway.yml`, at most the 50 GitHub takes in one request. */
export function problemAnnotations(problems: readonly RepoConfigProblem[]): CheckRunAnnotation[] {
  return problems.slice(0, MAX_ANNOTATIONS).map((problem) => ({
    path: REPO_CONFIG_FILE,
    start_line: problem.line,
    end_line: problem.line,
    annotation_level: "failure",
    title: `Invalid ${problem.path}`.slice(0, MAX_TITLE),
    message: describe(problem),
  }));
}
